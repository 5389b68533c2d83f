#!/bin/bash
# Modules the rules modules name lazily (lua/infraexec/core/lazy.lua) that
# fail to load: `handlers check` and `handlers` still find them; a real run
# loads a handler's modules before its rule acts, so the criterion gets a
# one-line reason naming the module's file:line, nothing runs and nothing
# ticks; a run that needs no broken module is not stopped by one.  The
# same for a handler naming its rules module through lazy.fns.
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

# A handler naming its rules module through lazy.fns: the module, and what
# it names lazily while it loads, load before the rule acts in a real run.
V=$T/fns
mkdir -p "$V/tasks/active" "$V/handlers" "$V/lua"
cat >"$V/handlers/fnstest.lua" <<'LUA'
local lazy = require "infraexec.core.lazy"
local rules = lazy.fns "lazytest_rules"
return { rules = { { wording = "Make the fns marker", observe = "command.result", kind = "action",
  examples = { "Make the fns marker" }, run = rules.mark } } }
LUA
cat >"$V/lua/lazytest_rules.lua" <<'LUA'
local ix = require "infraexec"
local ev = require "infraexec.core.evidence"
local lazy = require "infraexec.core.lazy"
local command = require "infraexec.observe.command"
local helper = lazy "lazytest_helper"
local M = {}
function M.mark()
  local r = ix.proc.run{ argv = { "touch", "fnsmarker" } }
  if not helper.ok() then return false, "helper says no" end
  return ev.verdict(command.result{ result = r, command = "touch fnsmarker" }, "marked")
end
return M
LUA
printf 'local = broken\n' >"$V/lua/lazytest_helper.lua"
cat >"$V/tasks/active/TASK-932.md" <<'MD'
---
id: TASK-932
title: Lazy rules module
---
## Acceptance Criteria
- [ ] Make the fns marker
MD
sed 's/TASK-932/TASK-933/; s/\[ \]/[x]/' "$V/tasks/active/TASK-932.md" >"$V/tasks/active/TASK-933.md"
cd "$V" || exit 1
fwhy="loading module lazytest_helper: $V/lua/lazytest_helper.lua:1: <name> expected near '='"

ix run TASK-933 --dry-run -q
is "$rc" 0 "lazy.fns: a run dispatching none of the handler's rules is not stopped by a broken module its rules module names"
ix run TASK-932 --json -q
is "$(jq -r '.criteria[0].reason' <<<"$out")" "$fwhy" \
    "a real run: a module the rules module names lazily, broken, is the reason"
is "$(jq -r '.criteria[0].state' <<<"$out")" remaining "... not ticked"
ok "... the rule did not act: it never ran" test ! -e "$V/fnsmarker"
ix handlers check
is "$rc" 2 "handlers check: a module a lazy.fns module names lazily, broken, is a problem"
like "$out" "$fwhy" "... named by its file:line"

printf 'local M = {}\nfunction M.ok() return true end\nreturn M\n' >"$V/lua/lazytest_helper.lua"
sed -i 's/run = rules.mark/run = rules.marks/' "$V/handlers/fnstest.lua"
nwhy="loading module lazytest_rules: it has no function marks"
ix handlers check
is "$rc" 2 "handlers check: a function the handler names through lazy.fns that the module lacks is a problem"
like "$out" "$nwhy" "... naming the module and the function"
ix run TASK-932 --json -q
is "$(jq -r '.criteria[0].reason' <<<"$out")" "$nwhy" "a real run: it is the reason"
ok "... the rule did not act" test ! -e "$V/fnsmarker"
ix run TASK-932 --dry-run --json -q
is "$(jq -r '.criteria[0].reason' <<<"$out")" "$nwhy" "a dry run: the call gives the same reason"

sed -i 's/run = rules.marks/run = rules.mark/' "$V/handlers/fnstest.lua"
ix handlers check
is "$rc" 0 "repaired: handlers check passes"
ix run TASK-932 --json -q
is "$(jq -r '.criteria[0].state' <<<"$out")" completed "... and the criterion ticks"
ok "... its command ran" test -e "$V/fnsmarker"

done_testing
