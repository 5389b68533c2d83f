#!/bin/bash
# Modules the rules modules name lazily (lua/infraexec/core/lazy.lua) that
# fail to load: `handlers check` and `handlers` still find them; a real run
# loads a handler's modules before its rule acts, so the criterion gets a
# one-line reason naming the module's file:line, nothing runs and nothing
# ticks; a run that needs no broken module is not stopped by one.
. "$(dirname "$0")/../lib.sh"

W=$T/ws
mkdir -p "$W/tasks/active" "$W/lua/infraexec/observe"
task=$W/tasks/active/TASK-930.md
cat >"$task" <<'MD'
---
id: TASK-930
title: Lazy modules
---
## Acceptance Criteria
- [ ] Create marker: `touch marker`
MD
cp "$task" "$T/task.md"
sed 's/TASK-930/TASK-931/; s/\[ \]/[x]/' "$task" >"$W/tasks/active/TASK-931.md"
cd "$W" || exit 1

# A workspace module shadows the installed observer; line 7 breaks it.
src=$IX_ROOT/lua/infraexec/observe/command.lua
{ sed -n 1,6p "$src"; echo 'local = broken'; sed -n '7,$p' "$src"; } >"$W/lua/infraexec/observe/command.lua"
why="loading module infraexec.observe.command: $W/lua/infraexec/observe/command.lua:7: <name> expected near '='"

ix handlers check
is "$rc" 2 "handlers check: a module loaded lazily that does not compile is a problem"
like "$out" "$why" "... named by the module's file:line"
ix handlers
like "$out" "ERROR: $why" "handlers: the handler whose rules name it shows the error"

ix run TASK-930 --json -q
is "$rc" 1 "a real run: the criterion fails"
is "$(jq -r '.criteria[0].reason' <<<"$out")" "$why" "... its reason names the module's file:line, one line"
is "$(jq -r '.criteria[0].state' <<<"$out")" remaining "... it is not ticked"
ok "... the rule did not act: its command never ran" test ! -e "$W/marker"
is "$(grep -c '^- \[ \] Create marker' "$task")" 1 "... the box stays unchecked"

ix run TASK-930 --dry-run --json -q
is "$(jq -r '.criteria[0].reason' <<<"$out")" "$why" "a dry run: the rule's first use of the module gives the same reason"

ix run TASK-931 --dry-run -q
is "$rc" 0 "a run that needs no broken module loads none: not stopped by it"

# A module that raises while it loads: its own file:line.
cp "$src" "$W/lua/infraexec/observe/command.lua"
printf 'error("broken on purpose")\n' >"$W/lua/infraexec/observe/http.lua"
cp "$T/task.md" "$task"
ix run TASK-930 --json -q
is "$(jq -r '.criteria[0].reason' <<<"$out")" \
    "loading module infraexec.observe.http: $W/lua/infraexec/observe/http.lua:1: broken on purpose" \
    "a module raising at load: the reason names it; any module of the rule's handler counts"
ok "... before the rule acted" test ! -e "$W/marker"

rm "$W/lua/infraexec/observe/http.lua"
ix run TASK-930 --json -q
is "$(jq -r '.criteria[0].state' <<<"$out")" completed "the modules repaired: the same criterion ticks"
ok "... its command ran" test -e "$W/marker"

done_testing
