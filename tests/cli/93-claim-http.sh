#!/bin/bash
# claim over a network remote: git's own smart-HTTP server (git http-backend,
# behind Basic auth, on 127.0.0.1: tests/helpers/git_http.py).  Credentials
# come from the environment (INFRAEXEC_GIT_USERNAME/PASSWORD), never from a
# task file; without them the push is refused and nothing is claimed.
. "$(dirname "$0")/../lib.sh"
G() { git -c user.name=tester -c user.email=tester@example.invalid "$@"; }
# libgit2 1.5 leaks in PCRE2 on network remotes (tests/lsan-libgit2.supp says why)
export LSAN_OPTIONS="suppressions=$IX_ROOT/tests/lsan-libgit2.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

srv=$T/srv
mkdir -p "$srv"
G init -q --bare -b main "$srv/tasks.git"
G -C "$srv/tasks.git" config http.receivepack true
G clone -q "$srv/tasks.git" "$T/seed" 2>/dev/null
mkdir -p "$T/seed/tasks/active" "$T/seed/tasks/completed"
touch "$T/seed/tasks/completed/.keep"
printf 'queue:\n  remote: origin\n  branch: main\n  lease: 1h\n' >"$T/seed/infraexec.yaml"
printf '.infraexec/\n' >"$T/seed/.gitignore"
printf -- '---\nid: TASK-701\ntitle: Over HTTP\nstatus: ready\npriority: high\n---\n\n## Acceptance Criteria\n- [ ] Run it: `true`\n\n## Progress Log\n' \
    >"$T/seed/tasks/active/TASK-701.md"
(cd "$T/seed" && G add -A && G commit -qm tasks && G push -q origin main)

python3 "$IX_ROOT/tests/helpers/git_http.py" "$srv" "$T/port" runner 's3cret-t0ken' &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$T/port")/tasks.git"

G clone -q "$srv/tasks.git" "$T/w" 2>/dev/null
G -C "$T/w" remote set-url origin "$url"
cd "$T/w"

# No credentials: the server answers 401; nothing is claimed or pushed.
unset INFRAEXEC_GIT_USERNAME INFRAEXEC_GIT_PASSWORD
ix claim --runner r1
is "$rc" 2 "claim without credentials: exit 2"
like "$err" "set INFRAEXEC_GIT_USERNAME and INFRAEXEC_GIT_PASSWORD" "the error says where credentials come from"
is "$(git -C "$srv/tasks.git" log -1 --format=%s main)" "tasks" "nothing reached the remote"

# A wrong password: refused the same way.
INFRAEXEC_GIT_USERNAME=runner INFRAEXEC_GIT_PASSWORD=wrong ix claim --runner r1
is "$rc" 2 "a wrong password: exit 2"
is "$(git -C "$srv/tasks.git" log -1 --format=%s main)" "tasks" "still nothing on the remote"

# The right token from the environment: fetched, claimed, pushed over HTTP.
export INFRAEXEC_GIT_USERNAME=runner INFRAEXEC_GIT_PASSWORD=s3cret-t0ken
ix claim --runner r1
is "$rc:$out" "0:TASK-701" "claim with the environment's token: the task"
is "$(git -C "$srv/tasks.git" log -1 --format=%s main)" "TASK-701: claimed by r1" "the claim is on the remote"
ix run TASK-701 --runner r1 -q
is "$rc" 0 "the claimed run completes"
like "$(git -C "$srv/tasks.git" show main:tasks/active/TASK-701.md)" "- [x] Run it" \
    "its tick was pushed over HTTP"
unlike "$(cat "$T/w"/.infraexec/logs/TASK-701/* 2>/dev/null; git -C "$srv/tasks.git" log --format=%B main)" \
    "s3cret-t0ken" "the token is in no log or commit"
done_testing
