#!/bin/bash
# Lua handlers: the search path, clear errors with file:line, strict mode,
# runaway rules stopped, and memory that stays flat under a flood of output.
. "$(dirname "$0")/../lib.sh"

W=$T/ws
mkdir -p "$W/tasks/active" "$W/custom"
task=$W/tasks/active/TASK-910.md
cat >"$task" <<'MD'
---
id: TASK-910
title: Handler errors
labels: [testing]
---
## Acceptance Criteria
- [ ] Say hello to the world
- [ ] Raise an error please
- [ ] Use an undeclared global
- [ ] Loop forever
- [ ] Eat all memory
- [ ] Misuse run
- [ ] Run a plain command: `true`
MD

# A workspace types.lua that adds the 'testing' label (it merges with the installed one).
mkdir -p "$W/handlers"
testing_label "$W"
cat >"$W/handlers/testing.lua" <<'LUA'
local ix = require "infraexec"
return {
  rules = {
    { pattern = "^Say hello to the (%w+)$", description = "greets",
      run = function(c, who)
        local r = ix.run{ argv = { "sh", "-c", 'echo "hello $1" > hello.txt', "sh", who } }
        return r.ok, "greeted " .. who, { ok = ix.read_file("hello.txt") == "hello world\n", looked_at = "hello.txt", expected = "hello world", seen = ix.read_file("hello.txt") or "nothing" }
      end },
    { pattern = "^Raise", run = function() error("deliberate failure") end },
    { pattern = "^Use an undeclared", run = function() return undeclared_thing end },
    { pattern = "^Loop forever", run = function() while true do end end },
    { pattern = "^Eat all memory", run = function()
        local t, kib = {}, string.rep("x", 1024) -- once: 256 MiB well within the CPU budget
        for i = 1, 1e9 do t[i] = kib .. i end
      end },
    { pattern = "^Misuse run", run = function() return ix.run{ argv = "not a list" } end },
  },
}
LUA
ix run "$task" --json -q
is "$rc" 1 "run finishes despite failing rules"
is "$(jq -r '.criteria[0].state' <<<"$out")" completed "rule from the workspace handlers ran"
is "$(cat "$W/hello.txt")" "hello world" "argv passed as a table, no shell splicing"
like "$(jq -r '.criteria[1].reason' <<<"$out")" "$W/handlers/testing.lua:9: deliberate failure" \
    "runtime error: file and line"
like "$(jq -r '.criteria[2].reason' <<<"$out")" "$W/handlers/testing.lua:10: undeclared global 'undeclared_thing'" \
    "undeclared global: file and line"
like "$(jq -r '.criteria[3].reason' <<<"$out")" "$W/handlers/testing.lua:11: handler ran more than" \
    "endless loop stopped with file and line"
like "$(jq -r '.criteria[4].reason' <<<"$out")" "Lua memory limit in the rule at $W/handlers/testing.lua:12" \
    "memory hog stopped, rule named"
like "$(jq -r '.criteria[5].reason' <<<"$out")" "testing.lua:16: infraexec.proc.run: argv must be a list of strings" \
    "primitive misuse: clear error"
is "$(jq -r '.criteria[6].state' <<<"$out")" completed "generic rule still runs after the failures"

# --handlers DIR comes before the workspace: its testing.lua merges with the
# workspace's, and its rule, tried first, takes the tie (named with its file).
cat >"$W/custom/testing.lua" <<'LUA'
return { rules = { { pattern = "^Say hello", description = "custom greeting",
                     run = function() return true, "from custom" end } } }
LUA
sed -i 's/- \[x\] Say hello/- [ ] Say hello/' "$task"
ix run "$task" --json -q --only 1 --handlers "$W/custom"
is "$(jq -r '.criteria[0].rule' <<<"$out")" "testing: custom greeting ($W/custom/testing.lua)" \
    "--handlers DIR comes first"

# Load-time errors stop the run before anything happens: exit 2, file:line.
cp "$task" "$T/before.md"
printf 'return { rules = { { pattern = "x" run = 1 } } }\n' >"$W/custom/testing.lua"
ix run "$task" -q --handlers "$W/custom"
is "$rc" 2 "syntax error in a handler: exit 2"
like "$err" "$W/custom/testing.lua:1:" "syntax error names file and line"
one_line "$err" "syntax error message is one line"
ok "nothing changed" cmp "$task" "$T/before.md"
printf 'oops = 1\nreturn { rules = {} }\n' >"$W/custom/testing.lua"
ix run "$task" -q --handlers "$W/custom"
is "$rc" 2 "global assignment at load: exit 2"
like "$err" "$W/custom/testing.lua:1: assignment to undeclared global 'oops'" "strict mode at load"
printf 'return { rules = { { pattern = "x" } } }\n' >"$W/custom/testing.lua"
ix run "$task" -q --handlers "$W/custom"
like "$err" "$W/custom/testing.lua: rule 1 has no run function" "malformed rule named"
printf 'return { rules = {}, labels = { testing = "nosuch" } }\n' >"$W/handlers/types.lua"
ix run "$task" -q
is "$rc" 2 "label mapped to a missing handler: exit 2"
like "$err" "handler 'nosuch' not found on the handler path" "missing handler named"

# Sandboxed standard library: no processes or exits behind infraexec's back.
printf 'return { rules = {}, labels = { testing = "testing" } }\n' >"$W/handlers/types.lua"
cat >"$W/custom/testing.lua" <<'LUA'
return { rules = { { pattern = "^Say hello", run = function() os.execute("touch pwned") end } } }
LUA
sed -i 's/- \[x\] Say hello/- [ ] Say hello/' "$task"
ix run "$task" -q --json --only 1 --handlers "$W/custom"
like "$(jq -r '.criteria[0].reason' <<<"$out")" "testing.lua:1: undeclared global 'os'" \
    "os is not available"
ok "nothing was executed" test ! -e "$W/pwned"

# File edits stay inside the roots: "../" and a symlink out are refused.
mkdir -p "$T/outside"
ln -s "$T/outside" "$W/tasks/link"
cat >"$W/custom/testing.lua" <<'LUA'
local ix = require "infraexec"
return { rules = { { pattern = "^Say hello", run = function()
  local ok1, e1 = pcall(ix.write_file, "../escape.txt", "x")
  local ok2, e2 = pcall(ix.write_file, "tasks/link/escape.txt", "x")
  local ok3 = pcall(ix.write_file, "tasks/inside.txt", "x")
  return true, e1 .. " | " .. e2, { ok = not ok1 and not ok2 and ok3, looked_at = "the three writes",
    expected = "two refused, one done", seen = tostring(ok1) .. " " .. tostring(ok2) .. " " .. tostring(ok3) }
end } } }
LUA
sed -i 's/- \[x\] Say hello/- [ ] Say hello/' "$task"
ix run "$task" -q --json --only 1 --handlers "$W/custom"
is "$(jq -r '.criteria[0].state' <<<"$out")" completed "writes inside the workspace's tasks/ work"
like "$(jq -r '.criteria[0].reason' <<<"$out")" "escape.txt: outside the directories infraexec.yaml names" \
    "writing ../ is refused"
ok "nothing escaped via ../" test ! -e "$T/escape.txt"
ok "nothing escaped via a symlink" test ! -e "$T/outside/escape.txt"

# Evidence before a tick: a rule that says done without observing, or whose
# observation fails, or whose evidence is malformed, ticks nothing.
cat >"$W/tasks/active/TASK-912.md" <<'MD'
---
id: TASK-912
title: Evidence
labels: [testing]
---
## Acceptance Criteria
- [ ] Claim done without looking
- [ ] Claim done but see otherwise
- [ ] Claim done with junk evidence
- [ ] Claim done and see it
MD
cat >"$W/custom/testing.lua" <<'LUA'
local ev = require "infraexec.core.evidence"
return { rules = {
  { pattern = "^Claim done without", run = function() return true, "trust me" end },
  { pattern = "^Claim done but", observe = "file.contains", run = function()
      return true, "looks fine", { ok = false, looked_at = "the world", expected = "green", seen = "red\n  and more" } end },
  { pattern = "^Claim done with junk", observe = "file.contains", run = function() return true, "", { "junk" } end },
  { match = function(c) return c.text:match("^Claim done and see") end, observe = "file.contains",
    description = "a match function", run = function() return false, "the less specific rule ran" end },
  { pattern = "^Claim done and see", observe = "file.contains", run = function()
      return true, "seen", ev.observation(true, "the world", "green", "green") end },
} }
LUA
ix run TASK-912 --tasks-dir "$W/tasks" --handlers "$W/custom" --json -q
is "$(jq -r '[.criteria[].state]|join(",")' <<<"$out")" "remaining,remaining,remaining,completed" \
    "only the rule whose observation holds ticks"
is "$(jq -r '.criteria[0].reason' <<<"$out")" "the rule observed nothing (it said: trust me)" \
    "done without evidence: not ticked, and says so"
is "$(jq -r '.criteria[3].rule' <<<"$out")" "testing: ^Claim done and see ($W/custom/testing.lua)" \
    "two rules claim a criterion: the more specific (a pattern over a match function) wins"
is "$(jq -r '.criteria[1].reason' <<<"$out")" "the world: expected green, saw red and more" \
    "a failing observation: the reason names what was looked at, expected and seen"
like "$(jq -r '.criteria[2].reason' <<<"$out")" "malformed evidence: observation 1 is not a table" \
    "malformed evidence is refused"
is "$(jq -c '.criteria[3].evidence' <<<"$out")" \
    '[{"ok":true,"looked_at":"the world","expected":"green","seen":"green","after_action":false}]' \
    "the evidence is in the JSON report"
like "$(sed -n '/Progress Log/,$p' "$W/tasks/active/TASK-912.md")" \
    "Completed criterion 4: Claim done and see it (seen); evidence: the world: green" \
    "the Progress Log carries the evidence"
ix run TASK-912 --tasks-dir "$W/tasks" --handlers "$W/custom" -q
like "$out" "  - Evidence: looked at the world; expected green; seen red and more (not as expected)" \
    "Markdown: the evidence under the criterion"

# handlers check: a rule that can tick without a declared observer, or
# names one that does not exist, is a problem.
ix handlers check --handlers "$W/custom"
is "$rc" 2 "handlers check fails on a rule without an observer"
like "$out" "$W/custom/testing.lua: rule 1 (^Claim done without): can tick without an observer" \
    "the rule without an observer is named"
sed -i 's/observe = "file.contains", run = function() return true, ""/observe = "nosuch.thing", run = function() return true, ""/' "$W/custom/testing.lua"
ix handlers check --handlers "$W/custom"
like "$out" 'rule 3 (^Claim done with junk): observe "nosuch.thing": no module infraexec.observe.nosuch' \
    "an observer that does not exist is named"
unlike "$out" "rule 5" "a rule with a real observer passes"

# handlers check: two handlers claiming one criterion equally is ambiguous
# (only handler order would decide); a rule whose example another handler
# takes more specifically never gets it.
mkdir -p "$W/twins"
for h in left right; do
    cat >"$W/twins/$h.lua" <<'LUA'
return { rules = {
  { wording = "Rotate the {word} keys", examples = { "Rotate the api keys" }, observe = "file.contains",
    run = function() return false, "not here" end },
} }
LUA
done
ix handlers check --handlers "$W/twins"
is "$rc" 2 "handlers check fails on an ambiguous pair"
like "$out" "$W/twins/left.lua: rule 1 (Rotate the {word} keys): its example \"Rotate the api keys\" is matched as specifically by $W/twins/right.lua: rule 1" \
    "the pair is named, both files and rules"
sed -i 's/"Rotate the {word} keys"/"Rotate the {text} keys"/' "$W/twins/left.lua"
ix handlers check --handlers "$W/twins"
like "$out" "left.lua: rule 1 (Rotate the {text} keys): its example \"Rotate the api keys\" is taken by the more specific $W/twins/right.lua: rule 1 (Rotate the {word} keys)" \
    "a typed placeholder elsewhere beats free text: the rule that never gets its example is named"
rm "$W/twins/right.lua"
ix handlers check --handlers "$W/twins"
is "$rc" 0 "one rule alone is not ambiguous"

# A child printing 1 GiB: infraexec's memory stays flat (release build:
# ASan's allocator would blur the figure).
cat >"$W/tasks/active/TASK-911.md" <<'MD'
---
id: TASK-911
title: Flood
labels: []
---
## Acceptance Criteria
- [ ] Print a lot: `head -c 1073741824 /dev/zero`
- [ ] Print a little: `true`
MD
rss() { "$IX_ROOT/bin/maxrss" "$IX_ROOT/bin/infraexec" run "$@" -q --tasks-dir "$W/tasks" 2>&1 >/dev/null |
    sed -n 's/^maxrss_kib //p'; }
small=$(rss TASK-911 --only 2)
rm -rf "$W/.infraexec/logs"
big=$(rss TASK-911 --only 1)
rm -rf "$W/.infraexec/logs"
echo "# peak RSS: run printing nothing ${small} KiB, printing 1 GiB ${big} KiB"
ok "1 GiB of output grows peak RSS by less than 8 MiB (${small} -> ${big} KiB)" \
    test $((big - small)) -lt 8192

done_testing
