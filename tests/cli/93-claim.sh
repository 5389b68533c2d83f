#!/bin/bash
# The git-claimed queue: claim, release, run pushing a claimed task's edits
# (re-applied onto someone else's concurrent edit), archive, lease takeover
# after a SIGKILL, and two claimers racing.  Real git: a bare remote in $T
# and one clone per runner.
. "$(dirname "$0")/../lib.sh"
G() { git -c user.name=tester -c user.email=tester@example.invalid "$@"; }

# task ID PRIORITY CRITERION...: a task file on stdout.
task() {
    local id=$1 prio=$2
    shift 2
    printf -- '---\nid: %s\ntitle: Task %s\nstatus: ready\npriority: %s\ncreated: 2026-11-25\nupdated: 2026-11-25\n---\n\n# %s\n\n## Notes\nnothing yet\n\n## Acceptance Criteria\n' \
        "$id" "$id" "$prio" "$id"
    for c in "$@"; do printf -- '- [ ] Run %s\n' "$c"; done
    printf '\n## Progress Log\n'
}

# newrepo NAME LEASE: $T/NAME.git with an empty tasks tree, seeded from $T/NAME-seed.
newrepo() {
    G init -q --bare -b main "$T/$1.git"
    G clone -q "$T/$1.git" "$T/$1-seed" 2>/dev/null
    mkdir -p "$T/$1-seed/tasks/active" "$T/$1-seed/tasks/backlog" "$T/$1-seed/tasks/completed"
    touch "$T/$1-seed/tasks/completed/.keep"
    printf 'queue:\n  remote: origin\n  branch: main\n  lease: %s\n' "$2" >"$T/$1-seed/infraexec.yaml"
    printf '.infraexec/\n' >"$T/$1-seed/.gitignore"
}
publish() { (cd "$T/$1-seed" && G add -A && G commit -qm "tasks" && G push -q origin main); }
clone() { G clone -q "$T/$1.git" "$T/$2" 2>/dev/null; }
remote_file() { git -C "$T/$1.git" show "main:$2"; }

# ---- claim basics and refusals ----
newrepo q 1h
task TASK-001 high 'One: `true`' >"$T/q-seed/tasks/active/TASK-001.md"
task TASK-002 medium 'Two: `true`' >"$T/q-seed/tasks/active/TASK-002.md"
task TASK-003 low 'Three: `true`' | sed 's/$/\r/' >"$T/q-seed/tasks/backlog/TASK-003.md"
publish q
clone q a
clone q b
cd "$T/a"
cp tasks/active/TASK-001.md "$T/001.before"

ix claim --runner alice
is "$rc:$out" "0:TASK-001" "claim: exit 0 and the id of the first task of the queue"
is "$(diff "$T/001.before" tasks/active/TASK-001.md | grep -c '^[<>]')" 2 "claim: only two lines added"
like "$(sed -n 7,8p tasks/active/TASK-001.md)" "claimed_by: alice" "claimed_by: written in the frontmatter"
ok "claimed_at: an ISO UTC time" grep -Eq '^claimed_at: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' tasks/active/TASK-001.md
is "$(git -C "$T/q.git" log -1 --format=%s main)" "TASK-001: claimed by alice" "claim: committed and pushed"
is "$(remote_file q tasks/active/TASK-001.md | grep -c claimed_by)" 1 "the remote holds the claim"

cd "$T/b"
ix claim --runner bob --json
is "$(jq -r .id <<<"$out")" TASK-002 "a second runner skips the live claim and takes the next"
is "$(jq -r .taken_over_from <<<"$out")" null "nothing taken over"
ix claim --runner carol
is "$rc:$out" "0:TASK-003" "the backlog task comes last"
ok "a claim in a CRLF file keeps CRLF" grep -q $'^claimed_by: carol\r$' tasks/backlog/TASK-003.md
ix claim --runner dave
is "$rc" 1 "claim: exit 1 when nothing can be claimed"
like "$err" "nothing can be claimed" "and says so"

ix claim --runner 'bad name'
is "$rc" 2 "a runner name with a space is refused"
one_line "$err" "in one line"
INFRAEXEC_RUNNER='x: y' ix claim
like "$rc:$err" "2:infraexec: runner name 'x: y' (from INFRAEXEC_RUNNER)" "a YAML-breaking name from the environment too"
ix claim --runner ok --bogus
is "$rc" 2 "claim takes only the options its help lists"

cd "$T/a"
ix run TASK-002 --runner alice -q
is "$rc" 2 "run on a task another runner's live claim holds: refused"
like "$err" "claimed by bob" "and names the holder"

ix release TASK-002 --runner alice
is "$rc" 2 "release of another runner's live claim: refused"
cd "$T/b"
ix release TASK-002 --runner bob
is "$rc:$out" "0:TASK-002: released" "release by the holder"
is "$(remote_file q tasks/active/TASK-002.md | grep -c claimed_)" 0 "release: the claim keys are gone"
like "$(remote_file q tasks/active/TASK-002.md | tail -1)" "Claim of bob released by bob" "release: logged"
is "$(git -C "$T/q.git" log -1 --format=%s main)" "TASK-002: released by bob" "release: pushed"
ix release TASK-002 --runner bob
like "$rc:$err" "2:" "releasing an unclaimed task: exit 2"
like "$err" "not claimed" "and says why"
ix claim --runner erin
is "$out" TASK-002 "a released task can be claimed again"

# Config: the queue keys are validated with file:line:col.
printf 'queue:\n  lease: soon\n' >"$T/bad.yaml"
ix claim --runner a --config "$T/bad.yaml"
like "$rc:$err" "2:infraexec: $T/bad.yaml:2:10: queue.lease must be a duration" "a bad lease: file:line:col"
# Without Lua, claim checks only the core's keys: the sections handler
# modules declare are left to run (docs/config.md), never refused here.
printf 'registry:\n  address: 127.0.0.1:5000\nqueue:\n  lease: soon\n' >"$T/bad.yaml"
ix claim --runner a --config "$T/bad.yaml"
like "$rc:$err" "2:infraexec: $T/bad.yaml:4:10: queue.lease must be a duration" "a declared section beside a bad lease: the lease is named"
printf 'queue:\n  owner: me\n' >"$T/bad.yaml"
ix claim --runner a --config "$T/bad.yaml"
like "$err" "bad.yaml:2:3: unknown key 'queue.owner' (known here: remote, branch, lease, runner)" "an unknown queue key"
printf 'queue:\n  remote: nowhere\n' >"$T/bad.yaml"
ix claim --runner a --config "$T/bad.yaml"
like "$rc:$err" "2:" "an unknown remote: exit 2"
like "$err" "no git remote 'nowhere'" "and named"

# A task file claiming itself until 2099 does not hold the queue.
newrepo fut 1h
task TASK-401 medium 'Go: `true`' | sed 's/^updated: .*/&\nclaimed_by: mallory\nclaimed_at: 2099-01-01T00:00:00Z/' \
    >"$T/fut-seed/tasks/active/TASK-401.md"
publish fut
clone fut f1
cd "$T/f1"
ix claim --runner f1 --json
is "$(jq -r '"\(.id) \(.taken_over_from)"' <<<"$out")" "TASK-401 mallory" "a claimed_at in the future is no live claim"

# A person's clone: run of an unclaimed task keeps its local edits (no reset).
task TASK-402 medium 'Go: `true`' >"$T/fut-seed/tasks/active/TASK-402.md"
(cd "$T/fut-seed" && G pull -q --rebase origin main 2>/dev/null && G add -A && G commit -qm more && G push -q origin main)
clone fut person
cd "$T/person"
sed -i 's/^nothing yet$/my local note/' tasks/active/TASK-402.md
before=$(git -C "$T/fut.git" rev-parse main)
ix run TASK-402 --runner person -q
is "$rc" 0 "run of an unclaimed task in a person's clone"
ok "the person's uncommitted edit stays" grep -q '^my local note$' tasks/active/TASK-402.md
is "$(git -C "$T/fut.git" rev-parse main)" "$before" "nothing pushed for an unclaimed task"

# A claim key that is not a plain value: file:line:col, exit 2, nothing pushed.
cd "$T/f1"
G pull -q --rebase origin main 2>/dev/null
sed -i 's/^updated: .*/&\nclaimed_by: [x, y]/' tasks/active/TASK-402.md
G commit -qam "a sequence as claimed_by" && G push -q origin main 2>/dev/null
before=$(git -C "$T/fut.git" rev-parse main)
ix claim --runner f1
is "$rc" 2 "a sequence as claimed_by: claim exits 2"
like "$err" "tasks/active/TASK-402.md:8:1: claimed_by must be a plain value" "naming file:line:col"
is "$(git -C "$T/fut.git" rev-parse main)" "$before" "and pushes nothing"

# ---- two claimers racing: 4 claims at once over 4 tasks, each a different one ----
newrepo race 1h
for i in 1 2 3 4; do task TASK-10$i medium 'Go: `true`' >"$T/race-seed/tasks/active/TASK-10$i.md"; done
publish race
for r in 1 2 3 4; do clone race race$r; done
for r in 1 2 3 4; do
    (cd "$T/race$r" && "$IX_BIN" claim --runner r$r >"$T/race$r.out" 2>"$T/race$r.err"; echo $? >"$T/race$r.rc") &
done
wait
is "$(cat "$T"/race?.rc | tr -d '\n')" 0000 "four racing claims all succeed"
is "$(cat "$T"/race?.out | sort | tr '\n' ' ')" "TASK-101 TASK-102 TASK-103 TASK-104 " "each claimed a different task"
is "$(git -C "$T/race.git" log --format=%s main | grep -c 'claimed by')" 4 "four claim commits on the remote, none lost"
for i in 1 2 3 4; do
    n=$(remote_file race tasks/active/TASK-10$i.md | grep -c '^claimed_by:')
    [ "$n" = 1 ] || echo "# TASK-10$i has $n claims"
done
is "$(for i in 1 2 3 4; do remote_file race tasks/active/TASK-10$i.md | grep -c '^claimed_by:'; done | tr -d '\n')" 1111 \
    "every task holds exactly one claim"

# ---- a push conflict during a run: the other edit is kept, ours re-applied ----
newrepo conf 1h
clone conf other 2>/dev/null
task TASK-201 medium "Someone edits the notes meanwhile: \`sh $T/edit-notes.sh\`" 'Then: `true`' \
    >"$T/conf-seed/tasks/active/TASK-201.md"
publish conf
cat >"$T/edit-notes.sh" <<EOF
set -e
cd "$T/other"
git pull -q origin main 2>/dev/null
sed -i 's/^nothing yet\$/a person wrote this/' tasks/active/TASK-201.md
git -c user.name=person -c user.email=p@example.invalid commit -qam "notes by a person"
git push -q origin main 2>/dev/null
EOF
clone conf c1
cd "$T/c1"
ix claim --runner c1
ix run TASK-201 --runner c1 -q --json
is "$rc" 0 "run on the claimed task: both criteria done"
is "$(jq -r '.warnings|length' <<<"$out")" 0 "no warning"
f=$(remote_file conf tasks/active/TASK-201.md)
like "$f" "a person wrote this" "the other's edit is on the remote"
like "$f" "- [x] Run Someone edits the notes meanwhile" "our first tick was re-applied onto it"
like "$f" "- [x] Run Then: \`true\`" "and the second one pushed"
is "$(grep -c 'Completed criterion' <<<"$f")" 2 "both Progress Log entries, once each"
is "$(grep -c '^claimed_by: c1' <<<"$f")" 1 "the claim stays"
is "$(git -C "$T/conf.git" log --format=%s main | grep -c 'notes by a person')" 1 "the person's commit is in the history"
is "$(git -C "$T/conf.git" log --format=%s main | grep -c 'TASK-201: progress by c1')" 2 "progress: a commit before and after the conflict"
ok "the local file is the remote's" cmp <(printf '%s\n' "$f") tasks/active/TASK-201.md
ix archive TASK-201 --runner c1
is "$rc" 0 "archive of the claimed task"
ok "archived on the remote" git -C "$T/conf.git" cat-file -e main:tasks/completed/TASK-201.md
is "$(git -C "$T/conf.git" log -1 --format=%s main)" "Archive TASK-201.md" "the archive commit is pushed"
ok "and gone from active/" bash -c "! git -C '$T/conf.git' cat-file -e main:tasks/active/TASK-201.md 2>/dev/null"

# ---- work: --max, and a failing run stops the loop with run's exit code ----
newrepo wk 1h
task TASK-601 high 'Fine: `true`' >"$T/wk-seed/tasks/active/TASK-601.md"
task TASK-602 medium 'Fails: `false`' >"$T/wk-seed/tasks/active/TASK-602.md"
task TASK-603 low 'Later: `true`' >"$T/wk-seed/tasks/active/TASK-603.md"
publish wk
clone wk w1
cd "$T/w1"
ix work --runner w1 -q --max 1
is "$rc:$out" "0:TASK-601: archived to $T/w1/tasks/completed/TASK-601.md" "work --max 1: one task, exit 0"
ix work --runner w1 -q --events 3 3>"$T/wk.ndjson"
is "$rc" 1 "work: a run with criteria left stops the loop with exit 1"
is "$(jq -r '"\(.id) \(.step) \(.exit_code)"' "$T/wk.ndjson")" "TASK-602 run 1" "the event names the task, step and code"
f=$(remote_file wk tasks/active/TASK-602.md)
like "$f" "claimed_by: w1" "the failed task keeps its claim"
like "$f" "Not completed criterion 1" "its failure was pushed"
ok "TASK-603 was not claimed" bash -c "! git -C '$T/wk.git' show main:tasks/active/TASK-603.md | grep -q claimed_by"
ix work --runner w1 --max 0
is "$rc" 2 "work --max 0 is refused"

# ---- SIGKILL: a dead runner's claim is taken over after the lease ----
newrepo kill 5s
cat >"$T/step2.sh" <<EOF
if [ -e "$T/block" ]; then echo \$\$ >"$T/pid"; exec sleep 60; fi
echo two >>"$T/kill-shared"
EOF
task TASK-301 medium "First: \`sh -c 'echo one >>$T/kill-shared'\`" "Second: \`sh $T/step2.sh\`" \
    >"$T/kill-seed/tasks/active/TASK-301.md"
publish kill
clone kill k1
clone kill k2
touch "$T/block"
(cd "$T/k1" && exec "$IX_BIN" work --runner k1 -q >"$T/k1.out" 2>&1) &
k1=$!
disown "$k1" # no "Killed" notice from the shell
for _ in $(seq 100); do [ -s "$T/pid" ] && break; sleep 0.1; done
kill -KILL "$k1"
kill -KILL -- "-$(cat "$T/pid")" 2>/dev/null || kill -KILL "$(cat "$T/pid")"
while kill -0 "$k1" 2>/dev/null; do sleep 0.1; done
rm -f "$T/block"
like "$(remote_file kill tasks/active/TASK-301.md)" "- [x] Run First" "the killed runner had pushed its first tick"
cd "$T/k2"
ix claim --runner k2
is "$rc" 1 "while the lease runs the claim holds: nothing to claim"
sleep 6.5 # the lease, plus a second: times are whole seconds, rounded in the claim's favour
ix work --runner k2 -q --events 3 3>"$T/k2.ndjson"
is "$rc" 0 "after the lease another runner finishes the task"
is "$(jq -r .taken_over_from "$T/k2.ndjson")" k1 "the event names the runner taken over from"
f=$(git -C "$T/kill.git" show main:tasks/completed/TASK-301.md)
like "$f" "Claim of k1 (claimed_at " "the Progress Log says the claim was taken over"
like "$f" "taken over by k2: no progress pushed within the lease (5s)" "by whom and why"
is "$(sort "$T/kill-shared" | tr '\n' ' ')" "one two " "the ticked criterion did not run twice; the unticked one ran"

# ---- heartbeat: a long command keeps its claim; a killed runner's still expires ----
# Lease 3s: the runner beats (claim_heartbeat:) at most every second while
# `sleep 8` runs.  Without the heartbeat the claim would expire after 3s and
# the second runner would take the task over mid-command.
newrepo hb 3s
task TASK-401 medium "Slow: \`sh -c 'sleep 8; echo slow >>$T/hb-shared'\`" >"$T/hb-seed/tasks/active/TASK-401.md"
publish hb
clone hb h1
clone hb h2
clone hb hp
(cd "$T/h1" && exec "$IX_BIN" work --runner h1 -q --events 3 3>"$T/h1.ndjson" >"$T/h1.out" 2>&1) &
h1=$!
for _ in $(seq 100); do remote_file hb tasks/active/TASK-401.md | grep -q 'claimed_by: h1' && break; sleep 0.1; done
cd "$T/h2"
took=""
for i in 1 2 3 4 5 6; do # 1.2s apart: well past the lease while the command runs
    sleep 1.2
    ix claim --runner h2
    [ "$rc" = 1 ] || took="$took attempt $i: exit $rc ($out);"
    if [ "$i" = 2 ]; then # a person's edit meanwhile: the next heartbeat's push is rejected
        # Its push can lose the race to a heartbeat's: then pull and push
        # again, as a person would.
        (cd "$T/hp" && G pull -q && sed -i 's/^nothing yet$/a person was here/' tasks/active/TASK-401.md &&
            G commit -qam "note" &&
            for _ in 1 2 3 4 5; do
                G push -q origin main 2>/dev/null && { git rev-parse HEAD >"$T/note-id"; break; }
                G pull -q --rebase
            done)
    fi
done
is "$took" "" "while the 8s command runs, another runner cannot take the 3s-lease claim over"
like "$(git -C "$T/hb.git" log --format=%s main)" "TASK-401: progress by h1" \
    "the owner pushed progress (its heartbeats) meanwhile"
carried=$(git -C "$T/hb.git" log --format=%H "$(cat "$T/note-id")..main" | while read -r c; do
    git -C "$T/hb.git" show --format= "$c" | grep -q '^+claim_heartbeat' &&
        git -C "$T/hb.git" show "$c:tasks/active/TASK-401.md" | grep -q 'a person was here' && echo "$c"; done | wc -l)
ok "heartbeats went on after a person's edit, on top of it ($carried)" test "$carried" -ge 1
wait "$h1"
is "$?" 0 "the owner's work finished (exit 0)"
f=$(git -C "$T/hb.git" show main:tasks/completed/TASK-401.md)
like "$f" "- [x] Run Slow:" "the owner ticked it and archived it on the remote"
ok "its file has a claim_heartbeat: stamp" grep -Eq '^claim_heartbeat: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' <<<"$f"
ok "... that is never the claim's own stamp before the command ended" \
    test "$(sed -n 's/^claim_heartbeat: //p' <<<"$f")" \> "$(sed -n 's/^claimed_at: //p' <<<"$f")"
is "$(cat "$T/hb-shared")" "slow" "the command ran once"
like "$f" "a person was here" "the person's edit is kept"
is "$(grep -c 'taken over' <<<"$f"):$(grep -c '^claimed_by: h1' <<<"$f")" "0:1" "no takeover was logged; the claim stayed h1's"
nbeats=$(git -C "$T/hb.git" log --format=%H main | while read -r c; do
    git -C "$T/hb.git" show --format= "$c" | grep -q '^+claim_heartbeat' && echo "$c"; done | wc -l)
ok "heartbeats at most every lease/3 (1s): $nbeats heartbeat commits in ~8s" test "$nbeats" -ge 3 -a "$nbeats" -le 10
# The diff of a heartbeat commit: only the one frontmatter line.
beat=$(git -C "$T/hb.git" log --reverse --format=%H main | while read -r c; do
    git -C "$T/hb.git" show --format= "$c" -- tasks/active/TASK-401.md | grep -q '^+claim_heartbeat' &&
        { echo "$c"; break; }; done)
is "$(git -C "$T/hb.git" show --format= "$beat" | grep '^[-+][^-+]' | sed 's/[0-9T:Z-]*$//')" "+claim_heartbeat: " \
    "a first heartbeat adds one line and changes nothing else"
later=$(git -C "$T/hb.git" log --format=%H main | while read -r c; do
    git -C "$T/hb.git" show --format= "$c" | grep -q '^-claim_heartbeat' && { echo "$c"; break; }; done)
is "$(git -C "$T/hb.git" show --format= "$later" | grep '^[-+][^-+]' | sed 's/[0-9T:Z-]*$//')" "-claim_heartbeat: 
+claim_heartbeat: " "a later one changes that line in place, nothing else"

newrepo hbk 3s
printf 'echo $$ >%s/hbk-pid; exec sleep 60\n' "$T" >"$T/stuck.sh"
task TASK-402 medium "Stuck: \`sh $T/stuck.sh\`" >"$T/hbk-seed/tasks/active/TASK-402.md"
publish hbk
clone hbk k3
clone hbk k4
(cd "$T/k3" && exec "$IX_BIN" work --runner k3 -q >"$T/k3.out" 2>&1) &
k3=$!
disown "$k3"
for _ in $(seq 100); do remote_file hbk tasks/active/TASK-402.md | grep -q '^claim_heartbeat:' && break; sleep 0.1; done
ok "the stuck runner has pushed a heartbeat" bash -c "git -C '$T/hbk.git' show main:tasks/active/TASK-402.md | grep -q '^claim_heartbeat:'"
kill -KILL "$k3"
kill -KILL -- "-$(cat "$T/hbk-pid")" 2>/dev/null || kill -KILL "$(cat "$T/hbk-pid")"
while kill -0 "$k3" 2>/dev/null; do sleep 0.1; done
cd "$T/k4"
ix claim --runner k4
is "$rc" 1 "right after the SIGKILL its last heartbeat still holds the claim"
sleep 4.5 # the lease, plus a second and a half: whole seconds, in the claim's favour
ix claim --runner k4 --json
is "$rc:$(jq -r .taken_over_from <<<"$out")" "0:k3" "after the lease another runner takes the killed runner's task over"
f=$(remote_file hbk tasks/active/TASK-402.md)
is "$(grep -c '^claim_heartbeat:' <<<"$f")" 0 "the takeover drops the dead runner's heartbeat"
like "$f" "claimed_by: k4" "and the claim is k4's"

done_testing
