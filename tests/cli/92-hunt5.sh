#!/bin/bash
# False ticks found by the fifth hunt (notes FINDINGS5): each world where the
# claim is false gets no tick and a reason naming what was seen; its true
# twin still ticks.  The registry is the real docker-registry of the homelab
# example, the git remotes real bare repositories; the cluster is the kube
# stand-in (tests/standin/, with the real kubectl).
. "$(dirname "$0")/../lib.sh"
TASK_TITLE=hunt5
. "$(dirname "$0")/../homelab.sh"
ca=$lab/registry/certs/domain.crt

# ---- F1: a body naming the version as the previous one is not the version ----
# A plain-HTTP loopback server (tests/helpers/health_http.py): /version
# answers 200 with the body body() writes.
mkdir -p "$T/h"
body() { printf '200\n%s' "$1" >"$T/h/version"; }
python3 "$IX_ROOT/tests/helpers/health_http.py" "$T/h" "$T/hport" - - $$ &
HPID=$!
trap 'kill $HPID 2>/dev/null; "$EX/registry.sh" stop "$lab"; rm -rf "$T"' EXIT
for _ in $(seq 100); do [ -s "$T/hport" ] && break; sleep 0.05; done
hurl=http://127.0.0.1:$(cat "$T/hport")
claim="The backend reports 0.1.18: \`curl -s $hurl/version\`"
for b in 'previous 0.1.18, now 0.1.17' '{"previous":"0.1.18","version":"0.1.17"}'; do
    body "$b"
    task TASK-961 "$claim"
    run TASK-961
    is "$(state 0)" remaining "F1: body '$b' does not state 0.1.18 as current: not ticked"
    is "$(ticks TASK-961)" 0 "F1: ... no box ticked on disk"
done
like "$(reason 0)" "saw HTTP 200 (version field 0.1.17)" "F1: a JSON body: the reason names its version field"
body 'previous 0.1.18, now 0.1.17'
run TASK-961
like "$(reason 0)" "needs a person: the body names 0.1.17 besides 0.1.18" "F1: a text naming two versions: the reason names the other"
body "$(python3 -c 'print("[" * 300 + "\"0.1.17\"" + "]" * 300, end="")')"
task TASK-961 "$claim"
run TASK-961
is "$(state 0)" remaining "F1: a JSON body nested past the binding's limit is read as text, not a crash"
like "$(reason 0)" "saw HTTP 200: [[[" "F1: ... the reason shows the body"
body '{"name":"ffl/backend","tags":["0.1.17","0.1.180"]}'
task TASK-961 "$claim"
run TASK-961
is "$(state 0)" remaining "F1: a tag list without 0.1.18: not ticked"
for b in '{"previous":"0.1.17","version":"0.1.18"}' 'backend 0.1.18 (ok)' '{"name":"ffl/backend","tags":["0.1.17","0.1.18"]}'; do
    body "$b"
    task TASK-961 "$claim"
    run TASK-961
    is "$(state 0)" completed "F1: body '$b' states 0.1.18: ticked"
done

# ---- F2: a pod's image from another registry is not the project's image ----
# STAND-IN: no API server can run here; the real kubectl talks to
# tests/standin/ (docs/standin.md says what it does not do).
. "$IX_ROOT/tests/standin/lib.sh"
api=$T/api
mkdir -p "$api"
standin_start "$api" "" 'kill $HPID 2>/dev/null; "$EX/registry.sh" stop "$lab"; rm -rf "$T"'
unset KUBECONFIG # infraexec finds the stand-in through infraexec.yaml alone
printf 'kube:\n  context: homelab\n  kubeconfig: %s\n  settle: 1s\n  stable: 1s\n' "$STANDIN_KUBECONFIG" >>"$lab/infraexec.yaml"
standin_pod "$api" midwestmtg-backend-1 --ns midwestmtg --labels app=midwestmtg-backend \
    --image evil.example/midwestmtg/backend:0.1.18
task TASK-962 "midwestmtg-backend pods running and healthy: version 0.1.18"
run TASK-962
is "$(state 0)" remaining "F2: the pod runs evil.example/midwestmtg/backend:0.1.18: not ticked"
like "$(reason 0)" "no container runs $reg/midwestmtg/backend" "F2: the reason names the image expected at the registry"
is "$(ticks TASK-962)" 0 "F2: no box ticked on disk"
standin_pod "$api" midwestmtg-backend-1 --ns midwestmtg --labels app=midwestmtg-backend \
    --image "$reg/midwestmtg/backend:0.1.18"
task TASK-962 "midwestmtg-backend pods running and healthy: version 0.1.18"
run TASK-962
is "$(state 0)" completed "F2: the pod runs $reg/midwestmtg/backend:0.1.18: ticked"

# ---- F3: a config change with a note naming another app changes one file ----
G=$lab/gitops
head0=$(git -C "$G" rev-parse HEAD)
task TASK-963 "Set spec.interval to 7m in gitops/apps/ffl/helmrelease.yaml (and in midwestmtg's)" \
    "Remove midwestmtg from gitops/clusters/minikube/kustomization.yaml - and ffl too"
run TASK-963
is "$(state 0),$(state 1)" "remaining,remaining" "F3: set/remove with a note naming another app: not ticked"
is "$(reason 0)" "needs a person: the criterion names midwestmtg too; the rule changes only gitops/apps/ffl/helmrelease.yaml" \
    "F3: set: the reason names the app the note adds"
is "$(reason 1)" "needs a person: the note \"and ffl too\" adds a claim ('too') the rule does not check" \
    "F3: remove: the reason names the app the note adds"
is "$(git -C "$G" rev-parse HEAD)" "$head0" "F3: ... nothing committed"
ok "F3: ... the kustomization still lists midwestmtg" grep -q 'apps/midwestmtg' "$G/clusters/minikube/kustomization.yaml"
task TASK-963 "Set spec.interval to 7m in gitops/apps/ffl/helmrelease.yaml (ffl only)" \
    "Remove midwestmtg from gitops/clusters/minikube/kustomization.yaml"
run TASK-963
is "$(state 0),$(state 1)" "completed,completed" "F3: the file's own app and the entry removed: ticked"

# ---- F4: a build or push with a note naming another project does one ----
TABLE=$'| Component | Version |\n|---|---|\n| FFL | 0.1.18 |'
task TASK-964 "Build all FFL containers with version 0.1.18 - and midwestmtg's too" \
    "Push all FFL images to registry $reg (midwestmtg too)"
run TASK-964
is "$(state 0),$(state 1)" "remaining,remaining" "F4: build/push with a note naming midwestmtg: not ticked"
is "$(reason 0)" "needs a person: the note \"and midwestmtg's too\" adds a claim ('too') the rule does not check" \
    "F4: the reason names the project the note adds"
is "$(jq -r '[.criteria[].commands|length]|add' <<<"$out")" 0 "F4: ... no build or push ran"
task TASK-964 "Build all FFL containers with version 0.1.18" "Push all FFL images to registry $reg"
run TASK-964 --dry-run
is "$(jq -r '.criteria[0].would_complete' <<<"$out")" true "F4: the ffl build alone: would tick (dry run)"
like "$(jq -r '.criteria[1].commands[0].argv|join(" ")' <<<"$out")" "build.sh --push all" "F4: ... and the ffl push alone would run"
unset TABLE

# ---- F5: "Remove NAME from kustomization.yaml" with NAME gone from the work tree only ----
# F3's true twin removed and committed midwestmtg; put it back at HEAD, then
# drop it from the work tree by hand without committing.
kz=$G/clusters/minikube/kustomization.yaml
printf '  - ../../apps/midwestmtg\n' >>"$kz"
git -C "$G" -c user.name=t -c user.email=t@t.invalid commit -qam "midwestmtg back"
sed -i '/apps\/midwestmtg/d' "$kz"
task TASK-965 "Remove midwestmtg from gitops/clusters/minikube/kustomization.yaml"
run TASK-965
is "$(state 0)" remaining "F5: HEAD still lists midwestmtg: not ticked"
like "$(reason 0)" "kustomization.yaml in $G: expected committed, saw uncommitted changes" "F5: the reason says the removal is not committed"
is "$(ticks TASK-965)" 0 "F5: no box ticked on disk"
git -C "$G" -c user.name=t -c user.email=t@t.invalid commit -qam "midwestmtg removed by hand"
run TASK-965
is "$(state 0)" completed "F5: the removal committed: ticked"
is "$(reason 0)" "already so" "F5: ... nothing left to do"

# ---- F6: "Verify images are in registry: URL - all 5 images" reads one image ----
registry_push_image "$reg" "$ca" ffl/backend 0.1.18
TABLE=$'| Component | Version |\n|---|---|\n| FFL | 0.1.18 |'
u="\`curl -k https://$reg/v2/ffl/backend/tags/list\`"
task TASK-966 "Verify images are in registry: $u - all 5 images" "Verify images are in registry: $u (both images)" \
    "Verify images are in registry: $u (all images)"
run TASK-966
is "$(state 0),$(state 1),$(state 2)" "remaining,remaining,remaining" "F6: a note claiming more images than the URL reads: not ticked"
is "$(reason 0)" "needs a person: the criterion speaks of 5 images; the command reads 1 (ffl/backend)" "F6: the reason names the count and the image read"
is "$(reason 2)" "needs a person: the criterion speaks of all images; the command reads only ffl/backend (not ffl/frontend)" \
    "F6: 'all images': the reason names the configured image unread"
task TASK-966 "Verify images are in registry: $u" "Verify images are in registry: $u - 1 image"
run TASK-966
is "$(state 0),$(state 1)" "completed,completed" "F6: the image the URL reads, alone or counted right: ticked"
unset TABLE

# ---- F7: `infraexec verify` holds a checked box whose note names another app/project ----
registry_push_image "$reg" "$ca" ffl/frontend 0.1.18
sed -i 's/0\.1\.1[0-9]/0.1.18/' "$G/apps/ffl/helmrelease.yaml"
git -C "$G" -c user.name=t -c user.email=t@t.invalid commit -qam "ffl 0.1.18"
vtask() { # CRITERION: one checked box, the version table at 0.1.18
    { printf -- '---\nid: TASK-967\ntitle: hunt5\nstatus: active\npriority: high\n---\n\n'
      printf '| Component | Version |\n|---|---|\n| FFL | 0.1.18 |\n\n## Acceptance Criteria\n\n- [x] %s\n' "$1"
      printf '\n## Progress Log\n\n- 2026-01-01 00:00: created\n'; } >"$lab/tasks/active/TASK-967.md"
    ix verify TASK-967 --tasks-dir "$lab/tasks" --json -q
}
vtask "Push all FFL images to registry $reg - midwestmtg too"
is "$(jq -r '.criteria[0].check' <<<"$out")" needs_person "F7: verify of a push naming midwestmtg too: does not hold, a person's"
is "$(reason 0)" "needs a person: the note \"midwestmtg too\" adds a claim ('too') the rule does not check" "F7: ... the reason names it"
vtask "Update ffl HelmRelease in gitops repository to version 0.1.18 - midwestmtg too"
is "$(jq -r '.criteria[0].check' <<<"$out")" needs_person "F7: verify of a HelmRelease update naming midwestmtg too: does not hold, a person's"
is "$(reason 0)" "needs a person: the note \"midwestmtg too\" adds a claim ('too') the rule does not check" "F7: ... the reason names it"
vtask "Push all FFL images to registry $reg"
is "$(jq -r '.criteria[0].check' <<<"$out")" holds "F7: ffl's push alone: holds"
vtask "Update ffl HelmRelease in gitops repository to version 0.1.18"
is "$(jq -r '.criteria[0].check' <<<"$out")" holds "F7: ffl's HelmRelease alone: holds"

# ---- F8: "no hardcoded registry IPs in any repository" with a root holding no file ----
mkdir -p "$lab/repos"
sed -i 's|^search_roots:.*|search_roots: [projects, gitops, repos]|' "$lab/infraexec.yaml"
task TASK-968 "Verify no other hardcoded registry IPs exist in any repository"
run TASK-968
is "$(state 0)" remaining "F8: an empty search root (nothing checked out): not ticked"
like "$(reason 0)" "saw no text file to search under $lab/repos" "F8: the reason names the empty root"
printf 'REGISTRY=%s\n' "$reg" >"$lab/repos/env"
task TASK-968 "Verify no other hardcoded registry IPs exist in any repository"
run TASK-968
is "$(state 0)" completed "F8: every root holds files and none the old address: ticked"
sed -i 's|^search_roots:.*|search_roots: [projects, gitops]|' "$lab/infraexec.yaml"

# ---- F9: "Archive NS sealed secret" when the search for SealedSecret files is cut short ----
# Two files of namespace mtg-agents outside the cluster's kustomization, each
# with more lines naming SealedSecret than one search returns (1000).
sed -i 's|^  validate: |  archive: archive\n  validate: |' "$lab/infraexec.yaml"
mkdir -p "$G/extra"
for n in a b; do
    { printf 'apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: %s\n  namespace: mtg-agents\n' "$n"
      printf 'spec:\n  encryptedData:\n    key: AgBy3i4OJSWK+PiTySYZZA==\n'
      for i in $(seq 1001); do printf '# SealedSecret note %d\n' "$i"; done; } >"$G/extra/$n.sealed.yaml"
done
git -C "$G" add extra && git -C "$G" -c user.name=t -c user.email=t@t.invalid commit -qm "mtg-agents secrets"
task TASK-969 "Archive mtg-agents sealed secret"
run TASK-969
is "$(state 0)" remaining "F9: a search cut short: not ticked"
like "$(reason 0)" "needs a person: 1000 or more lines of $G name SealedSecret" "F9: the reason says the search was cut short"
ok "F9: ... both files stay" test -f "$G/extra/a.sealed.yaml" -a -f "$G/extra/b.sealed.yaml"
for n in a b; do sed -i '/^# SealedSecret note/d' "$G/extra/$n.sealed.yaml"; done
git -C "$G" -c user.name=t -c user.email=t@t.invalid commit -qam "short secrets"
task TASK-969 "Archive mtg-agents sealed secret"
run TASK-969
is "$(state 0)" completed "F9: a full search: both files archived, ticked"
ok "F9: ... both moved" test ! -e "$G/extra/a.sealed.yaml" -a ! -e "$G/extra/b.sealed.yaml"
done_testing
