#!/bin/bash
# Untrusted YAML: nesting depth limited, reader errors at their own line:col,
# duplicate keys reported by lint and refused in infraexec.yaml.
. "$(dirname "$0")/../lib.sh"

# deep N: "[[...]]" N deep, on one line.
deep() { python3 -c "import sys; n=int(sys.argv[1]); print('['*n + ']'*n)" "$1"; }

mkdir -p "$T/tasks/active"
{ printf -- '---\nid: TASK-DEEP\ntitle: deep\nx: '; deep 47500; printf -- '---\n## Acceptance Criteria\n- [ ] a\n'; } \
    >"$T/tasks/active/deep.md"
cp "$T/tasks/active/deep.md" "$T/deep.orig"
for cmd in show lint; do
    ix $cmd "$T/tasks/active/deep.md"
    is "$rc" 2 "$cmd: 47,500 nested lists exit 2, no crash"
    like "$out$err" "$T/tasks/active/deep.md:4:67: frontmatter nests collections deeper than 64 levels" \
        "$cmd: file:line:col of the first list too deep"
done
ix list --tasks-dir "$T/tasks"
is "$rc" 2 "list: the deep file makes list exit 2, no crash"
like "$err" "deeper than 64 levels" "list: names the problem"
ix next --tasks-dir "$T/tasks"
# The queue skips a file it cannot parse, with a warning (never fatal for
# the queue): nothing else is queued, so next has nothing to run.
is "$rc" 1 "next: the deep file is skipped (exit 1: nothing to run), no crash"
like "$err" "deeper than 64 levels" "next: names the problem"
ok "deep file untouched" cmp "$T/tasks/active/deep.md" "$T/deep.orig"
rm "$T/tasks/active/deep.md"

# 62 lists inside the root mapping (63 levels with it) still parse; one more does not.
{ printf -- '---\nid: TASK-OK\ntitle: ok\nx: '; deep 63; printf -- '---\n## Acceptance Criteria\n- [ ] a\n'; } >"$T/ok.md"
ix show "$T/ok.md" --json
is "$rc" 0 "64 levels (root mapping and 63 lists) are allowed"
# ... and reach Lua whole, as ix.task().frontmatter: each level made with
# room on the Lua stack (it used to write past its end)
mkdir -p "$T/lua/tasks/active" "$T/lua/handlers"
cp "$T/ok.md" "$T/lua/tasks/active/TASK-OK.md"
sed -i 's/^title: ok$/title: ok\nlabels: [deep]/' "$T/lua/tasks/active/TASK-OK.md"
printf 'return { rules = {}, labels = { deep = "deep" } }\n' >"$T/lua/handlers/types.lua"
cat >"$T/lua/handlers/deep.lua" <<'LUA'
local ix = require "infraexec"
local function depth(v) local n = 0 while type(v) == "table" do n, v = n + 1, v[1] end return n end
return { rules = { { pattern = "^a$", run = function()
  local seen = tostring(depth(ix.task().frontmatter.x))
  return false, seen, { ok = false, looked_at = "depth", expected = "-", seen = seen }
end } } }
LUA
ix run TASK-OK --tasks-dir "$T/lua/tasks" --dry-run --json -q
is "$(jq -r '.criteria[0].reason' <<<"$out")" "63" "the deepest frontmatter reaches Lua, no memory error"
{ printf -- '---\nid: TASK-OK\ntitle: ok\nx: '; deep 64; printf -- '---\n## Acceptance Criteria\n- [ ] a\n'; } >"$T/ok.md"
ix show "$T/ok.md"
is "$rc" 2 "65 levels are refused"
# mappings count as well as lists
{ printf -- '---\nid: TASK-OK\ntitle: ok\nx: '; python3 -c "print('{a: '*70 + '1' + '}'*70)"; printf -- '---\n## Acceptance Criteria\n- [ ] a\n'; } >"$T/map.md"
ix show "$T/map.md"
like "$err" "$T/map.md:4:" "nested flow mappings: limited too, at line 4"
like "$err" "deeper than 64 levels" "nested flow mappings: message"

# A control character is reported where it is, not at the block's start.
printf -- '---\nid: T\ntitle: x\nnote: "a\001b"\n---\n## Acceptance Criteria\n- [ ] a\n' >"$T/ctl.md"
ix show "$T/ctl.md"
is "$rc" 2 "control character in the frontmatter: exit 2"
is "$err" "infraexec: $T/ctl.md:4:9: invalid YAML frontmatter: control characters are not allowed" \
    "control character: line 4, column of the character"
printf -- '---\nid: T\ntitle: "caf\xc3\xa9\002"\n---\n## Acceptance Criteria\n- [ ] a\n' >"$T/ctl2.md"
ix lint "$T/ctl2.md"
is "$out" "$T/ctl2.md:3:13: invalid YAML frontmatter: control characters are not allowed" \
    "control character after a multi-byte character: column counts characters"

# Duplicate keys: lint reports the second, at its line:col.
printf -- '---\nid: TASK-1\ntitle: x\nid: TASK-2\nmeta:\n  owner: a\n  owner: b\n---\n## Acceptance Criteria\n- [ ] a\n' >"$T/dup.md"
ix lint "$T/dup.md"
is "$rc" 2 "lint: duplicate keys exit 2"
like "$out" "$T/dup.md:4:1: duplicate key 'id' (first at line 2" "lint: top-level duplicate at its line:col"
like "$out" "$T/dup.md:7:3: duplicate key 'owner' (first at line 6" "lint: nested duplicate at its line:col"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 2 "lint: one line per duplicate"
printf -- '---\nid: TASK-1\ntitle: x\nmeta:\n  owner: a\nother:\n  owner: b\n---\n## Acceptance Criteria\n- [ ] a\n' >"$T/nodup.md"
ix lint "$T/nodup.md"
is "$rc" 0 "lint: the same key in two different maps is no duplicate"

# infraexec.yaml: same limits, its own words, duplicates refused.
W=$T/ws
mkdir -p "$W/tasks/active"
printf -- '---\nid: TASK-C\ntitle: c\n---\n## Acceptance Criteria\n- [ ] Something\n' >"$W/tasks/active/TASK-C.md"
cp "$W/tasks/active/TASK-C.md" "$T/c.orig"
bad_config() { # DESC NEEDLE (the config is in $W/infraexec.yaml)
    ix run TASK-C --tasks-dir "$W/tasks" -q
    is "$rc" 2 "$1: exit 2"
    like "$err" "$2" "$1: message"
    unlike "$err" "frontmatter" "$1: the message speaks of the config, not frontmatter"
    one_line "$err" "$1: one line"
    ok "$1: task untouched" cmp "$W/tasks/active/TASK-C.md" "$T/c.orig"
}
{ printf 'secrets: '; deep 47500; } >"$W/infraexec.yaml"
bad_config "deeply nested config" "$W/infraexec.yaml:1:73: config nests collections deeper than 64 levels"
printf 'timeout: 5\nsecrets: [a]\ntimeout: 7\n' >"$W/infraexec.yaml"
bad_config "duplicate key in the config" "$W/infraexec.yaml:3:1: duplicate key 'timeout' (first at line 1)"
printf 'projects:\n  app:\n    path: .\n    path: /elsewhere\n' >"$W/infraexec.yaml"
bad_config "nested duplicate key in the config" "$W/infraexec.yaml:4:5: duplicate key 'path' (first at line 3)"
printf 'timeout: 5\nsecrets: ["a\001"]\n' >"$W/infraexec.yaml"
bad_config "control character in the config" "$W/infraexec.yaml:2:13: invalid YAML config: control characters"
printf -- '- a\n' >"$W/infraexec.yaml"
bad_config "config that is not a mapping" "$W/infraexec.yaml:1:1: config must be a mapping"
printf 'a: 1\n---\nb: 2\n' >"$W/infraexec.yaml"
bad_config "two documents" "$W/infraexec.yaml:2:1: config holds more than one YAML document"

done_testing
