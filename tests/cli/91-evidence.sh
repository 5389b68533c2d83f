#!/bin/bash
# Evidence before every tick, on real parts: a world where each rule's claim
# is false (an empty real registry, a push that pushes nothing, pods absent
# or crash-looping behind real kubectl, HelmReleases not ready) ticks
# nothing, and the reason names what was seen; its true twin ticks, with the
# evidence in the JSON, the Markdown and the Progress Log.  Dry runs report
# what would not complete and exit 1.
. "$(dirname "$0")/../lib.sh"
. "$IX_ROOT/tests/standin/lib.sh"
EX=$IX_ROOT/examples/homelab

lab=$T/lab
reg=$("$EX/setup.sh" "$lab")
"$EX/registry.sh" start "$lab"
trap '"$EX/registry.sh" stop "$lab"; standin_stop; rm -rf "$T"' EXIT
ca=$lab/registry/certs/domain.crt
# These worlds are ffl's alone: the example's midwestmtg (50-demo and
# 92-releases test it) leaves the config and the cluster's kustomization.
sed -i -e '/^  midwestmtg:$/,/^gitops:$/{/^gitops:$/!d}' -e '/^    midwestmtg:/,/^  validate:/{/^  validate:/!d}' \
    "$lab/infraexec.yaml"
git -C "$lab" commit -qam "ffl only"
sed -i '/apps\/midwestmtg/d' "$lab/gitops/clusters/minikube/kustomization.yaml"
git -C "$lab/gitops" commit -qam "ffl only"
git -C "$lab/gitops" push -q origin main

task() { # ID LABELS CRITERIA...
    local id=$1 labels=$2; shift 2
    { printf -- '---\nid: %s\ntitle: %s\nstatus: active\npriority: high\nlabels: [%s]\n---\n\n## Acceptance Criteria\n\n' \
        "$id" "$id" "$labels"
      for c in "$@"; do printf -- '- [ ] %s\n' "$c"; done
      printf '\n## Progress Log\n\n- 2026-01-01 00:00: created\n'; } >"$lab/tasks/active/$id.md"
}
run_json() { ix run "$1" --tasks-dir "$lab/tasks" --json -q "${@:2}"; }
ticked() { jq -r '[.criteria[]|select(.state=="completed")|.index]|join(",")' <<<"$out"; }

# ---- an empty real registry: nothing about its content is ticked ----
is "$(curl -s --cacert "$ca" "https://$reg/v2/_catalog")" '{"repositories":[]}' "the registry is empty"
task TASK-301 verification \
    "Verify images are in registry: \`curl -k https://$reg/v2/ffl/backend/tags/list\`" \
    "Verify images in registry: \`curl -k https://$reg/v2/ffl/frontend/tags/list\`" \
    "Verify all images are in registry catalog: \`curl -k https://$reg/v2/_catalog\`"
cp "$lab/tasks/active/TASK-301.md" "$T/301.orig"

# The dry run asks the registry for real, and says what would not complete.
ix run TASK-301 --tasks-dir "$lab/tasks" --dry-run -q
is "$rc" 1 "dry run: exit 1 when a criterion would not complete"
like "$out" "- ⏳ Verify images are in registry" "dry run: the wording \"are in\" reaches the verify rule"
like "$out" "  - Reason: would not complete: https://$reg/v2/ffl/backend/tags/list: expected at least one tag, saw no tags" \
    "dry run: the reason names what the registry answered"
ok "dry run: the task file is untouched" cmp "$lab/tasks/active/TASK-301.md" "$T/301.orig"
run_json TASK-301 --dry-run
is "$(jq -r '[.criteria[].would_complete]|join(",")' <<<"$out")" "false,false,false" "dry run JSON: would_complete false"

run_json TASK-301
is "$rc" 1 "empty registry: exit 1"
is "$(ticked)" "" "empty registry: no criterion ticked"
is "$(jq -r '.criteria[0].evidence[0]|"\(.ok)|\(.looked_at)|\(.expected)|\(.seen)"' <<<"$out")" \
    "false|https://$reg/v2/ffl/backend/tags/list|at least one tag|no tags" "the evidence: looked at, expected, seen"
like "$(jq -r '.criteria[2].reason' <<<"$out")" "saw an empty catalog; missing ffl/backend, ffl/frontend" \
    "catalog: the missing images are named"
unlike "$(sed -n '/Progress Log/,$p' "$lab/tasks/active/TASK-301.md")" "Completed criterion" \
    "nothing completed in the Progress Log"

# ---- a push that exits 0 and pushes nothing is not ticked ----
sed -i 's|    push: \[./scripts/build.sh, --push, all\]|    push: [sh, -c, "echo pushed everything"]|' "$lab/infraexec.yaml"
task TASK-302 builds "Build all FFL containers with version 0.1.18" "Push all FFL images to registry $reg"
run_json TASK-302 --only 2
is "$(ticked)" "" "a push that pushed nothing: not ticked"
like "$(jq -r '.criteria[1].reason' <<<"$out")" "the push exited 0 but https://$reg/v2/ffl/backend/tags/list: expected tag 0.1.18, saw no tags" \
    "... the reason is what the registry holds"
# A push to another registry than the configured one is refused in the dry run.
task TASK-303 builds "Build all FFL containers with version 0.1.18" "Push all FFL images to registry 127.0.0.9:5000"
ix run TASK-303 --tasks-dir "$lab/tasks" --dry-run -q --only 2
is "$rc" 1 "dry run: an address mismatch would not complete (exit 1)"
like "$out" "would not complete: the criterion names registry 127.0.0.9:5000 but infraexec.yaml has $reg" \
    "dry run: ... and says why"
git -C "$lab" checkout -q infraexec.yaml 2>/dev/null || sed -i 's|    push: \[sh, -c, "echo pushed everything"\]|    push: [./scripts/build.sh, --push, all]|' "$lab/infraexec.yaml"

# ---- a failing build: the evidence is its exit and last output line ----
cp "$lab/infraexec.yaml" "$T/cfg.orig"
sed -i 's|    build: \[./scripts/build.sh, all\]|    build: [sh, -c, "echo no space left >\&2; exit 1"]|' "$lab/infraexec.yaml"
run_json TASK-302 --only 1 --retries 0
is "$(ticked)" "" "a failing build: not ticked"
like "$(jq -r '.criteria[0].reason' <<<"$out")" "build failed: exit 1: no space left" "... the reason names the exit and the output"
cp "$T/cfg.orig" "$lab/infraexec.yaml"

# ---- GitOps and files: each claim false, nothing ticked ----
gitops=$lab/gitops
printf '# edited by hand\n' >>"$gitops/apps/ffl/kustomization.yaml"
cp "$lab/projects/ffl/.env.build.local" "$T/env.orig"
sed -i "s|REGISTRY_URL=.*|REGISTRY_URL=10.9.9.9:5000|" "$lab/projects/ffl/.env.build.local"
task TASK-306 "deployment, infrastructure, registry-ip" \
    "Commit changes to gitops repository" \
    "Trigger Flux reconciliation: \`false\`" \
    "Set spec.nosuch.key to 1 in apps/ffl/helmrelease.yaml" \
    "Remove ffl from gitops/clusters/minikube/kustomization.yaml" \
    "Update ffl .env.build.local to use $reg"
run_json TASK-306 --retries 0
is "$(ticked)" "" "GitOps and files: nothing ticked"
like "$(jq -r '.criteria[0].reason' <<<"$out")" "git status of $gitops: expected no uncommitted change, saw apps/ffl/kustomization.yaml" \
    "commit: someone else's uncommitted change is seen"
like "$(jq -r '.criteria[1].reason' <<<"$out")" "\`false\` is not \`flux reconcile ...\`" \
    "reconcile: a task's command that is not flux reconcile is not run"
like "$(jq -r '.criteria[2].reason' <<<"$out")" "nosuch" "set: a key that does not exist is named"
like "$(jq -r '.criteria[4].reason' <<<"$out")" ".env.build.local: expected contains =$reg, saw it does not" \
    "env file without the old address: the new one is not there, and that is what is said"
git -C "$gitops" checkout -q apps/ffl/kustomization.yaml
cp "$T/env.orig" "$lab/projects/ffl/.env.build.local"
cp "$T/cfg.orig" "$lab/infraexec.yaml"

# ---- the true twin: the release pushes real images; the same checks tick ----
task TASK-304 "builds, verification" "Build all FFL containers with version 0.1.18" "Push all FFL images to registry $reg" \
    "Verify images are in registry: \`curl -k https://$reg/v2/ffl/backend/tags/list\`" \
    "Verify all images are in registry catalog: \`curl -k https://$reg/v2/_catalog\`"
run_json TASK-304 --dry-run
is "$rc" 0 "dry run of the release: exit 0, everything would complete"
is "$(jq -r '[.criteria[]|.evidence[]|.after_action]|all' <<<"$out")" true \
    "dry run: what can only be seen after the action is marked so"
run_json TASK-304
is "$rc" 0 "release: every criterion ticked"
is "$(jq -r '[.criteria[]|(.evidence|length>0) and all(.evidence[]; .ok)]|all' <<<"$out")" true \
    "every tick has evidence, every observation ok"
is "$(jq -r '.criteria[1].evidence|map(.seen)|join(" ")' <<<"$out" | sed 's/sha256:[0-9a-f]*/D/g')" \
    "tags 0.1.18 HTTP 200 D tags 0.1.18 HTTP 200 D" "push: the registry's tags and manifests are the evidence"
like "$(sed -n '/Progress Log/,$p' "$lab/tasks/active/TASK-304.md")" \
    "Completed criterion 3: Verify images are in registry: \`curl -k https://$reg/v2/ffl/backend/tags/list\`; evidence: https://$reg/v2/ffl/backend/tags/list: tags 0.1.18 (+1 more)" \
    "the Progress Log entry carries the evidence"
sed -i 's/^- \[x\]/- [ ]/' "$lab/tasks/active/TASK-304.md"
ix run TASK-304 --tasks-dir "$lab/tasks" -q --only 4
like "$out" "  - Evidence: looked at https://$reg/v2/_catalog?n=1000; expected ffl/backend, ffl/frontend; seen ffl/backend, ffl/frontend" \
    "Markdown: an Evidence line under the ticked criterion"
# The catalog rule compares a version the criterion names (F10).
task TASK-311 verification "Verify all images are in registry catalog: version 0.1.19 \`curl -k https://$reg/v2/_catalog\`" \
    "Verify all images are in registry catalog: version 0.1.18 \`curl -k https://$reg/v2/_catalog\`"
run_json TASK-311
is "$(ticked)" "2" "catalog with a version: ticked only at the version the registry holds"
like "$(jq -r '.criteria[0].reason' <<<"$out")" "ffl/backend/tags/list: expected tag 0.1.19, saw tags 0.1.18" \
    "... the reason names the tags seen"

# ---- the certificate: the file names the IP, but the registry does not serve it ----
"$EX/registry.sh" stop "$lab"
task TASK-307 registry-ip "Update beckerkube registry certificate IP to 127.0.0.1"
run_json TASK-307
is "$(ticked)" "" "certificate not served: not ticked"
is "$(jq -r '.criteria[0].evidence|map("\(.ok) \(.seen)")|join(" | ")' <<<"$out")" \
    "true IP:127.0.0.1 | false https://$reg/v2/: connection refused (is the registry running?)" \
    "... the file was seen right, the registry not answering"
like "$(jq -r '.criteria[0].reason' <<<"$out")" "(set registry.restart to reload it)" "... and what to do"
"$EX/registry.sh" start "$lab"

# ---- the cluster through real kubectl and the stand-in ----
api=$T/api
mkdir -p "$api"
standin_start "$api"
unset KUBECONFIG
printf 'kube:\n  context: homelab\n  kubeconfig: %s\n  settle: 1s\n' "$STANDIN_KUBECONFIG" >>"$lab/infraexec.yaml"
# Which pods are a workload's: the namespace and selector of its release.
sed -i 's|^  apps:$|&\n    midwestmtg:\n      releases: [{file: gitops/apps/ffl/helmrelease.yaml, name: midwestmtg-backend, namespace: midwestmtg, selector: app=midwestmtg-backend}]\n    ffl-backend:\n      releases: [{file: gitops/apps/ffl/helmrelease.yaml, namespace: ffl, selector: app=ffl-backend}]|' \
    "$lab/infraexec.yaml"
# Flux applied what the GitOps remote holds: HelmReleases count only at the pushed revision.
standin_flux_at "$api" "$lab/gitops" "$lab/infraexec.yaml"
standin_pod "$api" ffl-backend-5c7d --ns ffl --labels app=ffl-backend --image "$reg/ffl/backend:0.1.18"
task TASK-305 verification "midwestmtg-backend pods running and healthy" \
    "No CrashLoopBackOff or CreateContainerConfigError pods" \
    "All HelmReleases reconcile successfully: \`flux get helmreleases -A\`"
standin_helmrelease "$api" ffl --ns ffl --ready false
standin_pod "$api" triager-0 --ns triager --state crashloop
ix run TASK-305 --tasks-dir "$lab/tasks" --dry-run -q
is "$rc" 1 "dry run reads the cluster for real: exit 1"
run_json TASK-305
is "$(ticked)" "" "hostile cluster: nothing ticked"
like "$(jq -r '.criteria[0].reason' <<<"$out")" "saw no pod in namespace midwestmtg with selector app=midwestmtg-backend" \
    "pods of a named workload absent: the reason says so"
like "$(jq -r '.criteria[1].reason' <<<"$out")" "saw triager/triager-0: container triager waiting: CrashLoopBackOff" \
    "the crash-looping pod is named, with its container"
like "$(jq -r '.criteria[2].reason' <<<"$out")" "ffl/ffl: Ready=False" "the HelmRelease not ready is named"
# The friendly twin.
standin_pod "$api" midwestmtg-backend-6f8b --ns midwestmtg --labels app=midwestmtg-backend
standin_helmrelease "$api" ffl --ns ffl
rm "$api"/pod-triager-triager-0.json
run_json TASK-305
is "$(ticked)" "1,2,3" "friendly cluster: all three ticked"
is "$(jq -r '.criteria[1].evidence[0].seen' <<<"$out")" "none of 2 pods" "... with what was seen"

# A HelmRelease whose Ready=True speaks of an older spec is not Ready (F11),
# through the verify rule and through `kubectl get hr`; its current twin is.
standin_helmrelease "$api" ffl --ns ffl --ready true --generation 9 --observed 3
task TASK-309 verification "All HelmReleases are ready" "All HelmReleases are ready: \`kubectl get hr -A\`"
run_json TASK-309
is "$(ticked)" "" "stale HelmRelease (generation 9, observed 3, Ready=True): not ticked"
like "$(jq -r '.criteria[0].reason' <<<"$out")" "ffl/ffl: Ready=True for generation 3, spec is generation 9" \
    "verify rule: the reason names the generations seen"
like "$(jq -r '.criteria[1].reason' <<<"$out")" "ffl/ffl: Ready=True for generation 3, spec is generation 9" \
    "kubectl get hr: the reason names the generations seen"
standin_helmrelease "$api" ffl --ns ffl --ready true --generation 9 --observed 9
sed -i 's/^- \[x\]/- [ ]/' "$lab/tasks/active/TASK-309.md"
run_json TASK-309
is "$(ticked)" "1,2" "generation == observedGeneration, Ready=True: ticked"

# A version in the criterion is compared, or the criterion needs a person (F10).
task TASK-310 verification "All HelmReleases are ready: upgraded to 0.1.18" \
    "midwestmtg-backend pods running and healthy: version 0.1.18" \
    "ffl-backend pods running and healthy: version 0.1.1" \
    "ffl-backend pods running and healthy: version 0.1.18"
run_json TASK-310
is "$(ticked)" "4" "a version named: only the pods really at it are ticked"
like "$(jq -r '.criteria[0].reason' <<<"$out")" \
    "needs a person: the command reads less than the criterion claims (the criterion names 0.1.18;" \
    "HelmReleases with a version the rule does not compare: needs a person"
like "$(jq -r '.criteria[1].reason' <<<"$out")" "midwestmtg/midwestmtg-backend-6f8b: container" \
    "pods not at the version: the image seen is named"
like "$(jq -r '.criteria[2].reason' <<<"$out")" "runs $reg/ffl/backend:0.1.18" "0.1.1 is not 0.1.18's prefix"

# ---- HTTP health through infraexec's own client: 503 is not healthy ----
hport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        code = int(self.path.strip("/") or 200)
        self.send_response(code); self.end_headers(); self.wfile.write(b"x")
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()' "$hport" &
hpid=$!
mkdir -p "$lab/handlers"
cat >"$lab/handlers/health.lua" <<'LUA'
local ev, http = require "infraexec.core.evidence", require "infraexec.observe.http"
return { rules = { { pattern = "^(http://%S+) is healthy$", kind = "assertion", observe = "http.health",
  run = function(_, url) return ev.verdict(http.health{ url = url }) end } } }
LUA
for _ in $(seq 50); do curl -s "http://127.0.0.1:$hport/200" >/dev/null && break; sleep 0.1; done
task TASK-308 verification "http://127.0.0.1:$hport/503 is healthy" "http://127.0.0.1:$hport/204 is healthy"
run_json TASK-308
kill $hpid
is "$(ticked)" "2" "a URL answering 503 is not ticked; 204 is"
is "$(jq -r '.criteria[0].reason' <<<"$out")" "http://127.0.0.1:$hport/503: expected HTTP 2xx, saw HTTP 503" \
    "... the reason names the status seen"

# ---- "Trigger Flux reconciliation" runs only `flux reconcile`, pinned ----
# A kubectl and a flux on PATH that leave a trace; the config names the
# stand-in's context (above).  The task's free text is never run as a
# reconciliation; `flux reconcile` is, with the configured context.
mkdir -p "$T/rbin"
# (preflight's `kubectl config get-contexts` goes to the real one)
printf '#!/bin/sh\n[ "$1" = config ] && exec %s "$@"\necho "$@" >>%s/kubectl-ran\n' "$(command -v kubectl)" "$T" \
    >"$T/rbin/kubectl"
printf '#!/bin/sh\necho "$@" >>%s/flux-ran\n' "$T" >"$T/rbin/flux"
chmod +x "$T/rbin/kubectl" "$T/rbin/flux"
task TASK-319 deployment \
    "Trigger Flux reconciliation: kubectl delete pod prod-pod -n ffl" \
    "Trigger Flux reconciliation: cat registry/certs/domain.key" \
    "Trigger Flux reconciliation: flux reconcile kustomization clusters-minikube"
out=$(cd "$lab" && PATH="$T/rbin:$PATH" "$IX_BIN" run TASK-319 --tasks-dir "$lab/tasks" --json -q 2>/dev/null) || true
is "$(ticked)" "3" "reconcile: only flux reconcile completes"
like "$(jq -r '.criteria[0].reason' <<<"$out")" "is not \`flux reconcile ...\`" "kubectl delete is not a reconciliation"
ok "... and never ran" test ! -e "$T/kubectl-ran"
unlike "$(cat "$lab/tasks/active/TASK-319.md")" "PRIVATE KEY" "the key is not read into the task file"
is "$(cat "$T/flux-ran")" "--context=homelab reconcile kustomization clusters-minikube" \
    "flux reconcile ran once, pinned to the configured context"

# No registry configured: the evidence says so instead of naming https://nil/.
mkdir -p "$T/noreg/tasks/active"
printf -- '---\nid: TASK-320\ntitle: x\n---\n## Acceptance Criteria\n- [ ] Verify all images are in registry catalog\n' \
    >"$T/noreg/tasks/active/TASK-320.md"
out=$(cd "$T/noreg" && "$IX_BIN" run TASK-320 --json -q 2>/dev/null) || true
is "$(ticked)" "" "no registry configured: nothing ticked"
is "$(jq -r '.criteria[0].evidence[0].looked_at' <<<"$out")" \
    "/v2/_catalog?n=1000 of the registry (no registry.address in infraexec.yaml)" \
    "no registry configured: looked at names what is missing, not https://nil"
done_testing
