#!/bin/bash
# The orchestrator's loop on the homelab example: next -> run -> verify ->
# archive until next says nothing is left; --events for following a run.
. "$(dirname "$0")/../lib.sh"
EX=$IX_ROOT/examples/homelab
lab=$T/lab
"$EX/setup.sh" "$lab" >/dev/null
"$EX/registry.sh" start "$lab"
trap '"$EX/registry.sh" stop "$lab"; rm -rf "$T"' EXIT
# STAND-IN: TASK-105 checks what Flux made of TASK-104's push. No cluster
# can run here: the kube stand-in (tests/standin/, docs/standin.md) plays
# Flux, having applied whatever the GitOps remote holds when asked.
. "$IX_ROOT/tests/standin/lib.sh"
api=$T/api
mkdir -p "$api"
standin_start "$api"
unset KUBECONFIG
printf 'kube:\n  context: homelab\n  kubeconfig: %s\n' "$STANDIN_KUBECONFIG" >>"$lab/infraexec.yaml"
flux_caught_up() { # the Kustomization at the remote's commit, midwestmtg's HelmReleases Ready with its tags
    standin_kustomization "$api" flux-system --ns flux-system \
        --revision "main@sha1:$(git --git-dir="$lab/gitops.git" rev-parse main)"
    local r tag
    for r in backend frontend discord-bot; do
        tag=$(git --git-dir="$lab/gitops.git" show "main:apps/midwestmtg/helmrelease-$r.yaml" | sed -n 's/^ *tag: *//p')
        standin_helmrelease "$api" "midwestmtg-$r" --ns midwestmtg --tag "$tag"
    done
}
cd "$lab"

ix next --json
is "$(jq -r .next.id <<<"$out")" TASK-101 "next: the critical active task first"
is "$(jq -r '.waiting[0]|"\(.id) \(.waits_for[0].id) \(.waits_for[0].why)"' <<<"$out")" \
    "TASK-102 TASK-101 active" "next: TASK-102 waits for TASK-101, and says why"

# --events: NDJSON an orchestrator can follow live.
ix run TASK-101 -q --only 1 --events 3 3>"$T/events.ndjson"
is "$(jq -r .event "$T/events.ndjson" | uniq | tr '\n' ' ')" \
    "criterion_started command_started output command_finished criterion_finished report " \
    "events in order"
is "$(jq -r 'select(.event=="criterion_finished")|.state' "$T/events.ndjson")" completed \
    "criterion_finished carries the state"
is "$(jq -r 'select(.event=="report")|.report.schema' "$T/events.ndjson")" infraexec.report/2 \
    "the last event is the report"
like "$(jq -r 'select(.event=="output")|.line' "$T/events.ndjson")" "built 127.0.0.1:" \
    "output lines arrive as events"
ix run TASK-101 -q --events 99
is "$rc" 2 "--events on a closed descriptor is refused"

# archive refuses a task with unchecked criteria.
cp tasks/active/TASK-101.md "$T/101.before"
ix archive TASK-101
is "$rc" 2 "archive with unchecked criteria: exit 2"
like "$err" "4 criteria are unchecked" "and says how many"
ok "archive refused: file untouched" cmp tasks/active/TASK-101.md "$T/101.before"

# The loop, as an orchestrator would write it.
rounds=0
while id=$("$IX_BIN" next 2>/dev/null); do
    rounds=$((rounds + 1))
    [ $rounds -le 7 ] || break
    flux_caught_up # between two rounds, as Flux does on its own
    "$IX_BIN" run "$id" -q >/dev/null || break
    "$IX_BIN" verify "$id" -q --json >"$T/verify-$id.json" || break
    "$IX_BIN" archive "$id" >/dev/null || break
done
is "$rounds" 5 "five tasks went round the loop"
ix next
is "$rc" 1 "next: nothing left (exit 1)"
like "$err" "nothing to run" "next says so"
is "$(ls tasks/active tasks/backlog | grep -c '\.md$')" 0 "active/ and backlog/ are empty"
is "$(ls tasks/completed | tr '\n' ' ')" "TASK-101.md TASK-102.md TASK-103.md TASK-104.md TASK-105.md " "all five in completed/"
is "$(jq -r '[.criteria[]|select(.check=="fails")]|length' "$T/verify-TASK-101.json")" 0 \
    "verify: no check of TASK-101 fails"
is "$(jq -r '[.criteria[]|select(.check=="holds")|.index]|join(",")' "$T/verify-TASK-101.json")" "2,3,4" \
    "verify: push, registry and HelmRelease checks hold"
is "$("$IX_BIN" show --json tasks/completed/TASK-102.md | jq -r '"\(.status) \(.frontmatter.completed)"')" \
    "completed 2026-11-25" "archived: status and completed date set"
is "$(git log --format=%s -5 | tr '\n' '|')" "Archive TASK-103.md|Archive TASK-105.md|Archive TASK-102.md|Archive TASK-104.md|Archive TASK-101.md|" \
    "each archive committed in the tasks repository"
is "$(git status --porcelain -- tasks)" "" "tasks repository clean"

# verify reports a checked box whose check now fails.
"$EX/registry.sh" stop "$lab"
ix verify tasks/completed/TASK-102.md -q --json
is "$rc" 1 "verify: exit 1 when a check fails"
is "$(jq -r '.criteria[0].check' <<<"$out")" fails "the registry being gone is noticed"

done_testing
