#!/bin/bash
# The generic inline-command rule made safe: negations and data or secrets
# files never run; an action's exit 0 is its evidence; an assertion's
# command is read by infraexec itself (kubectl get / flux get through the
# kube stand-in, curl through its HTTP client against a real registry) and
# its claim checked: a hostile world ticks nothing, its friendly twin ticks
# what is true, with evidence.
. "$(dirname "$0")/../lib.sh"
EX=$IX_ROOT/examples/homelab
. "$IX_ROOT/tests/standin/lib.sh"

lab=$T/lab
reg=$("$EX/setup.sh" "$lab")
"$EX/registry.sh" start "$lab"
trap '"$EX/registry.sh" stop "$lab"; rm -rf "$T"' EXIT

# STAND-IN: no API server can run here; tests/standin/ answers kubectl's
# reads from fixtures (docs/standin.md says what it does not do).
api=$T/api
mkdir -p "$api"
standin_start "$api" "" '"$EX/registry.sh" stop "$lab"; rm -rf "$T"'
printf 'kube:\n  context: homelab\n  kubeconfig: %s\n' "$STANDIN_KUBECONFIG" >>"$lab/infraexec.yaml"
# Flux applied what the GitOps remote holds: HelmReleases count only at the pushed revision.
standin_flux_at "$api" "$lab/gitops" "$lab/infraexec.yaml"

# A flux that says everything is fine-looking but False, exits 0, and
# leaves a trace when run: infraexec must read the objects, not it.
mkdir -p "$T/bin" "$T/home/.secrets"
printf '#!/bin/sh\ntouch %s/flux-ran\necho "NAME\tREADY\tMESSAGE"\necho "ffl\tFalse\tupgrade failed"\n' "$T" >"$T/bin/flux"
printf '#!/bin/sh\ntouch %s/secret-ran\necho API_KEY=s3cr3t-value\n' "$T" >"$T/home/.secrets/ffl.env"
chmod +x "$T/bin/flux" "$T/home/.secrets/ffl.env"
export PATH="$T/bin:$PATH" HOME="$T/home"

task() { # ID CRITERIA...
    local id=$1; shift
    { printf -- '---\nid: %s\ntitle: generic\nstatus: active\npriority: high\nlabels: [testing]\n---\n\n## Acceptance Criteria\n\n' "$id"
      for c in "$@"; do printf -- '- [ ] %s\n' "$c"; done
      printf '\n## Progress Log\n\n- 2026-01-01 00:00: created\n'; } >"$lab/tasks/active/$id.md"
}
state() { jq -r ".criteria[$1].state" <<<"$out"; }
reason() { jq -r ".criteria[$1].reason" <<<"$out"; }

# ---- what is not a command never runs, and leaks nothing ----
task TASK-741 "Make sure nobody runs \`touch $T/nobody\`" \
    '**secret**: Re-encrypt using `~/.secrets/ffl.env`' \
    "Show the key: \`cat $lab/registry/certs/domain.key\`" \
    "Open the projects: \`$lab/projects\`" \
    "Load the config: \`$lab/infraexec.yaml\`" \
    'Run the tool: `no-such-tool-741 --now`' \
    "Create marker: \`touch $T/marker\`"
ix run TASK-741 --tasks-dir "$lab/tasks" --json -q
is "$rc" 1 "not-commands: exit 1"
ok "a negation ran nothing" test ! -e "$T/nobody"
like "$(reason 0)" "needs a person: 'make sure nobody ...' forbids something" "a negation needs a person"
ok "the secrets file was not executed" test ! -e "$T/secret-ran"
is "$(reason 1)" 'needs a person: `~/.secrets/ffl.env` is a file, not a command (a secret file)' \
    "a secrets file is a file, not a command"
like "$(reason 2)" "domain.key\`, a secret file; infraexec runs nothing that reads secrets" "a key file is not read"
is "$(reason 3)" "needs a person: \`$lab/projects\` is a directory, not a command" "a directory is not a command"
is "$(reason 4)" "needs a person: \`$lab/infraexec.yaml\` is a file, not a command" "a data file is not a command"
is "$(reason 5)" 'needs a person: `no-such-tool-741` is not a command on PATH' "nothing on PATH: not a command"
is "$(jq -r '[.criteria[0:6][].commands|length]|add' <<<"$out")" 0 "none of them started a command"
is "$(state 6)" completed "an action's command completes it"
is "$(jq -r '.criteria[6].evidence[0]|"\(.ok) \(.looked_at) \(.expected) \(.seen)"' <<<"$out")" \
    "true \`touch $T/marker\` exit 0 exit 0" "its evidence: the command, exit 0 expected and seen"
all=$(cat "$lab/tasks/active/TASK-741.md"; printf '%s' "$out"; cat "$lab"/.infraexec/logs/TASK-741/* 2>/dev/null)
unlike "$all" "s3cr3t-value" "the secret is in no task file, report or log"
unlike "$all" "PRIVATE KEY" "the key is in no task file, report or log"

# ---- kubectl and flux only ever see the configured cluster ----
ln -s "$T/home/.secrets/ffl.env" "$lab/tasks/run-me"
task TASK-744 'The pods are listed: `kubectl --kubeconfig /tmp/other get pods -A`' \
    'Pods are listed: `kubectl get pods -A --context prod`' \
    'The pods are listed: `kubectl --context=homelab get pods -A | wc -l`' \
    "Run the escape: \`./../../../../../../bin/touch $T/escaped\`" \
    "Check it: \`sh $HOME/.secrets/ffl.env\`" \
    "Run it: \`./tasks/run-me\`"
ix run TASK-744 --tasks-dir "$lab/tasks" --json -q
like "$(reason 0)" "the command sets --kubeconfig; infraexec uses the configured cluster only" \
    "a kubeconfig in the task is refused"
like "$(reason 1)" "names context prod but infraexec.yaml says homelab" "another context in the task is refused"
like "$(reason 2)" "runs kubectl through a shell, where infraexec cannot pin the kube context" \
    "kubectl under a shell is refused"
like "$(reason 3)" "leaves the directories infraexec.yaml names" "a script path climbing out with .. is refused"
ok "... and did not run" test ! -e "$T/escaped"
like "$(reason 4)" ".secrets/ffl.env\`, a secret file; infraexec runs nothing that reads secrets" \
    "a secrets file as an argument is refused"
ok "... and did not run" test ! -e "$T/secret-ran"
like "$(reason 5)" "\`./tasks/run-me\` is a file, not a command (it leads to $T/home/.secrets/ffl.env, a secret file)" \
    "a link to a secret file is followed and refused"
is "$(jq -r '[.criteria[].commands|length]|add' <<<"$out")" 0 "none of them started a command"

# ---- a hostile world: nothing is true ----
standin_helmrelease "$api" ffl --ns ffl --ready false --message "upgrade failed"
standin_helmrelease "$api" triager --ns triager --ready true
standin_pod "$api" ffl-backend-1 --ns ffl --state crashloop
standin_pod "$api" leftover-1 --ns mtg-agents
standin_pod "$api" ffl-frontend-1 --ns ffl-web --state imagepullbackoff
standin_sealedsecret "$api" ffl-env --ns ffl --ready false
hostile=(
    'All HelmReleases show READY=True: `flux get helmreleases -A`'
    'All 2 HelmReleases show READY=True: `flux get helmreleases -A`'
    "Verify images are in registry: \`curl -k https://$reg/v2/ffl/backend/tags/list\`"
    "Backend tags are listed: \`curl -k https://$reg/v2/ffl/backend/tags/list\`"
    'All pods are running in ffl namespace: `kubectl get pods -n ffl`'
    'No pods remain in mtg-agents namespace: `kubectl get pods -n mtg-agents`'
    'Sealed secrets show Synced: `kubectl get sealedsecrets -A`'
    'All pods are running with new image versions (check with `kubectl get pods -A`)'
    'The registry answers: `echo fine`'
    'Pull events are clean: `kubectl get events -A | grep -i pull`'
    'No ImagePullBackOff errors (check with `kubectl get events -A | grep -i pull`)'
)
task TASK-742 "${hostile[@]}"
ix run TASK-742 --tasks-dir "$lab/tasks" --json -q
is "$rc" 1 "hostile world: exit 1"
is "$(jq -r '[.criteria[]|select(.state=="completed")]|length' <<<"$out")" 0 "hostile world: nothing ticked"
is "$(grep -c '^- \[x\]' "$lab/tasks/active/TASK-742.md")" 0 "hostile world: no box ticked on disk"
ok "flux itself never ran" test ! -e "$T/flux-ran"
like "$(reason 0)" "ffl/ffl: Ready=False" "flux get helmreleases: the False release is named"
like "$(reason 1)" "ffl/ffl: Ready=False" "a count of HelmReleases: read through kubectl, not flux"
is "$(jq -r '.criteria[1].commands[0].argv|join(" ")' <<<"$out")" \
    "kubectl --context=homelab get helmreleases.helm.toolkit.fluxcd.io --all-namespaces --output=json" \
    "flux get became a kubectl read with the configured context"
like "$(reason 2)" "ffl/backend" "verify rule: the empty registry is the reason"
like "$(reason 3)" "https://$reg/v2/ffl/backend/tags/list: expected HTTP 2xx, saw HTTP 404" \
    "curl: infraexec's own client saw the 404 curl -k would have hidden"
like "$(reason 4)" "ffl/ffl-backend-1: CrashLoopBackOff" "kubectl get pods: the crash-looping pod is named"
is "$(jq -r '.criteria[4].commands[0].argv|join(" ")' <<<"$out")" \
    "kubectl --context=homelab get pods --namespace=ffl --output=json" "the same query, as JSON, with the context"
like "$(reason 5)" "mtg-agents/leftover-1" "no pods remain: the one that remains is named"
like "$(reason 6)" "ffl/ffl-env: Synced=False" "sealed secrets: the unsynced one is named"
like "$(reason 7)" "gitops.apps.ffl.releases[0] (release ffl of app ffl) gives no selector" \
    "new image versions: the task's app's pods, which the config does not select: not ticked, not the cluster's"
is "$(reason 8)" "needs a person: infraexec cannot judge \`echo fine\`; run it and confirm (infraexec confirm TASK-742 9)" \
    "an unknown reader is not run: a person runs it and confirms"
like "$(reason 9)" "runs kubectl through a shell, where infraexec cannot pin the kube context" \
    "kubectl in a pipeline is not run"
like "$(reason 10)" "ffl-web/ffl-frontend-1: container ffl waiting: ImagePullBackOff" "verify rule: the pod pulling in vain is named"

# A dry run reads the world the same way, and runs no other command.
sed -i 's/^- \[x\]/- [ ]/' "$lab/tasks/active/TASK-742.md"
ix run TASK-742 --tasks-dir "$lab/tasks" --json -q --dry-run
is "$(jq -r '[.criteria[]|select(.would_complete)]|length' <<<"$out")" 0 "dry run: none would complete"
like "$(reason 4)" "ffl/ffl-backend-1: CrashLoopBackOff" "dry run: kubectl get pods was read for real"
is "$(reason 8)" "needs a person: infraexec cannot judge \`echo fine\`; run it and confirm (infraexec confirm TASK-742 9)" \
    "dry run: an unknown reader is not run"

# ---- the friendly twin: the same claims true, ticked with evidence ----
rm -f "$api"/*/*/*.json "$api"/*/*.json 2>/dev/null
rm -rf "$api" && mkdir -p "$api"
standin_flux_at "$api" "$lab/gitops"
standin_helmrelease "$api" ffl --ns ffl --ready true
standin_helmrelease "$api" triager --ns triager --ready true
standin_pod "$api" ffl-backend-1 --ns ffl
standin_sealedsecret "$api" ffl-env --ns ffl --ready true
# An image in the real registry: a config blob and a manifest, through its API.
cacert=$lab/registry/certs/domain.crt
registry_push_image "$reg" "$cacert" ffl/backend 0.1.18
is "$(curl -s --cacert "$cacert" "https://$reg/v2/ffl/backend/tags/list")" '{"name":"ffl/backend","tags":["0.1.18"]}' \
    "friendly world: the registry holds ffl/backend:0.1.18"
friendly=("${hostile[@]:0:7}")
task TASK-743 "${friendly[@]}" 'All 3 HelmReleases show READY=True: `flux get helmreleases -A`'
ix run TASK-743 --tasks-dir "$lab/tasks" --json -q
is "$(jq -r '[.criteria[].state]|join(",")' <<<"$out")" \
    "completed,completed,completed,completed,completed,completed,completed,remaining" \
    "friendly world: every true claim ticked, the wrong count not"
for i in 0 1 2 3 4 5 6; do
    is "$(jq -r ".criteria[$i].evidence|length > 0 and all(.ok)" <<<"$out")" true \
        "friendly world: ${friendly[$i]%%:*}: ticked with evidence that holds"
done
like "$(jq -r '.criteria[1].evidence[0].seen' <<<"$out")" "2 ready: ffl/ffl, triager/triager" "the evidence names what was seen"
like "$(reason 7)" "expected exactly 3, each ready, saw 2 ready" "a count that is not met is the reason"
like "$(sed -n '/Progress Log/,$p' "$lab/tasks/active/TASK-743.md")" "https://$reg/v2/ffl/backend/tags/list" \
    "the Progress Log carries the evidence"
ok "flux itself never ran in either world" test ! -e "$T/flux-ran"

# ---- the claim says more than the command reads (F7, F10) ----
# ffl/frontend holds only 0.1.12; ffl-backend-1 still runs in ffl.
registry_push_image "$reg" "$cacert" ffl/frontend 0.1.12
narrow=(
    "The old registry is decommissioned and no longer answers: \`curl -sf https://$reg/v2/\`"
    "The debug API is disabled: \`curl -sf https://$reg/v2/\`"
    "Anonymous access to the catalog is denied: \`curl -sf https://$reg/v2/_catalog\`"
    "Endpoint no longer returns 200: \`curl -sf https://$reg/v2/\`"
    "Registry has 0.1.18: \`curl -sf https://$reg/v2/ffl/frontend/tags/list\`"
    'No pods remain in the ffl namespace `kubectl get pods -n ffl -l app=nothing`'
    'All pods are ready `kubectl get pods -A -l app=web`'
    'All HelmReleases are ready in the staging namespace: upgraded to 0.1.18 `kubectl get hr -n staging`'
    "Verify images are in registry: version 0.1.18 \`curl -k https://$reg/v2/ffl/frontend/tags/list\`"
    "Verify the images are in the registry (backend and frontend at 0.1.18): \`curl -k https://$reg/v2/ffl/backend/tags/list\`"
    "Anonymous pulls are forbidden: \`curl -sf https://$reg/v2/_catalog\`"
    "The catalog isn’t public: \`curl -sf https://$reg/v2/_catalog\`"
    'Sealed secrets show Synced: `kubectl get sealedsecrets -A ffl-env`'
    'All pods are ready: `kubectl get pods -n ffl`'
)
task TASK-745 "${narrow[@]}"
ix run TASK-745 --tasks-dir "$lab/tasks" --json -q
is "$(jq -r '[.criteria[]|select(.state=="completed")]|length' <<<"$out")" 0 "a claim beyond its command: nothing ticked"
like "$(reason 0)" 'needs a person: the criterion claims an absence or refusal ("no longer")' "decommissioned: 2xx is no proof"
like "$(reason 1)" '("disabled")' "disabled: needs a person"
like "$(reason 2)" '("denied")' "denied: needs a person"
like "$(reason 3)" '("no longer")' "no longer returns 200: needs a person"
like "$(reason 4)" "expected HTTP 2xx with 0.1.18 in the body, saw HTTP 200: {\"name\":\"ffl/frontend\",\"tags\":[\"0.1.12\"]}" \
    "a version the body lacks: the body's tags are named"
like "$(reason 5)" "needs a person: the command reads less than the criterion claims (the criterion speaks of all pods, the command reads -l app=nothing)" \
    "no pods remain, read through a selector: needs a person"
like "$(reason 6)" "the command reads less than the criterion claims (the criterion speaks of all pods, the command reads -l app=web)" \
    "all pods ready, read through a selector: needs a person"
like "$(reason 7)" "the command reads less than the criterion claims (the criterion names 0.1.18; infraexec checks the objects' state, not their versions)" \
    "a version on HelmReleases never compared: needs a person"
like "$(reason 8)" "expected tag 0.1.18, saw tags 0.1.12" "verify rule: the version the criterion names must be a tag"
like "$(reason 9)" "needs a person: the command reads less than the criterion claims (it names ffl/frontend, midwestmtg/frontend; the URL reads only ffl/backend)" \
    "verify rule: an image the URL does not read: needs a person"
# (the classifier already reads it as forbidding something: either way a person decides)
like "$(reason 10)" 'forbid' "forbidden: needs a person"
like "$(reason 11)" "(\"isn't\")" "a typographic apostrophe is still a negation"
like "$(reason 12)" "the criterion speaks of all sealedsecrets.bitnami.com, the command reads only ffl-env)" \
    "all sealed secrets read by one name: needs a person"
like "$(reason 13)" "the criterion speaks of all pods, the command reads namespace ffl)" \
    "all pods read in one namespace: needs a person (its twin naming the namespace ticks above)"
# The true twins: the version is there, the URL answers.
task TASK-746 "Registry has 0.1.12: \`curl -sf https://$reg/v2/ffl/frontend/tags/list\`" \
    "Verify images are in registry: version 0.1.18 \`curl -k https://$reg/v2/ffl/backend/tags/list\`" \
    "The registry answers: \`curl -sf https://$reg/v2/\`"
ix run TASK-746 --tasks-dir "$lab/tasks" --json -q
is "$(jq -r '[.criteria[].state]|join(",")' <<<"$out")" "completed,completed,completed" "true twins: ticked"
like "$(jq -r '.criteria[0].evidence[0].seen' <<<"$out")" '"tags":["0.1.12"]' "... the body is the evidence"
# The task gives ffl two versions: "any tag" (0.1.18 is there) is not the check.
task TASK-747 "Verify images are in registry: \`curl -k https://$reg/v2/ffl/backend/tags/list\`"
sed -i 's/^## Acceptance Criteria$/| Component | Version |\n|---|---|\n| FFL backend | 0.1.19 |\n| FFL frontend | 0.1.20 |\n\n&/' "$lab/tasks/active/TASK-747.md"
ix run TASK-747 --tasks-dir "$lab/tasks" --json -q
is "$(state 0)" remaining "verify rule, the task's version for ffl unclear: not ticked"
like "$(reason 0)" "needs a person: the task's version table gives ffl 2 different versions" "... the reason names both"

# ---- reviewer's findings 1, 5, 6, 8 (docs: FINDINGS) ----
# A kubectl on PATH that leaves a trace, then does what the real one does.
realkubectl=$(command -v kubectl)
mkdir -p "$T/tracebin"
printf '#!/bin/sh\necho "$*" >>%s/kubectl-traced\nexec %s "$@"\n' "$T" "$realkubectl" >"$T/tracebin/kubectl"
chmod +x "$T/tracebin/kubectl"
tracepath="$T/tracebin:$PATH"

# F1: a reworded or disguised "do not" is never run, not even to show its output.
mkdir -p "$T/victim" && touch "$T/victim/backup.tar"
nbsp=$(printf '\302\240') zwsp=$(printf '\342\200\213') cyr_o=$(printf '\320\276')
f1=("Under no circumstances delete the backups: \`rm -rf $T/victim\`")
for w in "Please do not run" "Should not run" "Refrain from running" "Make sure nothing runs" \
    "Ensure this is never executed:" "Nothing should run:" "Forbidden:" "Blocked on vendor — run" \
    "If the backup failed, restore it:" "After security approval, run" "Only in an emergency:" \
    "D${cyr_o} not run" "Do${nbsp}not run" "Do${zwsp}not run" "Do <!-- x --> not run" "[Do not](https://x.invalid) run"; do
    f1+=("$w \`touch $T/f1-${#f1[@]}\`")
done
f1+=("~Run \`touch $T/f1-${#f1[@]}\`~")
f1+=("<del>Run \`touch $T/f1-${#f1[@]}\`</del>")
f1+=("1. ~~Run \`touch $T/f1-${#f1[@]}\`~~")
task TASK-751 "${f1[@]}"
ix run TASK-751 --tasks-dir "$lab/tasks" --json -q
ok "F1: rm -rf under 'Under no circumstances' did not run: the victim survives" test -e "$T/victim/backup.tar"
is "$(ls "$T" | grep -c '^f1-')" 0 "F1: none of the reworded negations ran"
is "$(jq -r '[.criteria[].commands|length]|add' <<<"$out")" 0 "F1: not one command started"
is "$(jq -r '[.criteria[]|select(.state=="completed")]|length' <<<"$out")" 0 "F1: nothing ticked"
is "$(jq -r '[.criteria[].reason|select(startswith("needs a person"))]|length' <<<"$out")" "${#f1[@]}" \
    "F1: each one needs a person"
# The classifier now reads most of them as forbidding or conditional; the
# generic rule's own refusal (never run an assertion's unknown command)
# stands behind it.  Each reason says one or the other.
is "$(jq -r '[.criteria[].reason|select(test("run it and confirm \\(infraexec confirm TASK-751 [0-9]+\\)|never run|a person must judge|Blocked"))]|length' <<<"$out")" "${#f1[@]}" \
    "F1: each reason says it is never run, or how a person confirms it"

# F8: a known reader is read and its claim checked, whatever the verb.
standin_pod "$api" crash-1 --ns ffl --state crashloop
standin_helmrelease "$api" bad --ns ffl --ready false --message "upgrade failed"
f8=('Restart count is 0 for all pods: `kubectl get pods -A`'
    'Wait until all pods are running: `kubectl get pods -A`'
    'Update status of all HelmReleases is Ready: `kubectl get hr -A`'
    'Restart all pods: `kubectl get pods -A`')
task TASK-758 "${f8[@]}"
ix run TASK-758 --tasks-dir "$lab/tasks" --json -q
is "$(jq -r '[.criteria[].state]|join(" ")' <<<"$out")" "remaining remaining remaining remaining" \
    "F8: kubectl get's exit 0 completes no 'action' while a pod crash-loops"
is "$(grep -c '^- \[x\]' "$lab/tasks/active/TASK-758.md")" 0 "F8: no box ticked on disk"
for i in 0 1 2 3; do
    like "$(reason $i)" "needs a person: infraexec reads \`kubectl get" "F8: ${f8[$i]%%:*}: read, and its claim not understood"
done
rm -f "$api"/ffl/pods/crash-1.json "$api"/*/*/crash-1.json "$api"/*/*/*/bad.json "$api"/*/*/bad.json 2>/dev/null

# F6: kubectl or flux behind another word never runs (its context would be anyone's).
rm -f "$T/kubectl-traced" "$T/flux-ran"
f6=('Delete the pod: `env kubectl delete pod prod-pod -n ffl`'
    'Delete it: `timeout 20 kubectl delete pod prod-pod -n ffl`'
    'List the pods: `nice kubectl get pods -A`'
    "List the pods: \`sh -c 'ku''bectl get pods -A'\`"
    'List the pods: `sh -c "kubectl get pods -A"`'
    'List the pods: `ku\bectl get pods -A`'
    "List the pods: \`$T/tracebin/kubectl get pods -A\`"
    'Reconcile: `env flux reconcile hr ffl -n ffl`')
task TASK-756 "${f6[@]}"
out=$(cd "$lab" && PATH=$tracepath "$IX_BIN" run TASK-756 --tasks-dir "$lab/tasks" --json -q 2>/dev/null) || true
# (infraexec itself asks `kubectl config get-contexts`, a local read: no cluster.)
is "$(grep -v '^config get-contexts' "$T/kubectl-traced" 2>/dev/null | wc -l)" 0 "F6: no kubectl ever ran a cluster command"
ok "F6: no flux ever ran" test ! -e "$T/flux-ran"
is "$(jq -r '[.criteria[].commands|length]|add' <<<"$out")" 0 "F6: not one command started"
for i in 0 1 2 3 4 5 6 7; do
    like "$(reason $i)" "needs a person: " "F6: ${f6[$i]#*: } needs a person"
done
like "$(reason 0)" "runs kubectl behind another command, where infraexec cannot pin the kube context" \
    "F6: the reason says why"

# F5: quoting or globbing does not hide a secret file; the output of an
# action stays out of the shared task file.
f5=("Show the key: \`cat $lab/registry/certs/domain.k\"\"ey\`"
    "Show the key: \`tail -n 3 $lab/registry/certs/domain.ke?\`"
    'Show the env: `cat $HOME/.sec""rets/ffl.e""nv`'
    'Show the env: `cat ~/.sec*/*`'
    'Show the env: `cat ${HOME}/.secrets/ffl.env`'
    "Show the env: \`cat ~/.secrets/ffl.e\\\\nv\`"
    'Show the env: `cat $SECRETS_DIR/ffl.env`'
    'Create marker: `printf %s%s out-755 -tail`')
task TASK-755 "${f5[@]}"
ix run TASK-755 --tasks-dir "$lab/tasks" --json -q
is "$(jq -r '[.criteria[0:7][].commands|length]|add' <<<"$out")" 0 "F5: no secret read started"
like "$(reason 0)" "domain.k\"\"ey\`, a secret file; infraexec runs nothing that reads secrets" "F5: a quoted key name is seen"
like "$(reason 1)" "infraexec does not expand globs or variables to check them" "F5: a glob is refused"
like "$(reason 2)" "a secret file; infraexec runs nothing that reads secrets" "F5: quoted \$HOME/.secrets is seen"
like "$(reason 3)" "infraexec does not expand globs or variables to check them" "F5: ~/.sec*/* is refused"
like "$(reason 4)" "a secret file; infraexec runs nothing that reads secrets" "F5: \${HOME} is expanded"
like "$(reason 5)" "a secret file; infraexec runs nothing that reads secrets" "F5: a backslash does not hide it"
like "$(reason 6)" "infraexec does not expand globs or variables to check them" "F5: another variable is refused"
is "$(state 7)" completed "F5: an action still completes on exit 0"
is "$(jq -r '.criteria[7].evidence[0].seen' <<<"$out")" "exit 0" "F5: its evidence is exit 0 only"
like "$(jq -r '.criteria[7].commands[0].output_tail' <<<"$out")" "out-755-tail" "F5: its output is in the report"
unlike "$(cat "$lab/tasks/active/TASK-755.md")" "out-755-tail" "F5: ... and not in the task file"
all=$(cat "$lab/tasks/active/TASK-755.md"; printf '%s' "$out")
unlike "$all" "s3cr3t-value" "F5: the secret is in no task file or report"
unlike "$all" "PRIVATE KEY" "F5: the key is in no task file or report"

# ---- no kube.context: kubectl's current context could be any cluster ----
# A kubectl on PATH that answers for "some other cluster" with healthy pods
# and Ready releases, and leaves a trace: without a named context infraexec
# must not read it, so nothing is ticked on its word.
nc=$T/nocontext
mkdir -p "$nc/tasks/active" "$T/otherbin"
cat >"$T/otherbin/kubectl" <<SH
#!/bin/sh
touch $T/kubectl-ran
echo '{"items":[{"metadata":{"name":"midwestmtg-backend-1","namespace":"mtg","labels":{"app":"midwestmtg-backend"}},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[{"name":"app","ready":true,"image":"r/midwestmtg-backend:0.1.12","restartCount":0}]}}]}'
SH
chmod +x "$T/otherbin/kubectl"
printf -- '---\nid: TASK-749\ntitle: no context\nstatus: active\npriority: high\nlabels: [verification]\n---\n\n## Acceptance Criteria\n\n- [ ] midwestmtg-backend pods running and healthy\n- [ ] All application pods running: `kubectl get pods -A`\n' \
    >"$nc/tasks/active/TASK-749.md"
out=$(cd "$nc" && PATH="$T/otherbin:$PATH" "$IX_BIN" run TASK-749 --json -q 2>/dev/null) || true
is "$(jq -r '[.criteria[].state]|join(" ")' <<<"$out")" "remaining remaining" \
    "without kube.context nothing about the cluster is ticked"
like "$(reason 0)" "set kube.context in infraexec.yaml" "the reason says what to configure"
like "$(reason 1)" "kube.context" "the generic rule refuses too"
ok "kubectl (the current context's cluster) was never asked" test ! -e "$T/kubectl-ran"

done_testing
