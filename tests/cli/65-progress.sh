#!/bin/bash
# Progress on stderr: plain timestamped lines and heartbeats without a
# terminal; a live line on a terminal (via script(1)); colour only there and
# never with NO_COLOR.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$T/tasks/active"
cat >"$T/tasks/active/TASK-920.md" <<'MD'
---
id: TASK-920
title: Progress
labels: []
---
## Acceptance Criteria
- [ ] Run slow: `sh -c 'echo working; sleep 1.2; echo almost'`
- [ ] Run what fails: `false`
MD
cp "$T/tasks/active/TASK-920.md" "$T/orig.md"

INFRAEXEC_HEARTBEAT=0.4 "$IX_BIN" run TASK-920 --tasks-dir "$T/tasks" --retries 0 \
    >/dev/null 2>"$T/plain.txt" || true
plain=$(cat "$T/plain.txt")
like "$plain" "] criterion 1: Run slow:" "plain: criterion start line"
like "$plain" "still running after 0m00s: working" "plain: heartbeat with the last output line"
like "$plain" "] criterion 2: not done" "plain: outcome line"
unlike "$plain" $'\e' "plain: no escape sequences without a terminal"

cp "$T/orig.md" "$T/tasks/active/TASK-920.md"
TERM=xterm script -qec "$IX_BIN run TASK-920 --tasks-dir $T/tasks --retries 0 >/dev/null" \
    /dev/null >"$T/tty.txt" 2>&1 || true
tty=$(cat "$T/tty.txt")
like "$tty" $'\r\e[K' "terminal: live line redrawn in place"
like "$tty" $'\e[32mok' "terminal: colour when allowed"

cp "$T/orig.md" "$T/tasks/active/TASK-920.md"
NO_COLOR=1 TERM=xterm script -qec "$IX_BIN run TASK-920 --tasks-dir $T/tasks --retries 0 >/dev/null" \
    /dev/null >"$T/nocolor.txt" 2>&1 || true
nocolor=$(cat "$T/nocolor.txt")
like "$nocolor" $'\r\e[K' "NO_COLOR: still a live line"
unlike "$nocolor" $'\e[3' "NO_COLOR: no colour codes"

cp "$T/orig.md" "$T/tasks/active/TASK-920.md"
"$IX_BIN" run TASK-920 --tasks-dir "$T/tasks" --retries 0 -q >/dev/null 2>"$T/quiet.txt" || true
is "$(cat "$T/quiet.txt")" "" "--quiet: nothing on stderr"

done_testing
