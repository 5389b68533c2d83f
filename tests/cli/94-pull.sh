#!/bin/bash
# queue/next --pull: fetch and fast-forward the tasks repository with libgit2
# first; a failure is a warning and the local state is used.
. "$(dirname "$0")/../lib.sh"
# Remote lookups in this libgit2 leak inside pcre2 (see the file).
export LSAN_OPTIONS="suppressions=$IX_ROOT/tests/lsan-libgit2.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

g() { git -c user.name=t -c user.email=t@example.invalid -c init.defaultBranch=main "$@"; }
task() { # FILE ID PRIORITY
    mkdir -p "$(dirname "$1")"
    printf -- '---\nid: %s\ntitle: Task %s\nstatus: active\npriority: %s\n---\n\n## Acceptance Criteria\n- [ ] x\n' \
        "$2" "$2" "$3" >"$1"
}

g init -q --bare "$T/remote.git"
g clone -q "$T/remote.git" "$T/up" 2>/dev/null
task "$T/up/tasks/active/TASK-5.md" TASK-5 low
g -C "$T/up" add -A
g -C "$T/up" commit -qm first
g -C "$T/up" push -q origin HEAD:main 2>/dev/null
g clone -q "$T/remote.git" "$T/here"
cd "$T/here"

# Up to date: nothing changes, nothing to warn about.
ix next --pull
is "$out" TASK-5 "up to date: the local queue"
like "$err" "pull: main is up to date with origin/main" "and says it is up to date"
unlike "$err" "warning" "no warning"

# Ahead: the remote has a new critical task; --pull fast-forwards first.
task "$T/up/tasks/active/TASK-2.md" TASK-2 critical
g -C "$T/up" add -A
g -C "$T/up" commit -qm second
g -C "$T/up" push -q origin HEAD:main 2>/dev/null
ix next
is "$out" TASK-5 "without --pull the local state is used"
ix next --pull
is "$rc" 0 "next --pull: exit 0"
is "$out" TASK-2 "the fast-forwarded task is chosen"
like "$err" "pull: main fast-forwarded to origin/main" "and says so"
is "$(git rev-parse HEAD)" "$(git -C "$T/up" rev-parse HEAD)" "HEAD is the remote's commit"
is "$(git status --porcelain)" "" "work tree clean after the fast-forward"

# Diverged: a local commit and a remote one; nothing is merged.
task "$T/up/tasks/active/TASK-7.md" TASK-7 critical
g -C "$T/up" add -A
g -C "$T/up" commit -qm remote-side
g -C "$T/up" push -q origin HEAD:main 2>/dev/null
task tasks/active/TASK-3.md TASK-3 high
g add -A
g commit -qm local-side
before=$(git rev-parse HEAD)
ix queue --pull --json
is "$rc" 0 "diverged: queue still works"
like "$(jq -r '.warnings[]' <<<"$out")" "--pull: could not pull latest changes" "a warning"
like "$(jq -r '.warnings[]' <<<"$out")" "main and origin/main have diverged" "that names the divergence"
is "$(jq -r '[.priority_queue[].task_id]|join(" ")' <<<"$out")" "TASK-2 TASK-3 TASK-5" \
    "the local state is used (no TASK-7)"
is "$(git rev-parse HEAD)" "$before" "the local branch is not moved"
test -e tasks/active/TASK-7.md && r=1 || r=0
is "$r" 0 "no remote file checked out"
ix queue --pull
like "$out" "⚠️ Warning: --pull: could not pull latest changes" "Markdown shows the warning"

# Local changes in the way of a fast-forward: refused, files kept.
g reset -q --hard origin/main~1
printf 'edited\n' >>tasks/active/TASK-2.md
task "$T/up/tasks/active/TASK-2.md" TASK-2 low
g -C "$T/up" commit -qam lower
g -C "$T/up" push -q origin HEAD:main 2>/dev/null
before=$(git rev-parse HEAD)
cp tasks/active/TASK-2.md "$T/mine.md"
ix next --pull
is "$out" TASK-2 "dirty work tree: the local state is used"
like "$err" "warning: --pull: could not pull latest changes" "a warning"
ok "the local edit is kept" cmp tasks/active/TASK-2.md "$T/mine.md"
is "$(git rev-parse HEAD)" "$before" "the branch is not moved"

# Unreachable remotes: a closed port, a missing path.
g checkout -q -- tasks
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
git remote set-url origin "http://127.0.0.1:$port/tasks.git"
ix next --pull
is "$rc" 0 "unreachable remote: next still answers"
is "$out" TASK-2 "from the local state"
like "$err" "warning: --pull: could not pull latest changes" "with a warning"
like "$err" "cannot fetch from 'origin'" "that says the fetch failed"
git remote set-url origin "$T/nowhere.git"
ix queue --pull --json
like "$(jq -r '.warnings[]' <<<"$out")" "cannot fetch from 'origin'" "a missing remote path: a warning"
git remote remove origin
ix next --pull
like "$err" "no remote 'origin'" "no remote at all: a warning"
is "$out" TASK-2 "and the local state"

# Not a repository at all.
mkdir -p "$T/plain/tasks/active"
task "$T/plain/tasks/active/TASK-1.md" TASK-1 high
ix next --pull --tasks-dir "$T/plain/tasks"
is "$out" TASK-1 "not a repository: the local state"
like "$err" "warning: --pull: could not pull latest changes ($T/plain/tasks: not inside a git repository" \
    "with a warning"

done_testing
