#!/bin/bash
# Task files that are symbolic links.  Task files are untrusted and git
# stores links, so a pull request can add tasks/active/TASK-9.md pointing at
# another task, outside the workspace, at nothing, or at a system file.
# Every command refuses such a file: one line naming it, exit 2, the link's
# target unchanged; list names it and lists the rest; next/queue skip it with
# a warning.  Links in the folders above (tasks -> ../store) are followed
# (56-paths.sh).
. "$(dirname "$0")/../lib.sh"

tix() {
    out=$(timeout 30 "$IX_BIN" "$@" 2>"$T/.stderr") && rc=0 || rc=$?
    err=$(cat "$T/.stderr")
}

W=$T/ws
A=$W/tasks/active
mkdir -p "$A" "$W/tasks/backlog" "$T/out"
cp "$CORPUS/TASK-005.md" "$W/tasks/backlog/TASK-100.md"
sed -i 's/^id: .*/id: TASK-100/; s/^status: .*/status: pending/' "$W/tasks/backlog/TASK-100.md"
cp "$CORPUS/TASK-005.md" "$T/out/victim.md"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$T/out/passwd"
cp "$W/tasks/backlog/TASK-100.md" "$T/in.orig"
cp "$T/out/victim.md" "$T/victim.orig"
cp "$T/out/passwd" "$T/passwd.orig"
ln -s ../backlog/TASK-100.md "$A/TASK-901.md"   # another task inside the tasks dir
ln -s "$T/out/victim.md" "$A/TASK-902.md"       # a task outside the workspace
ln -s nowhere.md "$A/TASK-903.md"               # dangling
ln -s "$T/out/passwd" "$A/TASK-904.md"          # a system-like file
cp "$CORPUS/TASK-003.md" "$A/TASK-003.md"
cd "$W" || exit 1

unchanged() {
    ok "$1: the task the link names is unchanged" cmp "$W/tasks/backlog/TASK-100.md" "$T/in.orig"
    ok "$1: the task outside is unchanged" cmp "$T/out/victim.md" "$T/victim.orig"
    ok "$1: the passwd-like file is unchanged" cmp "$T/out/passwd" "$T/passwd.orig"
    ok "$1: no task archived" test ! -e "$W/tasks/completed"
    is "$(find "$W" "$T/out" -name '.*.ix-*' | wc -l)" 0 "$1: no temp file left"
}

for n in 901 902 903 904; do
    f=$A/TASK-$n.md
    for c in show lint "tick 1" "log msg" "confirm 1 --note ran-it" archive "run --dry-run" run \
        verify release; do
        set -- $c
        for how in id path; do
            [ $how = id ] && arg=TASK-$n || arg=tasks/active/TASK-$n.md
            [ $how = id ] && shown=$f || shown=$arg
            tix "$1" "$arg" "${@:2}"
            is "$rc" 2 "$c $how of TASK-$n: exit 2"
            like "$out$err" "$shown: is a symbolic link; not followed" "$c $how of TASK-$n: the link named"
            [ "$1" = lint ] || one_line "$err" "$c $how of TASK-$n: one line"
        done
    done
    ok "TASK-$n is still a link" test -L "$f"
    unchanged "TASK-$n"
done

tix list
is "$rc" 2 "list: exit 2 with links in the folder"
for n in 901 902 903 904; do
    like "$err" "infraexec: $A/TASK-$n.md: is a symbolic link; not followed" "list: TASK-$n named"
done
is "$(printf '%s\n' "$err" | wc -l | tr -d ' ')" 4 "list: one line each"
like "$out" "TASK-003" "list: the real task still listed"
like "$out" "TASK-100" "list: the linked-to task listed once, by its own file"
tix list --json
is "$(jq -r '[.[].id]|sort|join(",")' <<<"$out")" "TASK-003,TASK-100" "list --json: only the regular files"
for c in next queue; do
    tix $c
    for n in 901 902 903 904; do
        like "$out$err" "$A/TASK-$n.md:1:1: is a symbolic link; not followed (skipped)" "$c: TASK-$n skipped"
    done
done
tix next
is "$rc:$out" "0:TASK-100" "next: the linked-to task chosen by its own file, not through the link"
unchanged "list/next/queue"

# A link given as a path outside any tasks folder: refused the same way.
# (A link swapped in after the check is refused by the writer's O_NOFOLLOW
# open: tests/unit/test_fileio.c.)
ln -s "$T/out/victim.md" "$T/direct.md"
tix tick "$T/direct.md" 1
is "$rc" 2 "tick of a link given by path: exit 2"
like "$err" "$T/direct.md: is a symbolic link; not followed" "tick of a link given by path: named"
unchanged "direct"

done_testing
