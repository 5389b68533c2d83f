#!/bin/sh
# demo.sh - the README's first command: install what is missing, build, set
# up the homelab example in a scratch directory (a real docker-registry on
# 127.0.0.1 with a self-signed certificate, git repositories, a project that
# builds images with buildah) and run the release task TASK-101 end to end.
set -eu
cd "$(dirname "$0")/.."
tools/deps.sh demo
tools/build.sh release >/dev/null
ix="$PWD/bin/infraexec"
lab=$(mktemp -d /tmp/infraexec-demo.XXXXXX)
registry=$(examples/homelab/setup.sh "$lab")
examples/homelab/registry.sh start "$lab"
trap 'examples/homelab/registry.sh stop "$lab"' EXIT
echo "== homelab in $lab, registry on https://$registry"
echo "== infraexec run TASK-101"
rc=0
(cd "$lab" && "$ix" run TASK-101) || rc=$?
echo
echo "== the registry now holds (asked with its CA, not -k):"
for image in ffl/backend ffl/frontend; do
    curl -s --cacert "$lab/registry/certs/domain.crt" "https://$registry/v2/$image/tags/list"
    echo
done
echo "== the GitOps repository's last commit:"
git -C "$lab/gitops" log -1 --stat --format='%h %s'
exit $rc
