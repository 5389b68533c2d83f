#!/bin/bash
# deploy/kubernetes and deploy/argo render with `kubectl kustomize` and are
# accepted by the real kubectl's client-side dry run.  That dry run still
# asks a server for discovery (it fails with "connection refused" without
# one), so it talks to the kube stand-in (tests/standin/, loopback): with
# --validate=false it checks that every object parses and maps to a known
# kind, not the fields; the fields this deployment depends on are checked
# here on the rendered objects.
. "$(dirname "$0")/../lib.sh"
. "$IX_ROOT/tests/standin/lib.sh"
mkdir -p "$T/fixtures"
standin_start "$T/fixtures"

# check.py FILE: one line per rule the rendered objects break, exit 1 if any.
cat >"$T/check.py" <<'PY'
import re, sys, yaml
objs = [o for o in yaml.safe_load_all(open(sys.argv[1])) if o]
bad = []
def containers(spec):
    return spec.get("initContainers", []) + spec.get("containers", [])
pods = []
for o in objs:
    k, n = o["kind"], o["metadata"]["name"]
    if k in ("Role", "ClusterRole"):
        for r in o["rules"]:
            if r["apiGroups"] != ["argoproj.io"] and set(r["verbs"]) - {"get", "list", "watch"}:
                bad.append("%s %s: write verbs %s on %s" % (k, n, r["verbs"], r["resources"]))
    if k == "ConfigMap":
        for key, v in o["data"].items():
            if re.search(r"password|token|-----begin |://[^/\s]*@", v, re.I):
                bad.append("ConfigMap %s: %s looks like it holds a credential" % (n, key))
    if k == "CronJob":
        s = o["spec"]
        if s.get("concurrencyPolicy") != "Forbid": bad.append("CronJob %s: concurrencyPolicy" % n)
        js = s["jobTemplate"]["spec"]
        if not js.get("activeDeadlineSeconds"): bad.append("CronJob %s: no activeDeadlineSeconds" % n)
        pods.append((n, js["template"]["spec"], js["template"]["spec"]["volumes"]))
    if k == "WorkflowTemplate":
        if not o["spec"].get("activeDeadlineSeconds"): bad.append("WorkflowTemplate %s: no activeDeadlineSeconds" % n)
        for t in o["spec"]["templates"]:
            if "container" in t:
                pods.append((n + "/" + t["name"], {"initContainers": t.get("initContainers", []),
                             "containers": [t["container"]], "securityContext": o["spec"]["securityContext"]},
                             o["spec"]["volumes"]))
for n, spec, vols in pods:
    if not spec.get("securityContext", {}).get("runAsNonRoot"): bad.append("%s: may run as root" % n)
    secrets = {v["name"] for v in vols if "secret" in v}
    if secrets != {"git", "registry-ca"}: bad.append("%s: secret volumes %s" % (n, sorted(secrets)))
    for c in containers(spec):
        r = c.get("resources", {})
        if not r.get("requests") or not r.get("limits"): bad.append("%s/%s: no requests/limits" % (n, c["name"]))
        if {m["name"] for m in c["volumeMounts"]} < secrets: bad.append("%s/%s: secrets not mounted" % (n, c["name"]))
        for e in c.get("env", []):
            if "value" in e and any(w in e["name"] for w in ("PASSWORD", "TOKEN", "SECRET")):
                bad.append("%s/%s: %s given as a literal" % (n, c["name"], e["name"]))
for line in bad: print(line)
sys.exit(1 if bad else 0)
PY

for d in kubernetes argo; do
    kubectl kustomize "$IX_ROOT/deploy/$d" >"$T/$d.yaml" 2>"$T/err" && rc=0 || rc=$?
    is "$rc" 0 "deploy/$d renders with kubectl kustomize"
    out=$(kubectl apply --dry-run=client --validate=false -f "$T/$d.yaml" 2>&1) && rc=0 || rc=$?
    is "$rc" 0 "deploy/$d: kubectl client dry run accepts it"
    [ "$rc" = 0 ] || printf '# %s\n' "$out" | head -5
    want=$(python3 -c 'import sys,yaml; print(sum(1 for o in yaml.safe_load_all(open(sys.argv[1])) if o))' "$T/$d.yaml")
    is "$(grep -c 'created (dry run)$' <<<"$out")" "$want" "deploy/$d: every one of its $want objects"
    out=$(python3 "$T/check.py" "$T/$d.yaml" 2>&1) && rc=0 || rc=$?
    is "$rc:$out" "0:" "deploy/$d: read-only RBAC, credentials only from Secrets, limits, deadlines, non-root"
done

kinds() { python3 -c 'import sys,yaml; print(" ".join(o["kind"] + "/" + o["metadata"]["name"] for o in yaml.safe_load_all(open(sys.argv[1])) if o))' "$1"; }
is "$(kinds "$T/kubernetes.yaml")" "Namespace/infraexec ServiceAccount/infraexec Role/infraexec-observer ClusterRole/infraexec-observer RoleBinding/infraexec-observer ClusterRoleBinding/infraexec-observer ConfigMap/infraexec CronJob/infraexec" \
    "deploy/kubernetes: the objects of the base"
q() { python3 -c 'import sys,yaml,json; print(json.dumps(eval(sys.argv[2], {"o": [o for o in yaml.safe_load_all(open(sys.argv[1])) if o]})))' "$@"; }
is "$(q "$T/kubernetes.yaml" 'sorted(r for x in o if x["kind"]=="ClusterRole" for g in x["rules"] for r in g["resources"])')" \
    '["configmaps", "cronjobs", "daemonsets", "deployments", "endpoints", "gitrepositories", "helmcharts", "helmreleases", "helmrepositories", "ingresses", "jobs", "kustomizations", "namespaces", "ocirepositories", "persistentvolumeclaims", "pods", "replicasets", "rolebindings", "roles", "sealedsecrets", "serviceaccounts", "services", "statefulsets"]' \
    "the ClusterRole reads exactly what the observers read"
is "$(q "$T/kubernetes.yaml" '[x for x in o if x["kind"]=="CronJob"][0]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]')" \
    '["work", "--max", "$(MAX_TASKS)"]' "the CronJob runs infraexec work"
is "$(q "$T/argo.yaml" '[t["container"]["args"][0] for x in o if x["metadata"]["name"]=="infraexec-runners" for t in x["spec"]["templates"] if "container" in t]')" \
    '["work"]' "the runners template runs infraexec work"
is "$(q "$T/argo.yaml" '[x for x in o if x["metadata"]["name"]=="infraexec-runners"][0]["spec"]["templates"][0]["steps"][0][0]["withSequence"]')" \
    '{"count": "{{workflow.parameters.runners}}"}' "... N of them in parallel"
is "$(q "$T/argo.yaml" '[(s[0]["name"], s[0].get("when")) for x in o if x["metadata"]["name"]=="infraexec-steps" for s in x["spec"]["templates"][0]["steps"]]')" \
    '[["claim", null], ["run", "{{steps.claim.outputs.parameters.claimed}} == yes"], ["verify", "{{steps.claim.outputs.parameters.claimed}} == yes"], ["archive", "{{steps.claim.outputs.parameters.claimed}} == yes"]]' \
    "the steps: claim, then run, verify, archive only when a task was claimed"
like "$(grep -c 'image: registry.example.invalid/infraexec:0.1.0' "$T/argo.yaml")" 6 "kustomize sets the image of every Argo container"

# The ConfigMap's infraexec.yaml is one infraexec accepts (a dry run with it).
# Its queue: section belongs to `infraexec claim`/`work`; a binary without
# them does not know the key, so it is checked without that section there.
W=$T/cfg
mkdir -p "$W/tasks/active"
python3 -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["data"]["infraexec.yaml"], end="")' \
    "$IX_ROOT/deploy/kubernetes/configmap.yaml" >"$W/infraexec.yaml"
printf -- '---\nid: TASK-1\ntitle: cfg\nstatus: active\npriority: high\nlabels: [testing]\nupdated: 2026-01-01\n---\n\n## Acceptance Criteria\n\n- [ ] Run Nothing: `true`\n\n## Progress Log\n\n- 2026-01-01 10:00: created\n' \
    >"$W/tasks/active/TASK-1.md"
if ! "$IX_BIN" --help 2>&1 | grep -q '^  claim '; then
    echo "# this infraexec has no claim command: checking the config without its queue: section"
    sed -i '/^queue:/,/^[^ ]/{/^queue:/d;/^ /d}' "$W/infraexec.yaml"
fi
ix run "$W/tasks/active/TASK-1.md" --dry-run -q
is "$rc:$err" "0:" "the ConfigMap's infraexec.yaml is accepted by infraexec"

# The checks can fail: a write verb, a credential in the ConfigMap, a missing
# resource, and a malformed object are each caught.
cp -R "$IX_ROOT/deploy/kubernetes" "$T/bad"
sed -i '0,/verbs: \[get, list, watch\]/s//verbs: [get, list, watch, patch]/' "$T/bad/rbac.yaml"
sed -i 's|tasks-repo: https://|tasks-repo: https://bot:hunter2@|' "$T/bad/configmap.yaml"
kubectl kustomize "$T/bad" >"$T/bad.yaml"
out=$(python3 "$T/check.py" "$T/bad.yaml" 2>&1) && rc=0 || rc=$?
is "$rc" 1 "a broken base fails the check"
like "$out" "ClusterRole infraexec-observer: write verbs ['get', 'list', 'watch', 'patch']" "the write verb is named"
like "$out" "ConfigMap infraexec: tasks-repo looks like it holds a credential" "the credential is named"
sed -i 's|^resources:$|&\n  - missing.yaml|' "$T/bad/kustomization.yaml"
out=$(kubectl kustomize "$T/bad" 2>&1) && rc=0 || rc=$?
is "$rc" 1 "a missing resource: kubectl kustomize fails"
like "$out" "missing.yaml" "and names it"
printf 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: x}\nspec: [not, a, mapping\n' >"$T/broken.yaml"
out=$(kubectl apply --dry-run=client --validate=false -f "$T/broken.yaml" 2>&1) && rc=0 || rc=$?
is "$rc" 1 "malformed YAML: the client dry run fails"
printf 'apiVersion: example.invalid/v1\nkind: Nope\nmetadata: {name: x}\n' >"$T/unknown.yaml"
out=$(kubectl apply --dry-run=client --validate=false -f "$T/unknown.yaml" 2>&1) && rc=0 || rc=$?
is "$rc" 1 "an unknown kind: the client dry run fails"
like "$out" 'no matches for kind "Nope"' "and says so"

done_testing
