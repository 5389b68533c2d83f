#!/bin/bash
# Workloads, not the whole cluster: pods are chosen by the namespace and
# label selector infraexec.yaml gives an app's releases, read twice (restarts
# must not climb), Running and Ready, at the version the task names.  Each
# wording in a world where the claim is true (ticked, with evidence) and one
# where it is false (not ticked, the reason names what was seen).
# STAND-IN: no Kubernetes API server can run here; the real kubectl talks to
# tests/standin/kube_standin.py, which serves fixtures (docs/standin.md says
# what it does not do).
. "$(dirname "$0")/../lib.sh"
. "$IX_ROOT/tests/standin/lib.sh"

W=$T/ws
api=$T/api
mkdir -p "$W/tasks/active" "$W/gitops/apps/midwestmtg" "$W/gitops/apps/ffl" "$W/projects/ffl" "$api"
trap 'standin_stop; rm -rf "$T"' EXIT
standin_start "$api"
unset KUBECONFIG # infraexec finds the stand-in through infraexec.yaml alone

hr() { # FILE NAME NAMESPACE
    printf 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  values:\n    image:\n      tag: 0.1.12\n' \
        "$2" "$3" >"$W/gitops/$1"
}
hr apps/midwestmtg/helmrelease-backend.yaml midwestmtg-backend midwestmtg
hr apps/midwestmtg/helmrelease-frontend.yaml midwestmtg-frontend midwestmtg
hr apps/ffl/helmrelease.yaml ffl-backend ffl
cat >"$W/infraexec.yaml" <<YAML
projects:
  ffl:
    path: projects/ffl
    images: [ffl/backend]
gitops:
  path: gitops
  apps:
    midwestmtg:
      releases:
        - file: gitops/apps/midwestmtg/helmrelease-backend.yaml
          tags: [spec.values.image.tag]
          selector: app.kubernetes.io/name=midwestmtg-backend
        - file: gitops/apps/midwestmtg/helmrelease-frontend.yaml
          tags: [spec.values.image.tag]
          selector: app.kubernetes.io/name=midwestmtg-frontend
    ffl:
      project: ffl
      namespace: ffl
      selector: app=ffl-backend
      releases:
        - file: gitops/apps/ffl/helmrelease.yaml
          tags: [spec.values.image.tag]
    triager:
      releases:
        - file: gitops/apps/ffl/helmrelease.yaml
          name: triager-orchestrator
          namespace: triager
kube:
  context: homelab
  kubeconfig: $STANDIN_KUBECONFIG
  settle: 1s
YAML

task() { # ID TITLE CRITERIA... (a criterion starting "x " is ticked already)
    local id=$1 title=$2; shift 2
    { printf -- '---\nid: %s\ntitle: %s\nstatus: active\npriority: high\nlabels: [verification]\n---\n\n## Acceptance Criteria\n\n' \
        "$id" "$title"
      for c in "$@"; do
          case $c in "x "*) printf -- '- [x] %s\n' "${c#x }" ;; *) printf -- '- [ ] %s\n' "$c" ;; esac
      done
      printf '\n## Progress Log\n\n- 2026-01-01 00:00: created\n'; } >"$W/tasks/active/$id.md"
}
run() { ix run "$1" --tasks-dir "$W/tasks" --json -q "${@:2}"; }
state() { jq -r ".criteria[$1].state" <<<"$out"; }
reason() { jq -r ".criteria[$1].reason" <<<"$out"; }
seen() { jq -r ".criteria[$1].evidence[${2:-0}].seen" <<<"$out"; }
reset() { rm -rf "$api" && mkdir -p "$api"; }
pod() { standin_pod "$api" "$@"; }
BE="--ns midwestmtg --labels app.kubernetes.io/name=midwestmtg-backend"

# ---- "midwestmtg-backend pods running and healthy": the release's pods ----
task TASK-921 "backend" "midwestmtg-backend pods running and healthy"
# A pod named like the release, in another namespace and without its labels:
# not one of its pods (names are no selector).
pod midwestmtg-backend-5c6d-aaaaa --ns default
run TASK-921
is "$(state 0)" remaining "no pod matched: not ticked"
like "$(reason 0)" "saw no pod in namespace midwestmtg with selector app.kubernetes.io/name=midwestmtg-backend" \
    "... the reason names the namespace and the selector"
is "$(jq -r '.criteria[0].commands[0].argv|join(" ")' <<<"$out")" \
    "kubectl --context=homelab get pods --namespace=midwestmtg --selector=app.kubernetes.io/name=midwestmtg-backend --output=json" \
    "read with the configured context, namespace and selector"
is "$(jq -r '[.criteria[0].commands[]|select(.argv[0]=="kubectl")]|length' <<<"$out")" 2 "... twice"
is "$(jq -r '[.criteria[0].commands[]|select(.argv[0]=="sleep")|.argv[1]]|join(",")' <<<"$out")" 1 \
    "... kube.settle (1s) apart"

pod midwestmtg-backend-5c6d-bbbbb $BE --state notready
run TASK-921
like "$(reason 0)" "midwestmtg/midwestmtg-backend-5c6d-bbbbb: container midwestmtg-backend not ready" \
    "one pod not Ready: the pod and container are named"

pod midwestmtg-backend-5c6d-bbbbb $BE --state crashloop --container api
run TASK-921
like "$(reason 0)" "midwestmtg/midwestmtg-backend-5c6d-bbbbb: container api waiting: CrashLoopBackOff" \
    "CrashLoopBackOff: named with pod and container"

# Restarts climbing between the two reads: the stand-in serves the files of
# a .turns directory one per request (docs/standin.md).
rm "$api"/pod-midwestmtg-midwestmtg-backend-5c6d-bbbbb.json
mkdir -p "$T/turn" "$api/backend.turns"
standin_pod "$T/turn" midwestmtg-backend-5c6d-ccccc $BE --restarts 3 && mv "$T"/turn/*.json "$api/backend.turns/1.json"
standin_pod "$T/turn" midwestmtg-backend-5c6d-ccccc $BE --restarts 4 && mv "$T"/turn/*.json "$api/backend.turns/2.json"
run TASK-921
is "$(state 0)" remaining "restarts climbing while both reads say Running and Ready: not ticked"
like "$(reason 0)" "midwestmtg/midwestmtg-backend-5c6d-ccccc: container midwestmtg-backend restarts climbing: 3 then 4 within 1s" \
    "... the reason names pod, container and both counts"
run TASK-921 # the stand-in now serves the last turn: 4 and 4
is "$(state 0)" completed "restarts steady (4, 4): ticked"
is "$(seen 0)" "1 Running and Ready, restarts steady: midwestmtg/midwestmtg-backend-5c6d-ccccc" "... with the pod as evidence"
like "$(jq -r '.criteria[0].evidence[0].looked_at' <<<"$out")" "pods of release midwestmtg-backend of app midwestmtg" \
    "... looked at the release's pods"
# An unhealthy pod of another workload does not count against it.
pod midwestmtg-frontend-1 --ns midwestmtg --labels app.kubernetes.io/name=midwestmtg-frontend --state crashloop
task TASK-921 "backend" "midwestmtg-backend pods running and healthy"
run TASK-921
is "$(state 0)" completed "another release's crash-looping pod is not this release's"
like "$(sed -n '/Progress Log/,$p' "$W/tasks/active/TASK-921.md")" \
    "evidence: pods of release midwestmtg-backend of app midwestmtg" "the evidence is in the Progress Log"

# A release the config knows no pods of, and one it does not know at all.
task TASK-922 "unknown" "triager-orchestrator pods running and healthy" "grafana-server pods running and healthy"
run TASK-922
like "$(reason 0)" "gitops.apps.triager.releases[0] (release triager-orchestrator of app triager) gives no selector" \
    "a release without a selector: the reason names the key, nothing is read"
like "$(reason 1)" "needs a person: no app or release grafana-server in infraexec.yaml" "an unknown workload: needs a person"
is "$(jq -r '[.criteria[].commands[]]|length' <<<"$out")" 0 "... and no kubectl ran for either"

# ---- "FFL backend pods running (v0.1.18)": the version the criterion names ----
reset
pod ffl-backend-7d9f-aaaaa --ns ffl --labels app=ffl-backend --image 127.0.0.1:5000/ffl/backend:0.1.17 \
    --image docker.io/istio/proxyv2:1.20.0
task TASK-923 "ffl" "FFL backend pods running (v0.1.18) - VERIFIED HEALTHY"
run TASK-923
is "$(state 0)" remaining "wrong image version: not ticked"
like "$(reason 0)" "container ffl-backend runs 127.0.0.1:5000/ffl/backend:0.1.17, expected version 0.1.18" \
    "... the reason names the image seen and the version expected"
unlike "$(reason 0)" "proxyv2" "a sidecar (not an image of project ffl) is not held to the version"
pod ffl-backend-7d9f-aaaaa --ns ffl --labels app=ffl-backend --image 127.0.0.1:5000/ffl/backend:0.1.18 \
    --image docker.io/istio/proxyv2:1.20.0
run TASK-923
is "$(state 0)" completed "image at 0.1.18: ticked"
like "$(jq -r '.criteria[0].evidence[0].expected' <<<"$out")" "images at 0.1.18" "... the evidence says the version expected"

# ---- "All pods are running with new image versions": the task's apps at ----
# their versions, every other app's pods running, no pod of no app.
reset
sed -i 's|^          namespace: triager$|&\n          selector: app=triager|' "$W/infraexec.yaml"
pod midwestmtg-backend-1 $BE
pod midwestmtg-frontend-1 --ns midwestmtg --labels app.kubernetes.io/name=midwestmtg-frontend
pod triager-orchestrator-1 --ns triager --labels app=triager
pod ffl-backend-7d9f-aaaaa --ns ffl --labels app=ffl-backend --image 127.0.0.1:5000/ffl/backend:0.1.17
pod coredns-1 --ns kube-system --state crashloop
task TASK-924 "Deploy FFL" "x Build all FFL containers with version 0.1.18" \
    'All pods are running with new image versions (check with `kubectl get pods -A`)' \
    'All application pods running: `kubectl get pods -A`'
run TASK-924
like "$(reason 1)" "ffl/ffl-backend-7d9f-aaaaa: container ffl-backend runs 127.0.0.1:5000/ffl/backend:0.1.17, expected version 0.1.18" \
    "new image versions: the version the task names, on the app's pods"
unlike "$(reason 1)" "coredns" "... not the whole cluster"
like "$(reason 2)" "kube-system/coredns-1: container coredns waiting: CrashLoopBackOff" \
    "kubectl get pods -A: the whole cluster, as the command reads"
is "$(jq -r '.criteria[2].commands[0].argv|join(" ")' <<<"$out")" \
    "kubectl --context=homelab get pods --all-namespaces --output=json" "... every namespace"
pod ffl-backend-7d9f-aaaaa --ns ffl --labels app=ffl-backend --image 127.0.0.1:5000/ffl/backend:0.1.18
run TASK-924
is "$(state 1)" completed "new image versions on the app's pods: ticked"
is "$(state 2)" remaining "... while the cluster-wide check still sees coredns"
rm "$api/pod-kube-system-coredns-1.json"
run TASK-924
is "$(state 2)" completed "the whole cluster healthy: the cluster-wide check ticks"
# F10 for this wording: another app's pod failing, a pod of no app.
task TASK-933 "Deploy FFL" "x Build all FFL containers with version 0.1.18" \
    'All pods are running with new image versions (check with `kubectl get pods -A`)'
pod midwestmtg-frontend-1 --ns midwestmtg --labels app.kubernetes.io/name=midwestmtg-frontend --state configerror
run TASK-933
is "$(state 1)" remaining "another app's pod failing: not ticked"
like "$(jq -r '[.criteria[1].evidence[].seen]|join("; ")' <<<"$out")" \
    "midwestmtg/midwestmtg-frontend-1: container midwestmtg waiting: CreateContainerConfigError" "... named"
pod midwestmtg-frontend-1 --ns midwestmtg --labels app.kubernetes.io/name=midwestmtg-frontend
pod mtg-web-1 --ns mtg --labels app=mtg --state crashloop
run TASK-933
like "$(reason 1)" "needs a person: the criterion claims all application pods, but mtg/mtg-web-1 (labels app=mtg) is of no app" \
    "a pod of no app: needs a person"
rm "$api/pod-mtg-mtg-web-1.json"
run TASK-933
is "$(state 1)" completed "every app's pods running, the task's at 0.1.18: ticked"
sed -i '/^          selector: app=triager$/d' "$W/infraexec.yaml"
# A task that names no app, and an app with no version in the task.
task TASK-925 "Check the cluster" 'All pods are running with new image versions (check with `kubectl get pods -A`)' \
    "All health checks passing (readiness and liveness probes)"
run TASK-925
like "$(reason 0)" "needs a person: the criterion names no app, namespace or selector, and the task names no app of infraexec.yaml" \
    "no app in the task: needs a person, not the whole cluster"
like "$(reason 1)" "needs a person: gitops.apps.triager.releases[0] (release triager-orchestrator of app triager) gives no selector" \
    "All health checks passing: every app is read, and one the config cannot place needs a person naming the key"
is "$(jq -r '[.criteria[].commands[]]|length' <<<"$out")" 0 "... and nothing was read"
task TASK-926 "Deploy FFL" 'All pods are running with new image versions (check with `kubectl get pods -A`)'
run TASK-926
like "$(reason 0)" "needs a person: the task names no version for ffl" "no version in the task: needs a person"

# ---- "All health checks passing", "All application pods running": every app ----
# A claim on all application pods reads every app of infraexec.yaml, not the
# ones the task names; a pod outside kube.system that no app selects needs a person.
sed -i 's|^          namespace: triager$|&\n          selector: app=triager|' "$W/infraexec.yaml"
reset
pod midwestmtg-backend-1 $BE
pod midwestmtg-frontend-1 --ns midwestmtg --labels app.kubernetes.io/name=midwestmtg-frontend --state configerror
pod ffl-backend-1 --ns ffl --labels app=ffl-backend
pod triager-orchestrator-1 --ns triager --labels app=triager
pod coredns-1 --ns kube-system --state crashloop
task TASK-927 "Fix MidwestMTG" "All health checks passing (readiness and liveness probes)" \
    "All application pods running without CreateContainerConfigError" "All application pods running"
run TASK-927
like "$(reason 0)" "midwestmtg/midwestmtg-frontend-1: container midwestmtg waiting: CreateContainerConfigError" \
    "health checks: every app read, the failing pod named"
like "$(reason 1)" "CreateContainerConfigError" "without CreateContainerConfigError: the waiting pod is named"
pod midwestmtg-frontend-1 --ns midwestmtg --labels app.kubernetes.io/name=midwestmtg-frontend
run TASK-927
is "$(jq -r '[.criteria[].state]|join(" ")' <<<"$out")" "completed completed completed" \
    "every app healthy: ticked (the crash-looping coredns is kube-system's, not an app's)"
is "$(jq -r '[.criteria[2].commands[]|select(.argv[0]=="kubectl")|.argv[4]]|unique|join(" ")' <<<"$out")" \
    "--all-namespaces --namespace=ffl --namespace=midwestmtg --namespace=triager" \
    "All application pods running, no command: every app's namespace, and all namespaces for pods of no app"
is "$(jq -r '.criteria[0].evidence|length' <<<"$out")" 4 "... one observation per release of every app"
# F10: the task names MTG, which infraexec.yaml does not place; its pod crash-loops.
pod mtg-web-1 --ns mtg --labels app=mtg --image reg/mtg/web:1.0 --state crashloop --restarts 7
task TASK-931 "Deploy FFL and MTG web" "Deploy FFL and MTG web to the cluster" "All application pods running"
run TASK-931
is "$(state 1)" remaining "an app pod the config does not place: not ticked"
like "$(reason 1)" "needs a person: the criterion claims all application pods, but mtg/mtg-web-1 (labels app=mtg) is of no app in infraexec.yaml; add gitops.apps.NAME (namespace, selector)" \
    "... the reason names the pod, its labels and the key to add"
pod mtg-web-1 --ns mtg --labels app=mtg --image reg/mtg/web:1.0
run TASK-931
is "$(state 1)" remaining "... healthy or not: a pod of no app is never taken as read"
printf '  system: [kube-system, mtg]\n' >>"$W/infraexec.yaml"
task TASK-931 "Deploy FFL and MTG web" "Deploy FFL and MTG web to the cluster" "All application pods running"
run TASK-931
is "$(state 1)" completed "kube.system names mtg: its pod is the cluster's own, not an app's"
sed -i '/^  system: \[kube-system, mtg\]$/d' "$W/infraexec.yaml"
rm "$api/pod-mtg-mtg-web-1.json"
# A set-based selector is read as the API server reads it.
sed -i 's|^      selector: app=ffl-backend$|      selector: app in (ffl-backend, ffl-web),!legacy|' "$W/infraexec.yaml"
pod ffl-web-1 --ns ffl --labels app=ffl-web
task TASK-931 "Deploy FFL and MTG web" "Deploy FFL and MTG web to the cluster" "All application pods running"
run TASK-931
is "$(state 1)" completed "every pod outside kube.system is an app's, all healthy: ticked"
pod ffl-web-1 --ns ffl --labels app=ffl-web,legacy=yes
task TASK-931 "Deploy FFL and MTG web" "Deploy FFL and MTG web to the cluster" "All application pods running"
run TASK-931
like "$(reason 1)" "ffl/ffl-web-1 (labels app=ffl-web,legacy=yes) is of no app in infraexec.yaml" \
    "... a pod the selector's !legacy excludes is no app's"
rm "$api/pod-ffl-ffl-web-1.json"
sed -i 's|^      selector: app in (ffl-backend, ffl-web),!legacy$|      selector: app=ffl-backend|' "$W/infraexec.yaml"
task TASK-930 "Fix MidwestMTG" "All health checks passing (v0.1.19)"
run TASK-930
like "$(jq -r '[.criteria[0].evidence[].seen]|join("; ")' <<<"$out")" \
    "container midwestmtg runs registry.invalid/app:latest, expected version 0.1.19" \
    "a version the criterion names is compared on every app's pods too"

# ---- F15: a crash-looping container read between two crashes ----
# Running and Ready, restartCount steady during the settle time, but it
# crashed 20 s ago and has restarted 41 times: not healthy.
reset
pod midwestmtg-backend-1 $BE --restarts 41 --started-ago 5 --last-exit Error:1:20
task TASK-932 "backend" "midwestmtg-backend pods running and healthy"
run TASK-932
is "$(state 0)" remaining "crashed 20 s ago, Running and Ready now: not ticked"
like "$(reason 0)" "midwestmtg/midwestmtg-backend-1: container midwestmtg restarted 41 times, last terminated Error (exit 1) 2" \
    "... the reason names the pod, the container, the restart count and the last exit"
like "$(reason 0)" "s ago, within kube.stable 5m" "... and the window"
pod midwestmtg-backend-1 $BE --restarts 41 --started-ago 5
run TASK-932
like "$(reason 0)" "container midwestmtg running only since " "started 5 s ago (no last state): not yet shown stable"
pod midwestmtg-backend-1 $BE --restarts 41 --started-ago 900 --last-exit OOMKilled:137:960
run TASK-932
is "$(state 0)" completed "last crash 16 min ago, running for 15 min: ticked"
like "$(jq -r '.criteria[0].evidence[0].expected' <<<"$out")" "no crash or start within 5m" "... the evidence says the window"
printf '  stable: 20m\n' >>"$W/infraexec.yaml"
task TASK-932 "backend" "midwestmtg-backend pods running and healthy"
run TASK-932
like "$(reason 0)" "last terminated OOMKilled (exit 137) 16m" "kube.stable 20m: the same crash is within it"
sed -i '/^  stable: 20m$/d' "$W/infraexec.yaml"

# ---- "No CrashLoopBackOff or ImagePullBackOff errors in midwestmtg namespace" ----
reset
pod midwestmtg-backend-1 $BE --state imagepullbackoff
pod other-1 --ns ffl --state crashloop
task TASK-928 "midwestmtg" "No CrashLoopBackOff or ImagePullBackOff errors in midwestmtg namespace"
run TASK-928
like "$(reason 0)" "midwestmtg/midwestmtg-backend-1: container midwestmtg waiting: ImagePullBackOff" \
    "the waiting pod in the namespace is named with its container"
unlike "$(reason 0)" "other-1" "... a pod elsewhere is not"
pod midwestmtg-backend-1 $BE
run TASK-928
is "$(state 0)" completed "none waiting in that namespace: ticked (one crash-looping elsewhere)"
like "$(jq -r '.criteria[0].evidence[0].looked_at' <<<"$out")" "pods in namespace midwestmtg" "... it looked at that namespace"

# ---- "No running pods or resources in mtg-agents namespace" ----
reset
pod leftover-1 --ns mtg-agents
task TASK-929 "mtg-agents" "Verify no running pods or resources in mtg-agents namespace"
run TASK-929
is "$(state 0)" remaining "a pod left in the namespace: not ticked"
like "$(reason 0)" "saw Pod leftover-1" "... the pod is named"
rm "$api"/pod-mtg-agents-leftover-1.json
standin_helmrelease "$api" mtg-agents --ns mtg-agents
standin_service "$api" mtg-agents-web --ns mtg-agents
run TASK-929
like "$(reason 0)" "Service mtg-agents-web" "a Service left: named"
like "$(reason 0)" "HelmRelease mtg-agents" "... and the HelmRelease"
reset
pod unrelated-1 --ns ffl
run TASK-929
is "$(state 0)" completed "no such namespace: nothing in it, ticked"
is "$(seen 0)" "none: namespace mtg-agents does not exist" "... and the evidence says the namespace does not exist"
cat >"$api/ns.yaml" <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: mtg-agents}
status: {phase: Active}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: kube-root-ca.crt, namespace: mtg-agents}
YAML
task TASK-929 "mtg-agents" "No running pods or resources in mtg-agents namespace"
run TASK-929
is "$(state 0)" completed "an empty namespace (its kube-root-ca.crt aside): ticked"
is "$(seen 0)" "none (namespace mtg-agents exists, Active)" "... the evidence says it exists and is empty"
standin_secret "$api" default-token-x1 --ns mtg-agents --type kubernetes.io/service-account-token
printf -- '---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: mtg-agents}\n' >>"$api/ns.yaml"
task TASK-929 "mtg-agents" "No running pods or resources in mtg-agents namespace"
run TASK-929
is "$(state 0)" completed "the default ServiceAccount and its token are Kubernetes': still empty"
# What an app leaves besides workloads: its Secret, a ConfigMap, a Flux source.
standin_secret "$api" mtg-agents-db --ns mtg-agents --keys password
cat >>"$api/ns.yaml" <<'YAML'
---
apiVersion: v1
kind: ConfigMap
metadata: {name: agent-config, namespace: mtg-agents}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: mtg-charts, namespace: mtg-agents}
YAML
task TASK-929 "mtg-agents" "No running pods or resources in mtg-agents namespace"
run TASK-929
is "$(state 0)" remaining "a Secret, a ConfigMap and a HelmRepository left: not ticked"
like "$(reason 0)" "saw ConfigMap agent-config, HelmRepository mtg-charts, Secret mtg-agents-db" "... each is named"
unlike "$(reason 0)" "password" "... by name only, never its data"
echo secrets >"$api/FORBIDDEN"
run TASK-929
like "$(reason 0)" "forbidden: the runner may not list secrets; see docs/deploy.md (Secrets)" \
    "Secrets forbidden (the default RBAC): not ticked, the reason says why"
rm "$api/FORBIDDEN"

# ---- kube.settle is a duration, or the config is refused before anything runs ----
cp "$W/infraexec.yaml" "$T/good.yaml"
sed -i 's/^  settle: 1s$/  settle: banana/' "$W/infraexec.yaml"
cp "$W/tasks/active/TASK-921.md" "$T/921.before"
run TASK-921
is "$rc" 2 "kube.settle: banana: exit 2"
like "$err" "infraexec.yaml:$(grep -n 'settle: banana' "$W/infraexec.yaml" | cut -d: -f1):11: kube.settle must be a duration" \
    "... one line naming file:line:col"
ok "... the task file unchanged" cmp "$W/tasks/active/TASK-921.md" "$T/921.before"
cp "$T/good.yaml" "$W/infraexec.yaml"
printf '  stable: soon\n' >>"$W/infraexec.yaml"
run TASK-921
is "$rc" 2 "kube.stable: soon: exit 2"
like "$err" "kube.stable must be a duration" "... named"
ok "... the task file unchanged" cmp "$W/tasks/active/TASK-921.md" "$T/921.before"
cp "$T/good.yaml" "$W/infraexec.yaml"

done_testing
