#!/bin/bash
# lint reports FILE:LINE:COL problems; list sorts and filters the tasks tree.
. "$(dirname "$0")/../lib.sh"

ix lint "$CORPUS/TASK-001.md" "$CORPUS/TASK-002.md"
is "$rc" 0 "clean files lint with exit 0"
is "$out" "" "and print nothing"
ix lint "$CORPUS/TASK-008.md"
is "$rc" 0 "a Progress Log entry dated without a time (TASK-008:283) lints clean"
is "$out" "" "and lint prints nothing"
sed -e '283s/^- 2025-10-18:/- 2025-13-45:/' -e '282s/^- 2025-10-17 02:55:/- 2025-10-17 24:55:/' \
    "$CORPUS/TASK-008.md" >"$T/baddate.md"
ix lint "$T/baddate.md"
is "$rc" 2 "a stamp that is no calendar date fails lint"
is "$out" "$T/baddate.md:282:3: Progress Log entry stamp '2025-10-17 24:55' is not a calendar date and time of day
$T/baddate.md:283:3: Progress Log entry stamp '2025-13-45' is not a calendar date" \
    "FILE:LINE:COL: message, for a bad hour and a bad month"

cat >"$T/messy.md" <<'MD'
---
status: active
---

## Description
Nothing here.

## Progress Log
- yesterday: did things
MD
ix lint "$T/messy.md"
is "$rc" 2 "messy file fails lint"
like "$out" "$T/messy.md:2:1: frontmatter has no 'id'" "missing id"
like "$out" "$T/messy.md:2:1: frontmatter has no 'title'" "missing title"
like "$out" "no '## Acceptance Criteria' section" "missing criteria section"
like "$out" "$T/messy.md:9:3: Progress Log entry" "bad log line"
printf -- '---\nid: T\ntitle: x\n---\n## Acceptance Criteria\n- [~] half done\n- [] empty\n' >"$T/box.md"
ix lint "$T/box.md"
like "$out" "$T/box.md:6:3: malformed checkbox '[~]'" "malformed [~] box"
like "$out" "$T/box.md:7:3: malformed checkbox '[]'" "malformed [] box"
ix lint "$T/nope.md"
is "$rc" 2 "lint of a missing file exits 2"
ix lint "$CORPUS/TASK-001.md" "$T/box.md"
is "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 2 "lint reports every problem of every file"

mkdir -p "$T/tasks/active" "$T/tasks/backlog" "$T/tasks/completed"
cp "$CORPUS/TASK-003.md" "$CORPUS/TASK-004.md" "$T/tasks/active/"
cp "$CORPUS/TASK-005.md" "$T/tasks/backlog/"
cp "$CORPUS/TASK-001.md" "$CORPUS/TASK-002.md" "$T/tasks/completed/"
cp "$CORPUS/TEMPLATE-task.md" "$T/tasks/active/"
ix list --tasks-dir "$T/tasks" --json
is "$rc" 0 "list --json"
is "$(jq -r 'map(.id)|join(" ")' <<<"$out")" "TASK-001 TASK-002 TASK-003 TASK-005 TASK-004" \
    "sorted by priority then id; templates skipped"
is "$(jq -r '.[0]|"\(.total) \(.checked) \(.labels|length)"' <<<"$out")" "9 9 3" "counts and labels"
ix list --tasks-dir "$T/tasks" --label verification --json
is "$(jq -r 'map(.id)|join(" ")' <<<"$out")" "TASK-003" "--label filter"
ix list --tasks-dir "$T/tasks" --status completed
is "$(printf '%s\n' "$out" | awk '{print $1}' | tr '\n' ' ')" \
    "TASK-001 TASK-002 TASK-003 TASK-005 TASK-004 " "--status filter (human output)"
printf 'not a task\n' >"$T/tasks/active/BROKEN.md"
ix list --tasks-dir "$T/tasks"
is "$rc" 2 "a broken file makes list exit 2"
like "$err" "BROKEN.md:1:1: no frontmatter" "and is named"
like "$out" "TASK-003" "the good tasks are still listed"
ix list --tasks-dir "$T"
is "$rc" 2 "a directory without state folders is refused"

done_testing
