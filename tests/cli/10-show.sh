#!/bin/bash
# show, --help, --version, task lookup by id.
. "$(dirname "$0")/../lib.sh"

ix --version
is "$rc" 0 "--version exits 0"
like "$out" "infraexec " "--version prints the name and version"
ix --help
is "$rc" 0 "--help exits 0"
like "$out" "usage: infraexec" "--help prints usage"
for c in show tick log lint list; do
    ix "$c" --help
    is "$rc" 0 "$c --help exits 0"
    like "$out" "usage: infraexec $c" "$c --help prints its usage"
done
ix frobnicate
is "$rc" 2 "unknown command exits 2"
like "$err" "unknown command 'frobnicate'" "unknown command is named"
ix show --bogus x
is "$rc" 2 "unknown option exits 2"
ix
is "$rc" 2 "no command exits 2"

ix show "$CORPUS/TASK-003.md"
is "$rc" 0 "show a corpus file"
like "$out" "TASK-003  Verify and Reconcile Flux Deployments" "human summary has id and title"
like "$out" "criteria: 9 of 9 checked" "human summary counts criteria"

ix show --json "$CORPUS/TASK-002.md"
is "$rc" 0 "show --json"
is "$(jq -r .id <<<"$out")" TASK-002 "json id"
is "$(jq -r '.labels|join(",")' <<<"$out")" "builds,deployment,registry" "json labels array"
is "$(jq -r '.criteria|length' <<<"$out")" 22 "json criteria count"
is "$(jq -r '.criteria[0]|"\(.index) \(.line) \(.checked) \(.group)"' <<<"$out")" "1 50 true FFL" \
    "criterion index, line, checked, group"
is "$(jq -r '.criteria[3].code[0]' <<<"$out")" \
    "curl -k https://192.168.7.21:5000/v2/ffl/backend/tags/list" "inline command of a criterion"
is "$(jq -r .frontmatter.completion <<<"$out")" \
    "100% (builds complete, HelmReleases updated, MTG agents handled via TASK-004)" \
    "extra frontmatter keys kept"
is "$(jq -r '.progress_log|length' <<<"$out")" 30 "progress log entries"
is "$(jq -r '.code_blocks[0]|"\(.lang) \(.section)"' <<<"$out")" "bash FFL (version 0.1.18)" \
    "code block language and section"

# Lookup by id: --tasks-dir, $INFRAEXEC_TASKS, and walking up to tasks/.
mkdir -p "$T/ws/tasks/active" "$T/ws/tasks/completed" "$T/ws/sub/deeper"
cp "$CORPUS/TASK-005.md" "$T/ws/tasks/active/"
cp "$CORPUS/TASK-001.md" "$T/ws/tasks/completed/"
ix show --tasks-dir "$T/ws/tasks" TASK-005
is "$rc" 0 "id found with --tasks-dir"
like "$out" "TASK-005" "the right task"
out=$(INFRAEXEC_TASKS="$T/ws/tasks" "$IX_BIN" show TASK-001 2>&1) && rc=0 || rc=$?
is "$rc" 0 "id found with \$INFRAEXEC_TASKS (in completed/)"
out=$(cd "$T/ws/sub/deeper" && "$IX_BIN" show TASK-005 2>&1) && rc=0 || rc=$?
mkdir -p "$T/ws/sub/deeper"
is "$rc" 0 "id found from the nearest tasks/ walking up"
ix show --tasks-dir "$T/ws/tasks" TASK-404
is "$rc" 2 "unknown id exits 2"
like "$err" "TASK-404: no such task" "unknown id is named"
ix show --tasks-dir "$T/nope" TASK-005
is "$rc" 2 "missing tasks dir exits 2"
like "$err" "$T/nope: tasks directory does not exist" "missing tasks dir is named"

done_testing
