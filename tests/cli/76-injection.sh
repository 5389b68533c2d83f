#!/bin/bash
# Task files are untrusted: control characters in titles, criteria and
# command output never reach a terminal, the Markdown report, the Progress
# Log or stderr raw (they are shown as \xNN), and a title with newlines
# cannot open a heading or a list item of the report.  JSON keeps the text
# intact (escaped by the JSON writer).
. "$(dirname "$0")/../lib.sh"

W=$T/ws
mkdir -p "$W/tasks/active"
esc=$'\033' bel=$'\a'
cat >"$W/tasks/active/TASK-950.md" <<MD
---
id: TASK-950
title: "Evil\e]0;pwned\a title\n## Acceptance Criteria Remaining\n- None"
labels: []
---
## Acceptance Criteria
- [ ] Run Clear ${esc}[2J the screen: \`printf 'out \033\13331mred\033\1330m bell\007 c1\302\233x\n'\`
- [ ] Fail loudly: \`sh -c 'printf "boom ${esc}[2J\n## Acceptance Criteria Completed\n" >&2; exit 1'\`
MD
"$IX_BIN" run TASK-950 --tasks-dir "$W/tasks" --retries 0 --report "$T/r.md" >"$T/out.md" 2>"$T/err.txt" || true
"$IX_BIN" run TASK-950 --tasks-dir "$W/tasks" --retries 0 --json >"$T/out.json" 2>>"$T/err.txt" || true
raw() { LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]\|\xc2[\x80-\x9f]' "$1"; }
is "$(raw "$T/out.md")" 0 "Markdown report on stdout: no raw control characters"
is "$(raw "$T/r.md")" 0 "Markdown report file: no raw control characters"
is "$(raw "$T/err.txt")" 0 "progress on stderr: no raw control characters"
is "$(sed -n '/## Progress Log/,$p' "$W/tasks/active/TASK-950.md" | raw /dev/stdin)" 0 \
    "Progress Log entries: no raw control characters"
like "$(cat "$T/out.md")" 'Clear \x1b[2J the screen' "the criterion shows the ESC as \\x1b"
like "$(cat "$T/out.md")" 'Evil\x1b]0;pwned\x07 title\x0a## Acceptance' "the title shows ESC, BEL and newline escaped"
like "$(cat "$T/err.txt")" 'Clear \x1b[2J the screen' "progress shows the criterion escaped"
like "$(cat "$W/.infraexec/logs/TASK-950/"*/01-criterion-1.log)" $'\033[31mred' \
    "the command log keeps the output as the command wrote it"
is "$(grep -c '^## Acceptance Criteria Remaining' "$T/out.md")" 1 \
    "a title with newlines does not forge a report section"
is "$(grep -c '^## Acceptance Criteria Completed' "$T/out.md")" 1 \
    "command output in a reason does not forge a report section"
is "$(jq -r '.task.title' "$T/out.json")" "Evil${esc}]0;pwned${bel} title
## Acceptance Criteria Remaining
- None" "JSON keeps the title intact"
like "$(cat "$T/out.json")" '\u001B' "JSON escapes the ESC"
ix show TASK-950 --tasks-dir "$W/tasks"
is "$(printf '%s\n' "$out" | raw /dev/stdin)" 0 "show: no raw control characters"
like "$out" 'Evil\x1b]0;pwned\x07 title\x0a##' "show: the title on one line, escaped"
ix list --tasks-dir "$W/tasks"
is "$(printf '%s\n' "$out" | raw /dev/stdin)" 0 "list: no raw control characters"
is "$(printf '%s\n' "$out" | wc -l)" 1 "list: one line for the task"
# A handler's ix.debug message reaches stderr safe, too.
mkdir -p "$W/handlers"
printf 'local ix = require "infraexec"\nreturn { rules = { { pattern = "^Say", description = "d",\n  run = function(c) ix.debug("said " .. c.text); return true, "ok" end } } }\n' \
    >"$W/handlers/say.lua"
printf 'return { rules = {}, labels = { say = "say" }, always = { "generic" } }\n' >"$W/handlers/types.lua"
cat >"$W/tasks/active/TASK-951.md" <<MD
---
id: TASK-951
title: Say
labels: [say]
---
## Acceptance Criteria
- [ ] Say ${esc}]2;owned${bel} it
MD
ix run TASK-951 --tasks-dir "$W/tasks" -q
is "$(printf '%s\n' "$err" | raw /dev/stdin)" 0 "ix.debug on stderr: no raw control characters"
like "$err" 'said Say \x1b]2;owned\x07 it' "ix.debug shows them escaped"

# lint quotes the file in its problems: safe as well.
cat >"$W/tasks/active/TASK-952.md" <<MD
---
id: TASK-952
title: Lint
labels: []
---
## Acceptance Criteria
- [${esc}] bad box
MD
ix lint TASK-952 --tasks-dir "$W/tasks"
is "$rc" 2 "lint finds the malformed checkbox"
is "$(printf '%s\n' "$out" | raw /dev/stdin)" 0 "lint: no raw control characters"
like "$out" "malformed checkbox '[\x1b]'" "lint shows the ESC escaped"

# On a terminal (the live line, via script(1)): only infraexec's own
# sequences (redraw, colour), none of the task's or the command's.
cat >"$W/tasks/active/TASK-953.md" <<MD
---
id: TASK-953
title: Live
labels: []
---
## Acceptance Criteria
- [ ] Title ${esc}]0;pwned${bel} here: \`sh -c 'printf "\\033[2J\\033]0;owned\\007 x\\n"; sleep 0.3'\`
MD
TERM=xterm script -qec "$IX_BIN run TASK-953 --tasks-dir $W/tasks --retries 0 >/dev/null" \
    /dev/null >"$T/tty.txt" 2>&1 || true
tty=$(cat "$T/tty.txt")
like "$tty" $'\r\e[K' "terminal: the live line is drawn"
unlike "$tty" $'\e]0;pwned' "terminal: no window-title sequence from the criterion"
unlike "$tty" $'\e[2J' "terminal: no clear-screen from the command's output"
unlike "$tty" $'\e]0;owned' "terminal: no window-title sequence from the command's output"
like "$tty" 'Title \x1b]0;pwned\x07 here' "terminal: the criterion shown escaped"

done_testing
