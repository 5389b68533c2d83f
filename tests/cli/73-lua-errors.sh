#!/bin/bash
# Whatever a rule raises -- a table with a misbehaving __tostring, nil, a
# table, a number, a huge string -- is that criterion's failure with the
# handler's file:line; the run goes on and the JSON report is written.
. "$(dirname "$0")/../lib.sh"

W=$T/ws
testing_label "$W"
cat >"$W/handlers/testing.lua" <<'LUA'
local bad = {
  raises = { __tostring = function() error("tostring raised") end },
  loops = { __tostring = function() while true do end end },
  not_string = { __tostring = function() return {} end },
}
return { rules = {
  { pattern = "^Raise a table whose __tostring (%S+)", run = function(c, how)
      error(setmetatable({}, bad[how]))
    end },
  { pattern = "^Raise nil", run = function() error(nil) end },
  { pattern = "^Raise a plain table", run = function() error({ code = 7 }) end },
  { pattern = "^Raise a number", run = function() error(42) end },
  { pattern = "^Raise a huge string", run = function() error(("x"):rep(20 * 1024 * 1024) .. "END") end },
  { pattern = "^Raise in match", match = function(c)
      if c.text:match("^Raise in match") then error(setmetatable({}, bad.raises)) end
    end, run = function() return true end },
  { pattern = "^Fail with a table reason", run = function() return false, setmetatable({}, bad.raises) end },
} }
LUA
task=$W/tasks/active/TASK-940.md
cat >"$task" <<'MD'
---
id: TASK-940
title: Error objects
labels: [testing]
---
## Acceptance Criteria
- [ ] Run First: `true`
- [ ] Raise a table whose __tostring raises
- [ ] Raise a table whose __tostring loops
- [ ] Raise a table whose __tostring not_string
- [ ] Raise nil
- [ ] Raise a plain table
- [ ] Raise a number
- [ ] Raise a huge string
- [ ] Raise in match
- [ ] Fail with a table reason
- [ ] Run Last: `true`
MD

ix run "$task" --json -q --report "$T/report.md"
is "$rc" 1 "the run finishes: exit 1, criteria remain"
one_line "x$err" "nothing on stderr but (at most) one line"
reason() { jq -r ".criteria[$1].reason" <<<"$out"; }
is "$(jq -r '[.criteria[].state] | join(",")' <<<"$out")" \
    "completed,remaining,remaining,remaining,remaining,remaining,remaining,remaining,remaining,remaining,completed" \
    "criteria before and after the bad rules are done"
H=$W/handlers/testing.lua
is "$(reason 1)" "$H:8: error object is a table value" "__tostring that raises: not called, file:line"
is "$(reason 2)" "$H:8: error object is a table value" "__tostring that loops: not called, file:line"
is "$(reason 3)" "$H:8: error object is a table value" "__tostring returning a table: file:line"
is "$(reason 4)" "$H:10: error object is a nil value" "nil: file:line"
is "$(reason 5)" "$H:11: error object is a table value" "plain table: file:line"
is "$(reason 6)" "$H:12: 42" "number: file:line and its digits"
like "$(reason 7)" "$H:13: xxxx" "huge string: its start with file:line"
like "$(reason 7)" "more bytes)" "huge string: cut, saying how much"
ok "huge string: at most 4 KiB in the report" test "$(reason 7 | wc -c)" -le 4200
is "$(reason 8)" "$H:15: error object is a table value" "an error in match: file:line"
is "$(jq -r '.criteria[9].reason' <<<"$out")" "the rule did not complete it" "a non-string reason is dropped (never tostring-ed), not a crash"
ok "the Markdown report is written" grep -q "Task Execution Report" "$T/report.md"
is "$("$IX_BIN" show --json "$task" | jq -c '[.criteria[].checked] | [.[0], .[10]]')" "[true,true]" \
    "first and last are ticked on disk"
like "$(cat "$task")" "Not completed criterion 2: Raise a table whose __tostring raises ($H:8: error object" \
    "the Progress Log names the failure"

# The same objects raised while loading a handler: exit 2, one line naming it.
cat >"$W/handlers/testing.lua" <<'LUA'
error(setmetatable({}, { __tostring = function() error("tostring raised") end }))
LUA
cp "$task" "$T/before.md"
ix run "$task" -q
is "$rc" 2 "a table raised at load: exit 2"
is "$err" "infraexec: $H:1: error object is a table value" "one line naming the file:line"
ok "nothing changed" cmp "$task" "$T/before.md"
ix handlers check --handlers "$W/handlers"
like "$out$err" "$H:1: error object is a table value" "handlers check reports it too"

done_testing
