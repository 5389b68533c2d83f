#!/bin/bash
# tests/valgrind.sh - the command-line tests with every infraexec invocation
# under valgrind's memcheck, on the non-ASan debug build.
#
#   tests/valgrind.sh [tests/cli/NN-name.sh ...]
#
# Default scripts: tests/cli/{10,20,30,40,60,70,80,85}*.sh.  IX_BIN points at
# a wrapper that runs bin/debug/infraexec under
#   valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99
# with one log per invocation (in $IX_VG_LOGS if set, else in a temp dir that
# is removed unless something was found).  At the end: invocations, valgrind
# errors and definitely lost bytes; the exit status is non-zero when valgrind
# found anything (or no invocation ran).  Test assertions that fail under
# valgrind are reported too; a failed assertion that is not explained by a
# valgrind error is counted separately (it may be timing: valgrind is ~20x
# slower) and does not change the exit status unless IX_VG_STRICT=1.
# IX_VG_BUILD=0 skips the build.  Fixes nothing: it reports.
set -u
cd "$(dirname "$0")/.." || exit 2
IX_ROOT=$PWD
export IX_ROOT

if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2
    exit 2
fi
if [ "${IX_VG_BUILD:-1}" = 1 ]; then
    tools/build.sh debug release >/dev/null || { echo "valgrind.sh: build failed" >&2; exit 2; }
fi

V=$(mktemp -d)
keep=${IX_VG_LOGS:-}
logs=${keep:-$V/logs}
cleanup() { [ "${found:-1}" = 0 ] && rm -rf "$V"; }
trap cleanup EXIT
# Tests run some invocations as nobody (setpriv): the wrapper, the binary and
# the log directory must be reachable by anyone.
chmod 755 "$V"
mkdir -p "$logs"
chmod 1777 "$logs"

# A private copy of the debug binary (a rebuild elsewhere cannot swap it
# mid-run); it finds handlers/ and lua/ beside its bin/ like the real one.
mkdir "$V/bin"
cp bin/debug/infraexec "$V/bin/infraexec"
ln -s "$IX_ROOT/handlers" "$V/handlers"
ln -s "$IX_ROOT/lua" "$V/lua"
chmod -R a+rX "$V/bin"

cat >"$V/infraexec" <<EOF
#!/bin/bash
# One log per invocation; exec, so the pid the tests see is the process.
log="$logs/vg.\$\$.\${EPOCHREALTIME//[!0-9]/}.log"
exec valgrind --leak-check=full --errors-for-leak-kinds=definite \\
    --show-leak-kinds=definite --error-exitcode=99 --vgdb=no \\
    --log-file="\$log" "$V/bin/infraexec" "\$@"
EOF
chmod 755 "$V/infraexec"

if [ $# -gt 0 ]; then
    scripts=("$@")
else
    scripts=(tests/cli/10*.sh tests/cli/20*.sh tests/cli/30*.sh tests/cli/40*.sh
             tests/cli/60*.sh tests/cli/70*.sh tests/cli/80*.sh tests/cli/85*.sh)
fi

failed_asserts=0
failed_scripts=()
for s in "${scripts[@]}"; do
    name=$(basename "$s" .sh)
    before=$(ls "$logs" | wc -l)
    IX_BIN=$V/infraexec bash "$s" >"$V/$name.tap" 2>"$V/$name.stderr" && rc=0 || rc=$?
    after=$(ls "$logs" | wc -l)
    nok=$(grep -c '^not ok' "$V/$name.tap")
    plan=$(grep -c '^ok' "$V/$name.tap")
    printf '%-22s %3d invocations, %3d ok, %d not ok, exit %d\n' "$name" $((after - before)) \
        "$plan" "$nok" "$rc"
    if [ "$nok" -gt 0 ] || [ "$rc" != 0 ]; then
        failed_scripts+=("$name")
        failed_asserts=$((failed_asserts + nok))
        grep -A4 '^not ok' "$V/$name.tap" | sed 's/^/    /' | head -40
    fi
done

# ---- totals ----
invocations=0 errors=0 definite=0 incomplete=0 bad_logs=()
for f in "$logs"/vg.*.log; do
    [ -e "$f" ] || continue
    invocations=$((invocations + 1))
    e=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$f" | tr -d , | tail -1)
    d=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$f" | tr -d , | tail -1)
    if [ -z "$e" ]; then # killed before valgrind could sum up
        incomplete=$((incomplete + 1))
        e=$(grep -c '^==[0-9]*==    at ' "$f")
    fi
    d=${d:-0}
    if [ "$e" -gt 0 ] || [ "$d" -gt 0 ]; then
        bad_logs+=("$f")
    fi
    errors=$((errors + e))
    definite=$((definite + d))
done
echo
echo "valgrind: $invocations invocations, $errors errors, $definite bytes definitely lost" \
    "(${#bad_logs[@]} invocations with errors; $incomplete logs without a summary)"
if [ "${#bad_logs[@]}" -gt 0 ]; then
    # Each distinct report once, its first frames, how often, and one command.
    awk '
        function flush() {
            if (blk != "") { c[blk]++; if (!(blk in ex)) ex[blk] = cmd }
            blk = ""
        }
        FNR == 1 { flush(); cmd = "" }
        /^==[0-9]+== Command: / { cmd = $0; sub(/^==[0-9]+== Command: /, "", cmd); next }
        /^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|Source and|Argument|Process terminating|[0-9,]+ (\([0-9,]+ direct, [0-9,]+ indirect\) )?bytes in)/ {
            flush(); blk = $0; n = 0
            sub(/^==[0-9]+== /, "", blk)
            gsub(/[0-9,]+ (\([0-9,]+ direct, [0-9,]+ indirect\) )?bytes in [0-9,]+ blocks/, "N bytes in M blocks", blk)
            gsub(/loss record [0-9,]+ of [0-9,]+/, "loss record", blk)
            next
        }
        /^==[0-9]+==    (at|by) / && blk != "" {
            if (n++ < 8) { l = $0; sub(/^==[0-9]+== +/, "", l); sub(/0x[0-9A-F]+: /, "", l); blk = blk "\n    " l }
            next
        }
        { flush() }
        END {
            flush()
            for (k in c) printf "[%d x] e.g. %s\n%s\n\n", c[k], substr(ex[k], 1, 200), k
        }' "${bad_logs[@]}" | head -300
    echo "logs: $logs"
fi
if [ "$failed_asserts" -gt 0 ] || [ "${#failed_scripts[@]}" -gt 0 ]; then
    echo "test scripts with failures under valgrind: ${failed_scripts[*]}" \
        "($failed_asserts failed assertions; TAP and stderr in $V)"
fi

found=0
if [ "$errors" -gt 0 ] || [ "$definite" -gt 0 ] || [ "${#bad_logs[@]}" -gt 0 ]; then found=1; fi
[ "$invocations" -eq 0 ] && { echo "valgrind: no invocation ran"; found=1; }
[ "${IX_VG_STRICT:-0}" = 1 ] && [ "${#failed_scripts[@]}" -gt 0 ] && found=1
[ "$found" = 1 ] && echo "(TAP output and stderr kept in $V)"
exit "$found"
