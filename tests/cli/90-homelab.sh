#!/bin/bash
# The handlers end to end on real parts: docker-registry on 127.0.0.1 with a
# self-signed certificate, images built and pushed with buildah, git
# repositories, kubectl kustomize.  No Kubernetes API server or Flux can run
# here: kubectl reads go to the kube stand-in (tests/standin/, loopback,
# behind a kubeconfig; docs/standin.md), and say so.
. "$(dirname "$0")/../lib.sh"
EX=$IX_ROOT/examples/homelab

new_lab() { # NAME: a fresh lab with its registry running; sets $lab and $reg
    lab=$T/$1
    reg=$("$EX/setup.sh" "$lab")
    "$EX/registry.sh" start "$lab"
    labs="${labs:-} $lab"
}
trap 'for l in ${labs:-}; do "$EX/registry.sh" stop "$l"; done; rm -rf "$T"' EXIT

task() { # FILE-ID CRITERIA... : write tasks/active/ID.md with these criteria
    local id=$1; shift
    { printf -- '---\nid: %s\ntitle: %s\nstatus: active\npriority: high\nlabels: [%s]\nupdated: 2026-01-01\n---\n\n## Acceptance Criteria\n\n' \
        "$id" "$id test" "$LABELS"
      for c in "$@"; do printf -- '- [ ] %s\n' "$c"; done
      printf '\n## Progress Log\n\n- 2026-01-01 00:00: created\n'; } >"$lab/tasks/active/$id.md"
}
run_json() { # ID [ARGS]: run in the lab; $out holds the JSON report
    ix run "$1" --tasks-dir "$lab/tasks" --json -q "${@:2}"
}

# ---- the release, and --dry-run shows exactly what the run then does ----
new_lab release
cp "$lab/tasks/active/TASK-101.md" "$T/101.orig"
run_json TASK-101 --dry-run
dry=$(jq -c '[.criteria[].commands[]|{argv,cwd,env}]' <<<"$out")
is "$(jq -r '[.criteria[]|select(.would_complete)]|length' <<<"$out")" 5 "dry run: a rule for each of the 5 criteria"
ok "dry run wrote nothing" cmp "$lab/tasks/active/TASK-101.md" "$T/101.orig"
is "$(git -C "$lab/gitops" status --porcelain)" "" "dry run left the GitOps repository clean"
is "$(curl -s --cacert "$lab/registry/certs/domain.crt" "https://$reg/v2/_catalog")" '{"repositories":[]}' \
    "dry run pushed nothing"
is "$(git --git-dir="$lab/gitops.git" rev-parse main)" "$(git -C "$lab/gitops" rev-parse HEAD)" \
    "dry run pushed nothing to the GitOps remote"
run_json TASK-101
is "$rc" 0 "release: every criterion done (exit 0)"
is "$(git --git-dir="$lab/gitops.git" rev-parse main)" "$(git -C "$lab/gitops" rev-parse HEAD)" \
    "the release commit is on the GitOps remote (the example's bare gitops.git)"
is "$(jq -r '.criteria[3].evidence[-1]|"\(.looked_at) \(.seen)"' <<<"$out")" \
    "branch main of remote origin ($lab/gitops) $(git --git-dir="$lab/gitops.git" rev-parse main)" \
    "... and the release's evidence is the remote's branch read back"
real=$(jq -c '[.criteria[].commands[]|{argv,cwd,env}]' <<<"$out")
is "$real" "$(jq -c 'map(select(.argv[0] != "git"))' <<<"$dry")" "the run ran exactly the commands the dry run showed"
like "$dry" '"argv":["git","-C","'"$lab"'/gitops","commit"' "the dry run showed the commit it would make"
is "$(curl -s --cacert "$lab/registry/certs/domain.crt" "https://$reg/v2/ffl/frontend/tags/list")" \
    '{"name":"ffl/frontend","tags":["0.1.18"]}' "real image in the real registry"
hr=$lab/gitops/apps/ffl/helmrelease.yaml
is "$(git -C "$lab/gitops" diff HEAD~1 --stat | tail -1)" " 1 file changed, 2 insertions(+), 2 deletions(-)" \
    "the commit changes exactly the two tag lines"
like "$(cat "$hr")" "tag: 0.1.18   # set by the release task" "plain tag kept its comment"
like "$(cat "$hr")" 'tag: "0.1.18"' "quoted tag kept its quotes"
is "$(git -C "$lab/gitops" log -1 --format=%s)" "TASK-101: ffl to 0.1.18" "commit message names the task"
is "$(git -C "$lab/gitops" status --porcelain)" "" "nothing left uncommitted"

# ---- a build that exits 0 but pushes the wrong tag is not ticked ----
new_lab wrongtag
sed -i 's|    push: \[./scripts/build.sh, --push, all\]|    push: [sh, -c, "VERSION=0.0.1 ./scripts/build.sh --push all"]|' "$lab/infraexec.yaml"
LABELS=builds task TASK-201 "Build all FFL containers with version 0.1.18" "Push all FFL images to registry $reg"
run_json TASK-201
is "$rc" 1 "wrong tag: exit 1"
is "$(jq -r '.criteria[1].state' <<<"$out")" remaining "wrong tag: push not ticked"
like "$(jq -r '.criteria[1].reason' <<<"$out")" "the push exited 0 but https://$reg/v2/ffl/backend/tags/list: expected tag 0.1.18, saw tags 0.0.1" \
    "wrong tag: the registry's answer is the reason"
is "$(jq -r '.criteria[1].evidence[0]|"\(.ok) \(.seen)"' <<<"$out")" "false tags 0.0.1" \
    "wrong tag: the evidence shows what the registry holds"

# ---- registry down: the push stays, its retry is logged ----
new_lab down
"$EX/registry.sh" stop "$lab"
LABELS=builds task TASK-202 "Build all FFL containers with version 0.1.18" "Push all FFL images to registry $reg"
run_json TASK-202
is "$rc" 1 "registry down: exit 1"
is "$(jq -r '.criteria[1].commands[0].attempts' <<<"$out")" 2 "registry down: the push was retried"
log=$(jq -r '.criteria[1].commands[0].log_path' <<<"$out")
like "$(cat "$log")" "attempt 2/2" "registry down: both attempts in the command log"
like "$(jq -r '.criteria[1].reason' <<<"$out")" "connection refused (is the registry running?)" \
    "registry down: diagnosis says the registry does not answer"
like "$(sed -n '/Progress Log/,$p' "$lab/tasks/active/TASK-202.md")" "Not completed criterion 2" \
    "registry down: failure in the Progress Log"

# ---- wrong CA: a clear TLS error ----
new_lab wrongca
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other -keyout "$T/o.key" -out "$T/other.crt" 2>/dev/null
sed -i "s|  ca: registry/certs/domain.crt.*|  ca: $T/other.crt|" "$lab/infraexec.yaml"
LABELS=verification task TASK-203 "Verify images in registry: \`curl -k https://$reg/v2/ffl/backend/tags/list\`"
run_json TASK-203
like "$(jq -r '.criteria[0].reason' <<<"$out")" "certificate is signed by an unknown authority" \
    "wrong CA: the reason names the TLS problem"
like "$(jq -r '.criteria[0].reason' <<<"$out")" "set registry.ca" "wrong CA: and what to do"
sed -i 's|^  insecure_skip_verify: .*||; s|^registry:|registry:\n  insecure_skip_verify: true|' "$lab/infraexec.yaml"
sed -i 's/^- \[x\]/- [ ]/' "$lab/tasks/active/TASK-203.md"
run_json TASK-203
like "$(jq -r '.warnings[0]' <<<"$out")" "TLS verification of the registry is off" \
    "skipping TLS verification needs the config key and is shown in the report"

# ---- a broken kustomization: nothing changed, nothing committed ----
new_lab broken
printf '  - ../../apps/missing\n' >>"$lab/gitops/clusters/minikube/kustomization.yaml"
git -C "$lab/gitops" commit -qam "break the kustomization"
head=$(git -C "$lab/gitops" rev-parse HEAD)
cp "$lab/gitops/apps/ffl/helmrelease.yaml" "$T/hr.orig"
LABELS=deployment task TASK-204 "Update ffl HelmRelease in gitops to version 0.1.18" "Commit changes to gitops repository"
run_json TASK-204
is "$(jq -r '.criteria[0].state' <<<"$out")" remaining "broken kustomization: not ticked"
like "$(jq -r '.criteria[0].reason' <<<"$out")" "validation failed" "broken kustomization: validation named"
like "$(jq -r '.criteria[0].reason' <<<"$out")" "missing" "broken kustomization: the missing resource is named"
ok "broken kustomization: HelmRelease restored byte for byte" cmp "$lab/gitops/apps/ffl/helmrelease.yaml" "$T/hr.orig"
is "$(git -C "$lab/gitops" rev-parse HEAD)" "$head" "broken kustomization: nothing committed"

# ---- injection: task values never reach a shell, and are validated ----
new_lab inject
rm -f /tmp/pwned-infraexec
LABELS=builds task TASK-205 "Build all FFL containers with version 0.1.18;touch /tmp/pwned-infraexec" \
    'Update ffl HelmRelease in gitops to version $(touch /tmp/pwned-infraexec)'
LABELS=builds,deployment task TASK-205 "Build all FFL containers with version 0.1.18;touch /tmp/pwned-infraexec" \
    'Update ffl HelmRelease in gitops to version $(touch${IFS}/tmp/pwned-infraexec)'
run_json TASK-205
ok "injection: nothing was created" test ! -e /tmp/pwned-infraexec
like "$(jq -r '.criteria[0].reason' <<<"$out")" '"0.1.18;touch" is not a valid version' "injection: version refused"
like "$(jq -r '.criteria[1].reason' <<<"$out")" "is not a valid version" "injection: second value refused"
is "$(jq -r '[.criteria[].commands|length]|add' <<<"$out")" 0 "injection: no command ran"

# ---- registry IP change (the TASK-001 shapes) ----
new_lab ip
cat >>"$lab/infraexec.yaml" <<YAML
YAML
sed -i "s|^  old_addresses:.*|  old_addresses: [192.0.2.18:5000]\n  restart: [$EX/registry.sh, restart, $lab]|" "$lab/infraexec.yaml"
printf 'REGISTRY_URL=192.0.2.18:5000\nREGISTRY_CERT_DIR=%s/registry/certs.d\nBUILDAH_ROOT=%s/containers\n' "$lab" "$lab" \
    >"$lab/projects/ffl/.env.build.local"
printf '# pushes to 192.0.2.18:5000 by default\n' >>"$lab/projects/ffl/scripts/build.sh"
printf 'registry: 192.0.2.18:5000\n' >"$lab/gitops/registry-note.yaml"
sed -i "s|registry_files: \[projects/ffl/.env.build.local\]|registry_files: [projects/ffl/.env.build.local, projects/ffl/scripts/build.sh]|" "$lab/infraexec.yaml"
# The served certificate is stale: issued for another IP (the TASK-001 trap).
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.2 -addext subjectAltName=IP:127.0.0.2 \
    -keyout "$lab/registry/certs/domain.key" -out "$lab/registry/certs/domain.crt" 2>/dev/null
"$EX/registry.sh" restart "$lab"
LABELS=registry-ip task TASK-206 "Update beckerkube registry certificate IP to 127.0.0.1" \
    "Update ffl .env.build.local to use $reg" "Update ffl build script default registry URL" \
    "Verify no other hardcoded registry IPs exist in any repository" "Document all IPs in docs/architecture.md"
run_json TASK-206
is "$(jq -r '[.criteria[].state]|join(",")' <<<"$out")" "completed,completed,completed,remaining,completed" \
    "registry IP: all but the stale-address check done"
like "$(jq -r '.criteria[0].reason' <<<"$out")" "names IP:127.0.0.1 and the registry serves it" \
    "certificate checked on the file and on what the registry serves"
like "$(openssl x509 -in "$lab/registry/certs/domain.crt" -noout -ext subjectAltName)" "IP Address:127.0.0.1" \
    "the certificate really carries the new IP"
is "$(curl -s --cacert "$lab/registry/certs/domain.crt" "https://$reg/v2/")" "{}" "the registry serves it (curl, verified)"
is "$(sed -n 1p "$lab/projects/ffl/.env.build.local")" "REGISTRY_URL=$reg" ".env.build.local updated"
like "$(jq -r '.criteria[1].reason' <<<"$out")" ".env.build.local: 1 x 192.0.2.18:5000" "replacement counted per file"
like "$(jq -r '.criteria[3].reason' <<<"$out")" "$lab/gitops/registry-note.yaml:1: 192.0.2.18:5000" \
    "stale address reported as file:line"
like "$(cat "$lab/docs/architecture.md")" "- Registry address: $reg" "address recorded in the architecture doc"
rm "$lab/gitops/registry-note.yaml"
run_json TASK-206
is "$rc" 0 "after the stale file is gone the check passes"

# ---- config: remove a resource from a kustomization, validated, committed ----
new_lab cfg
mkdir -p "$lab/gitops/apps/extra"
printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n' >"$lab/gitops/apps/extra/kustomization.yaml"
printf '  - ../../apps/extra\n' >>"$lab/gitops/clusters/minikube/kustomization.yaml"
git -C "$lab/gitops" add -A && git -C "$lab/gitops" commit -qm "add extra"
# Labels order the handlers, they never hide a rule: a [cleanup, deployment]
# task still reaches the config handler's rules.
LABELS="cleanup, deployment" task TASK-207 "Remove extra from gitops/clusters/minikube/kustomization.yaml" \
    "Set spec.interval to 10m in apps/ffl/helmrelease.yaml"
run_json TASK-207
is "$rc" 0 "config: both criteria done, with labels that do not name the handler"
is "$(jq -r '[.criteria[].rule]|join(" | ")' <<<"$out")" \
    "config: drop a resource from a kustomization | config: set a value in a manifest" "... by the config handler's rules"
unlike "$(cat "$lab/gitops/clusters/minikube/kustomization.yaml")" "apps/extra" "resource removed"
like "$(cat "$lab/gitops/clusters/minikube/kustomization.yaml")" "# The minikube cluster" "comment kept"
is "$(git -C "$lab/gitops" log --format=%s -2 | tr '\n' '|')" \
    "TASK-207: set spec.interval to 10m in apps/ffl/helmrelease.yaml|TASK-207: remove extra from gitops/clusters/minikube/kustomization.yaml|" \
    "each change committed after validation"

# ---- verify: pods and HelmReleases through kubectl, against a stand-in ----
# STAND-IN: no API server can run here; tests/standin/ answers kubectl's reads
# from fixtures (docs/standin.md says what it does not do).
. "$IX_ROOT/tests/standin/lib.sh"
api=$T/api
mkdir -p "$api"
standin_start "$api"
unset KUBECONFIG # infraexec must find the stand-in through infraexec.yaml alone
printf 'kube:\n  context: homelab\n  kubeconfig: %s\n  settle: 1s\n' "$STANDIN_KUBECONFIG" >>"$lab/infraexec.yaml"
# Flux applied what the GitOps remote holds: HelmReleases count only at the pushed revision.
standin_flux_at "$api" "$lab/gitops" "$lab/infraexec.yaml"
standin_pod "$api" backend-1 --ns ffl --image reg.lab/ffl-backend:1.0
standin_pod "$api" frontend-1 --ns ffl --image reg.lab/ffl-frontend:1.0 --state crashloop
standin_helmrelease "$api" ffl --ns ffl
LABELS=verification task TASK-208 "All application pods running: \`kubectl get pods -A\`" \
    "All HelmReleases reconcile successfully: \`flux get helmreleases -A\`"
run_json TASK-208
like "$(jq -r '.criteria[0].reason' <<<"$out")" "saw ffl/frontend-1: container frontend waiting: CrashLoopBackOff" "a crash-looping pod is named"
is "$(jq -r '.criteria[1].state' <<<"$out")" completed "HelmReleases Ready"
is "$(jq -r '.criteria[0].commands[0].argv|join(" ")' <<<"$out")" \
    "kubectl --context=homelab get pods --all-namespaces --output=json" \
    "kubectl used read-only with the configured context"
rm "$api/pod-ffl-frontend-1.json"
run_json TASK-208
is "$rc" 0 "healthy pods: done"
standin_helmrelease "$api" ffl --ns ffl --ready false
LABELS=verification task TASK-209 "All HelmReleases reconcile successfully: \`flux get helmreleases -A\`"
run_json TASK-209
is "$(jq -r '.criteria[0].state' <<<"$out")" remaining "a HelmRelease Ready=False: not ticked"
like "$(jq -r '.criteria[0].reason' <<<"$out")" "ffl/ffl: Ready=False (Helm upgrade failed" "... the reason names the release and its message"

# ---- a named workload: its pods, not the cluster's ----
LABELS=verification task TASK-210 "triager-orchestrator pods running and healthy"
run_json TASK-210
is "$(jq -r '.criteria[0].state' <<<"$out")" remaining "a workload the config does not know: not ticked"
like "$(jq -r '.criteria[0].reason' <<<"$out")" "needs a person: no app or release triager-orchestrator in infraexec.yaml" \
    "... the reason says the config does not say which pods are its"
# The example's midwestmtg releases: their namespace and selector say which pods are theirs.
LABELS=verification task TASK-210 "midwestmtg-backend pods running and healthy"
run_json TASK-210
like "$(jq -r '.criteria[0].reason' <<<"$out")" "saw no pod in namespace midwestmtg with selector app=midwestmtg-backend" \
    "no pod of the named workload: the reason names the namespace and selector"
standin_pod "$api" midwestmtg-backend-7d9f --ns midwestmtg --labels app=midwestmtg-backend --state crashloop
run_json TASK-210
like "$(jq -r '.criteria[0].reason' <<<"$out")" "midwestmtg/midwestmtg-backend-7d9f: container midwestmtg waiting: CrashLoopBackOff" \
    "the workload's crash-looping pod is named"
standin_pod "$api" midwestmtg-backend-7d9f --ns midwestmtg --labels app=midwestmtg-backend
run_json TASK-210
is "$(jq -r '.criteria[0].state' <<<"$out")" completed "the workload's pod running and ready: ticked"
is "$(jq -r '.criteria[0].evidence[0].seen' <<<"$out")" "1 Running and Ready, restarts steady: midwestmtg/midwestmtg-backend-7d9f" \
    "... with the pod as evidence"
like "$(sed -n '/Progress Log/,$p' "$lab/tasks/active/TASK-210.md")" "evidence: pods of release midwestmtg-backend of app midwestmtg" \
    "... and the evidence in the Progress Log"

done_testing
