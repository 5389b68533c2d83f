#!/bin/bash
# Concurrency: tick and log from many other processes DURING a run are
# serialised with the run's own ticks and log entries and none is lost; a
# second run of the same task refuses at once, however it names the task, and
# touches nothing; a run lock held by a killed process never blocks the next
# run.  (The basic second-run refusal is in 60-run.sh.)
. "$(dirname "$0")/../lib.sh"

W=$T/ws
mkdir -p "$W/tasks/active" "$T/elsewhere"
task=$W/tasks/active/TASK-970.md
{
    printf -- '---\nid: TASK-970\ntitle: Busy task\nstatus: active\nlabels: [testing]\n'
    printf 'updated: 2026-01-01\n---\n\n## Acceptance Criteria\n\n'
    for i in $(seq 20); do echo "- [ ] Run step $i: \`sh -c 'sleep 0.05; echo $i >> runs.log'\`"; done
    for i in $(seq 21 25); do echo "- [ ] Manual check $i"; done
    printf '\n## Progress Log\n\n- 2026-01-01 10:00: created\n'
} >"$task"
lock=$W/.infraexec/locks/TASK-970.lock

"$IX_BIN" run "$task" --json -q >"$T/run.json" 2>"$T/run.err" &
pid=$!
for _ in $(seq 400); do [ -s "$lock" ] && break; sleep 0.01; done
like "$(cat "$lock" 2>/dev/null)" "pid $pid since" "the run lock names its holder"

# A second run while the first works: refused at once, whichever way the task
# is named, and nothing of it is left behind.
t0=${EPOCHREALTIME//[!0-9]/}
ix run "$task" -q
t1=${EPOCHREALTIME//[!0-9]/}
is "$rc" 2 "second run by path: exit 2"
like "$err" "TASK-970: already being run by pid $pid" "second run names the holder pid"
one_line "$err" "refusal is one line"
ok "second run refused at once (< 2 s, not after waiting)" test $(((t1 - t0) / 1000)) -lt 2000
ix run TASK-970 --tasks-dir "$W/tasks" -q
is "$rc" 2 "second run by id: exit 2"
like "$err" "already being run by pid $pid" "by id: names the holder"
(cd "$T/elsewhere" && INFRAEXEC_TASKS=../ws/tasks "$IX_BIN" run TASK-970 -q >/dev/null 2>"$T/rel.err") &&
    rc=0 || rc=$?
is "$rc" 2 "second run by id through a relative \$INFRAEXEC_TASKS: exit 2"
ln -s "$W" "$T/wslink"
ix run "$T/wslink/tasks/active/TASK-970.md" -q
is "$rc" 2 "second run through a symlinked workspace: exit 2"

# Meanwhile 20 log writers and 5 tick writers, spread over the run.
for i in $(seq 20); do
    (sleep "$(printf '0.%02d' $((RANDOM % 90 + 5)))"; "$IX_BIN" log "$task" "writer $i was here" >/dev/null 2>"$T/w$i.err"
     echo $? >"$T/w$i.rc") &
done
for i in $(seq 21 25); do
    (sleep "$(printf '0.%02d' $((RANDOM % 90 + 5)))"; "$IX_BIN" tick "$task" "$i" >/dev/null 2>"$T/w$i.err"
     echo $? >"$T/w$i.rc") &
done
wait "$pid" && rc=0 || rc=$?
wait
# The manual criteria 21-25 are ticked by the writers; when the run reaches
# them after that, it sees them done (exit 0), else they remain (exit 1).
is "$rc" "$(jq -r 'if .summary.remaining == 0 then 0 else 1 end' "$T/run.json")" \
    "run's exit code agrees with its report (0: it saw the others' ticks)"
is "$(cat "$T"/w*.rc | sort -u | tr '\n' ' ')" "0 " "all 25 writers succeeded"
is "$(cat "$T"/w*.err)" "" "no writer complained"
is "$(jq -r '[.criteria[]|select(.state=="completed")|.index]|map(tostring)|join(",")' "$T/run.json")" \
    "$(seq -s, 1 20)" "the run completed criteria 1-20"
is "$(ls "$W/.infraexec/logs/TASK-970" | wc -l)" 1 "only the first run made a log directory"

json=$("$IX_BIN" show --json "$task")
is "$(jq -r '[.criteria[]|select(.checked)|.index]|map(tostring)|join(",")' <<<"$json")" \
    "$(seq -s, 1 25)" "every box is checked: the run's 20 ticks and the 5 others"
is "$(jq -r '[.progress_log[].text|select(startswith("Completed criterion "))|ltrimstr("Completed criterion ")|split(":")[0]]|join(",")' <<<"$json")" \
    "$(seq -s, 1 20)" "each run tick has its Progress Log line, once, in order"
is "$(jq -r '[.progress_log[].text|select(startswith("writer "))]|sort_by(split(" ")[1]|tonumber)|join(";")' <<<"$json")" \
    "$(for i in $(seq 20); do printf 'writer %d was here;' "$i"; done | sed 's/;$//')" \
    "every writer's line is present, once"
is "$(jq '.progress_log|length' <<<"$json")" 42 \
    "42 Progress Log entries: created + 20 run + 20 writers + the run's closing entry"
like "$(jq -r '[.progress_log[].text|select(startswith("Run ended: "))]|join(";")' <<<"$json")" \
    "Run ended: no criterion failed (" "the run's closing entry, once"
ok "writers really wrote during the run (their lines are among the run's)" \
    jq -e '[.progress_log[].text] as $t
           | ($t|index("Completed criterion 1: Run step 1: `sh -c '"'"'sleep 0.05; echo 1 >> runs.log'"'"'` (`sh -c '"'"'sleep 0.05; echo 1 >> runs.log'"'"'` succeeded)")) as $first
           | ([$t|to_entries[]|select(.value|startswith("Completed criterion "))][-1].key) as $last
           | [$t|to_entries[]|select((.value|startswith("writer ")) and .key > $first and .key < $last)]|length > 0' \
    <<<"$json"
ix lint "$task"
is "$rc" 0 "the file lints clean"
is "$out" "" "no lint problems"
is "$(sort -n "$W/runs.log" | tr '\n' ' ')" "$(seq 20 | tr '\n' ' ')" "each command ran once"
temps=$(ls -A "$W/tasks/active" | grep -c '\.ix-')
is "$temps" 0 "no temp file left"

# ---- a lock held by a killed process never blocks the next run ----
# Kill -9 a run at random points of its work and start another at once.
B=$IX_ROOT/bin/infraexec
task2=$W/tasks/active/TASK-971.md
{
    printf -- '---\nid: TASK-971\ntitle: Killed holder\nlabels: [testing]\n---\n\n## Acceptance Criteria\n\n'
    for i in $(seq 4); do echo "- [ ] Run step $i: \`sh -c 'sleep 0.1; echo $i >> runs2.log'\`"; done
} >"$task2"
cp "$task2" "$T/971.orig"
refused=0 failed=0 named=0 killed=0 trials=10
for trial in $(seq $trials); do
    cp "$T/971.orig" "$task2"
    "$B" run "$task2" -q >/dev/null 2>&1 &
    pid=$!
    # Somewhere in its 0.4 s of work, after it took the lock.
    for _ in $(seq 400); do grep -q "pid $pid " "$W/.infraexec/locks/TASK-971.lock" 2>/dev/null && break; sleep 0.01; done
    sleep "$(printf '0.%02d' $((RANDOM % 30)))"
    kill -9 "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    st=$?; [ "$st" = 137 ] && killed=$((killed + 1)) || echo "#   trial $trial: the run ended with $st before the kill"
    "$B" run "$task2" -q >/dev/null 2>"$T/next.err" &
    pid2=$!
    wait "$pid2" && rc=0 || rc=$?
    [ "$rc" = 2 ] && refused=$((refused + 1)) && echo "#   trial $trial: refused: $(cat "$T/next.err")"
    [ "$rc" = 0 ] || failed=$((failed + 1))
    grep -q "^pid $pid2 since" "$W/.infraexec/locks/TASK-971.lock" && named=$((named + 1))
done
echo "# $killed of $trials runs were killed while holding the lock (the others had finished)"
ok "most kills landed while the run held its lock" test "$killed" -ge $((trials / 2))
is "$refused" 0 "$trials runs started right after a kill -9 of the holder: none refused"
is "$failed" 0 "and every one completed the task"
is "$named" "$trials" "the lock then names the new holder, not the dead one"
"$IX_BIN" show --json "$task2" >"$T/971.json"
is "$(jq '[.criteria[]|select(.checked)]|length' "$T/971.json")" 4 "all four criteria checked"
ix lint "$task2"
is "$rc" 0 "and the file lints clean"
sleep 0.3 # let the last killed run's command finish before $T goes

# ---- edits by others during a run, and a run killed mid-command ----
# A criterion ticked by someone else while the run works on an earlier one is
# not executed when the run reaches it: the run re-reads the file.
task3=$W/tasks/active/TASK-972.md
{
    printf -- '---\nid: TASK-972\ntitle: Ticked meanwhile\nlabels: [testing]\n---\n\n## Acceptance Criteria\n\n'
    for i in 1 2 3; do echo "- [ ] Run step $i: \`sh -c 'sleep 0.3; echo $i >> runs3.log'\`"; done
} >"$task3"
"$IX_BIN" run "$task3" --json -q >"$T/972.json" 2>/dev/null &
pid=$!
for _ in $(seq 400); do grep -q "pid $pid " "$W/.infraexec/locks/TASK-972.lock" 2>/dev/null && break; sleep 0.01; done
"$IX_BIN" tick "$task3" 3 >/dev/null
wait "$pid"
is "$(grep -cx 3 "$W/runs3.log")" 0 "a criterion ticked by another process during the run is not executed by it"

# kill -9 of a run leaves its command running in its own process group; the
# lock file names that group, and the next run stops it before starting the
# criterion again.  The command detects an overlap itself.
task4=$W/tasks/active/TASK-973.md
{
    printf -- '---\nid: TASK-973\ntitle: Overlap\nlabels: [testing]\n---\n\n## Acceptance Criteria\n\n'
    echo "- [ ] Deploy: \`flock -n deploy.lock sleep 1 || echo OVERLAP >> overlap.log\`"
} >"$task4"
"$B" run "$task4" -q >/dev/null 2>&1 &
pid=$!
for _ in $(seq 400); do [ -e "$W/deploy.lock" ] && ! flock -n "$W/deploy.lock" true && break; sleep 0.01; done
kill -9 "$pid"
{ wait "$pid"; } 2>/dev/null
"$B" run "$task4" -q >/dev/null 2>&1 && rc=0 || rc=$?
is "$rc" 0 "after a kill -9 mid-command the next run proceeds"
ok "the next run stops the killed run's command before starting it again" test ! -e "$W/overlap.log"
sleep 1.1 # the orphan

# An edit in place by a program that takes no lock, between two ticks, that
# the run's own writes cannot see in the bytes they touch: criterion 3's
# command changed, same size, the mtime set back.  The run writes its ticks
# over the regions it edits once it knows the file (docs/reliability.md); it
# must still see this one (the ctime, which touch cannot set back) and not
# run, nor tick, the criterion it no longer reads as it did.
task5=$W/tasks/active/TASK-974.md
{
    printf -- '---\nid: TASK-974\ntitle: Edited between ticks\nlabels: [testing]\n---\n\n'
    printf '## Acceptance Criteria\n\n'
    echo "- [ ] Run step 1: \`true\`"
    echo "- [ ] Run step 2: \`sh edit974.sh\`"
    echo "- [ ] Run step 3: \`sh -c 'echo A >> ran974.log'\`"
    printf '\n## Progress Log\n\n- 2026-01-01 10:00: created\n'
} >"$task5"
cat >"$W/edit974.sh" <<'SH'
f=tasks/active/TASK-974.md
sleep 0.02 # past a clock tick, for kernels without fine-grained timestamps
stat -c '%i %s %Y.%y' "$f" >before974
m=$(stat -c %y "$f")
off=$(grep -bo "echo A >> ran974.log" "$f" | cut -d: -f1)
printf 'echo B' | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
touch -d "$m" "$f"
stat -c '%i %s %Y.%y' "$f" >after974
SH
"$IX_BIN" run "$task5" --json -q >"$T/974.json" 2>/dev/null && rc=0 || rc=$?
is "$(cat "$W/after974")" "$(cat "$W/before974")" "the edit kept the inode, the size and the mtime"
is "$rc" 1 "the run ends with a criterion remaining"
ok "criterion 3's command, as it was or as it is now, did not run" test ! -e "$W/ran974.log"
"$IX_BIN" show --json "$task5" >"$T/974s.json"
is "$(jq -c '[.criteria[]|.checked]' "$T/974s.json")" '[true,true,false]' \
    "criteria 1 and 2 ticked, 3 not"
like "$(jq -r '.criteria[2].text' "$T/974s.json")" "echo B >> ran974.log" "the edit is kept"
like "$(jq -r '.criteria[]|select(.index == 3)|.reason' "$T/974.json")" \
    "the criterion changed while the run was going on" "the report says why 3 was not run"

done_testing
