#!/bin/bash
# The queue as the task scanner builds it: dependencies as people write them,
# blocked tasks, human actions, order, warnings; `next` is its first ready entry.
. "$(dirname "$0")/../lib.sh"

# task DIR ID PRIORITY [STATUS] [BODY...]: a minimal task file.
task() {
    local dir=$1 id=$2 prio=$3 status=${4:-active}
    shift 4 2>/dev/null || shift $#
    mkdir -p "$dir"
    {
        printf -- '---\nid: %s\ntitle: Task %s\nstatus: %s\npriority: %s\nlabels: [x]\n---\n\n' \
            "$id" "$id" "$status" "$prio"
        printf '%s\n' "$@"
        printf '\n## Acceptance Criteria\n- [ ] something\n'
    } >"$dir/$id.md"
}
deps() { jq -c '[.dependencies[]|"\(.id) \(.relation) \(.line) \(.prerequisite)"]'; }
validate() { # FILE: the queue JSON against docs/queue-schema.json
    python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' \
        "$1" "$IX_ROOT/docs/queue-schema.json"
}

# ---- the corpus: relations as the homelab wrote them ----
ix show --json "$CORPUS/TASK-002.md"
is "$(deps <<<"$out")" '["TASK-001 listed 116 true","TASK-005 listed 117 true"]' \
    "TASK-002: bullets directly under Dependencies are prerequisites; ## Blocks is not"
ix show --json "$CORPUS/TASK-003.md"
is "$(deps <<<"$out")" '["TASK-002 blocked_by 128 true"]' "TASK-003: **Blocked By:**"
ix show --json "$CORPUS/TASK-004.md"
is "$(deps <<<"$out")" '["TASK-002 after 91 true"]' "TASK-004: **After:**"
ix show --json "$CORPUS/TASK-005.md"
is "$(deps <<<"$out")" '["TASK-003 unblocks 184 false","TASK-004 related 187 false"]' \
    "TASK-005: **Unblocks:** and **Related:** are not prerequisites"
ix show --json "$CORPUS/TASK-006.md"
is "$(deps <<<"$out")" \
    '["TASK-007 blocked_by 259 true","TASK-003 related 262 false","TASK-005 related 263 false","TASK-007 related 264 false"]' \
    "TASK-006: the same id blocking and related, each with its line"
ix show --json "$CORPUS/TASK-008.md"
is "$(deps <<<"$out")" \
    '["TASK-006 depends_on 10 true","TASK-006 depends_on 228 true","TASK-006 related 235 false"]' \
    "TASK-008: frontmatter depends_on, **Depends On**: (colon outside), **Blocks**: without ids"
is "$(jq -r '.dependencies[1].label' <<<"$out")" "Depends On" "the label as written is kept"
ix show --json "$CORPUS/TASK-001.md"
is "$(jq -c '[.dependencies[], .stop_line]' <<<"$out")" '[null]' \
    "TASK-001: prose without ids and a ## Related Tasks section: no dependencies"

# ---- every relation word, in the shapes people use ----
task "$T/words/tasks/active" TASK-050 high active \
    '## Dependencies' '- TASK-001 bare bullet' '' \
    '**Depends On:**' '- TASK-002' '' '**Blocked By**:' '- TASK-003' '' \
    '**Prerequisites:**' '- TASK-004' '' '### Requires' '- TASK-005' '' '**After:** TASK-006' '' \
    '**Blocks:**' '- TASK-011' '' '**Unblocks:**' '- TASK-012' '' '**Required For:**' '- TASK-013' '' \
    '**Enables:**' '- TASK-014' '' '**Related:**' '- TASK-015' '' \
    '**Depends On:**' '- Blocks: TASK-016' '- **Related**: TASK-017 and TASK-018' '- TASK-019' '' \
    '## Blocks' '- TASK-020' '' '## Related Tasks' '- TASK-021' '' \
    '## Notes' '```' 'STOP' '```' 'STOP the registry first, then TASK-022.'
sed -i 's/^labels: \[x\]$/labels: [x]\ndepends_on: [TASK-007]\nblocked_by: TASK-008, TASK-009/' \
    "$T/words/tasks/active/TASK-050.md"
ix show --json "$T/words/tasks/active/TASK-050.md"
rels=$(jq -r '.dependencies[]|"\(.id)=\(.relation):\(.prerequisite)"' <<<"$out" | tr '\n' ' ')
for want in TASK-007=depends_on:true TASK-008=blocked_by:true TASK-009=blocked_by:true \
    TASK-001=listed:true TASK-002=depends_on:true TASK-003=blocked_by:true \
    TASK-004=prerequisites:true TASK-005=requires:true TASK-006=after:true \
    TASK-011=blocks:false TASK-012=unblocks:false TASK-013=required_for:false \
    TASK-014=enables:false TASK-015=related:false TASK-016=blocks:false TASK-017=related:false \
    TASK-018=related:false TASK-019=depends_on:true; do
    like "$rels" "$want " "relation: $want"
done
unlike "$rels" "TASK-020" "a separate ## Blocks section names no dependency"
unlike "$rels" "TASK-021" "a separate ## Related Tasks section names no dependency"
unlike "$rels" "TASK-022" "ids outside ## Dependencies are not dependencies"
is "$(jq -r '.stop_line' <<<"$out")" null "STOP in a code block or inside a sentence is no marker"
is "$(jq -r '[.dependencies[]|select(.id=="TASK-003")|.line]|join(",")' <<<"$out")" 18 \
    "line of a bullet id"
is "$(jq -r '[.dependencies[]|select(.id=="TASK-008")|.line]|join(",")' <<<"$out")" 8 \
    "line of a frontmatter id"

# lint: an unknown relation label; ids the tasks directory does not hold.
task "$T/lint/tasks/active" TASK-060 medium active '## Dependencies' '**Waits On:**' '- TASK-061' \
    '' '**Unblocks:** TASK-404'
task "$T/lint/tasks/completed" TASK-061 low completed
ix lint "$T/lint/tasks/active/TASK-060.md"
is "$rc" 2 "lint: exit 2"
like "$out" "TASK-060.md:10:1: unknown dependency relation 'Waits On'" "lint names the unknown label"
like "$out" "TASK-060.md:13:1: TASK-404 (unblocks) does not exist in $T/lint/tasks" \
    "lint names the id that does not exist, and the relation"
unlike "$out" "TASK-061 (" "an id that exists (in completed/) is fine"
ix lint --tasks-dir "$T/lint/tasks" TASK-060
like "$out" "TASK-404 (unblocks) does not exist" "lint by id uses the tasks directory too"
ix show --json "$T/lint/tasks/active/TASK-060.md"
is "$(jq -c '.dependencies[0]|[.relation,.prerequisite,.label]' <<<"$out")" '["unknown",true,"Waits On"]' \
    "an unknown label still makes its tasks prerequisites"

# ---- the issue's scenario on real files ----
q=$T/homelab/tasks
mkdir -p "$q/active" "$q/backlog" "$q/completed"
cp "$CORPUS/TASK-003.md" "$CORPUS/TASK-005.md" "$q/active/"
cp "$CORPUS/TASK-002.md" "$q/backlog/"
cp "$CORPUS/TASK-001.md" "$q/completed/"
sed -i 's/^status: completed/status: active/' "$q/active/"*.md "$q/backlog/"*.md
cd "$T/homelab"
ix next --json
is "$(jq -r .next.id <<<"$out")" TASK-005 "next: TASK-005 (it unblocks TASK-003; it waits for nothing)"
is "$(jq -c '[.waiting[]|"\(.id)>\(.waits_for|map(.id)|join(","))"]' <<<"$out")" \
    '["TASK-003>TASK-002","TASK-002>TASK-005"]' "TASK-003 waits for TASK-002, TASK-002 for TASK-005 (not TASK-001: completed)"
ix queue --json
printf '%s\n' "$out" >"$T/q1.json"
ok "queue --json validates against docs/queue-schema.json" validate "$T/q1.json"
is "$(jq -r '[.priority_queue[]|"\(.task_id):\(.status)"]|join(" ")' <<<"$out")" \
    "TASK-003:waiting-dependency TASK-005:ready TASK-002:waiting-dependency" \
    "order: active before backlog, then priority, then number; statuses"
is "$(jq -r '.recommended_next.task_id' <<<"$out")" TASK-005 "recommended next"

# ---- order: folder, priority, number as a number ----
o=$T/order/tasks
task "$o/backlog" TASK-1 critical backlog
task "$o/active" TASK-10 high
task "$o/active" TASK-9 high
task "$o/active" TASK-100 critical
task "$o/active" TASK-2 low
task "$o/active" TASK-3 urgent
ix queue --json --tasks-dir "$o"
is "$(jq -r '[.priority_queue[].task_id]|join(" ")' <<<"$out")" \
    "TASK-100 TASK-9 TASK-10 TASK-2 TASK-3 TASK-1" \
    "active first; critical > high > low > unknown; TASK-9 before TASK-10; backlog last"
ix next --tasks-dir "$o"
is "$out" TASK-100 "next follows the same order"
ix list --tasks-dir "$o" --json
is "$(jq -r 'map(.id)|join(" ")' <<<"$out")" "TASK-1 TASK-100 TASK-9 TASK-10 TASK-2 TASK-3" \
    "list: by priority, then the number as a number too"

# ---- blocked: folder, status, STOP; human actions ----
b=$T/blocked
bq=$b/tasks
task "$bq/active" TASK-1 critical blocked
task "$bq/active" TASK-2 critical active 'Working on it.' '' 'STOP' '' 'A person wants to look first.'
task "$bq/active" TASK-3 critical active '## STOP'
task "$bq/blocked" TASK-4 critical active
task "$bq/active" TASK-5 high
task "$bq/active" TASK-6 medium
task "$bq/backlog" TASK-7 low
task "$bq/backlog" TASK-8 low backlog '## Dependencies' '- TASK-6'
task "$bq/completed" TASK-9 high completed
action() { # DIR-NAME JSON
    mkdir -p "$b/human-actions/$1"
    printf '%s\n' "$2" >"$b/human-actions/$1/action_report.json"
}
action ACTION-001-reseal '{"action_id":"ACTION-001","title":"Re-seal secrets","urgency":"low","status":"pending","blocking_items":["TASK-6","TASK-999"]}'
action ACTION-002-dns '{"action_id":"ACTION-002","title":"DNS","urgency":"high","status":"completed","blocking_items":["TASK-5"]}'
action ACTION-003-note '{"action_id":"ACTION-003","title":"Buy disks","urgency":"medium","status":"pending","blocking_items":[]}'
action ACTION-004-low '{"action_id":"ACTION-004","title":"Label cables","urgency":"critical","status":"pending","blocking_items":["TASK-7","TASK-9"]}'
action ACTION-005-bad '{"action_id": "ACTION-005", "title": oops}'
printf '# Pending\n\n- ACTION-001 Re-seal\n- ACTION-006 vanished\n' >"$b/human-actions/actions.md"
printf -- '---\nid: [unclosed\n---\n' >"$bq/active/TASK-11.md"
cd "$b"
ix queue --json
printf '%s\n' "$out" >"$T/q2.json"
is "$rc" 0 "queue: a malformed task file and a broken action report are not fatal"
ok "queue --json validates (blocked, actions, warnings)" validate "$T/q2.json"
st() { jq -r --arg id "$1" '.priority_queue[]|select(.task_id==$id)|"\(.status) \(.blocked_reasons|join(","))"' "$T/q2.json"; }
is "$(st TASK-1)" "blocked status: blocked" "status: blocked"
is "$(st TASK-2)" "blocked STOP (line 11)" "a line that is exactly STOP"
is "$(st TASK-3)" "blocked STOP (line 9)" "a ## STOP heading"
is "$(st TASK-4)" "blocked tasks/blocked/" "filed in tasks/blocked/"
is "$(st TASK-5)" "ready " "a completed action blocks nothing"
is "$(st TASK-6)" "blocked ACTION-001" "a pending action blocks its blocking_items"
is "$(st TASK-7)" "blocked ACTION-004" "another pending action"
is "$(st TASK-8)" "waiting-dependency " "waits for a blocked task"
is "$(jq -r '.priority_queue[]|select(.task_id=="TASK-8")|.waits_for[0].why' "$T/q2.json")" \
    "blocked by ACTION-001" "and says why"
is "$(jq -r '.summary|"\(.total_tasks) \(.ready_tasks) \(.blocked_tasks) \(.waiting_tasks) \(.blocked_folder_tasks) \(.completed_tasks) \(.skipped_files) \(.blocking_actions)"' "$T/q2.json")" \
    "8 1 6 1 1 1 1 2" "summary counts"
is "$(jq -r '[.human_actions[]|"\(.action_id):\(.effective_urgency):\(.open)"]|join(" ")' "$T/q2.json")" \
    "ACTION-002:high:false ACTION-001:medium:true ACTION-003:medium:true ACTION-004:low:true" \
    "effective urgency: the highest priority blocked (TASK-9 is completed: not counted); else as reported"
is "$(jq -r '[.human_actions_required[].action_id]|join(" ")' "$T/q2.json")" "" \
    "human_actions_required: only critical/high ones that block a queued task"
w=$(jq -r '.warnings[]' "$T/q2.json")
like "$w" "$bq/active/TASK-11.md:3:1: invalid YAML frontmatter" "a malformed file is skipped with FILE:LINE:COL"
like "$w" "ACTION-001 references non-existent task TASK-999" "an action naming a missing task"
like "$w" "$b/human-actions/ACTION-005-bad/action_report.json:1:" "a broken action report, with its position"
like "$w" "actions.md:4:3: ACTION-006 has no human-actions/ACTION-006-*/action_report.json" \
    "actions.md naming an action without a report"
is "$(grep -c 'task TASK-9$' <<<"$w")" 0 "a blocking item that is completed is no warning"
ix next
is "$rc" 0 "next: exit 0"
is "$out" TASK-5 "next: the only ready task, although critical ones come first"
like "$err" "warning: $bq/active/TASK-11.md:3:1:" "next shows the warnings on stderr"
like "$err" "TASK-6 is blocked by ACTION-001" "and why others are not chosen"

# Raising the blocked task's priority raises the action's urgency.
sed -i 's/^priority: medium/priority: critical/' "$bq/active/TASK-6.md"
ix queue --json
is "$(jq -r '.human_actions_required[0]|"\(.action_id) \(.urgency) \(.reason) \(.location)"' <<<"$out")" \
    "ACTION-001 critical Blocks TASK-6 (critical) human-actions/ACTION-001-reseal/" \
    "a low action blocking a critical task is required, at critical"
ix queue
like "$out" "1. ACTION-001: Re-seal secrets (critical)" "Markdown: the action required"
like "$out" "Location: human-actions/ACTION-001-reseal/INSTRUCTIONS.md" "Markdown: where its instructions are"
like "$out" "⚠️ 1 task file skipped due to parse errors" "Markdown: the skipped file"

# next with nothing ready says why.
rm "$bq/active/TASK-5.md"
ix next
is "$rc" 1 "next: exit 1 when nothing is ready"
is "$out" "" "nothing on stdout"
like "$err" "nothing to run: 6 blocked, 1 waiting for dependencies; first in the queue: TASK-1 blocked by status: blocked" \
    "and why, starting with the first entry"
rm "$bq/active/TASK-1.md" "$bq/active/TASK-2.md" "$bq/active/TASK-3.md" "$bq/backlog/TASK-8.md"
ix next
like "$err" "all 3 tasks are blocked; first in the queue: TASK-6 blocked by ACTION-001" "all blocked, by ACTION-001"
ix queue
like "$out" "**ACTION-001** - Complete this action first to unblock TASK-6" "Markdown recommends the action"
task "$T/wait/tasks/active" TASK-2 high active '## Dependencies' '- TASK-1'
task "$T/wait/tasks/active" TASK-1 high active '## Dependencies' '**Blocked By:** TASK-2'
ix next --tasks-dir "$T/wait/tasks"
like "$err" "all 2 tasks wait for dependencies; first in the queue: TASK-1 waiting on TASK-2 (active)" \
    "a cycle: both wait, and next says on what"
ix next --tasks-dir "$T/wait/tasks" --json
is "$(jq -r '.reason' <<<"$out")" \
    "all 2 tasks wait for dependencies; first in the queue: TASK-1 waiting on TASK-2 (active)" \
    "next --json carries the reason"
rm -r "$T/wait/tasks/active"
mkdir -p "$T/wait/tasks/completed"
ix next --tasks-dir "$T/wait/tasks"
like "$err" "nothing to run: no tasks in active/ or backlog/" "an empty queue"
ix queue --tasks-dir "$T/wait/tasks"
like "$out" "No active or backlog tasks found." "Markdown: the scanner's no-tasks form"

# A missing prerequisite: a warning, and it counts as unmet.
task "$T/miss/tasks/active" TASK-1 high active '## Dependencies' '- TASK-77'
ix next --tasks-dir "$T/miss/tasks"
is "$rc" 1 "a missing prerequisite is unmet"
like "$err" "TASK-1.md:10: TASK-1 depends on TASK-77, which is in no folder of $T/miss/tasks" \
    "and a warning names it"

# An id that names another file: next prints the path, so the loop runs the
# task it chose, not the blocked one the id would find.
task "$T/ids/tasks/blocked" TASK-6 critical blocked
task "$T/ids/tasks/active" TASK-5 high
sed -i 's/^id: TASK-5$/id: TASK-6/' "$T/ids/tasks/active/TASK-5.md"
ix next --tasks-dir "$T/ids/tasks"
is "$out" "$T/ids/tasks/active/TASK-5.md" "an id naming another file: next prints the path"
like "$err" "TASK-6.md: TASK-6 is also the id of $T/ids/tasks/active/TASK-5.md" "and the duplicate id is a warning"
ix next --tasks-dir "$T/ids/tasks" --json
is "$(jq -r '"\(.next.id) \(.next.arg)"' <<<"$out")" "TASK-6 $T/ids/tasks/active/TASK-5.md" \
    "next --json: the id, and the argument for run"
ix next --tasks-dir "$T/order/tasks" --json
is "$(jq -r .next.arg <<<"$out")" TASK-100 "an id that finds its own file is printed as it is"

# Hostile names: a FIFO (would hang a reader), a newline in a file name.
h=$T/hostile
task "$h/tasks/active" TASK-1 low
mkfifo "$h/tasks/active/TASK-2.md"
printf -- '---\nid: TASK-3\ntitle: x\npriority: critical\n---\n' >"$h/tasks/active/TASK-3
.md"
printf -- '---\nid: "TASK-4\\e[31m"\ntitle: x\nstatus: blocked\n---\n## Dependencies\n- TASK-77\n' \
    >"$h/tasks/active/TASK-4.md"
mkdir -p "$h/human-actions/ACTION-001-x"
mkfifo "$h/human-actions/ACTION-001-x/action_report.json"
mkfifo "$h/human-actions/actions.md"
timeout 10 "$IX_BIN" next --tasks-dir "$h/tasks" >"$T/h.out" 2>"$T/h.err" && rc=0 || rc=$?
is "$rc" 0 "FIFOs and odd names do not hang or break next"
is "$(cat "$T/h.out")" TASK-1 "the regular task is chosen"
like "$(cat "$T/h.err")" "TASK-2.md:1:1: not a regular file (skipped)" "a FIFO task file is skipped"
like "$(cat "$T/h.err")" "action_report.json:1:1: not a regular file (action skipped)" "a FIFO action report too"
like "$(cat "$T/h.err")" "actions.md:1:1: not a regular file (not read)" "and a FIFO actions.md"
like "$(cat "$T/h.err")" "control characters in the file name (skipped)" "a file name with a newline is skipped"
like "$(cat "$T/h.err")" "TASK-4 [31m is blocked by status: blocked" "an escape in an id is shown as a space"
is "$(grep -c $'\e' "$T/h.err")" 0 "no escape character reaches stderr"
timeout 10 "$IX_BIN" queue --tasks-dir "$h/tasks" >"$T/h.md" 2>&1
is "$(grep -c $'\e' "$T/h.md")" 0 "nor the Markdown queue"

# A hostile size: 600 prerequisites that exist nowhere.  The task model keeps
# 500 and the task counts as blocked; warnings stop at 200 (plus one saying so).
big=$T/big/tasks/active
mkdir -p "$big"
{ printf -- '---\nid: TASK-1\ntitle: x\npriority: low\n---\n## Dependencies\n'
  for i in $(seq 2 601); do echo "- TASK-$i"; done; } >"$big/TASK-1.md"
ix queue --json --tasks-dir "$T/big/tasks"
is "$(jq -c '[.priority_queue[0].blocked_reasons, (.priority_queue[0].dependencies|length), (.warnings|length), .warnings[-1]]' <<<"$out")" \
    '[["too many dependencies"],500,201,"more warnings than these; the rest are not shown"]' \
    "too many dependencies: blocked; warnings capped"
ix lint "$big/TASK-1.md"
like "$out" "TASK-1.md:507:1: more than 500 dependencies; the rest are not read and the task counts as blocked" \
    "lint says where the limit was passed"

# ---- the Markdown layout of the spec ----
cd "$T/homelab"
ix queue
for h in "# Priority Queue (3 tasks)" "**Total Tasks**: 3" "**Blocked Tasks**: 0" \
    "**Blocking Human Actions**: 0" "## Human Actions Required" "✓ No blocking human actions detected" \
    "## High Priority" "- **TASK-003**: Verify and Reconcile Flux Deployments" \
    "  - Status: waiting-dependency" "  - Labels: flux, deployment, verification" \
    "  - Dependencies: TASK-002" "  - Blocked by: None" "  - Location: tasks/active/TASK-003.md" \
    "## Critical Priority" "## Summary" "- Total tasks: 3" "- Active: 2" "- Backlog: 1" "- Ready: 1" \
    "- Critical: 1, High: 2, Medium: 0, Low: 0" "## Recommended Next Task" \
    "**TASK-005** - High priority, ready to process"; do
    like "$out" "$h" "Markdown has: $h"
done

# ---- --dot: Graphviz accepts it, hostile titles included ----
cd "$b"
printf -- '---\nid: TASK-12\ntitle: "evil \\" ] ; } digraph x { \\\\ \\n \\u001b[31m"\npriority: low\nstatus: active\n---\n## Dependencies\n- TASK-9\n- **Unblocks**: TASK-6\n## Acceptance Criteria\n- [ ] x\n' \
    >"$bq/active/TASK-12.md"
ix queue --dot
is "$rc" 0 "queue --dot"
printf '%s\n' "$out" >"$T/q.dot"
ok "dot -Tsvg accepts it" dot -Tsvg -o "$T/q.svg" "$T/q.dot"
like "$out" '"TASK-12" -> "TASK-9" [label="listed"]' "edges labelled by relation"
like "$out" '"TASK-12" -> "TASK-6" [label="unblocks", style=dashed' "a relation that is no prerequisite is dashed"
like "$out" '"ACTION-001" [shape=octagon' "human actions are nodes"
like "$out" '"ACTION-001" -> "TASK-6" [label="blocks"' "and block their tasks"
like "$out" '"TASK-6" [label="TASK-6\nTask TASK-6\nblocked", fillcolor="#f4a6a6"]' "tasks coloured by status"
like "$out" '"TASK-9" [label="TASK-9\nTask TASK-9\ncompleted", fillcolor="#d9d9d9"]' "a completed prerequisite is drawn grey"
is "$(grep -c 'TASK-12' "$T/q.dot")" 3 "the hostile title stays inside one node's label"
is "$(grep -o '<title>[^<]*</title>' "$T/q.svg" | grep -c 'digraph')" 0 "no node was injected"
ix queue --dot --json
is "$rc" 2 "--dot and --json exclude each other"

done_testing
