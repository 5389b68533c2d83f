#!/bin/bash
# Asking a person: `run --confirm` on a real pseudo-terminal (python3's pty
# module drives the binary: its stdin and stdout are a terminal, and the
# answers are typed), and `confirm TASK N --note`.  Only a person's yes
# ticks; N, skip, quit, end of input and a missing terminal tick nothing.
. "$(dirname "$0")/../lib.sh"
PTY="python3 $IX_ROOT/tests/helpers/pty_answer.py"

# Who answers: git user.name from a private HOME, never the machine's.
export HOME=$T/home XDG_CONFIG_HOME=$T/home/.config USER=fallback-user
mkdir -p "$HOME"
printf '[user]\n\tname = Test Person\n' >"$HOME/.gitconfig"

W=$T/ws
mkdir -p "$W/tasks/active"
task=$W/tasks/active/TASK-950.md
esc=$(printf '\033') csi=$(printf '\302\233') # ESC, and U+009B (a C1 CSI)
cat >"$T/orig.md" <<MD
---
id: TASK-950
title: Confirm exercise
status: active
priority: high
labels: [testing]
updated: 2026-01-01
---

## Acceptance Criteria

- [ ] Talk to the team about the outage
- [ ] Create marker: \`touch marker\`
- [ ] Run what always fails: \`sh -c 'echo boom >&2; exit 3'\`
- [ ] Services respond: check \`curl https://x\` and \`kubectl get pods -A\`
- [ ] Evil text ${esc}[2J${esc}]0;pwned ${csi}2J
- [ ] Waiting - BLOCKED: on the vendor
- [x] Already done

## Progress Log

- 2026-01-01 10:00: created
MD
fresh() { cp "$T/orig.md" "$task"; rm -f "$W/marker"; }

# drive ANSWER... : run TASK-950 --confirm on a pty with these answers;
# $out the terminal's text, $rc, $prompts how many times it asked.
drive() {
    out=$(cd "$W" && $PTY "$@" -- "$IX_BIN" run TASK-950 --confirm --report "$T/r.json" 2>"$T/pty.err") &&
        rc=0 || rc=$?
    prompts=$(sed -n 's/^prompts: //p' "$T/pty.err")
}
crit() { jq -r ".criteria[$1-1]|$2" "$T/r.json"; }

# ---- refused without a terminal ----
fresh
ix run "$task" --confirm
is "$rc" 2 "no terminal (stdout a pipe, stdin not a tty): exit 2"
one_line "$err" "... one line"
like "$err" "--confirm needs a person at a terminal" "... saying why"
ok "... task file unchanged" cmp "$task" "$T/orig.md"
ok "... nothing ran" test ! -e "$W/marker"
out=$(cd "$W" && $PTY --stdout-pipe y -- "$IX_BIN" run TASK-950 --confirm 2>&1) && rc=0 || rc=$?
is "$rc" 2 "stdin a terminal but stdout a pipe: exit 2"
ok "... task file unchanged" cmp "$task" "$T/orig.md"
drive_dry() { (cd "$W" && $PTY y -- "$IX_BIN" run TASK-950 --confirm --dry-run); }
out=$(drive_dry 2>&1) && rc=0 || rc=$?
is "$rc" 2 "--confirm --dry-run: exit 2"
like "$out" "not with --dry-run" "... saying why"

# ---- y ticks, n and skip do not; observed results are never offered ----
fresh
drive y n skip
is "$rc" 1 "criteria remain: exit 1"
is "$prompts" 3 "asked exactly for the three criteria no rule decides"
like "$out" "== Needs a person: criterion 1 ==" "the prompt names the criterion"
like "$out" "(none: no observer could look at this)" "... and says no evidence was gathered"
like "$out" "  \$ kubectl get pods -A" "... and shows the commands the criterion names"
unlike "$out" "Needs a person: criterion 3" "a criterion a rule observed false (exit 3) is not offered"
unlike "$out" "Needs a person: criterion 6" "a BLOCKED criterion is not offered"
prompt5=$(sed -n '/Needs a person: criterion 5/,/Is it done/p' <<<"$out")
like "$prompt5" 'Evil text \x1b[2J\x1b]0;pwned \x9b2J' "escape sequences from the task file are shown escaped"
unlike "$prompt5" "$esc" "... and never reach the terminal raw"
unlike "$prompt5" "$csi" "... nor do C1 controls"
is "$(grep -c '^- \[x\]' "$task")" 3 "three boxes checked: the old one, the observed one, the confirmed one"
like "$(sed -n 12p "$task")" "- [x] Talk to the team" "y: criterion 1 ticked"
like "$(sed -n 15p "$task")" "- [ ] Services respond" "n: criterion 4 not ticked"
like "$(sed -n 16p "$task")" "- [ ] Evil text" "skip: criterion 5 not ticked"
like "$(cat "$task")" "- 2026-11-25 12:34: Confirmed criterion 1: Talk to the team about the outage (confirmed by Test Person)" \
    "the Progress Log says who confirmed it"
is "$(grep -c 'Confirmed criterion' "$task")" 1 "only the yes is logged as confirmed"
is "$(crit 1 '.state+" "+.confirmed_by')" "completed Test Person" "JSON: confirmed_by for the yes"
is "$(crit 2 '.state+" "+(.confirmed_by|tostring)')" "completed null" "JSON: an observed tick has no confirmed_by"
is "$(crit 4 '.state+": "+.reason')" "remaining: needs a person: Test Person answered no" "n: remaining, reason says who said no"
is "$(crit 5 '.state+": "+.reason')" "remaining: needs a person: no rule matches" "skip: remaining, as it was"
like "$out" "  - Confirmed by Test Person (a person's answer; not observed)" "Markdown: confirmed, not observed"
if python3 -c 'import jsonschema' 2>/dev/null; then
    ok "the report with confirmed_by validates against the schema" python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "$T/r.json" "$IX_ROOT/docs/report-schema.json"
else
    _result 1 "schema validation # SKIP python3-jsonschema not installed"
fi

# ---- a rule that looked but cannot decide hands it over, with its evidence ----
H=$T/handlers
mkdir -p "$H"
printf 'return { rules = {}, labels = { testing = "person" }, always = { "verify", "generic" } }\n' >"$H/types.lua"
cat >"$H/person.lua" <<'LUA'
local ix = require "infraexec"
return { rules = { {
  pattern = "^Dashboard looks right",
  description = "looks at the dashboard",
  run = function()
    ix.run{ argv = { "sh", "-c", "echo dashboard: 3 panels red" } }
    ix.run{ argv = { "sh", "-c", "echo logged in with s3cr3t-dashboard-token" } }
    return false, "needs a person: what the panels' colours mean is not something a check knows"
  end,
} } }
LUA
sed -n 1,11p "$T/orig.md" | sed s/TASK-950/TASK-951/ >"$W/tasks/active/TASK-951.md"
printf -- '- [ ] Dashboard looks right\n' >>"$W/tasks/active/TASK-951.md"
out=$(cd "$W" && DASH_TOKEN=s3cr3t-dashboard-token $PTY y -- "$IX_BIN" run TASK-951 --confirm --handlers "$H" --report "$T/r.json" 2>&1) && rc=0 || rc=$?
like "$out" "Rule: person: looks at the dashboard" "a rule's hand-over: the prompt names the rule"
like "$out" "Result: needs a person: what the panels' colours mean" "... its reason"
like "$out" "- command: sh -c 'echo dashboard: 3 panels red' (exit 0)" "... the command it ran"
like "$out" "      dashboard: 3 panels red" "... and what the command printed"
like "$out" "- command: sh -c 'echo logged in with ***'" "... with the run's secrets masked in the command"
unlike "$out" "s3cr3t-dashboard-token" "... and in its output: the secret never reaches the terminal"
is "$(crit 1 '.state+" "+.confirmed_by')" "completed Test Person" "... and y ticks it"
like "$(cat "$W/tasks/active/TASK-951.md")" "Not completed criterion 1: Dashboard looks right (needs a person" \
    "the rule's own result is logged before the person's answer"

# ---- quit, end of input, unknown answers ----
fresh
drive quit
is "$prompts/$rc" "1/1" "quit: asked once, the run stops there (exit 1)"
like "$(sed -n 12p "$task")" "- [ ] Talk" "quit: nothing confirmed"
ok "quit: the criteria after it were not run" test ! -e "$W/marker"
like "$out" "# Task Execution Report: TASK-950" "quit: the report still follows"
fresh
drive EOF
is "$prompts/$rc" "1/1" "end of input (Ctrl-D): taken as quit"
like "$(sed -n 12p "$task")" "- [ ] Talk" "end of input: nothing confirmed"
fresh
drive INT
is "$prompts/$rc" "1/130" "Ctrl-C at the prompt: the run stops, exit 130"
like "$(sed -n 12p "$task")" "- [ ] Talk" "Ctrl-C: nothing confirmed"
like "$(cat "$task")" "Run interrupted" "... and the log says the run was interrupted"
fresh
drive maybe "" skip skip
like "$out" "Please answer y, n, skip or quit." "an unknown answer is asked again"
is "$prompts" 4 "... and an empty answer counts as no"
is "$(crit 1 .reason)" "needs a person: Test Person answered no" "... the default is N"
is "$(grep -c '^- \[x\]' "$task")" 2 "nothing confirmed by default"
fresh
drive yes y y
is "$(grep -c 'Confirmed criterion' "$task")" 3 "yes/y: every asked criterion confirmed"
is "$rc" 1 "the observed failure still remains (exit 1)"
like "$(sed -n 14p "$task")" "- [ ] Run what always fails" "... and is never ticked"

# ---- without --confirm nothing is asked ----
fresh
out=$(cd "$W" && $PTY y y y -- "$IX_BIN" run TASK-950 2>"$T/pty.err") && rc=0 || rc=$?
is "$(sed -n 's/^prompts: //p' "$T/pty.err")" 0 "a run on a terminal without --confirm asks nothing"
is "$(grep -c 'Confirmed' "$task")" 0 "... and confirms nothing"

# ---- who answers ----
fresh
git -C "$W" init -q
git -C "$W" config user.name "Repo Person"
drive y skip skip
like "$(cat "$task")" "(confirmed by Repo Person)" "the repository's user.name wins over the global one"
rm -rf "$W/.git"
mv "$HOME/.gitconfig" "$HOME/gitconfig.off"
fresh
drive y skip skip
like "$(cat "$task")" "(confirmed by fallback-user)" "no git user.name: \$USER"
fresh
out=$(cd "$W" && env -u USER $PTY y -- "$IX_BIN" run TASK-950 --confirm 2>&1) && rc=0 || rc=$?
is "$rc" 2 "nobody to name: exit 2"
like "$out" "cannot tell who is answering" "... saying why"
ok "... task file unchanged" cmp "$task" "$T/orig.md"
mv "$HOME/gitconfig.off" "$HOME/.gitconfig"

# ---- events ----
fresh
out=$(cd "$W" && PTY_PASS_FDS=3 $PTY y skip skip -- "$IX_BIN" run TASK-950 --confirm --events 3 \
    3>"$T/events" 2>/dev/null) || true
is "$(jq -c 'select(.event=="criterion_confirmed")|[.index,.confirmed_by]' "$T/events")" '[1,"Test Person"]' \
    "--events: criterion_confirmed after the yes"

# ---- confirm TASK N --note ----
fresh
ix --tasks-dir "$W/tasks" confirm TASK-950 4 --note "ran curl and kubectl by hand: 200, all pods Running"
is "$rc" 0 "confirm: exit 0"
is "$out" "TASK-950: criterion 4 confirmed by Test Person" "... says who"
like "$(sed -n 15p "$task")" "- [x] Services respond" "... criterion 4 ticked"
like "$(cat "$task")" "Confirmed criterion 4: Services respond: check \`curl https://x\` and \`kubectl get pods -A\` (confirmed by Test Person: ran curl and kubectl by hand: 200, all pods Running)" \
    "... logged with who and the note"
like "$(sed -n 7p "$task")" "updated: 2026-11-25" "... updated: set"
cp "$task" "$T/after.md"
bad_confirm() { # WANT ARGS...: refused with exit 2, the file unchanged
    local want=$1
    shift
    ix --tasks-dir "$W/tasks" confirm TASK-950 "$@"
    is "$rc" 2 "confirm TASK-950 $*: exit 2"
    like "$err" "$want" "... $want"
    ok "... task file unchanged" cmp "$task" "$T/after.md"
}
bad_confirm "criterion 4 is already checked" 4 --note again
bad_confirm "criterion 7 is already checked" 7 --note x
bad_confirm "no criterion 8 (the task has 7)" 8 --note x
bad_confirm "not a criterion number" 0 --note x
bad_confirm "not a criterion number" abc --note x
bad_confirm "--note TEXT is required" 1
bad_confirm "--note TEXT is required" 1 --note ""
bad_confirm "option --note needs a value" 1 --note
bad_confirm "expected TASK and one criterion number"
ix --tasks-dir "$W/tasks" confirm TASK-999 1 --note x
is "$rc" 2 "confirm of a missing task: exit 2"

done_testing
