#!/bin/sh
# image.sh - build infraexec's OCI image with buildah (no Docker daemon):
#
#   tools/image.sh [--tag NAME:TAG] [--push REGISTRY/NAME:TAG] [--cert-dir DIR]
#                  [--root DIR]
#   tools/image.sh --fetch DIR
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
#   --fetch DIR      build nothing: download every package the image needs
#                    into DIR, a partial copy of the mirror that keeps its
#                    signed InRelease and Packages files, and write
#                    DIR/debian.sources (copy:// URIs) for IMAGE_MIRROR, so
#                    a later build needs no network (tools/deps.sh test does
#                    this for tests/cli/91-image.sh).  Does nothing when DIR
#                    already holds the current package set.
#
# Packages come from the host's Debian apt sources (/etc/apt/sources.list.d/
# debian.sources, else /etc/apt/sources.list), or from IMAGE_MIRROR (a mirror
# URL or a sources file).  Nothing is cached outside a temp dir removed at
# exit: each build downloads its packages again (unless IMAGE_MIRROR is a
# --fetch copy).  Prints the image's name on stdout (the fetch: DIR's sources
# file).  Needs mmdebstrap and buildah (tools/deps.sh image); tested as root
# (a non-root user would need subuids for mmdebstrap's unshare mode).
set -eu
here=$PWD
cd "$(dirname "$0")/.."
usage="usage: tools/image.sh [--tag NAME:TAG] [--push REGISTRY/NAME:TAG] [--cert-dir DIR] [--root DIR] | --fetch DIR"

tag="" push="" certdir="" root="" fetch=""
while [ $# -gt 0 ]; do
    case $1 in
    --tag|--push|--cert-dir|--root|--fetch)
        [ $# -ge 2 ] && [ -n "$2" ] || { echo "image.sh: $1 needs a value" >&2; echo "$usage" >&2; exit 2; }
        case $1 in
        --tag) tag=$2 ;; --push) push=$2 ;; --cert-dir) certdir=$2 ;; --root) root=$2 ;;
        --fetch) fetch=$2 ;;
        esac
        shift 2 ;;
    -h|--help) echo "$usage"; exit 0 ;;
    *) echo "image.sh: unknown argument '$1'" >&2; echo "$usage" >&2; exit 2 ;;
    esac
done
[ -z "$fetch" ] || [ -z "$tag$push$certdir$root" ] ||
    { echo "image.sh: --fetch builds nothing; it takes no other option" >&2; echo "$usage" >&2; exit 2; }
# Canonical (no .., no symbolic links, no trailing /): it goes into the
# copy's sources file, where other tools match it.
[ -z "$fetch" ] || fetch=$(cd "$here" && realpath -m -- "$fetch")
case $fetch in
*[[:space:]]*) echo "image.sh: --fetch '$fetch': the directory's path has blanks (it goes into a sources file)" >&2; exit 2 ;;
esac
# A fetch replaces DIR as a whole: only an earlier fetch's or an empty one.
if [ -n "$fetch" ] && [ -d "$fetch/" ] && [ ! -f "$fetch/fetched-for" ] && [ -n "$(ls -A "$fetch/")" ]; then
    echo "image.sh: --fetch '$fetch': a directory that is neither empty nor an earlier --fetch copy" >&2; exit 2
fi
if [ -n "$fetch" ] && [ -e "$fetch" ] && [ ! -d "$fetch/" ]; then
    echo "image.sh: --fetch '$fetch': not a directory" >&2; exit 2
fi
for tool in mmdebstrap $([ -n "$fetch" ] || echo buildah); do
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

# --fetch: bootstrap once from the real mirror (same variant, suite and
# packages as a build, so apt resolves the same set) and keep what apt
# fetched: the .deb files and the signed index files.  DIR holds, per
# repository URI, the InRelease and Packages files as they were downloaded
# and the .deb files at their pool paths, so a build from DIR verifies the
# archive's signatures and every file's hash as it would online.  Only the
# Valid-Until date is not checked (Check-Valid-Until: no, in DIR's sources
# only): the copy is a snapshot, and the security suite's InRelease expires
# after a week.
fetch_mirror() {
    # What DIR was fetched for: a change of any of it fetches again.
    want="dir: $fetch
suite: $suite
packages: $pkgs
mirror: $mirror
$(if [ -f "$mirror" ]; then cat "$mirror"; fi)"
    if [ -s "$fetch/debian.sources" ] && [ "$(cat "$fetch/fetched-for" 2>/dev/null)" = "$want" ]; then
        echo "image.sh: $fetch already holds the packages" >&2
        echo "$fetch/debian.sources"
        return
    fi
    echo "image.sh: fetching $suite from $mirror into $fetch" >&2
    mkdir -p "$tmp/archives" "$tmp/lists"
    mmdebstrap --quiet --variant=essential --format=null --skip=essential/unlink \
        --include="$pkgs" \
        --customize-hook="sync-out /var/cache/apt/archives $tmp/archives" \
        --customize-hook="sync-out /var/lib/apt/lists $tmp/lists" \
        --customize-hook='env APT_CONFIG="$MMDEBSTRAP_APT_CONFIG" apt-get indextargets --format "\$(URI) \$(FILENAME)" >'"$tmp/targets" \
        "$suite" /dev/null "$mirror" ||
        { echo "image.sh: mmdebstrap failed (exit $?) with the mirror $mirror" >&2; exit 1; }

    out=$fetch.new
    rm -rf "$out"
    mkdir -p "$out"
    : >"$tmp/sources"
    : >"$tmp/index"
    # URI .../REPO/dists/SUITE/COMPONENT/binary-ARCH/Packages, stored as
    # lists/<that URI with / as _>; its InRelease is stored next to it.
    while read -r uri file; do
        base=${file##*/}
        [ -f "$tmp/lists/$base" ] ||
            { echo "image.sh: apt did not keep $uri as a plain file ($base)" >&2; exit 1; }
        repo=${uri%%/dists/*}
        rel=${uri#"$repo"/}
        dist=${rel#dists/}; dist=${dist%%/*}
        tail=${rel#dists/"$dist"/}
        name=$(echo "${repo#*://}" | tr -c 'A-Za-z0-9._/\n-' _)
        dest=$out/$name
        mkdir -p "$dest/${rel%/*}"
        cp "$tmp/lists/$base" "$dest/$rel"
        prefix=${base%"$(echo "$tail" | tr / _)"}
        for signed in InRelease Release Release.gpg; do
            [ ! -f "$tmp/lists/$prefix$signed" ] || cp "$tmp/lists/$prefix$signed" "$dest/dists/$dist/$signed"
        done
        [ -f "$dest/dists/$dist/InRelease" ] || [ -f "$dest/dists/$dist/Release.gpg" ] ||
            { echo "image.sh: no signed Release file for $repo $dist" >&2; exit 1; }
        printf '%s %s %s\n' "$name" "$dist" "${tail%%/*}" >>"$tmp/sources"
        awk -v root="$dest" '/^Filename: / { f = $2 } /^SHA256: / { h = $2 }
            /^$/ { if (f != "" && h != "") print h, root "/" f; f = h = "" }
            END { if (f != "" && h != "") print h, root "/" f }' "$dest/$rel" >>"$tmp/index"
    done <"$tmp/targets"
    # Each .deb goes where its Packages entry (matched by SHA256) says.
    (cd "$tmp/archives" && sha256sum ./*.deb) >"$tmp/debs"
    awk 'NR == FNR { where[$1] = $2; next }
        { sub(/^\*?\.\//, "", $2); if (!($1 in where)) { print "missing " $2; next } print $2, where[$1] }' \
        "$tmp/index" "$tmp/debs" >"$tmp/placed"
    if grep '^missing ' "$tmp/placed" >&2; then
        echo "image.sh: those .deb files are in no Packages file of $mirror" >&2; exit 1
    fi
    while read -r deb dest; do
        mkdir -p "${dest%/*}"
        mv "$tmp/archives/$deb" "$dest"
    done <"$tmp/placed"
    sort -u "$tmp/sources" | awk -v dir="$fetch" '{
        key = $1 " " $2; if (!(key in comps)) order[n++] = key; comps[key] = comps[key] ? comps[key] " " $3 : $3 }
        END { for (i = 0; i < n; i++) { split(order[i], k, " ")
            printf "%sTypes: deb\nURIs: copy://%s/%s\nSuites: %s\nComponents: %s\nCheck-Valid-Until: no\n",
                i ? "\n" : "", dir, k[1], k[2], comps[order[i]] } }' >"$out/debian.sources"
    echo "$want" >"$out/fetched-for"
    rm -rf "$fetch"
    mv "$out" "$fetch"
    echo "image.sh: $(wc -l <"$tmp/placed") packages in $fetch in $(( $(date +%s) - start ))s" >&2
    echo "$fetch/debian.sources"
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

tmp=$(mktemp -d)
ctr=""
cleanup() {
    [ -z "$ctr" ] || bah rm "$ctr" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# The packages that own the shared libraries the binary loads: those it is
# linked against (ldd) and those it dlopens on first use (src/base/dlib.c:
# libgit2, libcurl), whose sonames are string constants in the binary and
# are looked up in the directories of the linked ones.  What the binary
# loads is what the image must hold (apt adds their dependencies).  The path
# is matched without /usr, as dpkg records some libraries under /lib and
# some under /usr/lib.
linked=$(ldd bin/infraexec | awk '$3 ~ /^\// { print $3 }')
opened=""
for soname in $(grep -a -o -E 'lib[A-Za-z0-9_+-]*\.so\.[0-9][0-9.]*' bin/infraexec | sort -u); do
    found=""
    for dir in $(echo "$linked" | xargs -n1 dirname | sort -u); do
        if [ -e "$dir/$soname" ]; then found=$dir/$soname; break; fi
    done
    [ -n "$found" ] || { echo "image.sh: bin/infraexec names $soname, which is not installed here" >&2; exit 1; }
    opened="$opened $found"
done
libs=""
for lib in $(echo $linked $opened | tr ' ' '\n' | xargs -n1 realpath | sort -u); do
    p=${lib#/usr}
    pkg=$(dpkg -S "*$p" 2>/dev/null |
        awk -F': ' -v p="$p" '{ f = $2; sub(/^\/usr/, "", f); if (f == p) { print $1; exit } }')
    [ -n "$pkg" ] || { echo "image.sh: no Debian package owns $lib" >&2; exit 1; }
    libs="$libs ${pkg%%:*}"
done
pkgs="$(echo "$libs" | tr ' ' '\n' | sort -u | tr '\n' ' ')git kubernetes-client ca-certificates"

if [ -n "$fetch" ]; then
    fetch_mirror
    exit
fi

version=$(bin/infraexec --version | sed -n 's/^infraexec \([0-9A-Za-z.+~-]*\)$/\1/p')
[ -n "$version" ] || { echo "image.sh: cannot read the version of bin/infraexec" >&2; exit 1; }
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain 2>/dev/null)" ] || revision="$revision-dirty"
tag=${tag:-localhost/infraexec:$version}

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
