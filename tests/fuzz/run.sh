#!/bin/sh
# tests/fuzz/run.sh [SECONDS] [TARGET...] - build and run the libFuzzer targets.
#
# For each target (default: every tests/fuzz/fuzz_*.c):
#   1. replays the inputs in tests/fuzz/regressions/<target>/ (each must
#      run clean);
#   2. seeds a corpus from the repository -- tests/fixtures/corpus/*.md,
#      examples/homelab/template/**/*.yaml (for fuzz_yamlset prefixed with
#      a few "PATH\0VALUE\0" headers; for fuzz_config its infraexec.yaml)
#      and tests/fuzz/seeds/<target>/ --
#      and fuzzes for SECONDS (default 60) with -max_total_time,
#      -rss_limit_mb=2048 and the target's dictionary;
#   3. prints the executions (libFuzzer's stat::number_of_executed_units)
#      and the crashes found.
# Exits non-zero if a regression input or the fuzzing crashed.
#
# Environment:
#   FUZZ_FORK=N     fuzz with -fork=N -ignore_crashes=1: keeps going after a
#                   crash and counts them all (executions then come from the
#                   last "#N:" status line, as fork mode has no final stats)
#   FUZZ_NO_BUILD=1 use the binaries already in bin/fuzz/
#   FUZZ_WORK=DIR   corpora, logs and crash inputs (default build/fuzz);
#                   a target's corpus is kept there between runs
#   FUZZ_JOBS=N     targets fuzzed at the same time (default 1)
#   FUZZ_EXTRA=...  more libFuzzer flags (CI: -seed=1, a repeatable run)
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD

SECONDS_PER_TARGET=60
case "${1:-}" in
    ''|*[!0-9]*) ;;
    *) SECONDS_PER_TARGET=$1; shift ;;
esac
TARGETS=${*:-$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')}
WORK=${FUZZ_WORK:-build/fuzz}
JOBS=${FUZZ_JOBS:-1}

if [ -z "${FUZZ_NO_BUILD:-}" ]; then
    # shellcheck disable=SC2086
    tests/fuzz/build.sh $TARGETS
fi

dict_for() {
    case "$1" in
        fuzz_yamlset|fuzz_config) echo tests/fuzz/yaml.dict ;;
        fuzz_wording) echo tests/fuzz/wording.dict ;;
        *) echo tests/fuzz/task.dict ;;
    esac
}

# seed TARGET DIR: fill DIR with the repository's seed inputs for TARGET.
seed() {
    t=$1 dir=$2
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ -d "tests/fuzz/seeds/$t" ]; then
        cp tests/fuzz/seeds/"$t"/* "$dir"/ 2>/dev/null || true
    fi
    yamls=$(find examples/homelab/template -name '*.yaml' -type f 2>/dev/null | sort)
    case "$t" in
        fuzz_task|fuzz_taskscan)
            cp tests/fixtures/corpus/*.md "$dir"/ 2>/dev/null || true
            ;;
        fuzz_frontmatter)
            cp tests/fixtures/corpus/*.md "$dir"/ 2>/dev/null || true
            n=0
            for y in $yamls; do
                n=$((n + 1))
                cp "$y" "$dir/example$n.yaml"
                # the template's @REGISTRY@ placeholder is not valid YAML
                sed 's/@REGISTRY@/registry.local:5000/g' "$y" >"$dir/example$n-subst.yaml"
            done
            ;;
        fuzz_config)
            sed 's/@REGISTRY@/registry.local:5000/g' examples/homelab/template/infraexec.yaml \
                >"$dir/example-infraexec.yaml"
            ;;
        fuzz_yamlset)
            n=0
            for y in $yamls; do
                n=$((n + 1))
                cp "$y" "$dir/example$n.yaml"   # no NUL: fixed paths are tried
                for p in spec.values.backend.image.tag spec.values.frontend.image.tag \
                         spec.chart.spec.version registry.address registry.old_addresses.0 \
                         gitops.apps.ffl.tags.1 resources.0 kind git.branch; do
                    for v in 0.1.18 "a: b" "two
lines
"; do
                        k=$(printf '%s' "$p$v" | cksum | cut -d' ' -f1)
                        { printf '%s\0%s\0' "$p" "$v"
                          sed 's/@REGISTRY@/registry.local:5000/g' "$y"; } >"$dir/ex$n-$k"
                    done
                done
            done
            ;;
    esac
}

# replay TARGET: run every regression input once; 0 if none crashes.
replay() {
    t=$1
    dir=tests/fuzz/regressions/$t
    [ -d "$dir" ] || return 0
    files=$(find "$dir" -type f ! -name '*.md5' ! -name 'README*' | sort)
    [ -n "$files" ] || return 0
    rc=0
    for f in $files; do
        if ! "bin/fuzz/$t" -runs=1 "$f" >"$WORK/$t.replay.log" 2>&1; then
            echo "  REGRESSION $f crashes:"
            grep -m3 -E 'violation|ERROR|runtime error' "$WORK/$t.replay.log" | sed 's/^/    /'
            rc=1
        fi
    done
    return $rc
}

# fuzz TARGET: fuzz for SECONDS_PER_TARGET; writes $WORK/$t.result.
fuzz() {
    t=$1
    corpus=$WORK/corpus/$t
    seeds=$WORK/seeds/$t
    arts=$WORK/crashes/$t
    log=$WORK/$t.log
    mkdir -p "$corpus" "$arts"
    seed "$t" "$seeds"
    before=$(find "$arts" -type f | wc -l)
    set -- -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=20 \
        -print_final_stats=1 -dict="$(dict_for "$t")" -artifact_prefix="$arts/"
    # FUZZ_EXTRA: more libFuzzer flags, e.g. -seed=1 for a repeatable run.
    # shellcheck disable=SC2086
    [ -n "${FUZZ_EXTRA:-}" ] && set -- "$@" $FUZZ_EXTRA
    if [ -n "${FUZZ_FORK:-}" ]; then
        set -- "$@" -fork="$FUZZ_FORK" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1
    fi
    rc=0
    "bin/fuzz/$t" "$@" "$corpus" "$seeds" >"$log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ -z "$execs" ]; then   # fork mode: "#1234: cov: ..." status lines
        execs=$(sed -n 's/^#\([0-9][0-9]*\): cov:.*/\1/p' "$log" | tail -1)
    fi
    after=$(find "$arts" -type f | wc -l)
    crashes=$((after - before))
    if [ "$crashes" -eq 0 ] && [ "$rc" -ne 0 ]; then
        crashes=1   # died without leaving an input (e.g. in the harness setup)
    fi
    echo "$t ${execs:-0} $crashes $rc" >"$WORK/$t.result"
}

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
cd "$ROOT"

status=0
echo "== replaying regression inputs"
for t in $TARGETS; do
    if replay "$t"; then
        echo "  $t: ok"
    else
        status=1
    fi
done

echo "== fuzzing ${SECONDS_PER_TARGET}s per target ($JOBS at a time)"
running=0
for t in $TARGETS; do
    rm -f "$WORK/$t.result"
    fuzz "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait
        running=0
    fi
done
wait

printf '%-18s %14s %8s\n' target executions crashes
for t in $TARGETS; do
    if [ ! -f "$WORK/$t.result" ]; then
        printf '%-18s %14s %8s\n' "$t" '?' '?'
        status=1
        continue
    fi
    read -r name execs crashes rc <"$WORK/$t.result"
    printf '%-18s %14s %8s\n' "$name" "$execs" "$crashes"
    if [ "$crashes" -ne 0 ]; then
        status=1
        # the first few crash inputs and what each one trips (fork mode
        # keeps the children's messages out of the log, so replay them)
        for f in $(find "$WORK/crashes/$t" -type f -newer "$WORK/seeds/$t" | head -5); do
            echo "    crash input: $f"
            "bin/fuzz/$t" -runs=1 "$f" 2>&1 |
                grep -a -m1 -E 'violation|ERROR: AddressSanitizer|runtime error|ERROR: libFuzzer' |
                cut -c1-200 | sed 's/^/      /' || true
        done
        echo "    log: $WORK/$t.log"
    fi
done
exit $status
