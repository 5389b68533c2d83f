#!/bin/bash
# types.lua files merge along the handler path, never replace: a nearer one
# adds or overrides labels and extends `always`; `not_always` and a label set
# to false take entries out (docs/writing-handlers.md).
. "$(dirname "$0")/../lib.sh"

W=$T/ws
N=$T/near # a --handlers DIR: nearer than the workspace's handlers/
mkdir -p "$W/tasks/active" "$W/handlers" "$N"
cat >"$W/tasks/active/TASK-970.md" <<'MD'
---
id: TASK-970
title: Types merge
labels: [mine]
---
## Acceptance Criteria
- [ ] Tie here
MD
# Two handlers whose rules match the criterion equally: the first in handler
# order takes it, and `always` moves a handler to the end of that order.
for h in aa mm; do
    cat >"$W/handlers/$h.lua" <<LUA
return { rules = { { pattern = "^Tie here\$", description = "$h ties", observe = "file.contains",
  run = function() return true, "$h", { ok = true, looked_at = "$h", expected = "x", seen = "x" } end } } }
LUA
done
printf 'return { rules = {}, always = { "aa" } }\n' >"$W/handlers/types.lua"
printf 'return { rules = {}, labels = { mine = "mine" } }\n' >"$N/types.lua"
printf 'return { rules = {} }\n' >"$N/mine.lua"

taker() {
    ix run TASK-970 --tasks-dir "$W/tasks" --dry-run --json -q "$@"
    jq -r '.criteria[0].rule' <<<"$out"
}

is "$(taker)" "mm: mm ties" "workspace always = {aa}: aa is tried last, mm takes the tie"
is "$(taker --handlers "$N")" "mm: mm ties" \
    "a nearer types.lua that only adds a label keeps the farther always list"
(cd "$W" && "$IX_BIN" handlers --json --handlers "$N") >"$T/h.json"
labels() { jq -r --arg n "$1" '.handlers[] | select(.name == $n) | .labels | join(",")' "$T/h.json"; }
is "$(labels mine)" "mine" "the nearer file's label is there"
is "$(labels verify)" "(every task),verification" "the installed always list and labels are kept: verify still runs for every task"
is "$(labels deploy)" "deployment,flux" "... and the installed labels"
is "$(labels aa)" "(every task)" "... and the workspace's always entry"

printf 'return { rules = {}, labels = { flux = false, deployment = { "mine", "deploy" } }, not_always = { "aa" } }\n' \
    >"$N/types.lua"
is "$(taker --handlers "$N")" "aa: aa ties" "not_always takes aa out of always: back in name order, it takes the tie"
(cd "$W" && "$IX_BIN" handlers --json --handlers "$N") >"$T/h.json"
is "$(labels aa)" "" "... and it is listed for no label"
is "$(labels deploy)" "deployment" "a label set to false is removed"
is "$(labels mine)" "deployment" "a label mapped again is overridden"
is "$(labels generic)" "(every task)" "not_always leaves the other always entries"

# Bad values: one line naming the file, exit 2.
for bad in 'labels = { mine = 3 }' 'labels = "mine"' 'always = "verify"' 'not_always = { 1 }'; do
    printf 'return { rules = {}, %s }\n' "$bad" >"$N/types.lua"
    ix run TASK-970 --tasks-dir "$W/tasks" --dry-run -q --handlers "$N"
    is "$rc" 2 "$bad: exit 2"
    like "$err" "$N/types.lua: " "$bad: the file is named"
done
like "$err" "not_always must be a list of handler names" "... and what is wrong"

done_testing
