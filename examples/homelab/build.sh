#!/bin/sh
# Build a project's images with buildah, one per directory of containers/,
# named REGISTRY_URL/PROJECT/IMAGE:VERSION (PROJECT: the project's directory);
# with --push, push them to the registry.  setup.sh copies this script into
# each project as scripts/build.sh.
#   REGISTRY_URL=127.0.0.1:5000 VERSION=0.1.18 ./scripts/build.sh [--push] [all | IMAGE...]
set -eu
cd "$(dirname "$0")/.."
url=${REGISTRY_URL:-}
. ./.env.build.local            # REGISTRY_URL default, buildah storage, CA dir
REGISTRY_URL=${url:-$REGISTRY_URL}
: "${VERSION:?set VERSION}"
project=$(basename "$PWD")
push=0
if [ "${1:-}" = "--push" ]; then push=1; shift; fi
if [ "${1:-all}" = all ]; then set -- $(ls containers); fi
bah() { buildah --root "$BUILDAH_ROOT" --runroot "$BUILDAH_ROOT/run" --storage-driver vfs "$@"; }
for img in "$@"; do
    ref="$REGISTRY_URL/$project/$img:$VERSION"
    bah bud --isolation chroot -q --build-arg "VERSION=$VERSION" -t "$ref" "containers/$img" >/dev/null
    echo "built $ref"
    if [ "$push" = 1 ]; then
        bah push --cert-dir "$REGISTRY_CERT_DIR" "$ref" >/dev/null
        echo "pushed $ref"
    fi
done
