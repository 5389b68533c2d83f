#!/bin/sh
# install.sh - install infraexec under PREFIX (default /usr/local), staged
# under DESTDIR when set (for packaging):
#
#   tools/install.sh                              # /usr/local/...
#   PREFIX=/usr DESTDIR="$PWD/debian/tmp" tools/install.sh
#
# Installs:
#   bin/infraexec          -> PREFIX/bin/infraexec
#   handlers/, lua/        -> PREFIX/share/infraexec/{handlers,lua}
#                             (the binary finds them from its own path)
#   docs/infraexec.1       -> PREFIX/share/man/man1/infraexec.1.gz
#   tools/infraexec.bash-completion
#                          -> PREFIX/share/bash-completion/completions/infraexec
#   README.md, docs/*.md, docs/report-schema.json
#                          -> PREFIX/share/doc/infraexec/
#
# Builds the release binary first when bin/infraexec is missing.  The
# installed handlers/ and lua/ replace the ones of an earlier install, so a
# handler removed from the source does not linger.
set -eu
cd "$(dirname "$0")/.."

PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
case $PREFIX in
/*) ;;
*) echo "install.sh: PREFIX must be an absolute path (got '$PREFIX')" >&2; exit 2 ;;
esac
PREFIX=${PREFIX%/}
ROOT=$DESTDIR$PREFIX
DATA=$ROOT/share/infraexec

if [ ! -x bin/infraexec ]; then
    echo "bin/infraexec is missing: building the release configuration"
    tools/build.sh release
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# put MODE SRC DEST: install one file and say so.
put() {
    install -D -m "$1" "$2" "$3"
    echo "installed $3"
}

put 0755 bin/infraexec "$ROOT/bin/infraexec"

for tree in handlers lua; do
    rm -rf "${DATA:?}/$tree"
    find "$tree" -type f ! -name '.*' ! -name '*~' | LC_ALL=C sort >"$tmp/files"
    while IFS= read -r f; do
        put 0644 "$f" "$DATA/$f"
    done <"$tmp/files"
done

# The man page names PREFIX/share/... as /usr/local/share/...: say where
# this install really put them (escaped for sed, then for troff); and its
# footer carries the version of the binary installed.
p=$(printf '%s' "$PREFIX" | sed -e 's/[\\|&]/\\&/g' -e 's/-/\\\\-/g')
ver=$(bin/infraexec --version 2>/dev/null | sed -n 's/^infraexec \([0-9A-Za-z.+~]*\)$/\1/p')
sed -e "s|/usr/local/share/|$p/share/|g" \
    -e "${ver:+s|^\(\.TH .*\)\"infraexec [^\"]*\"|\1\"infraexec $ver\"|}" \
    docs/infraexec.1 | gzip -9n >"$tmp/infraexec.1.gz"
put 0644 "$tmp/infraexec.1.gz" "$ROOT/share/man/man1/infraexec.1.gz"

put 0644 tools/infraexec.bash-completion "$ROOT/share/bash-completion/completions/infraexec"

for f in README.md docs/*.md docs/report-schema.json; do
    [ -f "$f" ] || continue
    put 0644 "$f" "$ROOT/share/doc/infraexec/${f##*/}"
done

echo "infraexec installed under ${DESTDIR:+$DESTDIR}$PREFIX"
