#!/bin/bash
# infraexec yaml get/set: a format-preserving yq for scripts and people.
. "$(dirname "$0")/../lib.sh"

cat >"$T/hr.yaml" <<'YAML'
---
# first document
kind: ConfigMap
data: {a: "1"}
---
# FFL release
kind: HelmRelease
spec:
  values:

    image:
      tag: 0.1.17   # bumped by release tasks
    workers:
    - name: a
      image: {repository: x, tag: '0.1.17'}
YAML
cp "$T/hr.yaml" "$T/orig.yaml"
ix yaml get "$T/hr.yaml" spec.values.image.tag --doc 1
is "$out" "0.1.17" "get from the second document"
ix yaml set "$T/hr.yaml" spec.values.workers.0.image.tag 0.1.18 --doc 1 --dry-run
like "$out" "-      image: {repository: x, tag: '0.1.17'}" "dry run prints the diff"
like "$out" "+      image: {repository: x, tag: '0.1.18'}" "... with the quoted value kept quoted"
ok "dry run leaves the file alone" cmp "$T/hr.yaml" "$T/orig.yaml"
is "$out" "--- $T/hr.yaml
+++ $T/hr.yaml
@@ -12,4 +12,4 @@
       tag: 0.1.17   # bumped by release tasks
     workers:
     - name: a
-      image: {repository: x, tag: '0.1.17'}
+      image: {repository: x, tag: '0.1.18'}" "... as diff -u prints it (no function context after @@)"
# libgit2 makes the diff, loaded on first use: a libgit2 that cannot be
# loaded (an empty file found first on the library path) is said plainly
so=libgit2.so.$(pkg-config --modversion libgit2 | cut -d. -f1,2)
mkdir -p "$T/nolib" && : >"$T/nolib/$so"
LD_LIBRARY_PATH=$T/nolib ix yaml set "$T/hr.yaml" spec.values.image.tag 0.1.19 --doc 1 --dry-run
is "$rc" 2 "dry run without libgit2: exit 2"
like "$err" "$so is needed for git (commits, status, identity, diffs) and cannot be loaded" \
    "... naming the library and what needs it"
like "$err" "install the package libgit2-" "... and the package"
is "$out" "" "... and no partial diff"
ok "... the file alone" cmp "$T/hr.yaml" "$T/orig.yaml"
ix yaml set "$T/hr.yaml" spec.values.image.tag 0.1.18 --doc 1
is "$rc" 0 "set"
is "$(diff "$T/orig.yaml" "$T/hr.yaml" | grep -c '^[<>]')" 2 "exactly one line changed"
like "$(cat "$T/hr.yaml")" "      tag: 0.1.18   # bumped by release tasks" "comment and spacing kept"
ix yaml set "$T/hr.yaml" spec.values.missing x --doc 1
is "$rc" 2 "missing path: exit 2"
like "$err" "$T/hr.yaml: path 'spec.values.missing': no key 'missing'" "missing path named with the file"
ix yaml get "$T/hr.yaml" kind --doc 5
is "$rc" 2 "document out of range: exit 2"
ix yaml frob "$T/hr.yaml" kind
is "$rc" 2 "unknown yaml verb: exit 2"

# A string stays a string: what would load as another type under YAML 1.1
# or 1.2 is quoted, in the file's quote style; a plain non-string stays plain.
cat >"$T/types.yaml" <<'YAML'
image:
  tag: "1.19"   # HelmRelease tag
  old: '1.19'
  name: backend
  app: backend
replicas: 3
count: !!int 3
YAML
ix yaml set "$T/types.yaml" image.tag 1.20
is "$rc" 0 "set 1.20 over a quoted tag"
like "$(cat "$T/types.yaml")" '  tag: "1.20"   # HelmRelease tag' "1.20 stays the string \"1.20\", comment kept"
ix yaml set "$T/types.yaml" image.old 1.20
like "$(cat "$T/types.yaml")" "  old: '1.20'" "single quotes kept"
for v in yes no on null '~' 012 1e3 2024-01-01 1.20; do
    ix yaml set "$T/types.yaml" image.name "$v"
    is "$rc" 0 "set $v over a plain string"
    like "$(cat "$T/types.yaml")" "  name: \"$v\"" "$v over a plain string gets double quotes"
    ix yaml get "$T/types.yaml" image.name
    is "$out" "$v" "$v reads back as the same string"
done
ix yaml set "$T/types.yaml" image.app 0.1.18
like "$(cat "$T/types.yaml")" "  app: 0.1.18" "a version string stays plain"
ix yaml set "$T/types.yaml" replicas 4
like "$(cat "$T/types.yaml")" "replicas: 4" "an int over an int stays plain"
cp "$T/types.yaml" "$T/types.orig"
ix yaml set "$T/types.yaml" count abc
is "$rc" 2 "!!int with a non-integer: exit 2"
is "$err" "infraexec: $T/types.yaml:7:14: path 'count': the scalar is tagged !!int and the new value is not one; refusing" \
    "one line naming file:line:col"
ok "refused: file unchanged" cmp "$T/types.yaml" "$T/types.orig"
ix yaml set "$T/types.yaml" count 5
is "$rc" 0 "!!int with an integer is written"
like "$(cat "$T/types.yaml")" "count: !!int 5" "... keeping the tag"

# The same rules through ix.yaml_set, which the deploy action (act/gitops.lua
# set_tags) edits HelmRelease tags with: a workspace handler reports what it
# got as the criterion's reason.
W=$T/ws
mkdir -p "$W/tasks/active" "$W/handlers"
printf 'return { rules = {}, labels = { yamltest = "yamltest" }, always = {} }\n' >"$W/handlers/types.lua"
cat >"$W/handlers/yamltest.lua" <<'LUA'
local ix = require "infraexec"
local function check()
  local new = ix.yaml_set('tag: "1.19"  # r\nsha: abc1234\n', "tag", "1.20")
  new = ix.yaml_set(new, "sha", "1234567") -- a commit id the deploy action takes as a version
  local got, err = ix.yaml_set("port: !!int 80\n", "port", "http")
  local seen = new .. "|" .. tostring(got) .. "|" .. tostring(err)
  return false, seen, { ok = false, looked_at = "ix.yaml_set", expected = "quoted", seen = seen }
end
return { rules = { { pattern = "^Check yaml_set$", kind = "assertion", observe = "file.contains", run = check } } }
LUA
printf -- '---\nid: TASK-850\ntitle: yaml_set\nlabels: [yamltest]\n---\n## Acceptance Criteria\n- [ ] Check yaml_set\n' \
    >"$W/tasks/active/TASK-850.md"
ix run "$W/tasks/active/TASK-850.md" --dry-run --json -q
is "$(jq -r '.criteria[0].reason' <<<"$out")" 'tag: "1.20"  # r
sha: "1234567"
|nil|1:13: path '"'port'"': the scalar is tagged !!int and the new value is not one; refusing' \
    "ix.yaml_set: 1.20 and an all-digit commit id stay strings, !!int refuses a non-integer"

done_testing
