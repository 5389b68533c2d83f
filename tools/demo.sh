#!/bin/bash
# demo.sh - the README's first command: install what is missing, build, set
# up the homelab example in a scratch directory (a real docker-registry on
# 127.0.0.1 with a self-signed certificate, git repositories with a bare
# GitOps remote, projects that build images with buildah) and run it end to
# end: TASK-101 releases ffl (one HelmRelease), TASK-104 releases midwestmtg
# (three HelmReleases in three files) and pushes it, TASK-105 checks what
# Flux made of the pushed commit.  No cluster can run here: the Flux side is
# the kube STAND-IN of the tests (tests/standin/, docs/standin.md), and the
# output says so.
set -eu
cd "$(dirname "$0")/.."
tools/deps.sh demo
tools/build.sh release >/dev/null
ix="$PWD/bin/infraexec"
lab=$(mktemp -d /tmp/infraexec-demo.XXXXXX)
registry=$(examples/homelab/setup.sh "$lab")
examples/homelab/registry.sh start "$lab"
trap 'examples/homelab/registry.sh stop "$lab"' EXIT
reports=$lab/reports
mkdir -p "$reports"
rc=0
# step NAME ARGS...: infraexec ARGS in the lab, quiet; the Markdown report
# kept in reports/NAME.md; a failure is kept in $rc.
step() {
    local name=$1; shift
    (cd "$lab" && "$ix" "$@" -q) >"$reports/$name.md" || rc=$?
}
section() { # NAME HEADING: the non-empty lines of that section of reports/NAME.md
    awk -v h="## $2" '$0 == h { on = 1; next } /^## / { on = 0 } on && NF' "$reports/$1.md"
}
remote_head() { git --git-dir="$lab/gitops.git" rev-parse main; }

# The kube STAND-IN of the tests keeps its state under $T; stopped at exit.
T=$lab/kube
world=$lab/kube/world
mkdir -p "$world"
. tests/standin/lib.sh
standin_start "$world"
# Both stopped at exit; lib.sh's stop returns the server's status: no set -e there.
trap 'set +e; standin_stop; examples/homelab/registry.sh stop "$lab"' EXIT
unset KUBECONFIG # infraexec finds it through infraexec.yaml alone
printf 'kube:\n  context: homelab\n  kubeconfig: %s\n' "$STANDIN_KUBECONFIG" >>"$lab/infraexec.yaml"
flux_applied() { # SHA GENERATION TAG: what Flux shows once it applied SHA
    standin_kustomization "$world" flux-system --ns flux-system --revision "main@sha1:$1"
    for r in backend frontend discord-bot; do
        standin_helmrelease "$world" "midwestmtg-$r" --ns midwestmtg --revision 0.1.11 \
            --generation "$2" --tag "$3"
    done
}
old=$(remote_head)
flux_applied "$old" 1 0.1.11

echo "== homelab in $lab, registry on https://$registry, GitOps remote $lab/gitops.git"
echo "   (every report below is also in $reports/)"
echo "== kube STAND-IN on $STANDIN_URL: NOT a Kubernetes cluster and NOT Flux."
echo "   It is the test suite's loopback server (tests/standin/, docs/standin.md): it answers"
echo "   the real kubectl's reads from fixture files this script writes, runs no controller,"
echo "   deploys nothing and never reads the GitOps remote. The fixtures play Flux: the"
echo "   Kustomization flux-system/flux-system has applied the remote's commit ${old:0:12},"
echo "   the three midwestmtg HelmReleases are Ready for it."
echo
echo "== infraexec run TASK-101 (ffl: build, push, one HelmRelease, commit, push)"
step TASK-101 run TASK-101
section TASK-101 Summary
echo
echo "== infraexec run TASK-104 (midwestmtg: three images, three HelmRelease files, one commit, pushed)"
step TASK-104 run TASK-104
cat "$reports/TASK-104.md"
echo
echo "== the registry now holds (asked with its CA, not -k):"
for image in ffl/backend ffl/frontend midwestmtg/backend midwestmtg/frontend midwestmtg/discord-bot; do
    curl -s --cacert "$lab/registry/certs/domain.crt" "https://$registry/v2/$image/tags/list"
done
echo "== every midwestmtg release file carries the new tag:"
(cd "$lab/gitops" && grep -H 'tag:' apps/midwestmtg/helmrelease-*.yaml)
new=$(remote_head)
echo "== the GitOps remote $lab/gitops.git: main moved from ${old:0:12} to $new"
echo "   (HEAD of $lab/gitops: $(git -C "$lab/gitops" rev-parse HEAD)); its last commit:"
git --git-dir="$lab/gitops.git" log -1 --stat --format='%h %s' main
echo
echo "== infraexec run TASK-105 before Flux applied the push (stand-in: still at ${old:0:12}):"
echo "   HelmReleases Ready for the old revision do not count; nothing is ticked"
keep=$rc
step TASK-105-before run TASK-105
rc=$keep
section TASK-105-before "Acceptance Criteria Remaining" | grep -E '^- |Reason:'
echo
echo "== the stand-in plays Flux catching up: Kustomization at main@sha1:${new:0:12},"
echo "   the HelmReleases at their new generation (2), Ready"
flux_applied "$new" 2 0.1.12
echo "== infraexec run TASK-105"
step TASK-105 run TASK-105
section TASK-105 "Acceptance Criteria Completed" | grep -E '^- |Evidence:'
section TASK-105 Summary
echo
echo "== infraexec verify TASK-105 (the ticked claims checked again: they hold at the pushed revision)"
step TASK-105-verify verify TASK-105
section TASK-105-verify Summary
exit $rc
