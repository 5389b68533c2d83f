#!/bin/bash
# The kube stand-in (tests/standin/) that the other tests point the real
# kubectl at: discovery, lists and gets, namespaces, label and field
# selectors, JSON and the Table kubectl prints, errors in the real shape,
# and worlds flipped between true and false by rewriting fixtures.  It is
# not Kubernetes (docs/standin.md says what it does not do); these tests
# pin down what the others may rely on.
. "$(dirname "$0")/../lib.sh"
. "$IX_ROOT/tests/standin/lib.sh"

W=$T/world
mkdir -p "$W"
standin_start "$W" || { echo "Bail out! the stand-in did not start"; exit 1; }
k() { # kubectl ARGS: $out, $err, $rc
    out=$(kubectl "$@" 2>"$T/.kerr") && rc=0 || rc=$?
    err=$(cat "$T/.kerr")
}

# ---- pods: a healthy app and a crash-looping one ----
standin_pod "$W" ffl-backend-7d9f --ns ffl --labels app=ffl,tier=backend --image reg.lab/ffl-backend:0.1.12
standin_pod "$W" ffl-frontend-5c2b --ns ffl --labels app=ffl,tier=frontend --image reg.lab/ffl-frontend:0.1.11 \
    --state crashloop --restarts 4
standin_pod "$W" mtg-api-1 --ns mtg --labels app=mtg --image reg.lab/mtg:2.0
k get pods -n ffl
is "$rc" 0 "kubectl get pods -n ffl: exit 0"
is "$err" "" "no warnings or errors on stderr"
is "$(head -1 <<<"$out" | tr -s ' ')" "NAME READY STATUS RESTARTS AGE" "the pod table has kubectl's columns"
like "$(grep ffl-frontend <<<"$out" | tr -s ' ')" "0/1 CrashLoopBackOff 4 (" "crash-looping pod: not ready, reason, restarts"
like "$(grep ffl-backend <<<"$out" | tr -s ' ')" "1/1 Running 0" "healthy pod: ready, Running"
unlike "$out" mtg-api "-n ffl shows only ffl"
k get pods
is "$err" "No resources found in default namespace." "the context's namespace (default) is empty"
k get pods -A
is "$(awk 'NR>1{print $1"/"$2}' <<<"$out" | tr '\n' ' ')" "ffl/ffl-backend-7d9f ffl/ffl-frontend-5c2b mtg/mtg-api-1 " \
    "-A lists every namespace, with a NAMESPACE column"
k get pods -A -l app=ffl,tier!=frontend -o name
is "$out" "pod/ffl-backend-7d9f" "-l a=b,c!=d"
k get pods -A -l 'tier in (frontend,web)' -o name
is "$out" "pod/ffl-frontend-5c2b" "-l 'k in (a,b)'"
k get pods -A -l 'app notin (ffl)' -o name
is "$out" "pod/mtg-api-1" "-l 'k notin (a)'"
k get pods -A -l '!tier' -o name
is "$out" "pod/mtg-api-1" "-l '!k'"
k get pods -A -l nosuch=label
is "$rc/$out" "0/" "a selector matching nothing: an empty list, exit 0"
k get pods -n ffl --field-selector metadata.name=ffl-backend-7d9f -o name
is "$out" "pod/ffl-backend-7d9f" "--field-selector metadata.name"
k get pods -A --field-selector spec.nosuch=x
is "$rc" 1 "an unsupported field selector is refused"
like "$err" "field label not supported: spec.nosuch" "... as the real server words it"
k get pods -n ffl -o json
is "$(jq -r '.items[]|[.metadata.name,.status.phase,.status.containerStatuses[0].image,.status.containerStatuses[0].ready,.status.containerStatuses[0].restartCount]|join(" ")' <<<"$out" | tr '\n' '|')" \
    "ffl-backend-7d9f Running reg.lab/ffl-backend:0.1.12 true 0|ffl-frontend-5c2b Running reg.lab/ffl-frontend:0.1.11 false 4|" \
    "-o json: phase, image, ready, restartCount as a real Pod has them"
is "$(jq -r '.items[1].status.containerStatuses[0].state.waiting.reason' <<<"$out")" CrashLoopBackOff \
    "the waiting reason is in containerStatuses[].state"
is "$(jq -r '.items[0].status.conditions[]|select(.type=="Ready")|.status' <<<"$out")" True "the pod's Ready condition"
k get pod ffl-backend-7d9f -n ffl -o jsonpath='{.spec.containers[0].image}'
is "$out" reg.lab/ffl-backend:0.1.12 "get one pod by name, -o jsonpath"
k get pod nosuch -n ffl
is "$rc" 1 "a missing pod: exit 1"
is "$err" 'Error from server (NotFound): pods "nosuch" not found' "... with the real NotFound message"
k describe pod -n ffl ffl-frontend-5c2b
is "$rc/$err" "0/" "kubectl describe: exit 0, nothing on stderr"
# (kubectl orders the selector's terms at random: match them one by one)
like "$(grep 'events?fieldSelector=' "$STANDIN_LOG" | grep 'involvedObject.name%3Dffl-frontend-5c2b' |
    grep 'involvedObject.uid%3D')" '" 200 ' \
    "... its events query (involvedObject.uid too) is answered, not refused"
like "$out" "Reason:       CrashLoopBackOff" "... and it shows the waiting reason"
k get --raw /api/v1/pods
is "$(jq -r '.kind+" "+(.items|length|tostring)' <<<"$out")" "PodList 3" "kubectl get --raw /api/v1/pods"

# ---- flip the world: the same pod becomes healthy ----
standin_pod "$W" ffl-frontend-5c2b --ns ffl --labels app=ffl,tier=frontend --image reg.lab/ffl-frontend:0.1.12
k get pods -n ffl -l tier=frontend
like "$(tr -s ' ' <<<"$out")" "ffl-frontend-5c2b 1/1 Running 0" "rewritten fixture: read on the next request"

# ---- HelmReleases (Flux helm-controller v2) ----
standin_helmrelease "$W" ffl-backend --ns ffl --revision 0.1.12 --tag 0.1.12 --generation 3
standin_helmrelease "$W" mtg --ns mtg --ready false --revision 2.0.1 --deployed 2.0.0
k get helmreleases -A
is "$err" "" "kubectl get helmreleases -A: nothing on stderr"
is "$(head -1 <<<"$out" | tr -s ' ')" "NAMESPACE NAME AGE READY STATUS" "the Flux printer columns"
like "$(grep ffl-backend <<<"$out" | tr -s ' ')" "True Helm upgrade succeeded for release ffl/ffl-backend.v3 with chart ffl-backend@0.1.12" \
    "a ready release"
like "$(grep mtg <<<"$out" | tr -s ' ')" "False Helm upgrade failed" "a failed release"
k get hr -n ffl ffl-backend -o json
is "$(jq -r '[.status.observedGeneration,.metadata.generation,.status.lastAttemptedRevision,.status.history[0].chartVersion,.status.history[0].status]|join(" ")' <<<"$out")" \
    "3 3 0.1.12 0.1.12 deployed" "observedGeneration, lastAttemptedRevision, history as helm-controller v2 writes them"
k get hr -n mtg mtg -o json
is "$(jq -r '[.status.lastAttemptedRevision,(.status.history[]|.chartVersion+"="+.status),(.status.conditions[]|select(.type=="Ready")|.reason)]|join(" ")' <<<"$out")" \
    "2.0.1 2.0.1=failed 2.0.0=deployed UpgradeFailed" "a failed upgrade: 2.0.1 failed, 2.0.0 still deployed"
standin_helmrelease "$W" stale --ns ffl --revision 0.1.12 --deployed 0.1.11 --generation 2 --observed 1
k get hr -n ffl stale -o json
is "$(jq -r '[.spec.chart.spec.version,.metadata.generation,.status.observedGeneration,(.status.conditions[]|select(.type=="Ready")|.status),.status.lastAttemptedRevision,.status.history[0].chartVersion]|join(" ")' <<<"$out")" \
    "0.1.12 2 1 True 0.1.11 0.1.11" "Ready, but for the old spec: observedGeneration behind, still 0.1.11"
like "$(jq -r '.status.conditions[0].message' <<<"$out")" "with chart stale@0.1.11" "... its Ready message names 0.1.11"
rm "$W/helmrelease-ffl-stale.json"
k get helmreleases.v2beta1.helm.toolkit.fluxcd.io -n ffl -o jsonpath='{.items[0].apiVersion}'
is "$out" helm.toolkit.fluxcd.io/v2beta1 "an older API version is served too (apiVersion rewritten only)"
standin_helmrelease "$W" mtg --ns mtg --revision 2.0.1
k get hr -n mtg mtg -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
is "$out" True "flipped: the release is Ready"

# ---- Kustomizations, GitRepositories ----
standin_kustomization "$W" apps --ns flux-system --revision main@sha1:1111111111111111111111111111111111111111
standin_kustomization "$W" infra --ns flux-system --ready false --revision main@sha1:2222222222222222222222222222222222222222 \
    --deployed main@sha1:1111111111111111111111111111111111111111
standin_gitrepository "$W" flux-system --ns flux-system --revision main@sha1:2222222222222222222222222222222222222222
k get kustomizations -n flux-system -o json
is "$(jq -r '.items[]|[.metadata.name,(.status.conditions[]|select(.type=="Ready")|.status),.status.lastAppliedRevision,.status.lastAttemptedRevision]|join(" ")' <<<"$out" | tr '\n' '|')" \
    "apps True main@sha1:1111111111111111111111111111111111111111 main@sha1:1111111111111111111111111111111111111111|infra False main@sha1:1111111111111111111111111111111111111111 main@sha1:2222222222222222222222222222222222222222|" \
    "Kustomization lastAppliedRevision and lastAttemptedRevision"
k get ks -A
like "$(grep infra <<<"$out" | tr -s ' ')" "False kustomize build failed" "short name ks, the Flux columns"
k get gitrepositories -n flux-system -o jsonpath='{.items[0].status.artifact.revision}'
is "$out" main@sha1:2222222222222222222222222222222222222222 "GitRepository artifact revision"

# ---- SealedSecrets and their Secrets ----
standin_sealedsecret "$W" db-password --ns ffl
standin_secret "$W" db-password --ns ffl
standin_sealedsecret "$W" api-token --ns ffl --ready false
k get sealedsecrets -n ffl
is "$(awk 'NR>1{print $1, $(NF-1)}' <<<"$out" | tr '\n' '|')" "api-token False|db-password True|" \
    "the SYNCED column"
like "$out" "no key could decrypt secret" "the controller's message when it cannot decrypt"
k get sealedsecrets -n ffl -o json
is "$(jq -r '[.items[]|.status.conditions[0]|.type+"="+.status]|join(" ")' <<<"$out")" "Synced=False Synced=True" \
    "status.conditions[].type Synced"
k get secrets -n ffl -o name
is "$out" "secret/db-password" "only the decrypted one has a Secret"

# ---- Jobs ----
standin_job "$W" migrate --ns ffl --state complete
standin_job "$W" pre-install --ns mtg --state failed
k get jobs -A
is "$(awk 'NR>1{print $2, $3}' <<<"$out" | tr '\n' '|')" "migrate Complete|pre-install Failed|" "the job STATUS column"
k get jobs -n mtg pre-install -o json
is "$(jq -r '.status.conditions[]|select(.type=="Failed")|.status+" "+.reason' <<<"$out")" "True BackoffLimitExceeded" \
    "a failed Job's condition and reason"
k get jobs -n ffl -o jsonpath='{.items[0].status.succeeded}'
is "$out" 1 "a complete Job's succeeded count"

# ---- a hand-written YAML fixture, several documents ----
if python3 -c 'import yaml' 2>/dev/null; then
    cat >"$W/extra.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: ffl, namespace: ffl, labels: {app: ffl}}
spec: {type: ClusterIP, clusterIP: 10.96.0.10, ports: [{port: 80, protocol: TCP}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ffl, namespace: ffl}
spec: {replicas: 2}
status: {readyReplicas: 1, updatedReplicas: 2, availableReplicas: 1}
YAML
    k get svc,deploy -n ffl -o name
    is "$out" "$(printf 'service/ffl\ndeployment.apps/ffl')" "a YAML file with several documents"
else
    _result 1 "a YAML file with several documents # SKIP python3-yaml not installed"
fi

# ---- what it refuses, loudly ----
cp -r "$W" "$T/before"
k delete pod -n ffl ffl-backend-7d9f
is "$rc" 1 "delete: refused"
like "$err" "MethodNotAllowed" "... as MethodNotAllowed"
ok "... and the fixtures are unchanged" diff -r "$W" "$T/before"
k get pods -n ffl -w --request-timeout=5s
like "$err" "does not support watch" "watch is refused, not faked"
echo '{"kind": "Pod",' >"$W/broken.json"
k get pods -A
is "$rc" 1 "a broken fixture fails every request"
like "$err" "broken.json" "... naming the file"
echo '{"kind": "Pod", "apiVersion": "v1", "metadata": {}}' >"$W/broken.json"
k get pods -A
like "$err" "broken.json: an object needs apiVersion, kind and metadata.name" "an object without a name is refused"
rm "$W/broken.json"
k get pods -A -o name
is "$rc" 0 "removed: requests answer again"

# ---- states served in turn: a world that changes between two reads ----
mkdir -p "$T/turn" "$W/restarts.turns"
standin_pod "$T/turn" turn-1 --ns turns --restarts 3 && mv "$T"/turn/*.json "$W/restarts.turns/1.json"
standin_pod "$T/turn" turn-1 --ns turns --restarts 4 && mv "$T"/turn/*.json "$W/restarts.turns/2.json"
count() { k get pods -n turns -o jsonpath='{.items[0].status.containerStatuses[0].restartCount}'; echo "$out"; }
k get hr -A -o name # another kind does not take a turn
is "$(count) $(count) $(count)" "3 4 4" ".turns: one state per request for its kind, then the last stays"
touch "$W/restarts.turns/1.json"
is "$(count)" 3 "... rewriting a state starts again from the first"
rm -r "$W/restarts.turns"

# ---- https, and stopping ----
pid=$STANDIN_PID
standin_stop
ok "standin_stop stops the server" sh -c "! kill -0 $pid 2>/dev/null"
standin_start "$W" --tls
like "$STANDIN_URL" "https://127.0.0.1:" "--tls serves https"
k get hr -A -o name
is "$out" "$(printf 'helmrelease.helm.toolkit.fluxcd.io/ffl-backend\nhelmrelease.helm.toolkit.fluxcd.io/mtg')" \
    "kubectl verifies the stand-in's certificate and reads"

done_testing
