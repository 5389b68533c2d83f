#!/bin/bash
# The libFuzzer targets, for a bounded time in CI ($IX_FUZZ_SECONDS per
# target, default 60): regression inputs replayed, then fuzzing; any crash
# or broken property fails.  set's own self-check refusals ("internal
# error": nothing written) are allowed here; see docs/reliability.md.
. "$(dirname "$0")/../lib.sh"

secs=${IX_FUZZ_SECONDS:-60}
out=$(cd "$IX_ROOT" && FUZZ_YAMLSET_ALLOW_INTERNAL=1 FUZZ_JOBS=2 FUZZ_WORK="$T/work" \
      FUZZ_EXTRA="-seed=${IX_FUZZ_SEED:-1} -timeout=120" tests/fuzz/run.sh "$secs" 2>&1) && rc=0 || rc=$?
printf '%s\n' "$out" | sed -n '/^target/,$p' | sed 's/^/# /'
if [ "$rc" != 0 ]; then # what broke, on stderr: prove shows it in the CI log
    {
        printf '%s\n' "$out" | tail -40 | sed 's/^/# /'
        for f in "$T"/work/crashes/*/*; do # base64: the exact input, to replay
            [ -f "$f" ] && { echo "# crash input $f (base64):"; head -c 8192 "$f" | base64 -w 100 | sed 's/^/#   /'; }
        done
    } >&2
fi
is "$rc" 0 "fuzzing ${secs}s per target: no crash, regressions replay clean"
for t in fuzz_task fuzz_taskscan fuzz_frontmatter fuzz_yamlset fuzz_config fuzz_wording; do
    n=$(printf '%s\n' "$out" | awk -v t="$t" '$1 == t && $2 ~ /^[0-9]+$/ {print $2}')
    ok "$t ran (${n:-0} executions)" test "${n:-0}" -gt 0
done

done_testing
