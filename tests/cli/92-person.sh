#!/bin/bash
# Boxes no machine decides (FINDINGS5 N1, N2).  An author's pre-ticked
# `- [x]` (task files are untrusted) with no rule, or a rule that refuses
# it, is a person's: `verify` exits 1 naming it, so the orchestrator loop
# (README; `infraexec work`) does not archive it.  A trailing note adding a
# claim the rule does not check ("- also ...") makes the criterion a
# person's: nothing runs, the file is unchanged.  The world is the homelab
# example (real docker-registry, real bare git remotes).
. "$(dirname "$0")/../lib.sh"
EX=$IX_ROOT/examples/homelab
G() { git -c user.name=tester -c user.email=tester@example.invalid "$@"; }

lab=$T/lab
reg=$("$EX/setup.sh" "$lab")
"$EX/registry.sh" start "$lab"
trap '"$EX/registry.sh" stop "$lab"; rm -rf "$T"' EXIT
ca=$lab/registry/certs/domain.crt
GD=$lab/gitops

# vtask ID BOX...: a task whose author pre-ticked every box (`- [x] BOX`).
vtask() {
    local id=$1; shift
    { printf -- '---\nid: %s\ntitle: person\nstatus: active\npriority: high\n---\n\n' "$id"
      printf '| Component | Version |\n|---|---|\n| FFL | 0.1.18 |\n\n## Acceptance Criteria\n\n'
      for c in "$@"; do printf -- '- [x] %s\n' "$c"; done
      printf '\n## Progress Log\n\n- 2026-01-01 00:00: created\n'; } >"$lab/tasks/active/$id.md"
}
verify() { ix verify "$1" --tasks-dir "$lab/tasks" --json -q; }
check() { jq -r ".criteria[$1].check" <<<"$out"; }
reason() { jq -r ".criteria[$1].reason" <<<"$out"; }

# ---- N1: pre-ticked boxes nobody can check ----
vtask TASK-971 "The moon is made of cheese" "Make sure nobody runs \`rm -rf /\`"
verify TASK-971
is "$rc" 1 "N1: verify of pre-ticked boxes no rule decides: exit 1 (not archived by the loop)"
is "$(check 0),$(check 1)" "needs_person,needs_person" "N1: ... each needs a person"
is "$(reason 0)" "needs a person: no rule matches" "N1: ... the reason says why"
is "$(jq -r .verdict <<<"$out")" "needs a person" "N1: ... the verdict says a person decides"
like "$(jq -r '.next_steps|join("\n")' <<<"$out")" "Criterion 1 needs a person: needs a person: no rule matches" \
    "N1: ... the next steps name the criterion"
printf '%s' "$out" >"$T/v.json"
ok "N1: ... the report validates against docs/report-schema.json" python3 -c '
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "$T/v.json" "$IX_ROOT/docs/report-schema.json"
ix verify TASK-971 --tasks-dir "$lab/tasks"
is "$rc" 1 "N1: Markdown: exit 1"
like "$out" "✋ needs a person: The moon is made of cheese" "N1: Markdown: the criterion marked as needing a person"
like "$out" "0 of 2 checked criteria hold; 0 fail; 2 need a person; 0 cannot be checked" "N1: Markdown: the summary counts it"

# The README's loop on that task: run passes (every box is checked), verify
# stops the loop, archive never runs.
ix run TASK-971 --tasks-dir "$lab/tasks" -q --json
is "$rc" 0 "N1: the loop's run: exit 0 (every box checked by its author)"
ix verify TASK-971 --tasks-dir "$lab/tasks" -q --json
is "$rc" 1 "N1: the loop's verify: exit 1, so '|| break' ends it"
ok "N1: ... the task is still active" test -f "$lab/tasks/active/TASK-971.md"

# A pre-ticked box a rule observes true holds; an action without a check is
# as before (infraexec itself would redo it).
registry_push_image "$reg" "$ca" ffl/backend 0.1.18
registry_push_image "$reg" "$ca" ffl/frontend 0.1.18
vtask TASK-972 "Push all FFL images to registry $reg"
verify TASK-972
is "$rc" 0 "N1: a pre-ticked box whose rule observes it: exit 0"
is "$(check 0)" holds "N1: ... it holds"
vtask TASK-973 "Build all FFL containers with version 0.1.18"
verify TASK-973
is "$rc" 0 "N1: a pre-ticked action without a check: exit 0, as before"
is "$(check 0)" unverifiable "N1: ... unverifiable (it can only be redone), not a person's"
is "$(jq -r .verdict <<<"$out")" "ready for verification" "N1: ... the verdict as before"

# `infraexec work` (claim, run, verify, archive) stops at verify.
G init -q --bare -b main "$T/q.git"
G clone -q "$T/q.git" "$T/seed" 2>/dev/null
mkdir -p "$T/seed/tasks/active" "$T/seed/tasks/backlog" "$T/seed/tasks/completed"
touch "$T/seed/tasks/completed/.keep"
printf 'queue:\n  remote: origin\n  branch: main\n  lease: 1h\n' >"$T/seed/infraexec.yaml"
printf '.infraexec/\n' >"$T/seed/.gitignore"
sed 's/^status: active/status: ready/' "$lab/tasks/active/TASK-971.md" >"$T/seed/tasks/active/TASK-971.md"
(cd "$T/seed" && G add -A && G commit -qm tasks && G push -q origin main)
G clone -q "$T/q.git" "$T/w" 2>/dev/null
cd "$T/w"
ix work --runner w1 -q --max 1
is "$rc" 1 "N1: work stops with verify's exit 1"
like "$out" "TASK-971: verify exited 1" "N1: ... at the verify step"
ok "N1: ... nothing archived on the remote" git -C "$T/q.git" cat-file -e main:tasks/active/TASK-971.md
cd "$T"

# ---- N2: a trailing note that adds a claim ----
head0=$(git -C "$GD" rev-parse HEAD)
before=$(cat "$GD/apps/ffl/helmrelease.yaml")
ttask() {
    { printf -- '---\nid: TASK-974\ntitle: person\nstatus: active\npriority: high\n---\n\n## Acceptance Criteria\n\n'
      printf -- '- [ ] %s\n' "$1"
      printf '\n## Progress Log\n\n- 2026-01-01 00:00: created\n'; } >"$lab/tasks/active/TASK-974.md"
}
ttask "Set spec.interval to 7m in gitops/apps/ffl/helmrelease.yaml - also spec.timeout to 5m"
ix run TASK-974 --tasks-dir "$lab/tasks" --json -q
is "$rc" 1 "N2: a note adding a claim ('also ...'): exit 1"
is "$(jq -r '.criteria[0].state' <<<"$out")" remaining "N2: ... not ticked"
is "$(reason 0)" "needs a person: the note \"also spec.timeout to 5m\" adds a claim ('also') the rule does not check" \
    "N2: ... the reason quotes the note"
is "$(jq -r '[.criteria[].commands|length]|add' <<<"$out")" 0 "N2: ... nothing ran"
is "$(cat "$GD/apps/ffl/helmrelease.yaml")" "$before" "N2: ... the HelmRelease file unchanged"
is "$(git -C "$GD" rev-parse HEAD)" "$head0" "N2: ... nothing committed"
ok "N2: ... the task file not ticked" grep -q '^- \[ \] Set spec.interval' "$lab/tasks/active/TASK-974.md"
# The refused note is not handed to the generic rule (one inline command):
# that would run the note's command and tick the criterion, nothing set.
ttask "Set spec.interval to 7m in gitops/apps/ffl/helmrelease.yaml - also \`touch $T/marker\`"
ix run TASK-974 --tasks-dir "$lab/tasks" --json -q
is "$(jq -r '.criteria[0].state' <<<"$out")" remaining "N2: a note adding a claim and a command: not ticked"
like "$(reason 0)" "needs a person: the note \"also" "N2: ... the reason quotes the note"
ok "N2: ... the note's command did not run" test ! -e "$T/marker"
is "$(cat "$GD/apps/ffl/helmrelease.yaml")" "$before" "N2: ... the HelmRelease file unchanged"
ttask "Set spec.interval to 7m in gitops/apps/ffl/helmrelease.yaml"
ix run TASK-974 --tasks-dir "$lab/tasks" --json -q
is "$(jq -r '.criteria[0].state' <<<"$out")" completed "N2: the same criterion without the note: ticked"
ok "N2: ... the file says 7m" grep -q 'interval: 7m' "$GD/apps/ffl/helmrelease.yaml"

done_testing
