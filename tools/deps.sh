#!/bin/sh
# deps.sh - install the Debian packages infraexec needs, only those missing.
#
#   tools/deps.sh build     what building needs
#   tools/deps.sh demo      building plus the homelab example's real parts
#   tools/deps.sh test      building plus what the test suite drives, and
#                           the packages of the OCI image (tools/image.sh
#                           --fetch build/image-mirror: builds bin/infraexec
#                           to learn its libraries, then downloads them
#                           from the host's Debian mirror), so that
#                           tests/cli/91-image.sh builds it offline
#   tools/deps.sh image     building plus what tools/image.sh needs
#
# Runs apt-get update once before the first install.  Needs root (or sudo).
set -eu

build_pkgs="gcc make pkg-config premake4 liblua5.4-dev libyaml-dev libcmark-dev
libgit2-dev libcurl4-openssl-dev libjansson-dev"
test_pkgs="perl git jq util-linux procps python3 python3-jsonschema python3-yaml openssl curl man-db
docker-registry buildah mmdebstrap openssh-server clang libclang-rt-14-dev graphviz"
demo_pkgs="git openssl curl docker-registry buildah python3"
image_pkgs="mmdebstrap buildah"

case "${1:-build}" in
build) want=$build_pkgs ;;
demo) want="$build_pkgs $demo_pkgs" ;;
test) want="$build_pkgs $test_pkgs" ;;
image) want="$build_pkgs $image_pkgs" ;;
*) echo "usage: tools/deps.sh build|demo|test|image" >&2; exit 2 ;;
esac
# kubectl (for kubectl kustomize): these machines have one; else Debian's.
case "${1:-build}" in demo|test)
    command -v kubectl >/dev/null 2>&1 || want="$want kubernetes-client" ;;
esac

missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done

sudo=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ] && [ -z "$sudo" ]; then
        echo "deps.sh: missing packages:$missing; run as root or install them" >&2
        exit 2
    fi
    echo "deps.sh: installing$missing" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# Like the packages above, the image's packages are downloaded here, once
# (again when the package set or the apt sources change); the test suite
# then talks only to loopback.
if [ "${1:-build}" = test ]; then
    repo=$(cd "$(dirname "$0")/.." && pwd)
    $sudo "$repo/tools/image.sh" --fetch "$repo/build/image-mirror" >/dev/null
fi
