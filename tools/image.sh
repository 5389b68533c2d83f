#!/bin/sh
# image.sh - build infraexec's OCI image with buildah (no Docker daemon):
#
#   tools/image.sh [--tag NAME:TAG] [--push REGISTRY/NAME:TAG] [--cert-dir DIR]
#                  [--root DIR]
#
# The root filesystem is a minimal Debian (mmdebstrap's "essential" variant,
# the host's suite) holding only the runtime libraries of bin/infraexec, git,
# kubectl (Debian's kubernetes-client), ca-certificates and infraexec itself
# installed under /usr with its handlers (tools/install.sh, PREFIX=/usr).  No
# apt, no compiler, no man pages; no configuration, credentials or CA: those
# come from the cluster (deploy/kubernetes/, docs/deploy.md).  It runs as the
# non-root user infraexec (uid 10001) in /work, with infraexec as entrypoint
# and the OCI labels version (infraexec --version) and revision (the commit,
# "-dirty" when the worktree has changes).
#
#   --tag NAME:TAG   local name of the image (default localhost/infraexec:VERSION)
#   --push REF       push it to docker://REF afterwards
#   --cert-dir DIR   CA certificates for the registry (buildah push --cert-dir)
#   --root DIR       buildah storage root (default: buildah's own); the tests
#                    use a temp dir
#
# Packages come from the host's Debian apt sources (/etc/apt/sources.list.d/
# debian.sources, else /etc/apt/sources.list), or from IMAGE_MIRROR (a mirror
# URL or a sources file).  Nothing is cached outside a temp dir removed at
# exit: each build downloads its packages again.  Prints the image's name on
# stdout.  Needs mmdebstrap and buildah (tools/deps.sh image); tested as root
# (a non-root user would need subuids for mmdebstrap's unshare mode).
set -eu
cd "$(dirname "$0")/.."
usage="usage: tools/image.sh [--tag NAME:TAG] [--push REGISTRY/NAME:TAG] [--cert-dir DIR] [--root DIR]"

tag="" push="" certdir="" root=""
while [ $# -gt 0 ]; do
    case $1 in
    --tag|--push|--cert-dir|--root)
        [ $# -ge 2 ] && [ -n "$2" ] || { echo "image.sh: $1 needs a value" >&2; echo "$usage" >&2; exit 2; }
        case $1 in
        --tag) tag=$2 ;; --push) push=$2 ;; --cert-dir) certdir=$2 ;; --root) root=$2 ;;
        esac
        shift 2 ;;
    -h|--help) echo "$usage"; exit 0 ;;
    *) echo "image.sh: unknown argument '$1'" >&2; echo "$usage" >&2; exit 2 ;;
    esac
done
for tool in mmdebstrap buildah; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "image.sh: $tool is missing; run tools/deps.sh image" >&2; exit 2; }
done

bah() {
    if [ -n "$root" ]; then
        buildah --root "$root" --runroot "$root/run" --storage-driver vfs "$@"
    else
        buildah "$@"
    fi
}

mirror=${IMAGE_MIRROR:-}
if [ -z "$mirror" ]; then
    for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
        if [ -s "$f" ]; then mirror=$f; break; fi
    done
fi
[ -n "$mirror" ] || { echo "image.sh: no Debian apt sources found; set IMAGE_MIRROR" >&2; exit 2; }
case $mirror in
*://*) ;;
*) [ -f "$mirror" ] ||
    { echo "image.sh: IMAGE_MIRROR '$mirror' is neither a mirror URL nor a sources file" >&2; exit 2; } ;;
esac
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$suite" ] || { echo "image.sh: cannot tell the host's Debian suite" >&2; exit 2; }

start=$(date +%s)
[ -x bin/infraexec ] || tools/build.sh release >/dev/null
version=$(bin/infraexec --version | sed -n 's/^infraexec \([0-9A-Za-z.+~-]*\)$/\1/p')
[ -n "$version" ] || { echo "image.sh: cannot read the version of bin/infraexec" >&2; exit 1; }
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain 2>/dev/null)" ] || revision="$revision-dirty"
tag=${tag:-localhost/infraexec:$version}

tmp=$(mktemp -d)
ctr=""
cleanup() {
    [ -z "$ctr" ] || bah rm "$ctr" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# The packages that own the shared libraries the binary loads: what the
# binary was linked against is what the image must hold (apt adds their
# dependencies).  The path is matched without /usr, as dpkg records some
# libraries under /lib and some under /usr/lib.
libs=""
for lib in $(ldd bin/infraexec | awk '$3 ~ /^\// { print $3 }'); do
    p=${lib#/usr}
    pkg=$(dpkg -S "*$p" 2>/dev/null |
        awk -F': ' -v p="$p" '{ f = $2; sub(/^\/usr/, "", f); if (f == p) { print $1; exit } }')
    [ -n "$pkg" ] || { echo "image.sh: no Debian package owns $lib" >&2; exit 1; }
    libs="$libs ${pkg%%:*}"
done
pkgs="$(echo "$libs" | tr ' ' '\n' | sort -u | tr '\n' ' ')git kubernetes-client ca-certificates"

PREFIX=/usr DESTDIR="$tmp/stage" tools/install.sh >/dev/null

echo "image.sh: debootstrapping $suite from $mirror" >&2
# The user exists in the base (no passwd package needed); /work is the
# runner's working directory (the tasks clone in the cluster).
mmdebstrap --quiet --variant=essential --format=tar \
    --include="$pkgs" \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook='echo "infraexec:x:10001:10001:infraexec:/home/infraexec:/bin/sh" >>"$1/etc/passwd"' \
    --customize-hook='echo "infraexec:x:10001:" >>"$1/etc/group"' \
    --customize-hook='mkdir -p "$1/home/infraexec" "$1/work" && chown 10001:10001 "$1/home/infraexec" "$1/work"' \
    "$suite" "$tmp/rootfs.tar" "$mirror" ||
    { echo "image.sh: mmdebstrap failed (exit $?) with the mirror $mirror" >&2; exit 1; }

echo "image.sh: assembling $tag" >&2
ctr=$(bah from scratch)
bah add "$ctr" "$tmp/rootfs.tar" / >/dev/null
bah add "$ctr" "$tmp/stage" / >/dev/null
bah config \
    --entrypoint '["/usr/bin/infraexec"]' --cmd '["--help"]' \
    --user 10001:10001 --workingdir /work \
    --env HOME=/home/infraexec --env LANG=C.UTF-8 \
    --label org.opencontainers.image.title=infraexec \
    --label "org.opencontainers.image.version=$version" \
    --label "org.opencontainers.image.revision=$revision" \
    --label "org.opencontainers.image.base.name=debian:$suite (mmdebstrap essential)" \
    "$ctr"
bah commit --quiet --format oci "$ctr" "$tag" >/dev/null
bah rm "$ctr" >/dev/null
ctr=""

if [ -n "$push" ]; then
    echo "image.sh: pushing docker://$push" >&2
    bah push --quiet ${certdir:+--cert-dir "$certdir"} "$tag" "docker://$push"
fi
echo "image.sh: done in $(( $(date +%s) - start ))s" >&2
echo "$tag"
