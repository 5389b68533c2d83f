#!/bin/bash
# SIGKILL at random moments.  tick, log, yaml set and run are killed with
# kill -9 at a random point of their work, over and over; after every kill:
#   - the file is byte for byte the old version or the new one (for run: the
#     state after k ticks, with the checked boxes a prefix of the criteria and
#     each tick's Progress Log line present), or one of the intermediate states
#     an edit written in place may leave (docs/reliability.md): its Progress
#     Log entry without its `updated:` or its tick, never a tick without its
#     entry; and it parses and lints as before;
#   - whatever the killed writer left behind (a lock, a .NAME.ix-XXXXXX temp
#     file) does not break the next uninterrupted command;
#   - a re-run of a killed run finishes the remaining criteria without
#     re-running ticked ones (the criterion in progress may have run once more).
# Then: a full disk during run (the tick cannot be written).
#
# Uses the release binary: kill timing matters and ASan would stretch it.
# IX_CRASH_TRIALS trials per command (default 125: 500 in all); the delays are
# uniform in [0, D], D the longest of 5 uninterrupted runs measured here first.
. "$(dirname "$0")/../lib.sh"

N=${IX_CRASH_TRIALS:-125}
if [ ! -x "$IX_ROOT/bin/infraexec" ]; then
    echo "1..0 # SKIP $IX_ROOT/bin/infraexec not built (tools/build.sh release)"
    exit 0
fi
# A private copy, so a rebuild elsewhere during the test cannot pull the
# binary from under it; it finds handlers/ and lua/ beside its bin/.
mkdir "$T/bin"
cp "$IX_ROOT/bin/infraexec" "$T/bin/infraexec"
ln -s "$IX_ROOT/handlers" "$T/handlers"
ln -s "$IX_ROOT/lua" "$T/lua"
B=$T/bin/infraexec

# A fractional sleep without a fork: read from a FIFO nobody writes to.
mkfifo "$T/.nap"
exec {napfd}<>"$T/.nap"
nap() { read -r -t "$1" -u "$napfd" _ || :; }
now_us() { _now=${EPOCHREALTIME//[!0-9]/}; }
# rand_delay MAX_US: $_delay = seconds, uniform in [0, MAX_US] microseconds.
rand_delay() {
    local r=$(( ((RANDOM << 15) | RANDOM) % ($1 + 1) ))
    printf -v _delay '%d.%06d' $((r / 1000000)) $((r % 1000000))
}
# the largest of the arguments (the delays should cover all of the work)
largest() { printf '%s\n' "$@" | sort -n | tail -1; }
# temp files beside FILE
temps() {
    local f
    _temps=0
    for f in "$(dirname "$1")/.$(basename "$1").ix-"*; do [ -e "$f" ] && _temps=$((_temps + 1)); done
}
# check COUNT DESC: one TAP line for a property checked on every trial.
check() { if [ "$1" -eq 0 ]; then _result 1 "$2"; else _result 0 "$2 ($1 failed)"; fi; }
# first few failure details only
_notes=0
note() { [ "$_notes" -lt 15 ] && echo "#   $*"; _notes=$((_notes + 1)); }
total_trials=0
total_killed=0
total_temps=0

# file_trials NAME FILE TRIALS CHECK CMD...: kill CMD (which edits FILE)
# TRIALS times.  CHECK is a function FILE -> prints what a reader sees
# (exit non-zero when it does not parse).
file_trials() {
    local name=$1 f=$2 trials=$3 check_fn=$4
    shift 4
    local old=$T/$name.old new=$T/$name.new new2=$T/$name.new2
    cp "$f" "$old"
    "$@" >/dev/null 2>&1 || { _result 0 "$name: the uninterrupted command works"; return; }
    cp "$f" "$new"
    "$@" >/dev/null 2>&1
    cp "$f" "$new2" # applied twice: what the follow-up yields after a finished kill
    if cmp -s "$old" "$new"; then _result 0 "$name: the command changes the file"; return; fi
    local seen_old seen_new
    cp "$old" "$f"
    seen_old=$("$check_fn" "$f") || { _result 0 "$name: old version parses"; return; }
    cp "$new" "$f"
    seen_new=$("$check_fn" "$f") || { _result 0 "$name: new version parses"; return; }

    local durs=() i
    for i in 1 2 3 4 5; do
        cp "$old" "$f"
        now_us; local t0=$_now
        "$@" >/dev/null 2>&1 &
        wait $!
        now_us; durs+=($((_now - t0)))
    done
    local D
    D=$(largest "${durs[@]}")

    now_us; local tstart=$_now
    local killed=0 finished=0 badexit=0 as_old=0 as_new=0 as_mid=0 torn=0 unparsed=0 follow=0 st state
    _notes=0
    temps "$f"
    local temps0=$_temps
    for ((i = 1; i <= trials; i++)); do
        cp "$old" "$f"
        rand_delay "$D"
        "$@" >/dev/null 2>&1 &
        local pid=$!
        nap "$_delay"
        kill -9 "$pid" 2>/dev/null
        { wait "$pid"; } 2>/dev/null && st=0 || st=$?
        case $st in
        137) killed=$((killed + 1)) ;;
        0) finished=$((finished + 1)) ;;
        *) badexit=$((badexit + 1)); note "$name trial $i: exit $st" ;;
        esac
        local m mid=
        for m in ${MIDS:-}; do cmp -s "$f" "$m" && mid=$m; done
        if cmp -s "$f" "$old"; then
            as_old=$((as_old + 1)); state=old
        elif cmp -s "$f" "$new"; then
            as_new=$((as_new + 1)); state=new
        elif [ -n "$mid" ]; then
            as_mid=$((as_mid + 1)); state=mid
        else
            torn=$((torn + 1)); state=torn
            cp "$f" "$T/$name.torn.$i"
            note "$name trial $i (delay $_delay s): file is neither version: $(diff "$old" "$f" | head -3 | tr '\n' ' ')"
        fi
        local seen
        if ! seen=$("$check_fn" "$f") || { [ "$state" != mid ] && [ "$seen" != "$seen_old" ] && [ "$seen" != "$seen_new" ]; }; then
            unparsed=$((unparsed + 1))
            note "$name trial $i: after the kill a reader sees: $(head -c 300 <<<"$seen")"
        fi
        # Whatever was left behind, the next command goes through.
        if ! "$@" >/dev/null 2>"$T/.follow.err"; then
            follow=$((follow + 1))
            note "$name trial $i: the next command failed: $(head -c 300 "$T/.follow.err")"
        elif [ "$state" != new ] && ! cmp -s "$f" "$new" && ! { [ "$state" = mid ] && cmp -s "$f" "$new2"; }; then
            follow=$((follow + 1)); note "$name trial $i: next command after an old file: not the new version"
        elif [ "$state" = new ] && ! cmp -s "$f" "$new2"; then
            follow=$((follow + 1)); note "$name trial $i: next command after a new file: not what it makes of it"
        fi
    done
    temps "$f"
    local left=$((_temps - temps0))
    check "$badexit" "$name: $trials trials: every command exited 0 or died of SIGKILL"
    check "$torn" "$name: the file is byte-identical to the old or the new version${MIDS:+ (or the entry without \`updated:\`)} after every kill"
    check "$unparsed" "$name: the file parses, and reads as the old or the new version, after every kill"
    local with=""
    [ "$left" -gt 0 ] && with=" (with $left temp files present)"
    check "$follow" "$name: the next uninterrupted command succeeds after every kill$with"
    is "$((as_old + as_new + as_mid + torn))" "$trials" "$name: every trial accounted for"
    now_us
    echo "# $name: $trials trials in $(((_now - tstart) / 1000)) ms (D = ${D} us): $killed killed, $finished finished before the kill;" \
        "left $as_old old, $as_new new, $as_mid intermediate; $left temp files left behind"
    if [ "$killed" -eq 0 ] || [ "$finished" -eq "$trials" ]; then
        echo "#   warning: no kill landed while the command was working"
    fi
    total_trials=$((total_trials + trials))
    total_killed=$((total_killed + killed))
    total_temps=$((total_temps + left))
}

task_view() { # what a reader sees of a task file: lint's verdict (parse errors included)
    local o rc
    o=$("$B" lint "$1" 2>&1) && rc=0 || rc=$?
    printf 'lint exit %s\n%s\n' "$rc" "$o"
}
yaml_view() { # and of a YAML file: the value (exit non-zero when it does not parse)
    "$B" yaml get "$1" spec.values.image.tag 2>&1
}

# ---- the fixtures: a corpus file and a big one (more time spent writing) ----
cp "$CORPUS/TASK-006.md" "$T/small.md"
{
    cat "$CORPUS/TASK-006.md"
    printf '\n## Notes\n\n'
    for i in $(seq 8000); do
        echo "Note line $i: the quick brown fox jumps over the lazy dog, again and again."
    done
} >"$T/big.md"
cat >"$T/small.yaml" <<'YAML'
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
spec:
  values:
    image:
      tag: 0.1.17   # bumped by release tasks
YAML
{
    printf 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nspec:\n  values:\n'
    printf '    image:\n      tag: 0.1.17   # bumped by release tasks\n    workers:\n'
    for i in $(seq 3000); do
        printf '    - name: w%d\n      image: {repository: registry.local/w%d, tag: "0.1.17"}\n' $i $i
    done
} >"$T/big.yaml"

half=$((N / 2))
file_trials tick-small "$T/small.md" "$half" task_view "$B" tick "$T/small.md" 12 13
file_trials tick-big "$T/big.md" $((N - half)) task_view "$B" tick "$T/big.md" 12 13
# Where the file's shape allows (its Progress Log last; not so in these
# corpus files, which are rewritten), a log entry is written in place and
# `updated:` after it (fileio.h): a kill between the two would leave the
# entry with the old date.
log_mid() { # FILE: what `log` makes of FILE, with FILE's own updated: line
    local f=$1 u
    cp "$f" "$T/.mid.in"
    "$B" log "$T/.mid.in" "Rotated the sealing key" >/dev/null 2>&1
    u=$(grep -m1 '^updated:' "$f")
    awk -v u="$u" '!done && /^updated:/ { print u; done = 1; next } { print }' "$T/.mid.in" >"$f.mid"
}
log_mid "$T/small.md"
log_mid "$T/big.md"
MIDS="$T/small.md.mid" file_trials log-small "$T/small.md" "$half" task_view "$B" log "$T/small.md" "Rotated the sealing key"
MIDS="$T/big.md.mid" file_trials log-big "$T/big.md" $((N - half)) task_view "$B" log "$T/big.md" "Rotated the sealing key"
file_trials yaml-small "$T/small.yaml" "$half" yaml_view "$B" yaml set "$T/small.yaml" spec.values.image.tag 0.1.18
file_trials yaml-big "$T/big.yaml" $((N - half)) yaml_view "$B" yaml set "$T/big.yaml" spec.values.image.tag 0.1.18

# ---- run ----
W=$T/ws
mkdir -p "$W/tasks/active"
task=$W/tasks/active/TASK-950.md
NC=6
{
    printf -- '---\nid: TASK-950\ntitle: Crash exercise\nstatus: active\npriority: high\n'
    printf 'labels: [testing]\nupdated: 2026-01-01\n---\n\n## Acceptance Criteria\n\n'
    for i in $(seq $NC); do
        if [ $((i % 2)) = 1 ]; then
            echo "- [ ] Run step $i: \`sh -c 'echo $i >> runs.log'\`"
        else
            echo "- [ ] Run step $i: \`sh -c 'sleep 0.01; echo $i >> runs.log'\`"
        fi
    done
    printf '\n## Progress Log\n\n- 2026-01-01 10:00: created\n'
} >"$task"
cp "$task" "$T/state.0"
reset_run() { cp "$T/state.0" "$task"; rm -f "$W/runs.log"; }

# Processes still working in the workspace (commands of a killed run).
orphans() {
    local p
    _orphans=0
    for p in /proc/[0-9]*; do
        [ "$p/cwd" -ef "$W" ] && _orphans=$((_orphans + 1))
    done
}
wait_orphans() {
    local i
    for ((i = 0; i < 500; i++)); do
        orphans
        [ "$_orphans" -eq 0 ] && return 0
        nap 0.01
    done
    return 1
}

# The states after k ticks: a run of criteria 1..k without its closing
# "Run ended:" entry (written only once the run is through); state.done is
# the finished run, closing entry included.
for k in $(seq $NC); do
    reset_run
    "$B" run "$task" --only "$(seq -s, 1 "$k")" -q >/dev/null 2>&1
    grep -v ': Run ended: ' "$task" >"$T/state.$k"
done
cp "$task" "$T/state.done"
is "$(tr '\n' ' ' <"$W/runs.log")" "$(seq $NC | tr '\n' ' ')" "run: each criterion ran once, in order"
# Written in place (fileio.h): criterion k+1's entry (and, the first time,
# `updated:`) goes first and is made durable, its tick last.  mid.k is the
# state a kill between the two leaves: state k+1 without tick k+1 (mid.k.u:
# with state k's updated: line too, the entry alone).
for ((k = 0; k < NC; k++)); do
    sed "s/^- \[x\] Run step $((k + 1)): /- [ ] Run step $((k + 1)): /" "$T/state.$((k + 1))" >"$T/mid.$k"
    u=$(grep -m1 '^updated:' "$T/state.$k")
    awk -v u="$u" '!done && /^updated:/ { print u; done = 1; next } { print }' "$T/mid.$k" >"$T/mid.$k.u"
done
ln "$task" "$T/task.link" # sees edits made in place, not a file renamed over the name
reset_run
durs=()
for i in 1 2 3 4 5; do
    reset_run
    now_us
    t0=$_now
    "$B" run "$task" -q >/dev/null 2>&1 &
    wait $! && rc=0 || rc=$?
    now_us
    durs+=($((_now - t0)))
done
is "$rc" 0 "run: the uninterrupted run completes every criterion"
ok "run: every edit was written in place (a hard link to the file sees them)" cmp "$task" "$T/task.link"
ok "run: a full run ends in the state of ticking them one by one" cmp "$task" "$T/state.done"
D=$(largest "${durs[@]}")

now_us; tstart=$_now
killed=0 finished=0 badexit=0 torn=0 mids=0 prefix=0 lintbad=0 counts=0 rerun=0 orphaned=0 stuck=0 extra=0
_notes=0
hist=()
for ((i = 1; i <= N; i++)); do
    reset_run
    rand_delay "$D"
    "$B" run "$task" -q >/dev/null 2>&1 &
    pid=$!
    nap "$_delay"
    kill -9 "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null && st=0 || st=$?
    case $st in
    137) killed=$((killed + 1)) ;;
    0) finished=$((finished + 1)) ;;
    *) badexit=$((badexit + 1)); note "run trial $i: exit $st" ;;
    esac
    orphans
    [ "$_orphans" -gt 0 ] && orphaned=$((orphaned + 1))
    wait_orphans || { stuck=$((stuck + 1)); note "run trial $i: commands still running after 5 s"; }
    # Which state is it in?
    k=-1
    for ((s = 0; s <= NC; s++)); do
        if cmp -s "$task" "$T/state.$s"; then k=$s; break; fi
    done
    cmp -s "$task" "$T/state.done" && k=$NC
    mid=-1
    for ((s = 0; s < NC && k < 0; s++)); do
        if cmp -s "$task" "$T/mid.$s" || cmp -s "$task" "$T/mid.$s.u"; then mid=$s; k=$s; fi
    done
    [ "$mid" -ge 0 ] && mids=$((mids + 1))
    if [ "$k" -lt 0 ]; then
        torn=$((torn + 1))
        cp "$task" "$T/run.torn.$i"
        note "run trial $i (delay $_delay s): the file is not a state after k ticks: $(diff "$T/state.0" "$task" | tail -3 | tr '\n' ' ')"
    else
        hist[k]=$((${hist[k]:-0} + 1))
    fi
    # Parses; checked boxes are a prefix; each tick has its log line.
    if json=$("$B" show --json "$task" 2>&1); then
        line=$(jq -r '([.criteria[]|select(.checked)]|length|tostring) + "|" +
                     ([.criteria[]|select(.checked)|.index]|map(tostring)|join(",")) + "|" +
                     ([.progress_log[].text|select(startswith("Completed criterion "))
                       |ltrimstr("Completed criterion ")|split(":")[0]]|join(","))' <<<"$json")
        n=${line%%|*} got=${line#*|}
        want=$(seq -s, 1 "$n")
        # In an intermediate state the next criterion's entry is there
        # without its tick: never a tick without its entry.
        logged=$want
        [ "$mid" -ge 0 ] && logged=$(seq -s, 1 $((n + 1)))
        if [ "$got" != "$want|$logged" ]; then
            prefix=$((prefix + 1)); note "run trial $i: checked / logged: '$got'"
        fi
    else
        prefix=$((prefix + 1)); n=0; note "run trial $i: show failed: $json"
    fi
    if ! "$B" lint "$task" >/dev/null 2>&1; then
        lintbad=$((lintbad + 1)); note "run trial $i: lint: $("$B" lint "$task" 2>&1 | head -2)"
    fi
    # The commands that ran: 1..n, plus perhaps the one in progress.
    ran=$(cat "$W/runs.log" 2>/dev/null | tr '\n' ' ')
    if [ "$ran" = "$(seq 1 "$n" | tr '\n' ' ')" ]; then
        more=0
    elif [ "$n" -lt "$NC" ] && [ "$ran" = "$(seq 1 $((n + 1)) | tr '\n' ' ')" ]; then
        more=1
    else
        more=0; counts=$((counts + 1)); note "run trial $i: $n ticked but runs.log has: '$ran'"
    fi
    # The re-run finishes the rest, without redoing ticked criteria.
    "$B" run "$task" -q >/dev/null 2>"$T/.rerun.err" && rc=0 || rc=$?
    wait_orphans
    # Killed with every box ticked but before the closing entry, the re-run
    # attempts nothing and so writes nothing.  After an entry without its
    # tick, the re-run runs that criterion again and logs it a second time.
    done_file=$T/state.done
    if [ "$mid" -ge 0 ]; then
        awk -v c="Completed criterion $((mid + 1)): " 'index($0, c) { print } { print }' "$T/state.done" >"$T/.done.mid"
        done_file=$T/.done.mid
    fi
    if [ "$rc" != 0 ] || ! { cmp -s "$task" "$done_file" ||
                             { [ "$k" = "$NC" ] && cmp -s "$task" "$T/state.$NC"; }; }; then
        rerun=$((rerun + 1))
        note "run trial $i: re-run exit $rc: $(head -c 300 "$T/.rerun.err")"
    fi
    want=$(seq 1 $NC; [ "$more" = 1 ] && echo $((n + 1)))
    if [ "$(sort -n "$W/runs.log" | tr '\n' ' ')" != "$(sort -n <<<"$want" | tr '\n' ' ')" ]; then
        counts=$((counts + 1))
        note "run trial $i: after the re-run ($n were ticked) runs.log has: $(tr '\n' ' ' <"$W/runs.log")"
    fi
    extra=$((extra + more))
done
temps "$task"
run_temps=$_temps
check "$badexit" "run: $N trials: every run exited 0 or died of SIGKILL"
check "$torn" "run: the file is the state after k ticks, or that with the next entry but not its tick, after every kill"
check "$prefix" "run: checked boxes are a prefix of the criteria, each with its Progress Log line (and the next one's, without its tick)"
check "$lintbad" "run: the file lints clean after every kill"
check "$counts" "run: no ticked criterion ran again; at most the one in progress ran twice"
check "$rerun" "run: the re-run after every kill completes the task (lock and temp files of the dead run notwithstanding)"
check "$stuck" "run: no command of a killed run outlives it by 5 s"
dist=""
for ((s = 0; s <= NC; s++)); do dist+=" $s:${hist[s]:-0}"; done
now_us
echo "# run: $N trials in $(((_now - tstart) / 1000)) ms (D = $D us): $killed killed, $finished finished before the kill;" \
    "ticked when killed (k:trials):$dist"
echo "# run: $mids kills left a criterion's entry without its tick (the in-place write between its two steps)"
echo "# run: $extra kills left the criterion in progress executed but not ticked (it ran again" \
    "on the re-run); in $orphaned the command was still running after its run died; $run_temps temp files left"
total_trials=$((total_trials + N))
total_killed=$((total_killed + killed))
total_temps=$((total_temps + run_temps))

# ---- leftovers of a killed writer never break the next command ----
# A half-written temp file exactly as a writer killed mid-write leaves it.
reset_run
head -c 300 "$T/state.3" >"$W/tasks/active/.TASK-950.md.ix-Ab12Cd"
head -c 100 "$T/state.3" >"$W/tasks/active/.TASK-950.md.ix-Zz99Yy"
ix tick "$task" "$NC"
is "$rc" 0 "tick works beside stray temp files"
ix log "$task" "beside stray temp files"
is "$rc" 0 "log works beside stray temp files"
ix lint "$task"
is "$rc" 0 "lint: still clean"
ix list --tasks-dir "$W/tasks"
is "$rc" 0 "list ignores the stray temp files"
is "$(grep -c TASK-950 <<<"$out")" 1 "and lists the task once"
ix run "$task" -q
is "$rc" 0 "run works beside stray temp files"
ok "the next locked edit removed the dead writers' temp files" \
    test ! -e "$W/tasks/active/.TASK-950.md.ix-Ab12Cd" -a ! -e "$W/tasks/active/.TASK-950.md.ix-Zz99Yy"
echo "# all kills: $total_trials trials, $total_killed killed mid-way and survived;" \
    "$total_temps temp files left behind in all"

# ---- full disk during run: the tick cannot be written ----
F=$T/full
mkdir -p "$F/tasks/active"
ft=$F/tasks/active/TASK-960.md
{
    printf -- '---\nid: TASK-960\ntitle: Full disk\nlabels: [testing]\nupdated: 2026-01-01\n---\n\n'
    # 4087 bytes: under the 4096-byte limit, with no room for any Progress
    # Log entry (the tick's, or the run's closing one).
    for i in $(seq 61); do echo "Padding line $i so that the task file is bigger than the limit."; done
    printf '\n## Acceptance Criteria\n\n'
    echo "- [ ] Run step 1: \`sh -c 'echo 1 >> runs.log'\`"
    printf '\n## Progress Log\n\n- 2026-01-01 10:00: created\n'
} >"$ft"
cp "$ft" "$T/full.orig"
(ulimit -f 4; "$IX_BIN" run "$ft" --json >"$T/full.json" 2>"$T/full.err") && rc=0 || rc=$?
is "$rc" 1 "full disk during run: exit 1 (the criterion remains)"
is "$(jq -r '.criteria[0].state' "$T/full.json")" remaining "full disk: the criterion is not reported completed"
is "$(jq -r '.summary.completed_now' "$T/full.json")" 0 "full disk: nothing completed now"
is "$(jq -r '.criteria[0].commands[0].exit_code' "$T/full.json")" 0 "full disk: the command itself ran"
is "$(jq -r '.criteria[0].reason' "$T/full.json")" \
    "$ft: cannot write (file left unchanged): File too large" "full disk: the reason names the file"
like "$(cat "$T/full.err")" "$ft: cannot write (file left unchanged): File too large" \
    "full disk: the error on stderr names the file"
is "$(jq -r '.files_modified // [] | length' "$T/full.json")" 0 "full disk: no file reported modified"
ok "full disk: the task file is unchanged" cmp "$ft" "$T/full.orig"
temps "$ft"
is "$_temps" 0 "full disk: no temp file left"
ix run "$ft" -q
is "$rc" 0 "with room again the next run completes it"
is "$(cat "$F/runs.log" | tr '\n' ' ')" "1 1 " "(the command ran again: its tick had been lost)"

done_testing
