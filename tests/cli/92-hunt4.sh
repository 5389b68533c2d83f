#!/bin/bash
# False ticks found by the fourth hunt (notes FINDINGS4): each world where the
# claim is false gets no tick and a reason naming what was seen; its true
# twin still ticks.  The registry is the real docker-registry of the homelab
# example, the git remotes real bare repositories; from F9 on the cluster is
# the kube stand-in (tests/standin/, with the real kubectl).
. "$(dirname "$0")/../lib.sh"
TASK_TITLE=hunt4
. "$(dirname "$0")/../homelab.sh"

# ---- F1: "use ADDRESS" is not the start of a longer address ----
envf=$lab/projects/ffl/.env.build.local
cp "$envf" "$T/env.orig"
sed -i "s|^REGISTRY_URL=.*|REGISTRY_URL=${reg}1|" "$envf"
task TASK-941 "Update ffl .env.build.local to use $reg"
run TASK-941
is "$(state 0)" remaining "F1: a file naming ${reg}1 is not ticked as using $reg"
like "$(reason 0)" ".env.build.local: expected contains =$reg, saw it does not" "F1: the reason names the file and what it lacks"
is "$(ticks TASK-941)" 0 "F1: no box ticked on disk"
cp "$T/env.orig" "$envf"
task TASK-941 "Update ffl .env.build.local to use $reg"
run TASK-941
is "$(state 0)" completed "F1: the file naming $reg itself ticks"

# ---- F2: no old address configured: nothing was searched for ----
sed -i 's|^  old_addresses:.*|  old_addresses: []|' "$lab/infraexec.yaml"
task TASK-942 "Verify no other hardcoded registry IPs exist in any repository"
run TASK-942
is "$(state 0)" remaining "F2: with no old address to look for, not ticked"
like "$(reason 0)" "registry.old_addresses in infraexec.yaml is empty, so no address is searched for" "F2: the reason says nothing was searched for"
sed -i 's|^  old_addresses:.*|  old_addresses: [192.0.2.18:5000]|' "$lab/infraexec.yaml"
task TASK-942 "Verify no other hardcoded registry IPs exist in any repository"
run TASK-942
is "$(state 0)" completed "F2: with an old address configured and absent, ticked"
like "$(jq -r '.criteria[0].evidence[0].seen' <<<"$out")" "none in " "F2: ... the evidence counts the files searched"

# ---- F3: every tags/list URL of the criterion is read, not only the first ----
ca=$lab/registry/certs/domain.crt
registry_push_image "$reg" "$ca" ffl/backend 0.1.18
TABLE=$'| Component | Version |\n|---|---|\n| FFL | 0.1.18 |'
two="Verify images are in registry: \`curl -k https://$reg/v2/ffl/backend/tags/list\` and \`curl -k https://$reg/v2/ffl/frontend/tags/list\`"
task TASK-943 "$two"
run TASK-943
is "$(state 0)" remaining "F3: the second URL's image has no tag: not ticked"
like "$(reason 0)" "https://$reg/v2/ffl/frontend/tags/list: expected tag 0.1.18, saw no tags" "F3: the reason names the unread image"
registry_push_image "$reg" "$ca" ffl/frontend 0.1.18
run TASK-943
is "$(state 0)" completed "F3: both images at 0.1.18: ticked"
is "$(jq -r '[.criteria[0].evidence[].looked_at|select(endswith("tags/list"))]|join(" ")' <<<"$out")" \
    "https://$reg/v2/ffl/backend/tags/list https://$reg/v2/ffl/frontend/tags/list" "F3: ... with both tag lists as evidence"
unset TABLE

# ---- F4: a task named by a path relative to another directory still has its version table ----
# The registry holds ffl/backend 0.1.18 only; the task's table says 0.1.19.
TABLE=$'| Component | Version |\n|---|---|\n| FFL | 0.1.19 |'
task TASK-944 "Verify images are in registry: \`curl -k https://$reg/v2/ffl/backend/tags/list\`"
unset TABLE
for how in "run lab/tasks/active/TASK-944.md" "run TASK-944 --tasks-dir lab/tasks"; do
    out=$(cd "$T" && "$IX_BIN" $how --json -q 2>/dev/null)
    is "$(state 0)" remaining "F4: $how (from the lab's parent): the table's 0.1.19 is checked, not ticked"
    like "$(reason 0)" "expected tag 0.1.19, saw tags 0.1.18" "F4: ... the reason names the version and the tags seen"
done
is "$(ticks TASK-944)" 0 "F4: no box ticked on disk"
registry_push_image "$reg" "$ca" ffl/backend 0.1.19
out=$(cd "$T" && "$IX_BIN" run lab/tasks/active/TASK-944.md --json -q 2>/dev/null)
is "$(state 0)" completed "F4: with 0.1.19 pushed, the relative path ticks"

# ---- F5: `curl URL` is the URL's own answer, a redirect elsewhere is not followed ----
# A plain-HTTP loopback server (tests/helpers/health_http.py): /login
# answers 200; /health answers what $T/h/health says (a 302 to /login, then 200).
mkdir -p "$T/h"
printf '200\n<html>Sign in</html>' >"$T/h/login"
python3 "$IX_ROOT/tests/helpers/health_http.py" "$T/h" "$T/hport" - - $$ &
HPID=$!
trap 'kill $HPID 2>/dev/null; "$EX/registry.sh" stop "$lab"; rm -rf "$T"' EXIT
for _ in $(seq 100); do [ -s "$T/hport" ] && break; sleep 0.05; done
hurl=http://127.0.0.1:$(cat "$T/hport")
printf '302\n%s/login' "$hurl" >"$T/h/health"
task TASK-945 "The backend health endpoint answers: \`curl -s $hurl/health\`" \
    "Backend health returns 200: \`curl -sfL $hurl/health\`"
run TASK-945
is "$(state 0),$(state 1)" "remaining,remaining" "F5: a redirect to a login page ticks neither"
is "$(reason 0)" "$hurl/health: expected HTTP 2xx, saw HTTP 302 to $hurl/login" "F5: the reason names the redirect and its target"
like "$(reason 1)" "expected HTTP 200, saw HTTP 302 to $hurl/login" "F5: ... with -L too"
is "$(ticks TASK-945)" 0 "F5: no box ticked on disk"
printf '200\n{"status":"ok"}' >"$T/h/health"
run TASK-945
is "$(state 0),$(state 1)" "completed,completed" "F5: the URL itself answering 200 ticks both"

# ---- F6: "committed" is HEAD holding the file, not only no change in git status ----
# The release file already says 0.1.18 but is ignored and untracked: in no
# status, in no commit, never on the remote.
G=$lab/gitops
gq() { git -C "$G" -c user.name=t -c user.email=t@t.invalid "$@" >/dev/null 2>&1; }
sed -i 's/0\.1\.17/0.1.18/g' "$G/apps/ffl/helmrelease.yaml"
gq rm -q --cached apps/ffl/helmrelease.yaml
echo apps/ffl/helmrelease.yaml >>"$G/.gitignore"
gq add .gitignore && gq commit -m "ignore the ffl release" && gq push origin HEAD:main
task TASK-946 "Update ffl HelmRelease in gitops repository to version 0.1.18"
run TASK-946
is "$(state 0)" remaining "F6: an ignored, untracked release file is not taken as committed"
like "$(reason 0)" "helmrelease.yaml in $G: expected committed, saw not in HEAD" "F6: the reason says HEAD lacks the file"
is "$(ticks TASK-946)" 0 "F6: no box ticked on disk"
sed -i '/apps\/ffl\/helmrelease.yaml/d' "$G/.gitignore"
gq add .gitignore apps/ffl/helmrelease.yaml && gq commit -m "track the ffl release again" && gq push origin HEAD:main
sed -i 's/0\.1\.18/0.1.17/g' "$G/apps/ffl/helmrelease.yaml" && gq commit -am "back to 0.1.17" && gq push origin HEAD:main
task TASK-946 "Update ffl HelmRelease in gitops repository to version 0.1.18"
run TASK-946
is "$(state 0)" completed "F6: tracked, the release is set, committed and pushed: ticked"
is "$(git -C "$lab/gitops.git" show main:apps/ffl/helmrelease.yaml | grep -c '0\.1\.18')" 2 "F6: ... and the remote holds it"

# ---- F7: a note that the action is cancelled or waits for approval: never run ----
task TASK-947 "Create marker: \`touch $T/m1\` (cancelled)" "Create marker: \`touch $T/m2\` (needs approval)" \
    "Create marker: \`touch $T/m3\` (superseded by TASK-9)" "Create marker: \`touch $T/m4\`"
run TASK-947
is "$(state 0),$(state 1),$(state 2),$(state 3)" "remaining,remaining,remaining,completed" "F7: the cancelled, awaiting and superseded ones are not ticked; the plain one is"
like "$(reason 0)" "needs a person: 'cancelled ...' is a condition a person must judge" "F7: the reason names the note"
ok "F7: the cancelled action did not run" test ! -e "$T/m1" -a ! -e "$T/m2" -a ! -e "$T/m3"
ok "F7: ... the plain one did" test -e "$T/m4"

# ---- F8: "Fix ... (see TASK-N)": not on the task's own status, nor on a status its open boxes deny ----
{ printf -- '---\nid: TASK-948\ntitle: hunt4\nstatus: completed\n---\n\n## Acceptance Criteria\n\n'
  printf -- '- [ ] Fix triager build failure (see TASK-948)\n\n## Progress Log\n\n- 2026-01-01 00:00: created\n'; } \
    >"$lab/tasks/active/TASK-948.md"
run TASK-948
is "$(state 0)" remaining "F8: a task pointing at itself is not ticked on its own status"
is "$(reason 0)" "needs a person: the criterion points at TASK-948, this task itself; its own status proves nothing" \
    "F8: the reason says it is this task"
mkdir -p "$lab/tasks/completed"
{ printf -- '---\nid: TASK-949\ntitle: the fix\nstatus: completed\n---\n\n## Acceptance Criteria\n\n'
  printf -- '- [x] Find the cause\n- [ ] Fix the build\n\n## Progress Log\n\n- 2026-01-01 00:00: created\n'; } \
    >"$lab/tasks/completed/TASK-949.md"
task TASK-950 "Fix triager build failure (see TASK-949)"
run TASK-950
is "$(state 0)" remaining "F8: status completed with an open box is not ticked"
like "$(reason 0)" "TASK-949.md: expected status completed, saw status completed (in completed/), but 1 of 2 criteria checked" \
    "F8: the reason names the open box"
sed -i 's/- \[ \] Fix the build/- [x] Fix the build/' "$lab/tasks/completed/TASK-949.md"
run TASK-950
is "$(state 0)" completed "F8: every box checked and completed: ticked"

# ---- F9: a note naming another release claims it too ----
# STAND-IN: no API server can run here; the real kubectl talks to
# tests/standin/ (docs/standin.md says what it does not do).
. "$IX_ROOT/tests/standin/lib.sh"
api=$T/api
mkdir -p "$api"
standin_start "$api" "" 'kill $HPID 2>/dev/null; "$EX/registry.sh" stop "$lab"; rm -rf "$T"'
unset KUBECONFIG # infraexec finds the stand-in through infraexec.yaml alone
printf 'kube:\n  context: homelab\n  kubeconfig: %s\n  settle: 1s\n  stable: 1s\n' "$STANDIN_KUBECONFIG" >>"$lab/infraexec.yaml"
standin_pod "$api" midwestmtg-backend-1 --ns midwestmtg --labels app=midwestmtg-backend
standin_pod "$api" midwestmtg-frontend-1 --ns midwestmtg --labels app=midwestmtg-frontend --state crashloop
task TASK-951 "midwestmtg-backend pods running and healthy - and midwestmtg-frontend pods too" \
    "midwestmtg-backend pods running and healthy (also midwestmtg-frontend)" \
    "midwestmtg-backend pods running and healthy: \`kubectl get pods -n midwestmtg\`" \
    "midwestmtg-backend service exists and is accessible (and midwestmtg-frontend)" \
    "midwestmtg-backend HelmRelease deploys successfully - midwestmtg-frontend too"
run TASK-951
is "$(state 0),$(state 1),$(state 2)" "remaining,remaining,completed" \
    "F9: the backend's pods with a note naming the crash-looping frontend: not ticked; alone (a command aside): ticked"
is "$(reason 0)" "needs a person: the note \"and midwestmtg-frontend pods too\" adds a claim ('too') the rule does not check" \
    "F9: the reason names the release the note adds"
like "$(reason 3)" "needs a person: the criterion names midwestmtg-frontend too; the rule reads only midwestmtg-backend" \
    "F9: the same for a Service"
like "$(reason 4)" "needs a person: the note \"midwestmtg-frontend too\" adds a claim ('too') the rule does not check" \
    "F9: the same for a HelmRelease"
is "$(ticks TASK-951)" 1 "F9: only the plain one ticked on disk"

# ---- F10: a version in a note that says more about it is not the build's ----
TABLE=$'| Component | Version |\n|---|---|\n| FFL | 0.1.18 |'
task TASK-952 "Build all FFL containers — version 0.1.11 is broken" \
    "Build all FFL containers (version 0.1.11 was the last good one)" "Build all FFL containers"
unset TABLE
run TASK-952
is "$(state 0),$(state 1),$(state 2)" "remaining,remaining,remaining" "F10: no build at a version a note calls broken"
like "$(reason 0)" "needs a person: the criterion names a version in a note that says more about it (\"version 0.1.11 is broken\")" \
    "F10: the reason quotes the note"
like "$(reason 2)" "needs a person: criterion 1 (line 14) names a version in a note that says more about it" \
    "F10: nor for a criterion taking the version from another criterion"
is "$(jq -r '[.criteria[].commands|length]|add' <<<"$out")" 0 "F10: no build ran"
task TASK-953 "Build all FFL containers (v0.1.18)" "Build all FFL containers - version 0.1.18"
run TASK-953 --dry-run
is "$(jq -r '[.criteria[].would_complete]|join(",")' <<<"$out")" "true,true" "F10: a note that is only the version still gives it (dry run)"
is "$(jq -r '[.criteria[].commands[0].env.VERSION]|join(",")' <<<"$out")" "0.1.18,0.1.18" "F10: ... the build would get 0.1.18"

# ---- F11: "Remove NAME from kustomization.yaml" is not done while NAME.yaml is listed ----
task TASK-954 "Remove helmrelease-frontend from gitops/apps/midwestmtg/kustomization.yaml"
run TASK-954
is "$(state 0)" remaining "F11: helmrelease-frontend.yaml still listed: not ticked"
like "$(reason 0)" "kustomization.yaml: expected no resource helmrelease-frontend, saw helmrelease-frontend.yaml on line" \
    "F11: the reason names the entry left"
ok "F11: ... and the file still lists it" grep -q 'helmrelease-frontend.yaml' "$lab/gitops/apps/midwestmtg/kustomization.yaml"
task TASK-955 "Remove midwestmtg from gitops/clusters/minikube/kustomization.yaml"
run TASK-955
is "$(state 0)" completed "F11: a directory entry named by the criterion is removed and ticked"

# ---- F12: "no resources in NS" sees a PersistentVolumeClaim and an Ingress left ----
cat >"$api/ns.yaml" <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: mtg-agents}
status: {phase: Active}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: agents-data, namespace: mtg-agents}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
status: {phase: Bound}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: agents-web, namespace: mtg-agents}
spec: {rules: [{host: agents.lab}]}
YAML
task TASK-956 "Verify no running pods or resources in mtg-agents namespace"
run TASK-956
is "$(state 0)" remaining "F12: a volume claim and an ingress left: not ticked"
like "$(reason 0)" "saw PersistentVolumeClaim agents-data, Ingress agents-web" "F12: the reason names both"
printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: mtg-agents}\nstatus: {phase: Active}\n' >"$api/ns.yaml"
run TASK-956
is "$(state 0)" completed "F12: the namespace empty: ticked"
is "$(jq -r '.criteria[0].evidence[0].seen' <<<"$out")" "none (namespace mtg-agents exists, Active)" "F12: ... and the evidence says so"

# ---- F13: an access-control claim is not shown by a 2xx ----
printf '200\n{"status":"ok"}' >"$T/h/health"
task TASK-957 "The admin API is protected: \`curl -s $hurl/login\`" \
    "The catalog requires authentication: \`curl -s $hurl/login\`" \
    "Anonymous users get 401: \`curl -s $hurl/health\`"
run TASK-957
is "$(state 0),$(state 1),$(state 2)" "remaining,remaining,remaining" "F13: 'protected', 'requires authentication', 'get 401' on a 200: none ticked"
is "$(reason 0)" "needs a person: the criterion claims an absence or refusal (\"protected\"); an answer from $hurl/login cannot show it" \
    "F13: the reason names the word"
is "$(reason 2)" "$hurl/health: expected HTTP 401, saw HTTP 200" "F13: the status the prose names is the one expected"
printf '401\n{"status":"ok"}' >"$T/h/health"
run TASK-957
is "$(state 2)" completed "F13: the URL answering 401: 'get 401' ticked"

# ---- F14: "Document all IPs in FILE" writes and checks FILE, not another ----
cp "$lab/docs/architecture.md" "$T/arch.orig"
task TASK-958 "Document all IPs in projects/ffl/README.md"
run TASK-958
is "$(state 0)" remaining "F14: a file other than architecture_doc: not ticked"
like "$(reason 0)" "the criterion names projects/ffl/README.md but architecture_doc in infraexec.yaml is" "F14: the reason names both"
ok "F14: ... and architecture_doc is unchanged" cmp -s "$lab/docs/architecture.md" "$T/arch.orig"
task TASK-958 "Document all IPs in docs/architecture.md"
run TASK-958
is "$(state 0)" completed "F14: architecture_doc itself: ticked"

# ---- F15: the same for an app's sealed secrets and migrations ----
standin_sealedsecret "$api" ffl-env --ns ffl --ready true
standin_secret "$api" ffl-env --ns ffl --keys password
standin_sealedsecret "$api" mtg-env --ns midwestmtg --ready false
task TASK-959 "All ffl sealed secrets decrypted - and midwestmtg's too" "All ffl sealed secrets decrypted"
run TASK-959
is "$(state 0),$(state 1)" "remaining,completed" "F15: ffl's with a note naming midwestmtg (unsynced): not ticked; ffl's alone: ticked"
is "$(reason 0)" "needs a person: the note \"and midwestmtg's too\" adds a claim ('too') the rule does not check" "F15: the reason names the app the note adds"

# ---- F16: "Update ffl HelmRelease ... - midwestmtg too" changes nothing ----
head_before=$(git -C "$lab/gitops" rev-parse HEAD)
task TASK-960 "Update ffl HelmRelease in gitops repository to version 0.1.19 - midwestmtg too"
run TASK-960
is "$(state 0)" remaining "F16: a release update whose note names another app: not ticked"
is "$(reason 0)" "needs a person: the note \"midwestmtg too\" adds a claim ('too') the rule does not check" \
    "F16: the reason names the app the note adds"
is "$(git -C "$lab/gitops" rev-parse HEAD)" "$head_before" "F16: ... and no commit"
ok "F16: ... and no edit" git -C "$lab/gitops" diff --quiet

# ---- F17: "No ... pods in NS namespace" for a namespace that does not exist says nothing ----
task TASK-961 "No CrashLoopBackOff pods in midwestmgt namespace" "No ImagePullBackOff pods in midwestmtg namespace"
run TASK-961
is "$(state 0),$(state 1)" "remaining,completed" "F17: a misspelt namespace is not ticked; the real one (no ImagePullBackOff there) is"
like "$(reason 0)" "saw no namespace midwestmgt" "F17: the reason says the namespace does not exist"

done_testing
