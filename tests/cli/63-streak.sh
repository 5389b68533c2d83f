#!/bin/bash
# The third run in a row that leaves criteria failing sets status: blocked,
# counted from the Progress Log's "Run ended:" entries; next then skips it.
. "$(dirname "$0")/../lib.sh"

W=$T/ws
mkdir -p "$W/tasks/active"
task=$W/tasks/active/TASK-1.md
cat >"$task" <<'MD'
---
id: TASK-1
title: Keeps failing
status: "active"   # set by the planner
priority: critical
labels: [testing]
updated: 2026-01-01
---

## Acceptance Criteria

- [ ] Run Marker: `touch marker`
- [ ] Run Always fails: `sh -c 'exit 3'`
- [ ] Needs a person

## Progress Log

- 2026-01-01 10:00: created
MD
printf -- '---\nid: TASK-2\ntitle: Other\nstatus: active\npriority: low\n---\n\n## Acceptance Criteria\n- [ ] Run Other: `true`\n' \
    >"$W/tasks/active/TASK-2.md"
cd "$W"
entries() { "$IX_BIN" show --json "$task" | jq -r '.progress_log[].text'; }

ix run TASK-1 -q --retries 0
is "$rc" 1 "run 1: criteria remain"
is "$(entries | tail -1)" "Run ended: criteria 2 still failing (1 of 3 checked)" \
    "run 1 ends with one entry naming what still fails"
ix run TASK-1 -q --retries 0 --json
is "$(entries | grep -c '^Run ended')" 2 "run 2: a second entry"
is "$(jq -r .task.status <<<"$out")" active "two failing runs: still active"
ix next
is "$out" TASK-1 "and next still chooses it"

# A person's note in between does not break the streak.
ix log TASK-1 "Looked at it, the script is fine"
cp "$task" "$T/before3.md"
ix run TASK-1 -q --retries 0 --json
is "$rc" 1 "run 3: criteria remain"
like "$(entries | tail -1)" \
    "Run ended: criteria 2 still failing (1 of 3 checked); failing run 3 in a row: status set to blocked" \
    "run 3 says why it blocks the task"
is "$("$IX_BIN" show --json "$task" | jq -r .status)" blocked "status: blocked"
like "$(jq -r '.warnings[]' <<<"$out")" "status set to blocked" "the report warns"
is "$(diff "$T/before3.md" "$task" | grep -c '^[<>]')" 4 \
    "only the status line changed; the criterion's entry and the run's were added"
like "$(grep '^status:' "$task")" 'status: "blocked"   # set by the planner' \
    "the quoting and the comment are kept"
ix next
is "$out" TASK-2 "next skips the blocked task"
ix queue --json
is "$(jq -r '.priority_queue[]|select(.task_id=="TASK-1")|.blocked_by' <<<"$out")" "status: blocked" \
    "queue shows why"

# A fourth run (run by hand) does not block again; after a person sets it
# back, it takes three more failing runs.
ix run TASK-1 -q --retries 0
is "$(entries | grep -c 'status set to blocked')" 1 "an already blocked task is not blocked twice"
is "$(entries | tail -1)" "Run ended: criteria 2 still failing (1 of 3 checked) while the status was blocked" \
    "a run by hand on a blocked task says so"
sed -i 's/^status: "blocked"/status: "active"/' "$task" # a person unblocks it
ix run TASK-1 -q --retries 0
ix run TASK-1 -q --retries 0
is "$("$IX_BIN" show --json "$task" | jq -r .status)" active "unblocked: two more failures are not enough"
ix run TASK-1 -q --retries 0
is "$("$IX_BIN" show --json "$task" | jq -r .status)" blocked "the third one after unblocking is"

# A passing run ends a streak; a run that attempts nothing writes nothing.
task3=$W/tasks/active/TASK-3.md
cat >"$task3" <<'MD'
---
id: TASK-3
title: Flaky
priority: high
---

## Acceptance Criteria

- [ ] Run Flaky: `sh -c 'test -e ok'`
- [ ] Manual step nobody automated

## Progress Log

- 2026-01-01 10:00: Run ended: criteria 1 still failing (0 of 2 checked)
- 2026-01-01 11:00: Run ended: criteria 1 still failing (0 of 2 checked)
- 2026-01-01 12:00: Run ended: no criterion failed (1 of 2 checked)
- 2026-01-01 13:00: Run ended: criteria 1 still failing (0 of 2 checked)
MD
ix run TASK-3 -q --retries 0
is "$(grep -c '^status:' "$task3")" 0 "a passing run in between: two in a row, not blocked"
ix run TASK-3 -q --retries 0
is "$(grep '^status:' "$task3")" "status: blocked" "three in a row: a missing status: is added"
is "$(sed -n 5p "$task3")" "status: blocked" "after the last frontmatter line"
touch ok
sed -i 's/^status: blocked/status: active/' "$task3"
ix run TASK-3 -q --retries 0
is "$("$IX_BIN" show --json "$task3" | jq -r '.progress_log[-1].text')" \
    "Run ended: no criterion failed (1 of 2 checked)" "a run where every attempted criterion passed"
cp "$task3" "$T/t3.md"
ix run TASK-3 -q --retries 0
ok "a run that attempts nothing (no rule for what remains) leaves the file alone" cmp "$task3" "$T/t3.md"
ix run TASK-3 -q --dry-run
ok "a dry run writes nothing" cmp "$task3" "$T/t3.md"

done_testing
