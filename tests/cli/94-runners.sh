#!/bin/bash
# N = 4 runners (separate processes, each with its own clone of one bare
# tasks repository) work 24 tasks whose criteria append a line to a shared
# file: every line exactly once, every task archived on the remote, and the
# remote history holds every runner's claims, ticks and archives.
. "$(dirname "$0")/../lib.sh"
G() { git -c user.name=tester -c user.email=tester@example.invalid "$@"; }
N=4 TASKS=24
G init -q --bare -b main "$T/tasks.git"
G clone -q "$T/tasks.git" "$T/seed" 2>/dev/null
cd "$T/seed"
mkdir -p tasks/active tasks/backlog tasks/completed
touch tasks/completed/.keep
printf 'queue:\n  lease: 10m\n' >infraexec.yaml
printf '.infraexec/\n' >.gitignore
for i in $(seq -w 1 $TASKS); do
    printf -- '---\nid: TASK-5%s\ntitle: Append %s\nstatus: ready\npriority: medium\ncreated: 2026-11-25\nupdated: 2026-11-25\n---\n\n## Acceptance Criteria\n- [ ] Run Append: `echo TASK-5%s >> %s/shared`\n\n## Progress Log\n' \
        "$i" "$i" "$i" "$T" >"tasks/active/TASK-5$i.md"
done
G add -A && G commit -qm tasks && G push -q origin main
for r in $(seq $N); do G clone -q "$T/tasks.git" "$T/r$r" 2>/dev/null; done

for r in $(seq $N); do
    (cd "$T/r$r" && "$IX_BIN" work --runner runner$r -q --events 3 3>"$T/r$r.ndjson" \
        >"$T/r$r.out" 2>"$T/r$r.err"; echo $? >"$T/r$r.rc") &
done
wait
is "$(cat "$T"/r?.rc | tr -d '\n')" 0000 "every runner exits 0 once nothing can be claimed"
for r in $(seq $N); do [ -s "$T/r$r.err" ] && sed 's/^/# r'$r': /' "$T/r$r.err" | head -5; done
is "$(wc -l <"$T/shared" | tr -d ' ')" $TASKS "the shared file has one line per task"
is "$(sort -u "$T/shared" | wc -l | tr -d ' ')" $TASKS "and every task's line exactly once"
is "$(cat "$T"/r?.ndjson | jq -r 'select(.exit_code == 0 and .archived != null) | .id' | sort -u | wc -l | tr -d ' ')" \
    $TASKS "the events: every task archived, one line per task"
is "$(cat "$T"/r?.ndjson | wc -l | tr -d ' ')" $TASKS "no task reported twice"
worked=$(for r in $(seq $N); do [ -s "$T/r$r.ndjson" ] && echo $r; done | wc -l | tr -d ' ')
ok "more than one runner got work ($worked did)" test "$worked" -gt 1
is "$(git -C "$T/tasks.git" ls-tree --name-only main tasks/active/ | wc -l | tr -d ' ')" 0 \
    "the remote's active/ is empty"
is "$(git -C "$T/tasks.git" ls-tree --name-only main tasks/completed/ | grep -c '\.md$')" $TASKS \
    "every task is archived on the remote"
log=$(git -C "$T/tasks.git" log --format=%s main)
lost=""
for i in $(seq -w 1 $TASKS); do
    f=$(git -C "$T/tasks.git" show "main:tasks/completed/TASK-5$i.md")
    by=$(sed -n 's/^claimed_by: //p' <<<"$f")
    grep -q '^- \[x\] Run Append' <<<"$f" || lost="$lost TASK-5$i(tick)"
    grep -qx "TASK-5$i: claimed by $by" <<<"$log" || lost="$lost TASK-5$i(claim)"
    grep -qx "TASK-5$i: progress by $by" <<<"$log" || lost="$lost TASK-5$i(progress)"
    grep -qx "Archive TASK-5$i.md" <<<"$log" || lost="$lost TASK-5$i(archive)"
    # The tick is in the history as the claimer pushed it, not only at the end.
    c=$(git -C "$T/tasks.git" log --format=%H --grep="^TASK-5$i: progress by $by\$" main | head -1)
    git -C "$T/tasks.git" show "$c:tasks/active/TASK-5$i.md" 2>/dev/null | grep -q '^- \[x\] Run Append' ||
        lost="$lost TASK-5$i(progress-commit)"
done
is "$lost" "" "the remote history holds every runner's claim, tick and archive"
# One claim and one archive per task; progress is pushed at the first tick
# and again at the end (the run's closing Progress Log entry), batched in
# between: the history is the first commit plus exactly those.
claims=$(grep -c ': claimed by ' <<<"$log"); archives=$(grep -c '^Archive TASK-' <<<"$log")
progress=$(grep -c ': progress by ' <<<"$log")
is "$claims:$archives" "$TASKS:$TASKS" "exactly one claim and one archive commit per task"
is "$(git -C "$T/tasks.git" rev-list --count main)" $((1 + claims + archives + progress)) \
    "no other commit: none lost, none doubled"
ok "at most two progress pushes per task (first tick, end of run)" test "$progress" -le $((2 * TASKS))
ok "the remote repository is sound" git -C "$T/tasks.git" fsck --no-progress
done_testing
