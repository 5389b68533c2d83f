#!/bin/bash
# libgit2 and libcurl are loaded on first use (src/base/dlib.c): the commands that
# neither commit nor speak HTTP never map them, as the dynamic loader's own
# record (LD_DEBUG=libs) shows; one that commits does.
. "$(dirname "$0")/../lib.sh"

W=$T/ws
mkdir -p "$W/tasks/active"
cp "$CORPUS/TASK-003.md" "$CORPUS/TASK-002.md" "$W/tasks/active/"
sed 's/^id: TASK-004/id: TASK-904/; s/^status: completed/status: active/' "$CORPUS/TASK-004.md" \
    >"$W/tasks/active/TASK-904.md" # something for next to pick

# libs ARGS...: run infraexec in the workspace; $libs gets the names of the
# objects the loader opened in it ("file=libgit2.so.1.5 [0]; ...").
libs() {
    rm -f "$T"/ld.*
    (cd "$W" && LD_DEBUG=libs LD_DEBUG_OUTPUT="$T/ld" "$IX_BIN" "$@" >/dev/null 2>&1) && rc=0 || rc=$?
    libs=$(cat "$T"/ld.* 2>/dev/null | sed -n "s/.*file=\([^ ]*\).*/\1/p" | sort -u | tr '\n' ' ')
}

for cmd in "show TASK-002" "list" "list --json" "lint $W/tasks/active/TASK-003.md" "next" "tick TASK-002 1" \
    "log TASK-002 checked-by-hand" "--version"; do
    # shellcheck disable=SC2086
    libs $cmd
    is "$rc" 0 "$cmd: runs"
    like "$libs" "libjansson" "$cmd: the loader's record lists what it loaded"
    unlike "$libs" "libgit2" "$cmd: libgit2 not loaded"
    unlike "$libs" "libcurl" "$cmd: libcurl not loaded"
done

# The same check sees libgit2 when a command does commit: archive in a repository.
git -C "$W" init -q
git -C "$W" -c user.name=t -c user.email=t@t add -A
git -C "$W" -c user.name=t -c user.email=t@t commit -qm init
libs archive TASK-003
is "$rc" 0 "archive in a repository: runs"
like "$libs" "libgit2" "archive: libgit2 is loaded, on first use"
unlike "$libs" "libcurl" "archive: libcurl still not loaded"
is "$(git -C "$W" log --format=%s -1)" "Archive TASK-003.md" "archive: the commit was made through it"

done_testing
