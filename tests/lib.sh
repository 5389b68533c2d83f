# lib.sh - TAP helpers for the command-line tests (sourced by tests/cli/*.sh).
#
# Each test script runs bin/asan/infraexec ($IX_BIN) on copies of fixtures in
# its own temp dir ($T), removed at exit.
set -u
IX_ROOT=${IX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
IX_BIN=${IX_BIN:-$IX_ROOT/bin/asan/infraexec}
FIX=$IX_ROOT/tests/fixtures
CORPUS=$FIX/corpus
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export INFRAEXEC_NOW="2026-11-25 12:34"
# The Lua bytecode cache (luacache.h) in the script's own directory: never
# the home's, and each script's runs after its first load from it.
export INFRAEXEC_CACHE_DIR="$T/.luacache"
unset INFRAEXEC_TASKS NO_COLOR INFRAEXEC_CACHE_DEBUG
_n=0
_failed=0

_result() { # pass desc
    _n=$((_n + 1))
    if [ "$1" = 1 ]; then
        echo "ok $_n - $2"
    else
        _failed=$((_failed + 1))
        echo "not ok $_n - $2"
    fi
}

# ix ARGS...: run infraexec; sets $out, $err, $rc.
ix() {
    out=$("$IX_BIN" "$@" 2>"$T/.stderr") && rc=0 || rc=$?
    err=$(cat "$T/.stderr")
}

# is GOT WANT DESC
is() {
    if [ "$1" = "$2" ]; then _result 1 "$3"; else
        _result 0 "$3"
        printf '#   got:      %s\n#   expected: %s\n' "$1" "$2" | head -20
    fi
}

# like TEXT FIXED-STRING DESC
like() {
    case "$1" in
    *"$2"*) _result 1 "$3" ;;
    *) _result 0 "$3"; printf '#   %s\n#   does not contain: %s\n' "$1" "$2" | head -20 ;;
    esac
}

# unlike TEXT FIXED-STRING DESC
unlike() {
    case "$1" in
    *"$2"*) _result 0 "$3"; printf '#   unexpectedly contains: %s\n' "$2" ;;
    *) _result 1 "$3" ;;
    esac
}

# ok DESC CMD...: passes when CMD exits 0.
ok() {
    _d=$1; shift
    if "$@" >/dev/null 2>&1; then _result 1 "$_d"; else _result 0 "$_d"; fi
}

# one_line TEXT DESC: the message is exactly one line.
one_line() {
    is "$(printf '%s\n' "$1" | wc -l | tr -d ' ')" 1 "$2"
}

# testing_label WS: WS/handlers/types.lua maps the label 'testing' to the
# handler testing.lua a test writes beside it (merged with the installed
# types.lua), and WS/tasks/active exists.
testing_label() {
    mkdir -p "$1/tasks/active" "$1/handlers"
    printf '%s\n' 'return { rules = {}, labels = { testing = "testing" } }' >"$1/handlers/types.lua"
}

# registry_push_image HOST:PORT CA IMAGE TAG: an image (a config blob and a
# manifest without layers) pushed into the real registry through its API.
registry_push_image() {
    local cfg='{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' dig loc sep manifest
    dig=sha256:$(printf '%s' "$cfg" | sha256sum | cut -d' ' -f1)
    loc=$(curl -s --cacert "$2" -X POST -D - -o /dev/null "https://$1/v2/$3/blobs/uploads/" |
        tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
    case $loc in http*) ;; *) loc=https://$1$loc ;; esac
    sep='?'; case $loc in *\?*) sep='&' ;; esac
    curl -s --cacert "$2" -X PUT -H 'Content-Type: application/octet-stream' --data-binary "$cfg" \
        "$loc${sep}digest=$dig" >/dev/null
    manifest='{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"'$dig'","size":'${#cfg}'},"layers":[]}'
    curl -s --cacert "$2" -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
        --data-binary "$manifest" "https://$1/v2/$3/manifests/$4" >/dev/null
}

done_testing() {
    echo "1..$_n"
    [ "$_failed" -eq 0 ]
}
