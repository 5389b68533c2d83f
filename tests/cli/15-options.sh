#!/bin/bash
# Options: each command takes the ones its help lists and refuses the rest
# (exit 2, nothing changed); numeric values share one strict parser; exit 3
# when stdout or the --report file cannot be written; a bad INFRAEXEC_NOW is
# refused before anything runs.
. "$(dirname "$0")/../lib.sh"

W=$T/ws
mkdir -p "$W/tasks/active" "$W/handlers"
task=$W/tasks/active/TASK-910.md
cat >"$task" <<'MD'
---
id: TASK-910
title: Options
status: active
labels: [testing]
---

## Acceptance Criteria

- [ ] Create marker: `touch marker`
- [ ] Run Second marker: `touch marker2`
MD
cp "$task" "$T/orig.md"

# The issue's example: tick --dry-run used to print "ticked" and write [x].
ix tick "$task" 1 --dry-run
is "$rc" 2 "tick --dry-run: exit 2"
is "$err" "infraexec tick: unknown option --dry-run (see 'infraexec tick --help')" "tick --dry-run: message"
is "$out" "" "tick --dry-run: nothing claimed on stdout"
ok "tick --dry-run: file untouched" cmp "$task" "$T/orig.md"
ix --dry-run tick "$task" 1
is "$rc" 2 "an option before the command that only commands take: exit 2"
like "$err" "infraexec: unknown option --dry-run" "before the command: message"
ok "before the command: file untouched" cmp "$task" "$T/orig.md"

# Every command against every option: accepted when its --help lists it,
# refused otherwise; the shell completion offers the same list.
. "$IX_ROOT/tools/infraexec.bash-completion"
value_for() {
    case $1 in
    --report) echo "$T/r.md" ;; --only) echo 1 ;; --timeout | --task-timeout | --retries) echo 1 ;;
    --handlers | --tasks-dir) echo "$W/handlers" ;; --config) echo "$T/none.yaml" ;;
    --events) echo 2 ;; --doc) echo 0 ;; --note | --runner) echo x ;; --status | --label) echo x ;;
    --max) echo 1 ;;
    esac
}
all="--tasks-dir --json --status --label --dry-run --report --only --timeout --task-timeout
     --retries --handlers --config --doc --force --events --confirm --note -q --quiet -V --version"
cmds=$("$IX_BIN" --help | sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p')
missing=""
for want in show tick log confirm lint run verify next archive yaml handlers list; do
    case " $(echo $cmds) " in *" $want "*) ;; *) missing="$missing $want" ;; esac
done
is "$missing" "" "commands from --help: every command is listed"
for cmd in $cmds; do
    takes=$("$IX_BIN" "$cmd" --help | sed -n 's/^  \(-[a-zA-Z], \)\{0,1\}\(--[a-z-]*\).*/\1\2/p' |
            sed 's/, / /' | tr '\n' ' ')
    is "$(printf '%s\n' $takes --help -h | sort -u | paste -sd ' ')" \
        "$(printf '%s\n' $(_infraexec_options "$cmd") | sort -u | paste -sd ' ')" \
        "$cmd: the completion offers the options --help lists"
    refused=0 wrong=""
    for opt in $all; do
        v=$(value_for "$opt")
        "$IX_BIN" "$cmd" $opt ${v:+"$v"} --help >/dev/null 2>"$T/e" && r=0 || r=$?
        case " $takes " in
        *" $opt "*) [ "$r" = 0 ] || wrong="$wrong $opt(refused:$r)" ;;
        *)
            if [ "$r" = 2 ] && grep -qx "infraexec $cmd: unknown option $opt (see 'infraexec $cmd --help')" "$T/e"; then
                refused=$((refused + 1))
            else
                wrong="$wrong $opt(accepted:$r)"
            fi ;;
        esac
    done
    is "$wrong" "" "$cmd: takes exactly the options its --help lists ($refused others refused)"
    # A value option given twice is refused (which one counts is not
    # guessed); a flag given twice means what it means once.
    twice="" flags=""
    for opt in $takes; do
        v=$(value_for "$opt")
        "$IX_BIN" "$cmd" $opt ${v:+"$v"} $opt ${v:+"$v"} --help >/dev/null 2>"$T/e" && r=0 || r=$?
        if [ -n "$v" ]; then
            hint=""
            [ "$opt" = --only ] && hint=" with every number (--only 2,5)"
            [ "$r" = 2 ] && grep -qx "infraexec $cmd: $opt given twice; give it once$hint (see 'infraexec $cmd --help')" "$T/e" &&
                [ "$(wc -l <"$T/e")" = 1 ] && twice="$twice $opt" || wrong="$wrong $opt(twice:$r)"
        else
            [ "$r" = 0 ] && flags="$flags $opt" || wrong="$wrong $opt(flag twice:$r)"
        fi
    done
    is "$wrong" "" "$cmd: value options given twice refused (${twice# }), flags twice taken (${flags# })"
done
ix show "$task" --bogus
is "$rc" 2 "unknown option: exit 2"
is "$err" "infraexec show: unknown option --bogus (see 'infraexec show --help')" "unknown option: message"
ix run "$task" --report
is "$err" "infraexec run: option --report needs a value (see 'infraexec run --help')" "missing value: message"
ok "refusals changed nothing" cmp "$task" "$T/orig.md"

# Given twice, with different values: refused before anything runs.
mkdir -p "$T/other/tasks/active"
ix run "$task" --only 1 --only 2
is "$rc:$err" "2:infraexec run: --only given twice; give it once with every number (--only 2,5) (see 'infraexec run --help')" \
    "run --only 1 --only 2: refused, one line"
ix --tasks-dir "$W/tasks" list --tasks-dir "$T/other/tasks"
is "$rc:$err" "2:infraexec list: --tasks-dir given twice; give it once (see 'infraexec list --help')" \
    "--tasks-dir before and after the command: refused"
ix list --tasks-dir "$W/tasks" --tasks-d "$T/other/tasks"
is "$rc:$err" "2:infraexec list: --tasks-dir given twice; give it once (see 'infraexec list --help')" \
    "--tasks-dir and an abbreviation of it: refused"
ix run "$task" -q --report "$T/r1.md" --report="$T/r2.md"
is "$rc:$err" "2:infraexec run: --report given twice; give it once (see 'infraexec run --help')" \
    "--report X --report=Y: refused"
ok "--report twice: no report written" test ! -e "$T/r1.md" -a ! -e "$T/r2.md"
ok "--report twice: no command ran" test ! -e "$W/marker"
ok "options twice changed nothing" cmp "$task" "$T/orig.md"

# One strict numeric parser, a message on stderr for each refusal.
bad_number() { # DESC NEEDLE ARGS...
    local d=$1 n=$2; shift 2
    ix "$@"
    is "$rc" 2 "$d: exit 2"
    is "$err" "$n" "$d: message"
    ok "$d: task untouched" cmp "$task" "$T/orig.md"
}
for v in 99999999999 1.5 101 -3 1e1 ' 1' ''; do
    bad_number "--retries '$v'" "infraexec: --retries: '$v' is not a whole number from 0 to 100" \
        run "$task" -q --retries "$v"
done
for v in nan inf 0x10 -1 1e3 1. .5x 31536001; do
    bad_number "--timeout '$v'" "infraexec: --timeout: '$v' is not a number of seconds (e.g. 30 or 2.5)" \
        run "$task" -q --timeout "$v"
done
bad_number "--task-timeout nan" "infraexec: --task-timeout: 'nan' is not a number of seconds (e.g. 30 or 2.5)" \
    run "$task" -q --task-timeout nan
bad_number "--only 1,,2" "infraexec: --only: '' is not a criterion number (--only takes a list like 2,5)" \
    run "$task" -q --only 1,,2
bad_number "--only 0x1" "infraexec: --only: '0x1' is not a criterion number (--only takes a list like 2,5)" \
    run "$task" -q --only 0x1
bad_number "--doc 1e3" "infraexec: --doc: '1e3' is not a document index (0, 1, ...)" yaml get "$task" a --doc 1e3
bad_number "--events -1" "infraexec: --events: '-1' is not an open file descriptor (0-1023)" run "$task" -q --events -1
bad_number "--handlers /nonexistent" "infraexec: --handlers: /nonexistent: No such file or directory" \
    run "$task" -q --handlers /nonexistent
bad_number "--handlers FILE" "infraexec: --handlers: $task: not a directory" run "$task" -q --handlers "$task"
bad_number "--report DIR" "infraexec: --report: '$T' is a directory, not a file" run "$task" -q --report "$T"
bad_number "--report ''" "infraexec: --report: '' is no file name" run "$task" -q --report ""
ok "no refusal ran a command" test ! -e "$W/marker"
ix run "$task" -q --timeout 2.5 --retries 0 --task-timeout 60 --only 1 --json
is "$rc" 1 "good values are taken (one criterion run, one left)"
ok "good values: the command ran" test -e "$W/marker"
cp "$T/orig.md" "$task"
rm -f "$W/marker"

# A malformed INFRAEXEC_NOW is refused before any command runs (29 February
# of 2025 too: its entry would not read back as a Progress Log entry).
for now in bogus "2026-11-25 12:3x" "+026-11-25 12:34" "2026-13-01 00:00" "2025-02-29 10:00"; do
    INFRAEXEC_NOW=$now ix run "$task" -q
    is "$rc" 2 "INFRAEXEC_NOW='$now': exit 2"
    is "$err" "infraexec: INFRAEXEC_NOW='$now': expected \"YYYY-MM-DD HH:MM\"" "INFRAEXEC_NOW='$now': message"
done
ok "bad INFRAEXEC_NOW: no command ran" test ! -e "$W/marker"
ok "bad INFRAEXEC_NOW: task untouched" cmp "$task" "$T/orig.md"
INFRAEXEC_NOW=bogus ix tick "$task" 1
is "$rc" 2 "bad INFRAEXEC_NOW: tick refused too"

# Output that cannot be written is not success: exit 3.
"$IX_BIN" show "$task" --json >/dev/full 2>"$T/e" && rc=0 || rc=$?
is "$rc" 3 "show --json >/dev/full: exit 3"
is "$(cat "$T/e")" "infraexec: cannot write to standard output: No space left on device" "show: says why"
"$IX_BIN" run "$task" -q --json >/dev/full 2>"$T/e" && rc=0 || rc=$?
is "$rc" 3 "run --json >/dev/full (all criteria done): exit 3, not 0"
like "$(cat "$T/e")" "cannot write to standard output" "run: says why"
is "$(grep -c '\[x\]' "$task")" 2 "run: the ticks themselves are in the file"
cp "$T/orig.md" "$task"
rm -f "$W/marker" "$W/marker2"
ix run "$task" -q --report "$T/nodir/report.md"
is "$rc" 3 "--report into a missing directory, every criterion ticked: exit 3, not 1"
like "$err" "infraexec: report: $T/nodir/report.md" "the report file is named"
is "$(grep -c '\[x\]' "$task")" 2 "the run's ticks are kept"
cp "$T/orig.md" "$task"
rm -f "$W/marker"
printf -- '- [ ] Run Fails: `false`\n' >>"$task"
ix run "$task" -q --retries 0 --report "$T/nodir/report.md"
is "$rc" 3 "--report unwritable with criteria remaining: still exit 3 (the report is what is missing)"

done_testing
