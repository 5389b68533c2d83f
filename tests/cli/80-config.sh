#!/bin/bash
# infraexec.yaml: found walking up, validated with file:line, given to Lua.
. "$(dirname "$0")/../lib.sh"

W=$T/lab
mkdir -p "$W/tasks/active" "$W/handlers"
cat >"$W/tasks/active/TASK-930.md" <<'MD'
---
id: TASK-930
title: Config
labels: [testing]
---
## Acceptance Criteria
- [ ] Show the config
MD
testing_label "$W"
cat >"$W/handlers/testing.lua" <<'LUA'
local ix = require "infraexec"
return { rules = { { pattern = "^Show the config", run = function()
  local c = ix.config()
  local seen = table.concat({ c.registry.address, c.registry.ca,
    tostring(c.registry.insecure_skip_verify), c.projects.ffl.build[1],
    type(c.projects.ffl.lint[1]) .. ":" .. c.projects.ffl.lint[1], c.path }, " ")
  return true, seen, { ok = true, looked_at = "ix.config()", expected = "a config", seen = seen }
end } } }
LUA
cat >"$T/infraexec.yaml" <<'YAML'
# one level above the workspace: found by walking up
registry:
  address: 127.0.0.1:5000
  ca: certs/ca.pem
  insecure_skip_verify: false
projects:
  ffl:
    path: projects/ffl
    build: [./scripts/build.sh, --push, all]
    images: [ffl/backend, ffl/frontend]
    lint: [true]
YAML
ix run TASK-930 --tasks-dir "$W/tasks" -q
is "$rc" 2 "preflight: a configured project directory that does not exist stops the run"
like "$err" "$T/projects/ffl: projects.ffl.path does not exist" "preflight names it"
mkdir -p "$T/projects/ffl"
ix run TASK-930 --tasks-dir "$W/tasks" -q --json
is "$rc" 0 "run with a valid config"
is "$(jq -r '.criteria[0].reason' <<<"$out")" \
    "127.0.0.1:5000 $T/certs/ca.pem false ./scripts/build.sh string:true $T/infraexec.yaml" \
    "config reaches Lua: paths made absolute, booleans typed, argv kept (a command named true stays a string)"

# Preflight: the GitOps repository on the expected branch.
mkdir -p "$T/gitops"
git -C "$T/gitops" init -q -b feature
printf 'gitops:\n  path: gitops\ngit:\n  branch: main\n' >"$T/branch.yaml"
sed -i 's/\[x\]/[ ]/' "$W/tasks/active/TASK-930.md"
cp "$W/tasks/active/TASK-930.md" "$T/before.md"
ix run TASK-930 --tasks-dir "$W/tasks" -q --config "$T/branch.yaml"
is "$rc" 2 "preflight: wrong branch exits 2"
like "$err" "gitops repository $T/gitops is on branch 'feature', infraexec.yaml expects 'main'" \
    "preflight names the branches"
ok "preflight failure changed nothing" cmp "$W/tasks/active/TASK-930.md" "$T/before.md"
printf 'kube:\n  context: nosuch-context\n  kubeconfig: %s/kubeconfig\n' "$T" >"$T/kube.yaml"
printf 'apiVersion: v1\nkind: Config\ncontexts: [{name: homelab, context: {cluster: x}}]\nclusters: [{name: x, cluster: {server: "http://127.0.0.1:9"}}]\n' >"$T/kubeconfig"
ix run TASK-930 --tasks-dir "$W/tasks" -q --config "$T/kube.yaml"
is "$rc" 2 "preflight: unknown kube context exits 2"
like "$err" "kube context 'nosuch-context' (kube.context) is not in the kubeconfig" "and names it"

bad_config() { # DESC YAML NEEDLE
    printf '%s\n' "$2" >"$T/bad.yaml"
    sed -i 's/\[x\]/[ ]/' "$W/tasks/active/TASK-930.md"
    cp "$W/tasks/active/TASK-930.md" "$T/before.md"
    ix run TASK-930 --tasks-dir "$W/tasks" -q --config "$T/bad.yaml"
    is "$rc" 2 "$1: exit 2"
    like "$err" "$3" "$1: message"
    one_line "$err" "$1: one line"
    ok "$1: task untouched" cmp "$W/tasks/active/TASK-930.md" "$T/before.md"
}
bad_config "unknown key" $'registry:\n  adress: 127.0.0.1:5000' \
    "$T/bad.yaml:2:3: unknown key 'registry.adress' (known here: address, ca,"
bad_config "wrong type" $'projects:\n  ffl:\n    build: ./scripts/build.sh --push' \
    "$T/bad.yaml:3:12: projects.ffl.build must be a command as a non-empty list of strings"
bad_config "bad boolean" $'registry:\n  insecure_skip_verify: yes please' \
    "$T/bad.yaml:2:25: registry.insecure_skip_verify must be true or false"
bad_config "unknown key in a release" $'gitops:\n  apps:\n    mtg:\n      releases:\n        - file: a.yaml\n        - {file: b.yaml, tag: x}' \
    "$T/bad.yaml:6:26: unknown key 'gitops.apps.mtg.releases[1].tag' (known here: file, document,"
bad_config "empty releases" $'gitops:\n  apps:\n    mtg:\n      releases: []' \
    "$T/bad.yaml:4:17: gitops.apps.mtg.releases must be a non-empty list of mappings"
bad_config "a release that is not a mapping" $'gitops:\n  apps:\n    mtg:\n      releases: [a.yaml]' \
    "$T/bad.yaml:4:18: gitops.apps.mtg.releases[0] must be a mapping"
bad_config "invalid YAML" $'registry: [unclosed' "$T/bad.yaml:2:1: invalid YAML"
# libyaml breaks lines at U+2028 (and U+0085, U+2029): its line numbers would
# then disagree with the file's (fuzz_config found a node past the last line)
bad_config "a U+2028 line separator" $'registry:\n  restart: [systemctl, r\u2028x]\nkube:\n  bogus: 1' \
    "$T/bad.yaml:2:25: U+2028 LINE SEPARATOR in the config is not supported"
ix run TASK-930 --tasks-dir "$W/tasks" -q --config "$T/none.yaml"
like "$err" "$T/none.yaml: cannot open config" "missing --config file is named"

done_testing
