#!/bin/bash
# Handler files merge by rule name along the search path: a workspace
# handlers/generic.lua (the installed handler's own file name) adds rules and
# keeps every installed one; it changes an installed rule only through
# `override`, and a rule that takes an installed rule's name by accident is
# refused, naming both files (docs/writing-handlers.md, section 6).
. "$(dirname "$0")/../lib.sh"

W=$T/ws
G=$IX_ROOT/handlers/generic.lua # the installed file
INSTALLED="criterion with exactly one inline command"
mkdir -p "$W/tasks/active" "$W/handlers"
task=$W/tasks/active/TASK-975.md
cat >"$task" <<'MD'
---
id: TASK-975
title: Merged handlers
labels: [testing]
---
## Acceptance Criteria
- [ ] Create marker: `touch marker`
- [ ] Stamp the marker file
MD
cp "$task" "$T/orig.md"
fresh() { cp "$T/orig.md" "$task"; rm -f "$W/marker" "$W/stamp"; }
rule_of() { jq -r ".criteria[$1].rule" <<<"$out"; }

# A workspace generic.lua that only adds a wording.
cat >"$W/handlers/generic.lua" <<'LUA'
local ix, ev = require "infraexec", require "infraexec.core.evidence"
local file = require "infraexec.observe.file"
return { rules = {
  { wording = "Stamp the marker file", description = "stamp the marker (ours)", kind = "action",
    examples = { "Stamp the marker file" }, observe = "file.contains",
    run = function()
      ix.write_file("tasks/stamp", "stamped\n")
      return ev.verdict(file.contains{ path = "tasks/stamp", text = "stamped" })
    end },
} }
LUA
ix run TASK-975 --tasks-dir "$W/tasks" --json -q
is "$rc" 0 "a workspace generic.lua adding one rule: the run completes"
is "$(jq -r '.criteria[1].state' <<<"$out")" completed "the workspace's new wording takes its criterion"
is "$(rule_of 1)" "generic: stamp the marker (ours) ($W/handlers/generic.lua)" "... named with the workspace file"
is "$(jq -r '.criteria[0].state' <<<"$out")" completed \
    "the installed generic rule, which the workspace file does not mention, still ticks its criterion"
is "$(rule_of 0)" "generic: $INSTALLED ($G)" "... named with the installed file"
ok "... and its command ran" test -e "$W/marker"

# The workspace's handlers/ reached twice (--handlers through a symlink to
# it): one file, not two whose rules collide.
ln -s "$W/handlers" "$T/linked"
fresh
ix run TASK-975 --tasks-dir "$W/tasks" --json -q --handlers "$T/linked"
is "$rc" 0 "one handlers/ directory reached by two paths: its files count once"
is "$(rule_of 1)" "generic: stamp the marker (ours) ($T/linked/generic.lua)" "... the nearer path names it"

# A link named mine.lua to the installed build.lua is a handler of its own
# name: build stays listed too.  A directory named x.lua is no handler.
ln -s "$IX_ROOT/handlers/build.lua" "$T/linked/mine.lua"
mkdir "$W/handlers/x.lua"
(cd "$W" && "$IX_BIN" handlers --json) >"$T/list.json"
is "$(jq -r '[.handlers[] | select(.name == "build" or .name == "mine" or .name == "x") | .name] | join(",")' "$T/list.json")" \
    "build,mine" "a link to an installed file under another name: both handlers listed; a directory is none"
rm "$T/linked/mine.lua"
rmdir "$W/handlers/x.lua"

(cd "$W" && "$IX_BIN" handlers) >"$T/list.txt"
like "$(cat "$T/list.txt")" "generic  $W/handlers/generic.lua
  merges $G" "infraexec handlers: the workspace file merges the installed one"
like "$(cat "$T/list.txt")" "     from $G: rule 1" "... and says which file each rule came from"
(cd "$W" && "$IX_BIN" handlers check) >"$T/check.txt" 2>&1 && rc=0 || rc=$?
is "$rc" 0 "handlers check: the merged set is clean"

# False world: the workspace file takes the installed rule out; nothing else
# can run the command, so nothing is ticked.
fresh
cat >"$W/handlers/generic.lua" <<LUA
return { rules = {}, override = { ["$INSTALLED"] = false } }
LUA
ix run TASK-975 --tasks-dir "$W/tasks" --json -q --only 1
is "$(jq -r '.criteria[0].state' <<<"$out")" remaining "override = false: the installed rule is gone, nothing takes the criterion"
is "$(jq -r '.criteria[0].reason' <<<"$out")" "needs a person: no rule matches" "... and the reason says so"
ok "... the command did not run" test ! -e "$W/marker"
like "$(cat "$task")" "- [ ] Create marker" "... the box stays unticked"

# Override by name: the workspace rule takes the installed rule's place and
# calls its run; the report and the evidence show it.
fresh
cat >"$W/handlers/generic.lua" <<LUA
return { rules = {}, override = {
  ["$INSTALLED"] = function(base)
    return { match = base.match, description = "one inline command, logged (ours)", observe = base.observe,
      examples = base.examples,
      run = function(c, cmd)
        local done, msg, obs = base.run(c, cmd)
        obs = obs.ok ~= nil and { obs } or obs
        obs[#obs + 1] = { ok = true, looked_at = "the workspace override", expected = "ran", seen = "ran" }
        return done, msg, obs
      end }
  end } }
LUA
ix run TASK-975 --tasks-dir "$W/tasks" --json -q --only 1
is "$(jq -r '.criteria[0].state' <<<"$out")" completed "override: the workspace's rule ran in the installed one's place"
is "$(rule_of 0)" "generic: one inline command, logged (ours) ($W/handlers/generic.lua)" \
    "... the report names the workspace rule and file"
is "$(jq -r '[.criteria[0].evidence[].looked_at] | join(",")' <<<"$out")" "\`touch marker\`,the workspace override" \
    "... its evidence: the installed observation (through base.run) and its own"
ok "... the installed run did the work" test -e "$W/marker"
(cd "$W" && "$IX_BIN" handlers check) >"$T/check.txt" 2>&1 && rc=0 || rc=$?
is "$rc" 0 "handlers check: an override with the installed rule's observer and examples is clean"

# An override that loses the observer: handlers check names the override.
sed -i 's/observe = base.observe,//' "$W/handlers/generic.lua"
ix handlers check --tasks-dir "$W/tasks"
is "$rc" 2 "handlers check: an override without an observer is a problem"
like "$out" "$W/handlers/generic.lua: override \"$INSTALLED\" (one inline command, logged (ours)): can tick without an observer" \
    "... named by its file and the rule name it overrides"

# A workspace rule that takes the installed rule's name by accident (a copy
# of the installed file): refused at load, both files named, nothing runs.
fresh
sed "s/\"runs the single/\"our copy: runs the single/" "$G" >"$W/handlers/generic.lua"
ix run TASK-975 --tasks-dir "$W/tasks" -q
is "$rc" 2 "a rule named like an installed rule, without override: exit 2"
like "$err" "$W/handlers/generic.lua: rule 1 (\"$INSTALLED\") has the name of $G: rule 1" "... naming both files and rules"
like "$err" "replace that rule through override" "... and the way to mean it"
one_line "$err" "... in one line"
ok "... nothing ran" test ! -e "$W/marker"
ok "... the task file is unchanged" cmp "$task" "$T/orig.md"
ix handlers check --tasks-dir "$W/tasks"
is "$rc" 2 "handlers check fails on the collision"
like "$out" "$W/handlers/generic.lua: rule 1 (\"$INSTALLED\") has the name of $G" "... and names both files"

# An override naming no installed rule: exit 2, the file and the names there are.
printf 'return { rules = {}, override = { ["no such rule"] = false } }\n' >"$W/handlers/generic.lua"
ix run TASK-975 --tasks-dir "$W/tasks" -q
is "$rc" 2 "an override naming no installed rule: exit 2"
like "$err" "$W/handlers/generic.lua: override \"no such rule\": no rule of that name in $G (its rules: \"$INSTALLED\")" \
    "... naming the file, and the rules it could name"
printf 'return { rules = {}, override = { ["x"] = 1 } }\n' >"$W/handlers/generic.lua"
ix run TASK-975 --tasks-dir "$W/tasks" -q
is "$rc" 2 "an override that is neither a function nor false: exit 2"
like "$err" "$W/handlers/generic.lua: override x must map a rule name to function(base) or false" "... named"
printf 'return { rules = {}, override = { ["%s"] = function(base) error("no luck") end } }\n' "$INSTALLED" \
    >"$W/handlers/generic.lua"
ix run TASK-975 --tasks-dir "$W/tasks" -q
is "$rc" 2 "an override function that raises: exit 2"
like "$err" "$W/handlers/generic.lua:1: no luck" "... its file and line"
printf 'return { rules = {}, override = { ["%s"] = function(base) return "a rule" end } }\n' "$INSTALLED" \
    >"$W/handlers/generic.lua"
ix run TASK-975 --tasks-dir "$W/tasks" -q
is "$rc" 2 "an override returning no rule: exit 2"
like "$err" "$W/handlers/generic.lua: override \"$INSTALLED\" is not a table" "... named"
printf 'return { rules = {}, override = { ["%s"] = function(base) return { name = "other", match = base.match, run = base.run } end } }\n' \
    "$INSTALLED" >"$W/handlers/generic.lua"
ix run TASK-975 --tasks-dir "$W/tasks" -q
is "$rc" 2 "an override renaming the rule: exit 2"
like "$err" "must keep the name" "... named"
ok "... the task file is still unchanged" cmp "$task" "$T/orig.md"
printf 'return { rules = {}, override = { ["x"] = false } }\n' >"$W/handlers/solo.lua"
rm "$W/handlers/generic.lua"
ix run TASK-975 --tasks-dir "$W/tasks" -q
is "$rc" 2 "an override in a file nothing on the path shares a name with: exit 2"
like "$err" "$W/handlers/solo.lua: override \"x\": no farther solo.lua on the handler path to override" "... named"
rm "$W/handlers/solo.lua"

# handlers check across the merged set: a workspace rule claiming the
# installed rule's example as specifically is ambiguous, both files named.
cat >"$W/handlers/generic.lua" <<'LUA'
return { rules = {
  { match = function(c) if #c.code == 1 then return c.code[1] end end, description = "ours, also one command",
    examples = { "Create marker: `touch marker`" }, observe = "command.result",
    run = function() return false, "not here" end },
} }
LUA
ix handlers check --tasks-dir "$W/tasks"
is "$rc" 2 "handlers check: two files' rules claiming one example"
like "$out" "$G: rule 1 ($INSTALLED): its example \"Create marker: \`touch marker\`\" is matched as specifically by $W/handlers/generic.lua: rule 1 (ours, also one command): ambiguous" \
    "... the pair is named, both files"
like "$out" "$G: rule 1 ($INSTALLED): its example \"Create marker: \`touch marker\`\" is taken first by $W/handlers/generic.lua: rule 1" \
    "... and, within the merged handler, the nearer rule takes it first"

done_testing
