#!/bin/bash
# infraexec run: only unchecked criteria, retries, failures, timeouts,
# dry runs, reports, interrupts and the run lock -- with real processes.
. "$(dirname "$0")/../lib.sh"

W=$T/ws
mkdir -p "$W/tasks/active"
task=$W/tasks/active/TASK-900.md
cat >"$task" <<'MD'
---
id: TASK-900
title: Engine exercise
status: active
priority: high
labels: [testing]
updated: 2026-01-01
---

## Acceptance Criteria

- [x] Already done: `touch should-not-exist`
- [ ] Create marker: `touch marker`
- [ ] Run flaky once: `sh -c 'test -e flag || { touch flag; echo first try fails >&2; exit 1; }'`
- [ ] Run what always fails: `sh -c 'echo boom on stderr >&2; exit 3'`
- [ ] No command here
- [ ] Waiting - BLOCKED: See TASK-005
- [ ] Run a pipeline: `echo hi | grep -q hi`

## Progress Log

- 2026-01-01 10:00: created
MD
cp "$task" "$T/orig.md"

# Dry run first: nothing executed, nothing written, not even .infraexec/.
ix run "$task" --dry-run --quiet
is "$rc" 1 "dry run exits 1: some criteria would not complete"
ok "dry run: task file untouched" cmp "$task" "$T/orig.md"
ok "dry run: no marker created" test ! -e "$W/marker"
ok "dry run: no .infraexec directory" test ! -e "$W/.infraexec"
like "$out" "# Task Execution Report: TASK-900 (dry run)" "dry-run report title"
like "$out" "touch marker" "dry run shows the command it would run"
dry=$out
like "$dry" "- ⏳ No command here
  - Reason: would not complete: needs a person: no rule matches" "dry run: what would not complete, and why"
ix run "$task" --dry-run --quiet --json
is "$(jq -r '[.criteria[]|select(.state=="remaining")|"\(.index):\(.would_complete)"]|join(",")' <<<"$out")" \
    "2:true,3:true,4:true,5:false,6:false,7:true" "dry run: would_complete per criterion"
is "$(jq -r '.criteria[1].evidence[0]|"\(.after_action) \(.seen)"' <<<"$out")" "true after the action" \
    "dry run: a command's result is observed after the action"
ix run "$task" --dry-run --quiet --only 2,7
is "$rc" 0 "dry run exits 0 when every selected criterion would complete"

ix run "$task" --quiet --json --report "$T/report.md"
json=$out
is "$rc" 1 "run with remaining criteria exits 1"
is "$(jq -r .schema <<<"$out")" "infraexec.report/2" "JSON report schema id"
is "$(jq -r '[.criteria[].state]|join(",")' <<<"$out")" \
    "previously_completed,completed,completed,remaining,remaining,remaining,completed" \
    "states in document order"
ok "checked criterion not run again" test ! -e "$W/should-not-exist"
ok "marker created" test -e "$W/marker"
is "$(jq -r '.criteria[2].commands[0].attempts' <<<"$out")" 2 "flaky command retried once"
like "$(jq -r '.criteria[3].reason' <<<"$out")" "exit 3 after 2 attempts: boom on stderr" \
    "failing command: reason carries its stderr"
is "$(jq -r '.criteria[4].reason' <<<"$out")" "needs a person: no rule matches" "command-less criterion"
is "$(jq -r '.criteria[5]|"\(.blocked) \(.reason)"' <<<"$out")" "true Blocked: See TASK-005" \
    "BLOCKED criterion reported, not run"
is "$(jq -r '.summary|"\(.total) \(.completed) \(.completed_now) \(.remaining)"' <<<"$out")" \
    "7 4 3 3" "summary counts"
is "$(jq -r '.criteria[1].commands[0].log_path' <<<"$out")" null \
    "a command that succeeds without printing leaves no log file"
log=$(jq -r '.criteria[2].commands[0].log_path' <<<"$out")
ok "per-command log file exists under .infraexec/logs" test -f "$log"
like "$log" "$W/.infraexec/logs/TASK-900/" "log path next to the tasks directory"
like "$(cat "$log")" "err| first try fails" "the log holds the output"
like "$(cat "$(jq -r '.criteria[3].commands[0].log_path' <<<"$out")")" "attempt 2/2: exit 3" \
    "a failing command's log holds its attempts"
is "$(jq -r '.criteria|map(select(.state=="completed"))|map(.index)|join(",")' <<<"$out")" \
    "2,3,7" "completed now"
is "$("$IX_BIN" show --json "$task" | jq -r '[.criteria[]|select(.checked)|.index]|join(",")')" \
    "1,2,3,7" "boxes on disk"
ix lint "$task"
is "$rc" 0 "task file still lints clean"
like "$(cat "$T/report.md")" "## Acceptance Criteria Remaining" "--report wrote the Markdown report"
for h in "# Task Execution Report: TASK-900" "## Task: Engine exercise" "Priority: high" \
    "Status: active" "## Acceptance Criteria Completed" "## Acceptance Criteria Remaining" \
    "## Changes Made" "### Files Modified" "### Commands Executed" "## Progress Log Entry" \
    "## Summary" "Completed 4 of 7 acceptance criteria. Task is partially complete." "## Next Steps"; do
    like "$(cat "$T/report.md")" "$h" "Markdown report has: $h"
done
if python3 -c 'import jsonschema' 2>/dev/null; then
    printf '%s\n' "$json" >"$T/report.json"
    ok "JSON report validates against docs/report-schema.json" python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
        "$T/report.json" "$IX_ROOT/docs/report-schema.json"
else
    _result 0 "python3-jsonschema missing (tools/deps.sh test installs it)"
fi
# The dry run named exactly what the real run then ran.
for cmd in "touch marker" "echo hi | grep -q hi"; do
    like "$dry" "$cmd" "dry run listed: $cmd"
done

# A second run only retries what remains; the flaky one stays done.
ix run "$task" --quiet --json --retries 0
is "$(jq -r '[.criteria[]|select(.commands|length>0)|.index]|join(",")' <<<"$out")" "4" \
    "second run runs only the remaining criterion that has a rule"

# Timeouts: a command and its background child are stopped in seconds.
cat >"$W/tasks/active/TASK-901.md" <<'MD'
---
id: TASK-901
title: Hangs
labels: []
---
## Acceptance Criteria
- [ ] Run the hang: `sleep 30 & sleep 30`
MD
timeout 25 "$IX_BIN" run TASK-901 --tasks-dir "$W/tasks" --timeout 1 --retries 0 --json -q \
    >"$T/out.json" 2>/dev/null && rc=0 || rc=$?
is "$rc" 1 "hung command: run ends (not killed by the 25 s guard) with exit 1"
is "$(jq -r '.criteria[0].commands[0].timed_out' "$T/out.json")" true "command marked timed out"
like "$(jq -r '.criteria[0].reason' "$T/out.json")" "timed out" "reason says timed out"

# --task-timeout: a partial report, exit 1.
timeout 25 "$IX_BIN" run TASK-901 --tasks-dir "$W/tasks" --task-timeout 1 --json -q \
    >"$T/out.json" 2>/dev/null && rc=0 || rc=$?
is "$rc" 1 "--task-timeout: exit 1"
is "$(jq -r .task_timed_out "$T/out.json")" true "--task-timeout is in the report"

# SIGINT mid-run: the child stops, the file stays consistent, exit 130.
sed -i 's/sleep 30 & sleep 30/sleep 31.5 \& sleep 31.5/' "$W/tasks/active/TASK-901.md"
"$IX_BIN" run TASK-901 --tasks-dir "$W/tasks" --json -q >"$T/int.json" 2>/dev/null &
pid=$!
for _ in $(seq 100); do pgrep -f '^sleep 31.5$' >/dev/null && break; sleep 0.1; done
kill -INT $pid
wait $pid && rc=0 || rc=$?
is "$rc" 130 "SIGINT: exit 130"
is "$(jq -r .interrupted "$T/int.json")" true "report says interrupted"
ix lint "$W/tasks/active/TASK-901.md"
is "$rc" 0 "task file consistent after SIGINT"
like "$("$IX_BIN" show --json "$W/tasks/active/TASK-901.md" | jq -r '.progress_log[-1].text')" \
    "Run interrupted" "interruption logged"
ok "no sleep left behind" test -z "$(pgrep -f '^sleep 31.5$')"

# Two runs of one task: the second refuses at once, naming the holder.
cat >"$W/tasks/active/TASK-902.md" <<'MD'
---
id: TASK-902
title: Slow
labels: []
---
## Acceptance Criteria
- [ ] Run and wait: `sleep 3`
MD
"$IX_BIN" run TASK-902 --tasks-dir "$W/tasks" -q >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$W/.infraexec/locks/TASK-902.lock" ] && break; sleep 0.05; done
cp "$W/tasks/active/TASK-902.md" "$T/902.before"
ix run TASK-902 --tasks-dir "$W/tasks" -q
is "$rc" 2 "second concurrent run exits 2"
like "$err" "TASK-902: already being run by pid $pid" "second run names the holder"
ok "second run touched nothing" cmp "$W/tasks/active/TASK-902.md" "$T/902.before"
wait $pid
ix run TASK-902 --tasks-dir "$W/tasks" -q
is "$rc" 0 "lock released with its holder: the next run proceeds"

# --only
cp "$T/orig.md" "$task"
rm -f "$W/marker" "$W/flag"
ix run "$task" --only 2 --quiet --json
is "$(jq -r '[.criteria[]|select(.commands|length>0)|.index]|join(",")' <<<"$out")" "2" \
    "--only runs only the named criterion"
ix run "$task" --only 0
is "$rc" 2 "--only 0 is a bad invocation"

done_testing
