#!/bin/bash
# Tasks that point at tasks, update them, document their versions, and
# retire a GitOps directory into the archive, on real parts: the homelab
# example's real registry (images put there through its API), real git
# repositories, validation with the real `kubectl kustomize`.  Each wording
# in a world where its claim is true (ticked, with evidence read back) and
# one where it is false (no tick, the reason names what was seen), bad
# inputs (task ids that climb, a malformed or locked task, paths escaping
# the repository) refused with files unchanged, and dry runs that write
# nothing.
. "$(dirname "$0")/../lib.sh"
EX=$IX_ROOT/examples/homelab

lab=$T/lab
reg=$("$EX/setup.sh" "$lab")
"$EX/registry.sh" start "$lab"
lock_pid=""
trap '[ -z "$lock_pid" ] || kill "$lock_pid" 2>/dev/null; "$EX/registry.sh" stop "$lab"; rm -rf "$T"' EXIT
cacert=$lab/registry/certs/domain.crt
G=$lab/gitops
commit() { git -C "$1" add -A && git -C "$1" commit -q -m "$2"; }

# A project whose build only says so: "Build all triager containers" runs it.
sed -i 's|^projects:$|projects:\n  triager:\n    path: projects/ffl\n    build: [sh, -c, "echo building triager $VERSION"]\n    images: [triager/orchestrator]|' \
    "$lab/infraexec.yaml"

task() { # FOLDER ID STATUS CRITERIA... ("x:" before a criterion: checked)
    local dir=$1 id=$2 status=$3; shift 3
    mkdir -p "$lab/tasks/$dir"
    { printf -- '---\nid: %s\ntitle: %s\nstatus: %s\npriority: high\nlabels: [deployment]\nupdated: 2026-01-01\n---\n\n## Acceptance Criteria\n\n' \
        "$id" "$id" "$status"
      for c in "$@"; do
          case $c in x:*) printf -- '- [x] %s\n' "${c#x:}" ;; *) printf -- '- [ ] %s\n' "$c" ;; esac
      done
      printf '\n## Progress Log\n\n- 2026-01-01 00:00: created\n'; } >"$lab/tasks/$dir/$id.md"
}
run_json() { ix run "$1" --tasks-dir "$lab/tasks" --json -q "${@:2}"; }
states() { jq -r '[.criteria[].state]|join(",")' <<<"$out"; }
reason() { jq -r ".criteria[$1].reason" <<<"$out"; }
evid() { jq -r ".criteria[$1].evidence|map(\"\(.ok)|\(.looked_at)|\(.expected)|\(.seen)\")|join(\"\\n\")" <<<"$out"; }

# ---- "Debug and fix ... (see TASK-005)": done when TASK-005 is completed ----
task completed TASK-005 completed "x:Fix the build"
task active TASK-006 active "Fix the other build"
task active TASK-201 active "Debug and fix triager build failure (see TASK-005)"
run_json TASK-201
is "$(states)" completed "see TASK-005, completed: ticked"
is "$(evid 0)" "true|$lab/tasks/completed/TASK-005.md|status completed|status completed (in completed/)" \
    "see TASK-005: the evidence names its file and status"
like "$(cat "$lab/tasks/active/TASK-201.md")" "evidence: $lab/tasks/completed/TASK-005.md" \
    "see TASK-005: the evidence is beside the tick"
# A condition inside: TASK-005 being done says nothing of a failure that may recur.
task active TASK-206 active "Fix triager build failure if it recurs (see TASK-005)" \
    "Debug and fix triager build failure whenever it recurs (see TASK-005)"
run_json TASK-206
is "$(states)" "remaining,remaining" "\"if it recurs\" / \"whenever it recurs\" (see TASK-005, completed): not ticked"
is "$(reason 0)" "needs a person: 'if ...' makes it conditional; TASK-005 being completed does not say whether it applies" \
    "... the reason names the condition and the task"
like "$(reason 1)" "needs a person: 'whenever ...' makes it conditional" "... whenever too"
task active TASK-202 active "Debug and fix triager build failure (see TASK-006)"
run_json TASK-202
is "$(states)" remaining "see TASK-006, active: not ticked"
is "$(reason 0)" "$lab/tasks/active/TASK-006.md: expected status completed, saw status active (in active/)" \
    "see TASK-006: the reason names its file and status"
task active TASK-203 active "Debug and fix triager build failure (see TASK-009)"
run_json TASK-203
is "$(states)" remaining "see TASK-009, missing: not ticked"
like "$(reason 0)" "no task TASK-009 in $lab/tasks" "see TASK-009: the reason says there is no such task"
task active TASK-204 active "Debug and fix triager build failure (see TASK-../../x)"
run_json TASK-204
is "$(states)" remaining "see TASK-../../x: not ticked"
like "$(reason 0)" '"TASK-../../x" is not a task id' "see TASK-../../x: refused as a task id"
# A file in active/ that calls itself another task is not that task.
sed 's/^id: TASK-006$/id: TASK-007/' "$lab/tasks/active/TASK-006.md" >"$lab/tasks/active/TASK-008.md"
task active TASK-205 active "Fix the build failure (see TASK-008)"
run_json TASK-205
like "$(reason 0)" "TASK-008.md: its frontmatter says id 'TASK-007', not TASK-008" \
    "see TASK-008 whose file says TASK-007: not taken for it"
rm "$lab/tasks/active/TASK-008.md"
# A task file that is a symlink (to anything) is not read through.
ln -s /etc/hostname "$lab/tasks/backlog/TASK-009.md"
run_json TASK-203
like "$(reason 0)" "$lab/tasks/backlog/TASK-009.md: is a symbolic link; not followed" "see TASK-009, a symlink: not followed"
rm "$lab/tasks/backlog/TASK-009.md"

# ---- "Update TASK-002 with triager build status" ----
task backlog TASK-002 active "x:Build all triager containers with version 0.1.1"
cp "$lab/tasks/backlog/TASK-002.md" "$T/002.orig"
task active TASK-211 active "Build all triager containers with version 0.1.1" "Update TASK-002 with triager build status"
cp "$lab/tasks/active/TASK-211.md" "$T/211.orig"
ix run TASK-211 --tasks-dir "$lab/tasks" --dry-run -q
is "$rc" 0 "update TASK-002, dry run: both would complete"
like "$out" "+- 2026-11-25 12:34: TASK-211: triager build status, as its run observed: criterion 1" \
    "dry run: the diff of TASK-002's new entry"
ok "dry run: TASK-002 untouched" cmp "$lab/tasks/backlog/TASK-002.md" "$T/002.orig"
ok "dry run: TASK-211 untouched" cmp "$lab/tasks/active/TASK-211.md" "$T/211.orig"
run_json TASK-211
is "$(states)" completed,completed "update TASK-002: the build and the update ticked"
entry='TASK-211: triager build status, as its run observed: criterion 1 "Build all triager containers with version 0.1.1" completed (`sh -c echo building triager $VERSION`: exit 0)'
is "$(sed -n '/^## Progress Log/,$p' "$lab/tasks/backlog/TASK-002.md" | tail -1)" "- 2026-11-25 12:34: $entry" \
    "TASK-002's Progress Log: what this run observed of the triager build"
is "$(evid 1)" "true|Progress Log of $lab/tasks/backlog/TASK-002.md|an entry 2026-11-25 12:34: $entry|line 17: 2026-11-25 12:34: $entry" \
    "update TASK-002: the evidence is the entry read back"
is "$(diff "$T/002.orig" "$lab/tasks/backlog/TASK-002.md" | grep -c '^[<>]')" 3 \
    "TASK-002: only updated: and the new entry changed"
cp "$lab/tasks/backlog/TASK-002.md" "$T/002.now"
# Nothing observed: a decision is no fact of this run.
task active TASK-212 active "Update TASK-002 to reflect MTG Dev Agents removal decision"
run_json TASK-212
is "$(states)" remaining "update TASK-002 with a decision: not ticked"
like "$(reason 0)" "needs a person: this run observed nothing about MTG Dev Agents removal decision to write into TASK-002" \
    "a decision: needs a person, nothing observed"
ok "a decision: TASK-002 unchanged" cmp "$lab/tasks/backlog/TASK-002.md" "$T/002.now"
# Malformed TASK-002: the reason names file:line, nothing changes.
printf -- '---\nid: TASK-002\ntitle: [unclosed\n---\n\n## Acceptance Criteria\n\n- [ ] x\n' >"$lab/tasks/backlog/TASK-002.md"
cp "$lab/tasks/backlog/TASK-002.md" "$T/002.bad"
task active TASK-213 active "Build all triager containers with version 0.1.1" "Update TASK-002 with triager build status"
run_json TASK-213
is "$(states)" completed,remaining "malformed TASK-002: the update not ticked"
like "$(reason 1)" "$lab/tasks/backlog/TASK-002.md:4:1: invalid YAML frontmatter" "malformed TASK-002: the reason names file:line"
ok "malformed TASK-002: unchanged" cmp "$lab/tasks/backlog/TASK-002.md" "$T/002.bad"
cp "$T/002.now" "$lab/tasks/backlog/TASK-002.md"
# TASK-002 being run elsewhere (its run lock held): not written.
mkdir -p "$lab/.infraexec/locks"
flock "$lab/.infraexec/locks/TASK-002.lock" sleep 60 &
lock_pid=$!
for _ in $(seq 50); do flock -n "$lab/.infraexec/locks/TASK-002.lock" true || break; sleep 0.1; done
task active TASK-214 active "Build all triager containers with version 0.1.1" "Update TASK-002 with triager build status"
run_json TASK-214
is "$(states)" completed,remaining "locked TASK-002: the update not ticked"
like "$(reason 1)" "TASK-002: already being run by" "locked TASK-002: the reason says it is being run"
ok "locked TASK-002: unchanged" cmp "$lab/tasks/backlog/TASK-002.md" "$T/002.now"
kill "$lock_pid"; wait "$lock_pid" 2>/dev/null; lock_pid=""
task active TASK-216 active "Build all triager containers with version 0.1.1" "Update TASK-216 with triager build status"
run_json TASK-216
like "$(reason 1)" "TASK-216 is the running task itself" "update the running task through another's way: refused"
task active TASK-215 active "Update TASK-../../x with triager build status"
run_json TASK-215
like "$(reason 0)" '"TASK-../../x" is not a task id' "update TASK-../../x: refused as a task id"

# ---- "Document final versions in this task" ----
registry_push_image "$reg" "$cacert" ffl/backend 0.1.18
task active TASK-221 active "x:Build all FFL containers with version 0.1.18" "Document final versions in this task"
run_json TASK-221
is "$(states)" previously_completed,remaining "final versions, ffl/frontend not in the registry: not ticked"
is "$(reason 1)" "not documented: https://$reg/v2/ffl/frontend/tags/list: expected tag 0.1.18, saw no tags" \
    "final versions: the reason names what the registry answered"
unlike "$(cat "$lab/tasks/active/TASK-221.md")" "## Final Versions" "final versions: no table written"
registry_push_image "$reg" "$cacert" ffl/frontend 0.1.18
run_json TASK-221
is "$(states)" previously_completed,remaining "final versions, HelmRelease at 0.1.17: not ticked"
like "$(reason 1)" "image.tag 0.1.18, saw spec.values.backend.image.tag 0.1.17" "final versions: the HelmRelease's tag is named (expected and seen)"
ix yaml set "$G/apps/ffl/helmrelease.yaml" spec.values.backend.image.tag 0.1.18
ix yaml set "$G/apps/ffl/helmrelease.yaml" spec.values.frontend.image.tag 0.1.18
commit "$G" "ffl to 0.1.18"
cp "$lab/tasks/active/TASK-221.md" "$T/221.orig"
ix run TASK-221 --tasks-dir "$lab/tasks" --dry-run -q
is "$rc" 0 "final versions, dry run: would complete"
like "$out" "+## Final Versions" "dry run: the diff of the section"
ok "dry run: TASK-221 untouched" cmp "$lab/tasks/active/TASK-221.md" "$T/221.orig"
run_json TASK-221
is "$(states)" previously_completed,completed "final versions, all confirmed: ticked"
table=$'| Project | Image | Version |\n|---|---|---|\n| ffl | ffl/backend | 0.1.18 |\n| ffl | ffl/frontend | 0.1.18 |'
is "$(sed -n '/^## Final Versions$/,/^## Progress Log$/p' "$lab/tasks/active/TASK-221.md")" \
    "## Final Versions"$'\n\n'"$table"$'\n\n'"## Progress Log" "the table is in the task file, before the Progress Log"
is "$(jq -r '.criteria[1].evidence[-1]|"\(.ok)|\(.expected)"' <<<"$out")" "true|$(tr '\n' ' ' <<<"$table" | sed 's/ $//')" \
    "final versions: the evidence is the table read back"
is "$(jq -r '[.criteria[1].evidence[]|.looked_at]|map(select(test("tags/list")))|length' <<<"$out")" 2 \
    "final versions: each image's tag was asked of the registry"
# Again: the section is replaced, not added twice.
sed -i 's/^- \[x\] Document final versions/- [ ] Document final versions/' "$lab/tasks/active/TASK-221.md"
run_json TASK-221
is "$(grep -c '^## Final Versions$' "$lab/tasks/active/TASK-221.md")" 1 "final versions again: one section"
task active TASK-222 active "Document final versions in this task"
run_json TASK-222
like "$(reason 0)" "needs a person: the task names no version for any project" "final versions, no version named: needs a person"
# A project the task gives two versions for is not left out of the table.
task active TASK-223 active "x:Build all FFL containers with version 0.1.18" "Document final versions in this task"
sed -i 's/^## Acceptance Criteria$/| Component | Version |\n|---|---|\n| triager orchestrator | 0.2.0 |\n| triager worker | 0.2.1 |\n\n&/' \
    "$lab/tasks/active/TASK-223.md"
run_json TASK-223
is "$(states)" previously_completed,remaining "final versions, triager's version unclear: not ticked"
like "$(reason 1)" "needs a person: the task's version table gives triager 2 different versions" \
    "... the reason names the project and the versions"
unlike "$(cat "$lab/tasks/active/TASK-223.md")" "## Final Versions" "... and no table is written"

# ---- "Remove or archive gitops/apps/mtg-agents directory" ----
mkdir -p "$G/apps/mtg-agents"
printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ingress.yaml\n' >"$G/apps/mtg-agents/kustomization.yaml"
printf 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: mtg-agents\n  namespace: mtg-agents\nspec:\n  rules: []\n' >"$G/apps/mtg-agents/ingress.yaml"
printf '  - ../../apps/mtg-agents\n' >>"$G/clusters/minikube/kustomization.yaml"
commit "$G" "mtg-agents"
task active TASK-231 active "Remove or archive gitops/apps/mtg-agents directory"
run_json TASK-231
is "$(states)" remaining "archive without gitops.archive: not ticked"
like "$(reason 0)" "needs a person: no gitops.archive in infraexec.yaml" "no gitops.archive: needs a person, naming the key"
sed -i 's|^  validate: |  archive: archive\n  validate: |' "$lab/infraexec.yaml"
head=$(git -C "$G" rev-parse HEAD)
run_json TASK-231
is "$(states)" remaining "archive, directory still referenced: not ticked"
like "$(reason 0)" "validation failed: exit 1: " "referenced: the reason is the validation's failure"
like "$(reason 0)" "accumulating resources from '../../apps/mtg-agents'" "referenced: ... and what kustomize said"
like "$(reason 0)" "(moving apps/mtg-agents to archive/mtg-agents-20261125; moved back)" "referenced: moved back"
ok "referenced: the directory is back" test -f "$G/apps/mtg-agents/ingress.yaml"
ok "referenced: no archive left" test ! -e "$G/archive"
is "$(git -C "$G" status --porcelain):$(git -C "$G" rev-parse HEAD)" ":$head" "referenced: nothing changed, nothing committed"
for bad in "gitops/../../etc" "gitops/apps/../../../x" "/etc/ssl"; do
    task active TASK-232 active "Remove or archive $bad directory"
    run_json TASK-232
    is "$(states)" remaining "archive $bad: not ticked"
    like "$(reason 0)" "outside the directories" "archive $bad: refused as outside the repository"
done
is "$(git -C "$G" status --porcelain):$(git -C "$G" rev-parse HEAD)" ":$head" "bad paths: nothing changed"
mkdir -p "$T/outside/d" && echo precious >"$T/outside/d/f"
ln -s "$T/outside/d" "$G/apps/evil"
task active TASK-233 active "Remove or archive gitops/apps/evil directory"
run_json TASK-233
like "$(reason 0)" "needs a person: apps/evil has uncommitted changes" "an uncommitted path: needs a person"
commit "$G" "a link out of the repository"
run_json TASK-233
like "$(reason 0)" "apps/evil: is a symbolic link; not moved" "a symlink to outside: not moved"
ok "a symlink to outside: its target untouched" test -f "$T/outside/d/f"
git -C "$G" rm -q apps/evil && git -C "$G" commit -qm "no link"
head=$(git -C "$G" rev-parse HEAD)
sed -i '/mtg-agents/d' "$G/clusters/minikube/kustomization.yaml"
commit "$G" "mtg-agents out of the cluster"
head=$(git -C "$G" rev-parse HEAD)
ix run TASK-231 --tasks-dir "$lab/tasks" --dry-run -q
is "$rc" 0 "archive, dry run: would complete"
like "$out" "(moved to $G/archive/mtg-agents-20261125)" "dry run: the move is shown"
ok "dry run: nothing moved" test -f "$G/apps/mtg-agents/ingress.yaml"
is "$(git -C "$G" rev-parse HEAD)" "$head" "dry run: nothing committed"
# A name of gitops.names before the path is the GitOps repository too.
cp "$lab/infraexec.yaml" "$T/cfg.names"
sed -i 's|^  path: gitops$|&\n  names: [beckerkube]|' "$lab/infraexec.yaml"
task active TASK-234 active "Remove or archive beckerkube/apps/mtg-agents directory"
ix run TASK-234 --tasks-dir "$lab/tasks" --dry-run -q
is "$rc" 0 "gitops.names [beckerkube]: beckerkube/apps/mtg-agents would be archived"
like "$out" "(moved to $G/archive/mtg-agents-20261125)" "... as the GitOps repository's apps/mtg-agents"
cp "$T/cfg.names" "$lab/infraexec.yaml"
ix run TASK-234 --tasks-dir "$lab/tasks" --dry-run -q
unlike "$out" "(moved to $G/archive" "without gitops.names: beckerkube/ is not this repository"
rm "$lab/tasks/active/TASK-234.md"
run_json TASK-231
is "$(states)" completed "archive: ticked"
ok "archive: the old path is gone" test ! -e "$G/apps/mtg-agents"
ok "archive: the new path holds the files" test -f "$G/archive/mtg-agents-20261125/ingress.yaml"
is "$(git -C "$G" log -1 --format=%s)" "TASK-231: archive apps/mtg-agents to archive/mtg-agents-20261125" "archive: committed"
is "$(git -C "$G" show --no-renames --name-status --format= HEAD | sort | tr '\t' ' ' | tr '\n' ';')" \
    "A archive/mtg-agents-20261125/ingress.yaml;A archive/mtg-agents-20261125/kustomization.yaml;D apps/mtg-agents/ingress.yaml;D apps/mtg-agents/kustomization.yaml;" \
    "archive: the commit holds both paths"
is "$(git -C "$G" status --porcelain)" "" "archive: the work tree is clean"
is "$(evid 0)" "true|apps/mtg-agents in the work tree and at HEAD of $G|absent|not in the work tree; not at HEAD
true|archive/mtg-agents-20261125 in the work tree and at HEAD of $G|present and committed|a directory; 2 files at HEAD" \
    "archive: the evidence: old path absent, new path committed"
ix verify TASK-231 --tasks-dir "$lab/tasks"
like "$out" "holds: Remove or archive" "verify: the archive still holds"

# ---- "Archive mtg-agents sealed secret": beside the archived directory ----
S=$G/clusters/minikube/secrets
mkdir -p "$S"
sealed() { # NAME NAMESPACE
    printf 'apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  encryptedData:\n    key: AgBy3i4OJSWK+PiTySYZZA==\n' "$1" "$2"
}
sealed google-gemini-api mtg-agents >"$S/secret-google-gemini-api.sealed.yaml"
sealed ffl-env ffl >"$S/secret-ffl-env.sealed.yaml"
printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - secret-ffl-env.sealed.yaml\n  - secret-google-gemini-api.sealed.yaml\n' >"$S/kustomization.yaml"
printf '  - secrets\n' >>"$G/clusters/minikube/kustomization.yaml"
commit "$G" "sealed secrets"
head=$(git -C "$G" rev-parse HEAD)
task active TASK-241 active "Archive mtg-agents sealed secret"
run_json TASK-241
is "$(states)" remaining "archive a sealed secret still referenced: not ticked"
like "$(reason 0)" "secret-google-gemini-api.sealed.yaml" "referenced secret: the validation names the file"
like "$(reason 0)" "moving clusters/minikube/secrets/secret-google-gemini-api.sealed.yaml to archive/mtg-agents-20261125/secret-google-gemini-api.sealed.yaml; moved back" \
    "referenced secret: moved back"
is "$(git -C "$G" status --porcelain):$(git -C "$G" rev-parse HEAD)" ":$head" "referenced secret: nothing changed"
sed -i '/google-gemini/d' "$S/kustomization.yaml"
commit "$G" "gemini secret out of the kustomization"
run_json TASK-241
is "$(states)" completed "archive the sealed secret: ticked"
ok "the secret is beside the archived directory" test -f "$G/archive/mtg-agents-20261125/secret-google-gemini-api.sealed.yaml"
ok "the other namespace's secret stays" test -f "$S/secret-ffl-env.sealed.yaml"
is "$(git -C "$G" show --no-renames --name-status --format= HEAD | sort | tr '\t' ' ' | tr '\n' ';')" \
    "A archive/mtg-agents-20261125/secret-google-gemini-api.sealed.yaml;D clusters/minikube/secrets/secret-google-gemini-api.sealed.yaml;" \
    "archive the secret: committed, both paths"
is "$(jq -r '.criteria[0].evidence|map(.ok)|all' <<<"$out")" true "archive the secret: evidence holds"
task active TASK-242 active "Archive midwestmtg sealed secret"
run_json TASK-242
like "$(reason 0)" "no file of the GitOps repository holds a SealedSecret of namespace midwestmtg" \
    "no sealed secret of the namespace: not ticked, saying so"

ix handlers check
is "$rc" 0 "handlers check stays clean"

done_testing
