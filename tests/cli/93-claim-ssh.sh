#!/bin/bash
# claim over an ssh:// remote: a real OpenSSH server (sshd from
# openssh-server) on 127.0.0.1 and a free port, with a throwaway host key and
# a throwaway user key that only an ssh-agent holds.  libgit2 (Debian's has
# SSH through libssh2) takes the key from the agent (SSH_AUTH_SOCK) and checks
# the server's host key against ~/.ssh/known_hosts (HOME is $T/home here).
# Runs as the user it logs in as (root in CI).
. "$(dirname "$0")/../lib.sh"
G() { git -c user.name=tester -c user.email=tester@example.invalid "$@"; }
# libgit2 1.5.1 leaks in PCRE2 on network remotes and its known_hosts list on
# every ssh connection (tests/lsan-libgit2.supp says why); full stacks so
# that the ssh suppression can name the libgit2 call it is under.
export LSAN_OPTIONS="suppressions=$IX_ROOT/tests/lsan-libgit2.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"

user=$(id -un)
mkdir -p "$T/home/.ssh" /run/sshd
ssh-keygen -q -t ed25519 -N '' -C throwaway-host -f "$T/hostkey"
ssh-keygen -q -t ed25519 -N '' -C throwaway-user -f "$T/userkey"
cp "$T/userkey.pub" "$T/authorized_keys"

# sshd on a free loopback port (another process may take the port between
# the probe and sshd's bind: then try another).
sshd_pid="" agent_pid=""
trap 'kill $sshd_pid $agent_pid 2>/dev/null; rm -rf "$T"' EXIT
for _ in 1 2 3 4 5; do
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat >"$T/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $T/hostkey
PidFile none
AuthorizedKeysFile $T/authorized_keys
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
AllowUsers $user
EOF
    /usr/sbin/sshd -D -e -f "$T/sshd_config" 2>"$T/sshd.log" &
    sshd_pid=$!
    for _ in $(seq 50); do grep -q "Server listening" "$T/sshd.log" && break; kill -0 "$sshd_pid" 2>/dev/null || break; sleep 0.1; done
    grep -q "Server listening" "$T/sshd.log" && break
    kill "$sshd_pid" 2>/dev/null
    sshd_pid=""
done
ok "sshd listens on 127.0.0.1:$port" test -n "$sshd_pid"

ssh-agent -D -a "$T/agent.sock" >/dev/null 2>&1 &
agent_pid=$!
for _ in $(seq 50); do [ -S "$T/agent.sock" ] && break; sleep 0.1; done
export SSH_AUTH_SOCK=$T/agent.sock
ok "the user key is in the agent (only there: the tests give infraexec no key file)" ssh-add -q "$T/userkey"

srv=$T/srv
mkdir -p "$srv"
G init -q --bare -b main "$srv/tasks.git"
G clone -q "$srv/tasks.git" "$T/seed" 2>/dev/null
mkdir -p "$T/seed/tasks/active" "$T/seed/tasks/completed"
touch "$T/seed/tasks/completed/.keep"
printf 'queue:\n  remote: origin\n  branch: main\n  lease: 1h\n' >"$T/seed/infraexec.yaml"
printf '.infraexec/\n' >"$T/seed/.gitignore"
printf -- '---\nid: TASK-801\ntitle: Over ssh\nstatus: ready\npriority: high\n---\n\n## Acceptance Criteria\n- [ ] Run it: `true`\n\n## Progress Log\n' \
    >"$T/seed/tasks/active/TASK-801.md"
(cd "$T/seed" && G add -A && G commit -qm tasks && G push -q origin main)
G clone -q "$srv/tasks.git" "$T/w" 2>/dev/null
G -C "$T/w" remote set-url origin "ssh://$user@127.0.0.1:$port$srv/tasks.git"
remote_subject() { git -C "$srv/tasks.git" log -1 --format=%s main; }
cd "$T/w"
export HOME=$T/home

# The server's host key is not known: refused before any credential is sent.
: >"$HOME/.ssh/known_hosts"
ix claim --runner s1
is "$rc" 2 "an unknown host key: exit 2"
like "$err" "unknown remote ssh hostkey" "the error says the host key is unknown"
is "$(remote_subject)" tasks "nothing reached the remote"

# A different key under the server's name (a man in the middle): refused too.
ssh-keygen -q -t ed25519 -N '' -f "$T/otherkey"
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$T/otherkey.pub")" >"$HOME/.ssh/known_hosts"
ix claim --runner s1
is "$rc" 2 "a host key other than the one known: exit 2"
is "$(remote_subject)" tasks "still nothing on the remote"

echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$T/hostkey.pub")" >"$HOME/.ssh/known_hosts"

# The host is known but the agent holds no key: the server refuses.
ssh-add -q -D 2>/dev/null
ix claim --runner s1
is "$rc" 2 "an agent without the key: exit 2"
like "$err" "ssh: a key in ssh-agent" "the error says where ssh keys come from"
is "$(remote_subject)" tasks "nothing on the remote"

# No agent at all (SSH_AUTH_SOCK unset): the same refusal, the same hint.
SSH_AUTH_SOCK= ix claim --runner s1
is "$rc" 2 "no ssh-agent: exit 2"
like "$err" "ssh: a key in ssh-agent" "the error says where ssh keys come from"
one_line "$err" "in one line"

# The key in the agent: claimed, run and released over ssh.
ssh-add -q "$T/userkey"
ix claim --runner s1
is "$rc:$out" "0:TASK-801" "claim over ssh:// with the agent's key: the task"
is "$(remote_subject)" "TASK-801: claimed by s1" "the claim is on the remote"
ix run TASK-801 --runner s1 -q
is "$rc" 0 "the claimed run completes"
like "$(git -C "$srv/tasks.git" show main:tasks/active/TASK-801.md)" "- [x] Run it" "its tick was pushed over ssh"
ix release TASK-801 --runner s1
is "$rc:$(remote_subject)" "0:TASK-801: released by s1" "release over ssh"
like "$(cat "$T/sshd.log")" "Accepted publickey for $user from 127.0.0.1" "sshd logged the agent's key"

done_testing
