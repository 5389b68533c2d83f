#!/bin/bash
# Robustness: what a tasks folder can hold that is no task file (a FIFO, a
# directory, a link to a device, a link loop) and odd arguments and files.
# Each gets exit 2 and one line naming the file, never a hang; files stay
# as they were.  Every call runs under `timeout` so a hang fails the test.
. "$(dirname "$0")/../lib.sh"

# tix ARGS...: ix under a 20 s timeout (124: it hung).
tix() {
    out=$(timeout 20 "$IX_BIN" "$@" 2>"$T/.stderr") && rc=0 || rc=$?
    err=$(cat "$T/.stderr")
}

W=$T/ws
A=$W/tasks/active
mkdir -p "$A"
cp "$CORPUS/TASK-003.md" "$A/TASK-003.md"
mkfifo "$A/TASK-901.md"
mkdir "$A/TASK-902.md"
ln -s /dev/zero "$A/TASK-903.md"
ln -s TASK-904.md "$A/TASK-904.md"

cd "$W" || exit 1
tix list
is "$rc" 2 "list: a tasks folder with junk in it exits 2 (no hang)"
like "$err" "infraexec: $A/TASK-901.md: is a FIFO, not a regular file" "list: the FIFO is named"
like "$err" "infraexec: $A/TASK-902.md: is a directory, not a regular file" "list: the directory is named"
# Task files that are links are never followed (33-links.sh).
like "$err" "infraexec: $A/TASK-903.md: is a symbolic link; not followed" "list: the link to /dev/zero is named"
like "$err" "infraexec: $A/TASK-904.md: is a symbolic link; not followed" "list: the link loop is named"
is "$(printf '%s\n' "$err" | wc -l | tr -d ' ')" 4 "list: one line each"
like "$out" "TASK-003" "list: the real task is still listed"
for c in next queue; do
    tix $c
    [ "$rc" != 124 ] && r=ok || r=hung
    is "$r" ok "$c: no hang"
    like "$out$err" "TASK-901.md:1:1: not a regular file (skipped)" "$c: the FIFO is skipped with a warning"
done
for f in TASK-901 TASK-902 TASK-903; do
    for c in show "tick 1" "log msg" lint "yaml get"; do
        set -- $c
        case $1 in yaml) tix yaml get "$A/$f.md" x ;; *) tix "$1" "$A/$f.md" ${2:+"$2"} ;; esac
        is "$rc" 2 "$c $f: exit 2"
        like "$err$out" "$A/$f.md: " "$c $f: the file is named"
        # yaml is a tool for any file: it follows the link and finds a device.
        [ $f = TASK-903 ] && [ $1 != yaml ] && why="is a symbolic link; not followed" ||
            why="not a regular file"
        like "$err$out" "$why" "$c $f: says why"
    done
done
tix show "$A/TASK-904.md"
is "$rc" 2 "show a link loop: exit 2"
one_line "$err" "show a link loop: one line"

# Criterion numbers are plain decimals, as option values are; a message or
# a note of blanks only is refused (it used to log an entry with no text).
cp "$CORPUS/TASK-006.md" "$T/n.md"
cp "$T/n.md" "$T/n.orig"
for n in " 1" "+1" "1 " "" "1e3" "0x1" "99999999999999999999" "١"; do
    tix tick "$T/n.md" "$n"
    is "$rc" 2 "tick '$n': exit 2"
    is "$err" "infraexec: tick: '$n' is not a criterion number (1, 2, ...)" "tick '$n': says so"
    ok "tick '$n': file untouched" cmp "$T/n.md" "$T/n.orig"
done
USER=tester tix confirm "$T/n.md" " 12" --note seen
is "$rc" 2 "confirm ' 12': exit 2"
like "$err" "' 12' is not a criterion number" "confirm ' 12': says so"
for m in " " $'\n\t '; do
    tix log "$T/n.md" "$m"
    is "$rc" 2 "log of blanks only: exit 2"
    is "$err" "infraexec: log: expected TASK and one non-empty MESSAGE" "log of blanks only: says so"
    USER=tester tix confirm "$T/n.md" 12 --note "$m"
    is "$rc" 2 "confirm --note of blanks only: exit 2"
    like "$err" "--note TEXT is required" "confirm --note of blanks only: says so"
done
ok "blank log and note: file untouched" cmp "$T/n.md" "$T/n.orig"

# An empty `updated:` (a template's) took the date glued to the colon,
# "updated:2026-11-25", so every tick and log was refused.
for v in 'updated:' 'updated: ' 'updated:   # later'; do
    printf -- '---\nid: TASK-1\ntitle: t\n%s\n---\n## Acceptance Criteria\n- [ ] a\n## Progress Log\n' "$v" >"$T/e.md"
    tix tick "$T/e.md" 1
    is "$rc" 0 "tick with '$v': exit 0 ($err)"
    tix log "$T/e.md" "noted"
    is "$rc" 0 "log with '$v': exit 0 ($err)"
    tix show "$T/e.md" --json
    like "$out" '"updated": "2026-11-25"' "'$v': the date is set"
    like "$out" '"checked": 1' "'$v': the box is ticked"
    like "$out" '"text": "noted"' "'$v': the entry is there"
done

# A file of exactly 16 MiB is read and ticked; an entry that would take it
# past the limit is refused as such (it said "the edit would not parse").
printf -- '---\nid: TASK-1\ntitle: big\n---\n## Acceptance Criteria\n- [ ] a\n## Progress Log\n' >"$T/big.md"
head -c $((16777216 - $(wc -c <"$T/big.md") - 1)) /dev/zero | tr '\0' 'a' >>"$T/big.md"
echo >>"$T/big.md"
cp "$T/big.md" "$T/big.orig"
tix log "$T/big.md" "one more line"
is "$rc" 2 "log past 16 MiB: exit 2"
is "$err" "infraexec: $T/big.md: the edit would make the file larger than 16 MiB; nothing written" \
    "log past 16 MiB: says so"
ok "log past 16 MiB: file untouched" cmp "$T/big.md" "$T/big.orig"
tix tick "$T/big.md" 1
is "$rc" 0 "tick at exactly 16 MiB: exit 0"
is "$(wc -c <"$T/big.md" | tr -d ' ')" 16777216 "tick at exactly 16 MiB: same size"

# A path of 4800 bytes: the message (1 KiB at most) used to end inside the
# path, the reason cut off; it keeps both ends now.
long=$(printf "%0120d/" $(seq 40))
tix show "$long/TASK-1.md"
is "$rc" 2 "a path too long: exit 2"
like "$err" "/TASK-1.md: cannot open: File name too long" "a path too long: the reason is kept"
like "$err" "infraexec: 000" "a path too long: so is the start of the path"
one_line "$err" "a path too long: one line"

# A message starting with '-' is read as options; the refusal named the
# task file ("unknown option TASK") instead of the word.
cp "$T/n.orig" "$T/n.md"
tix log "$T/n.md" "- [ ] not a box"
is "$rc" 2 "log '- [ ] ...': exit 2"
is "$err" "infraexec log: '- [ ] not a box' is not an option; an argument starting with '-' goes after '--' (see 'infraexec log --help')" \
    "log '- [ ] ...': the word is named, with the way out"
ok "log '- [ ] ...': file untouched" cmp "$T/n.md" "$T/n.orig"
tix log "$T/n.md" -x
is "$err" "infraexec log: unknown option -x (see 'infraexec log --help')" "log -x: as before"
tix log "$T/n.md" -- "- [ ] not a box"
is "$rc" 0 "log -- '- [ ] ...': logged"

# File names are a pull request's too: lint, tick and log printed them raw
# (a newline split lint's FILE:LINE:COL line, an ESC reached the terminal).
mkdir "$T/pr"
bad=$T/pr/TASK-7$'\n'x$'\e'[31m.md
printf -- '---\nid: TASK-7\ntitle: t\n---\n## Acceptance Criteria\n- [ ] a\n- [ ] b\n- [ ] c\n## Progress Log\n- 2025-01-01 x\n' >"$bad"
tix lint "$bad"
is "$rc" 2 "lint, odd name: exit 2"
is "$out" "$T/pr/TASK-7\x0ax\x1b[31m.md:10:3: Progress Log entry does not start with 'YYYY-MM-DD HH:MM: ' or 'YYYY-MM-DD: '" \
    "lint, odd name: one line, the name shown escaped"
for c in "tick 1" "log hi"; do
    set -- $c
    tix "$1" "$bad" "$2"
    is "$out" "$T/pr/TASK-7\x0ax\x1b[31m.md: $( [ "$1" = tick ] && echo ticked || echo logged)" "$1, odd name: shown escaped"
done
USER=tester tix confirm "$bad" 2 --note seen
like "$out" "$T/pr/TASK-7\x0ax\x1b[31m.md: criterion 2 confirmed by " "confirm, odd name: shown escaped"
tix yaml get "$bad" nokey
like "$err" "infraexec: $T/pr/TASK-7\x0ax\x1b[31m.md: " "yaml, odd name: shown escaped"
one_line "$err" "yaml, odd name: one line"

# An empty TASK or --tasks-dir read "infraexec: : no such task ...".
for c in show "tick 1" "log m" lint archive release; do
    set -- $c
    tix "$1" "" ${2:+"$2"}
    is "$rc" 2 "$1 '': exit 2"
    like "$err$out" "an empty TASK: give an id such as TASK-002 or a path" "$1 '': says so"
done
tix --tasks-dir "" list
is "$err" "infraexec: --tasks-dir: an empty name is no directory" "--tasks-dir '': says so"

# A key given twice: lint says infraexec uses the first; show --json and
# the handlers' ix.task().frontmatter took the last.
D=$T/dup
mkdir -p "$D/tasks/active" "$D/handlers"
printf -- '---\nid: TASK-8\ntitle: t\nowner: first\nowner: second\nlabels: [dup]\n---\n## Acceptance Criteria\n- [ ] Tell the owner\n' \
    >"$D/tasks/active/TASK-8.md"
cat >"$D/handlers/dup.lua" <<'LUA'
local ix = require "infraexec"
return { rules = {
  { pattern = "^Tell the owner$", run = function()
      return false, "owner is " .. tostring(ix.task().frontmatter.owner)
    end },
} }
LUA
printf 'return { rules = {}, labels = { dup = "dup" } }\n' >"$D/handlers/types.lua"
tix show "$D/tasks/active/TASK-8.md" --json
like "$out" '"owner": "first"' "show --json: a key given twice reads as the first"
unlike "$out" '"owner": "second"' "show --json: not the second"
tix run "$D/tasks/active/TASK-8.md" --json
like "$out" "owner is first" "ix.task().frontmatter: the first too"

# archive with completed/ a file or a dangling link: the move failed after
# the edit, leaving "status: completed" in active/ behind an exit 2.
for kind in file link; do
    R=$T/ar-$kind
    mkdir -p "$R/tasks/active"
    printf -- '---\nid: TASK-1\ntitle: t\nstatus: active\n---\n## Acceptance Criteria\n- [x] a\n' >"$R/tasks/active/TASK-1.md"
    cp "$R/tasks/active/TASK-1.md" "$T/ar.orig"
    case $kind in file) touch "$R/tasks/completed" ;; link) ln -s nowhere "$R/tasks/completed" ;; esac
    tix --tasks-dir "$R/tasks" archive TASK-1
    is "$rc" 2 "archive, completed/ a $kind: exit 2"
    like "$err" "$R/tasks/completed: not a directory; not archived" "archive, completed/ a $kind: says so"
    ok "archive, completed/ a $kind: the task is untouched" cmp "$R/tasks/active/TASK-1.md" "$T/ar.orig"
done

done_testing
