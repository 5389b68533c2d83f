#!/bin/bash
# Config sections declared by Lua modules (lua/infraexec/core/config.lua): a
# workspace module adds a section without recompiling; undeclared keys are
# still errors with file:line:col; declared write roots and directories;
# a section's preflight; and the C core names no homelab config key.
. "$(dirname "$0")/../lib.sh"

W=$T/ws
mkdir -p "$W/tasks/active" "$W/handlers" "$W/lua" "$W/infra" "$W/other"
cat >"$W/tasks/active/TASK-940.md" <<'MD'
---
id: TASK-940
title: Schema
labels: [terraform]
---
## Acceptance Criteria
- [ ] Plan the infrastructure
MD
cp "$W/tasks/active/TASK-940.md" "$T/task.md"
reset_task() { cp "$T/task.md" "$W/tasks/active/TASK-940.md"; }
cat >"$W/handlers/types.lua" <<'LUA'
return { rules = {}, labels = { terraform = "terraform" } }
LUA
# The workspace's own module declares its section, as the installed ones do.
cat >"$W/lua/terraform.lua" <<'LUA'
local ix = require "infraexec"
local config = require "infraexec.core.config"
config.declare{ "terraform", "map", fields = {
  { "dir", "path", dir = true, write = true }, -- the root module
  { "plan", "argv" },                           -- e.g. [terraform, plan]
  { "lock", "string" },                         -- a lock the preflight refuses
  { "unsafe", "bool", warn = "terraform.unsafe is on" },
  { "workspaces", "named", fields = { { "vars", "paths" } } },
  },
  preflight = function(t)
    if t.lock then return "terraform state is locked by " .. t.lock end
  end,
}
LUA
cat >"$W/handlers/terraform.lua" <<'LUA'
local ix = require "infraexec"
require "terraform"
return { rules = { { pattern = "^Plan the infrastructure", observe = "file.contains", run = function()
  local t = ix.config().terraform
  local inside = pcall(ix.write_file, t.dir .. "/plan.txt", "planned\n")
  local ok2, e2 = pcall(ix.write_file, ix.task().workspace .. "/other/x.txt", "x")
  local seen = table.concat({ t.dir, (t.plan or { "-" })[1], type(t.unsafe), tostring(inside), tostring(ok2),
                              tostring(e2):match("outside the directories[^;]*") or tostring(e2) }, " | ")
  return true, seen, { ok = inside and not ok2, looked_at = "two writes", expected = "one done, one refused", seen = seen }
end } } }
LUA
run() { reset_task; ix run TASK-940 --tasks-dir "$W/tasks" -q --json --config "$T/c.yaml" "$@"; }

# (a) a new top-level section, declared by a workspace module, reaches ix.config() validated.
printf 'terraform:\n  dir: infra\n  plan: [terraform, plan]\n  unsafe: false\n' >"$T/c.yaml"
cp "$T/c.yaml" "$W/infraexec.yaml"
printf 'terraform:\n  dir: %s/infra\n  plan: [terraform, plan]\n  unsafe: false\n' "$W" >"$T/c.yaml"
run
is "$rc" 0 "a declared section: the run passes"
is "$(jq -r '.criteria[0].state' <<<"$out")" completed "its rule ran and ticked"
is "$(jq -r '.criteria[0].reason' <<<"$out")" \
    "$W/infra | terraform | boolean | true | false | outside the directories infraexec.yaml names (the tasks, and the keys declared write = true)" \
    "ix.config() has it typed; (c) writing under a declared write root works, elsewhere is refused"
is "$(cat "$W/infra/plan.txt")" planned "the write under terraform.dir happened"
ok "the undeclared path was not written" test ! -e "$W/other/x.txt"
rm "$W/infra/plan.txt"
# The nearest infraexec.yaml: a relative path is made absolute against its directory.
reset_task
ix run TASK-940 --tasks-dir "$W/tasks" -q --json
like "$(jq -r '.criteria[0].reason' <<<"$out")" "$W/infra | terraform" "relative paths of a declared key are made absolute"
rm -f "$W/infraexec.yaml" "$W/infra/plan.txt"

# A declared warn switch, when true, is the report's warning.
printf 'terraform:\n  dir: %s/infra\n  unsafe: true\n' "$W" >"$T/c.yaml"
run
like "$(jq -r '.warnings|join(" / ")' <<<"$out")" "terraform.unsafe is on" "a declared warn: in the report's warnings"
rm -f "$W/infra/plan.txt"

# (b) undeclared and mistyped keys: one line naming file:line:col, exit 2, task untouched.
bad() { # DESC YAML NEEDLE [RUN ARGS]
    printf '%s\n' "$2" >"$T/c.yaml"
    local desc=$1 needle=$3
    shift 3
    run "$@"
    is "$rc" 2 "$desc: exit 2"
    like "$err" "$needle" "$desc: message"
    one_line "$err" "$desc: one line"
    ok "$desc: task untouched" cmp "$W/tasks/active/TASK-940.md" "$T/task.md"
}
bad "an undeclared section" $'git:\n  branch: main\nterrafrom:\n  dir: infra' \
    "$T/c.yaml:3:1: unknown key 'terrafrom' (known here: git, queue, secrets, secret_env, timeout, command_log_max, "
like "$err" ", terraform" "... the known keys include the declared sections"
bad "an undeclared section, in a dry run too" $'terrafrom: {}' "$T/c.yaml:1:1: unknown key 'terrafrom'" --dry-run
bad "an unknown key in a declared section" $'terraform:\n  dir: infra\n  plna: [x]' \
    "$T/c.yaml:3:3: unknown key 'terraform.plna' (known here: dir, plan, lock, unsafe, workspaces)"
bad "a wrong type in a declared section" $'terraform:\n  plan: terraform plan' \
    "$T/c.yaml:2:9: terraform.plan must be a command as a non-empty list of strings"
bad "nested: named maps of a declared section" $'terraform:\n  workspaces:\n    prod: {vars: x.tfvars}' \
    "$T/c.yaml:3:18: terraform.workspaces.prod.vars must be a list of paths"
bad "an unknown key of an installed module's section" $'registry:\n  adress: 127.0.0.1:5000' \
    "$T/c.yaml:2:3: unknown key 'registry.adress' (known here: address, ca,"

# dir = true: the directory must exist before a real run (not in a dry run).
bad "a declared directory that does not exist" $'terraform:\n  dir: nowhere' "$T/nowhere: terraform.dir does not exist"
run --dry-run
ok "... a dry run does not need it (exit $rc)" test "$rc" -ne 2

# A section's preflight: its problem stops a real run before anything changes.
bad "a section's preflight" "$(printf 'terraform:\n  dir: %s/infra\n  lock: alice' "$W")" \
    "terraform state is locked by alice"
run --dry-run
is "$rc" 0 "... a dry run does not run it"

# A malformed declaration is the module's error, named, whatever the config holds.
declares() { # DESC LUA NEEDLE
    cp "$W/lua/terraform.lua" "$T/terraform.lua"
    printf '%s\n' "$2" >>"$W/lua/terraform.lua"
    printf 'terraform:\n  dir: %s/infra\n' "$W" >"$T/c.yaml"
    run
    is "$rc" 2 "$1: exit 2"
    like "$err" "$3" "$1: message"
    ok "$1: task untouched" cmp "$W/tasks/active/TASK-940.md" "$T/task.md"
    ix handlers check --tasks-dir "$W/tasks"
    is "$rc" 2 "$1: handlers check fails"
    like "$out" "$3" "$1: handlers check names it"
    cp "$T/terraform.lua" "$W/lua/terraform.lua"
}
declares "an unknown type" 'config.declare{ "ansible", "map", fields = { { "inventory", "pth" } } }' \
    "infraexec.config: ansible.inventory: unknown type pth (types: string, path,"
declares "a flag on a type it does not fit" 'config.declare{ "ansible", "string", write = true }' \
    "infraexec.config: ansible: write does not fit its type"
declares "a misspelt declaration field" 'config.declare{ "ansible", "path", writable = true }' \
    "infraexec.config: ansible: unknown declaration field writable"
declares "a map without fields" 'config.declare{ "ansible", "map" }' \
    "infraexec.config: ansible: a map, named or list needs fields"
declares "a key declared twice" 'config.declare{ "ansible", "map", fields = { { "a", "path" }, { "a", "string" } } }' \
    "infraexec.config: ansible.a: declared twice"
declares "a core key" 'config.declare{ "timeout", "string" }' \
    "infraexec.config: 'timeout' is a key of the core; a module cannot declare it"
declares "an installed section, declared again differently" 'config.declare{ "registry", "string" }' \
    "infraexec.config.declare: section 'registry' is already declared differently"

ix handlers check --tasks-dir "$W/tasks"
is "$rc" 0 "well-formed declarations: handlers check passes"
like "$err" " handler files, 0 problems" "... and finds no problem"

# (d) The C core names no homelab config key: only comments may mention them.
hits=$(grep -rnE '"[^"]*\b(registry|gitops|kube|projects|registry_files|search_roots|architecture_doc|insecure_skip_verify)\b[^"]*"' \
    "$IX_ROOT/src" "$IX_ROOT/include" | grep -vE '^[^:]+:[0-9]+:\s*(/\*|\*)')
is "$hits" "" "no string in src/ or include/ names registry, gitops, kube or projects"

done_testing
