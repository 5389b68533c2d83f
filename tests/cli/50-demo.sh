#!/bin/bash
# The README's first command: the homelab example end to end with a real
# registry, real images, real GitOps commits pushed to a real bare remote;
# the Flux side is the kube stand-in (tests/standin/), and the demo says so.
. "$(dirname "$0")/../lib.sh"

out=$("$IX_ROOT/tools/demo.sh" 2>"$T/demo.err") && rc=0 || rc=$?
is "$rc" 0 "tools/demo.sh exits 0 (every criterion of TASK-101, TASK-104 and TASK-105 done)"
lab=$(printf '%s\n' "$out" | sed -n 's/^== homelab in \(\/tmp\/infraexec-demo\.[A-Za-z0-9]*\),.*/\1/p')
ok "the lab is where it said" test -f "$lab/tasks/active/TASK-101.md"
trap 'rm -rf "$T" "$lab"' EXIT
r=$lab/reports
like "$out" "kube STAND-IN on http://127.0.0.1:" "the demo says the cluster is a stand-in"
like "$out" "NOT a Kubernetes cluster and NOT Flux." "... and what it is not"
like "$(cat "$r/TASK-101.md")" "Completed 5 of 5 acceptance criteria." "TASK-101 (ffl): all five done"
like "$out" "# Task Execution Report: TASK-104" "the midwestmtg release's report is printed"
like "$out" "Completed 5 of 5 acceptance criteria. Task is ready for verification." "TASK-104: all five done"
for i in ffl/backend:0.1.18 ffl/frontend:0.1.18 midwestmtg/backend:0.1.12 midwestmtg/frontend:0.1.12 midwestmtg/discord-bot:0.1.12; do
    like "$out" "{\"name\":\"${i%:*}\",\"tags\":[\"${i#*:}\"]}" "the registry lists ${i%:*} at ${i#*:}"
done

# The push reached the bare remote: its branch is the commit the report's
# evidence names, and that commit is the release's, over all three files.
G=$lab/gitops
pushed=$(git --git-dir="$lab/gitops.git" rev-parse main)
is "$pushed" "$(git -C "$G" rev-parse HEAD)" "the bare remote's main is the GitOps repository's HEAD"
evidence=$(sed -n 's/^  - Evidence: looked at branch main of remote origin ([^)]*); expected \([0-9a-f]*\); seen \([0-9a-f]*\)$/\1 \2/p' "$r/TASK-104.md" | sort -u)
is "$evidence" "$pushed $pushed" "the report's push evidence: expected and seen the commit the remote holds"
like "$out" "main moved from " "the demo shows the remote's branch moving"
like "$out" " to $pushed" "... to the pushed commit"
is "$(git --git-dir="$lab/gitops.git" log -1 --format=%s main)" "TASK-104: midwestmtg to 0.1.12" "the pushed commit is the release's"
is "$(git --git-dir="$lab/gitops.git" diff --name-only main~1 main | tr '\n' ' ')" \
    "apps/midwestmtg/helmrelease-backend.yaml apps/midwestmtg/helmrelease-discord-bot.yaml apps/midwestmtg/helmrelease-frontend.yaml " \
    "... one commit over the three release files"
for f in backend frontend discord-bot; do
    is "$(git --git-dir="$lab/gitops.git" show "main:apps/midwestmtg/helmrelease-$f.yaml" | sed -n 's/^ *tag: //p')" 0.1.12 \
        "the pushed helmrelease-$f.yaml carries 0.1.12"
done
is "$(git -C "$G" status --porcelain)" "" "nothing left uncommitted in the GitOps repository"

# The revision check: before the stand-in's Kustomization is at the pushed
# commit nothing is ticked, and the reason names both commits; after, each
# HelmRelease claim is ticked with the revision as evidence, and verify holds.
old=$(git --git-dir="$lab/gitops.git" rev-parse main~2)
before=$(cat "$r/TASK-105-before.md")
like "$before" "Completed 0 of 4 acceptance criteria." "Flux not at the pushed commit: nothing ticked"
like "$before" "saw lastAppliedRevision main@sha1:$old, not $pushed" "... the reason names both commits"
like "$out" "  - Reason: Kustomization flux-system/flux-system" "... and the demo shows the reasons"
like "$(sed -n '/Progress Log/,$p' "$lab/tasks/backlog/TASK-105.md")" "Not completed criterion 1: midwestmtg-backend HelmRelease deploys successfully" \
    "... logged as not completed"
like "$(cat "$r/TASK-105.md")" "Completed 4 of 4 acceptance criteria." "Flux at the pushed commit: all four ticked"
for f in backend frontend discord-bot; do
    like "$(cat "$r/TASK-105.md")" "- ✅ midwestmtg-$f HelmRelease deploys successfully" "midwestmtg-$f ticked"
done
is "$(grep -c "expected Ready=True, lastAppliedRevision at $pushed (the remote's origin/main); seen Ready=True, lastAppliedRevision main@sha1:$pushed$" "$r/TASK-105.md")" 4 \
    "... each with the Kustomization at the pushed commit as evidence"
is "$(grep -c '^- \[x\]' "$lab/tasks/backlog/TASK-105.md")" 4 "the four boxes ticked on disk"
like "$(cat "$r/TASK-105-verify.md")" "4 of 4 checked criteria hold; 0 fail" "verify: the claims hold at the pushed revision"
ok "the registry was stopped" test ! -e "$lab/registry/registry.pid"
is "$(cd "$IX_ROOT" && git status --porcelain examples)" "" "the example in the repository is untouched"

# A false world: one release file back on the old tag (committed): the
# release claim no longer holds, and the reason names that file.
sed -i 's/tag: 0.1.12/tag: 0.1.11/' "$G/apps/midwestmtg/helmrelease-frontend.yaml"
git -C "$G" commit -qam "frontend back to 0.1.11"
ix verify TASK-104 --tasks-dir "$lab/tasks" --json -q
is "$(jq -r '.criteria[3].check' <<<"$out")" fails "a release file on the old tag: the HelmRelease claim fails"
like "$(jq -r '.criteria[3].reason' <<<"$out")" \
    "$G/apps/midwestmtg/helmrelease-frontend.yaml document 0: expected spec.values.image.tag 0.1.12, saw spec.values.image.tag 0.1.11" \
    "... the reason names the file and the tag seen"
done_testing
