#!/bin/bash
# tools/install.sh: the PREFIX/DESTDIR layout a Debian user expects; the
# installed binary finds its installed handlers from its own path, with no
# environment variable; the man page renders cleanly and documents every
# command and option of --help; the bash completion completes commands,
# options, task ids (from --tasks-dir, $INFRAEXEC_TASKS or the nearest
# tasks/) and files.
#
# Installs the release binary (bin/infraexec; install.sh builds it when
# missing), like a user would.
. "$(dirname "$0")/../lib.sh"

R=$T/root
U=$R/usr
install_out=$(cd "$IX_ROOT" && PREFIX=/usr DESTDIR="$R" tools/install.sh 2>&1) && rc=0 || rc=$?
is "$rc" 0 "install.sh exits 0"
[ "$rc" = 0 ] || printf '# %s\n' "$install_out" | tail -20
like "$install_out" "installed $U/bin/infraexec" "it says what it installed"

# ---- the layout ----
for f in bin/infraexec \
    share/infraexec/handlers/generic.lua share/infraexec/handlers/types.lua \
    share/infraexec/lua/infraexec/core/engine.lua \
    share/man/man1/infraexec.1.gz \
    share/bash-completion/completions/infraexec \
    share/doc/infraexec/README.md share/doc/infraexec/cli.md \
    share/doc/infraexec/reports.md share/doc/infraexec/lua-api.md; do
    ok "installed /usr/$f" test -f "$U/$f"
done
is "$(stat -c %a "$U/bin/infraexec")" 755 "the binary is mode 755"
is "$(find "$U/share" -type f ! -perm 644 | wc -l)" 0 "every data file is mode 644"
is "$(ls -A "$R")" usr "nothing installed outside PREFIX"
is "$(cd "$U/share/infraexec" && find handlers lua -type f | LC_ALL=C sort)" \
    "$(cd "$IX_ROOT" && find handlers lua -type f ! -name '.*' ! -name '*~' | LC_ALL=C sort)" \
    "every handler and Lua module is installed, and nothing else"
ok "the man page is gzipped" gzip -t "$U/share/man/man1/infraexec.1.gz"
ok "the installed docs are the source's" cmp "$U/share/doc/infraexec/cli.md" "$IX_ROOT/docs/cli.md"

# A second install replaces handlers/ and lua/: a stale handler goes.
echo 'return { rules = {} }' >"$U/share/infraexec/handlers/stale.lua"
(cd "$IX_ROOT" && PREFIX=/usr DESTDIR="$R" tools/install.sh >/dev/null 2>&1) && rc=0 || rc=$?
is "$rc" 0 "installing again exits 0"
ok "a handler no longer in the source is removed" test ! -e "$U/share/infraexec/handlers/stale.lua"

# The premake action runs the same script (from any directory).
if command -v premake4 >/dev/null 2>&1; then
    out=$(cd "$T" && PREFIX=/usr DESTDIR="$T/pm" premake4 --file="$IX_ROOT/premake5.lua" install 2>&1) &&
        rc=0 || rc=$?
    is "$rc" 0 "premake4 --file=premake5.lua install exits 0"
    ok "and installs with PREFIX and DESTDIR" test -x "$T/pm/usr/bin/infraexec"
    ok "the same files as install.sh" diff -r "$R" "$T/pm"
else
    _result 1 "premake4 --file=premake5.lua install # SKIP premake4 not installed"
fi

out=$(cd "$IX_ROOT" && PREFIX=relative/path DESTDIR="$T/bad" tools/install.sh 2>&1) && rc=0 || rc=$?
is "$rc" 2 "a relative PREFIX is refused"
ok "and nothing is installed" test ! -e "$T/bad"

# ---- the installed binary ----
out=$("$U/bin/infraexec" --version 2>&1) && rc=0 || rc=$?
is "$rc" 0 "installed infraexec --version exits 0"
like "$out" "infraexec " "installed --version prints the version"

# A workspace with no handlers/ or lua/ of its own, and no environment at
# all: the generic handler can only come from /usr/share/infraexec.
W=$T/ws
mkdir -p "$W/tasks/active" "$W/tasks/backlog" "$W/tasks/completed" "$W/sub/deeper"
new_task() { # FILE ID
    cat >"$1" <<MD
---
id: $2
title: Create a marker
status: active
priority: low
labels: [testing]
updated: 2026-01-01
---

## Acceptance Criteria

- [ ] Create marker: \`touch marker\`

## Progress Log

- 2026-01-01 10:00: created
MD
}
new_task "$W/tasks/active/TASK-900.md" TASK-900
cp "$W/tasks/active/TASK-900.md" "$T/orig.md"
bare_run() { # BINARY: run TASK-900 from $W/sub/deeper with an empty environment
    out=$(cd "$W/sub/deeper" && env -i PATH=/usr/bin:/bin HOME="$T" "$1" run TASK-900 -q --json 2>"$T/.stderr") &&
        rc=0 || rc=$?
    err=$(cat "$T/.stderr")
}
bare_run "$U/bin/infraexec"
is "$rc" 0 "installed binary runs the task with no environment variable"
[ "$rc" = 0 ] || printf '# %s\n' "$err" | head -10
ok "the command ran, in the workspace" test -e "$W/marker"
is "$(jq -r '.criteria[0].state' <<<"$out" 2>/dev/null)" completed "the criterion is completed"
like "$(jq -r '.criteria[0].rule' <<<"$out" 2>/dev/null)" "generic:" "by the installed generic handler"
like "$(cat "$W/tasks/active/TASK-900.md")" "- [x] Create marker:" "and ticked in the task file"

# Through a symlink on PATH (like ~/bin/infraexec -> /usr/bin/infraexec).
cp "$T/orig.md" "$W/tasks/active/TASK-900.md"
rm -f "$W/marker"
mkdir "$T/linkbin"
ln -s "$U/bin/infraexec" "$T/linkbin/infraexec"
bare_run "$T/linkbin/infraexec"
is "$rc" 0 "a symlink to the installed binary finds the handlers too"
ok "and runs the command" test -e "$W/marker"

# Control: the same binary without share/infraexec finds nothing to run.
cp "$T/orig.md" "$W/tasks/active/TASK-900.md"
rm -f "$W/marker"
mkdir -p "$T/bare/usr/bin"
cp "$U/bin/infraexec" "$T/bare/usr/bin/infraexec"
bare_run "$T/bare/usr/bin/infraexec"
isnt_zero=$([ "$rc" != 0 ] && echo yes || echo "no (exit 0)")
is "$isnt_zero" yes "control: without share/infraexec the run fails"
ok "control: nothing ran" test ! -e "$W/marker"
ok "control: the task is untouched" cmp "$W/tasks/active/TASK-900.md" "$T/orig.md"

# ---- the man page ----
MAN=$U/share/man/man1/infraexec.1.gz
if command -v man >/dev/null 2>&1 && command -v groff >/dev/null 2>&1; then
    page=$(MANWIDTH=80 man -l "$MAN" 2>"$T/man.err") && rc=0 || rc=$?
    is "$rc" 0 "man -l renders the installed page"
    is "$(cat "$T/man.err")" "" "man -l prints no warning"
    like "$page" "infraexec - execute infrastructure task files" "NAME section"
    for s in SYNOPSIS DESCRIPTION COMMANDS OPTIONS ENVIRONMENT FILES "EXIT STATUS" EXAMPLES "SEE ALSO"; do
        like "$page" "
$s
" "man page has $s"
    done
    like "$page" "/usr/share/infraexec/{handlers,lua}/" "FILES names the data directory of this PREFIX"
    like "$(tail -n 1 <<<"$page")" "$("$U/bin/infraexec" --version)" "the footer has the installed version"
    is "$(zcat "$MAN" | groff -man -Tutf8 -ww -z 2>&1)" "" "groff -ww: no warnings"
else
    for s in "man -l renders the installed page" "groff -ww: no warnings"; do
        _result 1 "$s # SKIP man or groff not installed (apt-get install man-db groff-base)"
    done
fi

# Every command of --help, and every option of each command's --help, is in
# the man page and in the completion.
C=$U/share/bash-completion/completions/infraexec
src=$(zcat "$MAN")
printf '%s\n' "$src" >"$T/man.src"
cmds=$("$U/bin/infraexec" --help | awk '/^commands:/ { f = 1; next } f && /^$/ { exit } f { print $1 }')
ok "--help lists commands" test -n "$cmds"
comp_cmds=$(bash --norc --noprofile -c 'source "$1"; echo " $_infraexec_commands "' _ "$C")
for c in $cmds; do
    ok "man page documents the command '$c'" grep -qE "^\.(B|BI|BR) $c( |$)" "$T/man.src"
    like "$comp_cmds" " $c " "completion knows the command '$c'"
    opts=$("$U/bin/infraexec" "$c" --help | grep -E '^  +-' | sed -E 's/^ +//; s/  .*//' |
        tr ' ,' '\n' | grep -E '^-')
    comp_opts=" $(bash --norc --noprofile -c 'source "$1"; _infraexec_options "$2"' _ "$C" "$c") "
    for o in $opts; do
        like "$src" "${o//-/\\-}" "man page documents '$c $o'"
        like "$comp_opts" " $o " "completion offers '$c $o'"
    done
done

# ---- the bash completion ----
out=$(bash --norc --noprofile -c 'source "$1"; complete -p infraexec' _ "$C" 2>&1)
is "$out" "complete -F _infraexec infraexec" "the completion file defines the completion"

# comp DIR WORD...: the candidates for the last WORD, completed from DIR,
# sorted and on one line.
comp() {
    local dir=$1
    shift
    (cd "$dir" && bash --norc --noprofile -c '
        source "$0"
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="${COMP_WORDS[*]}"
        COMP_POINT=${#COMP_LINE}
        _infraexec
        printf "%s\n" "${COMPREPLY[@]}"' "$C" "$@") | LC_ALL=C sort | paste -sd ' ' -
}

new_task "$W/tasks/backlog/TASK-905.md" TASK-905
sed -i 's/^status: active/status: backlog/; s/\[testing\]/[testing, "registry"]/' "$W/tasks/backlog/TASK-905.md"
cp "$W/tasks/active/TASK-900.md" "$W/tasks/completed/OPS-1.md"
cp "$W/tasks/active/TASK-900.md" "$W/tasks/active/TEMPLATE-task.md"
O=$T/other/tasks
mkdir -p "$O/active" "$T/elsewhere"
new_task "$O/active/NET-42.md" NET-42
touch "$T/elsewhere/report.md" "$T/elsewhere/values.yaml" "$T/elsewhere/notes.txt"
mkdir "$T/elsewhere/handlers.d"

is "$(comp "$T" infraexec "")" "archive claim confirm handlers lint list log next queue release run show tick verify work yaml" \
    "commands"
is "$(comp "$T" infraexec ru)" "run" "a command from its prefix"
is "$(comp "$T" infraexec -)" "--help --tasks-dir --version -V -h" "global options"
is "$(comp "$T" infraexec run --t)" "--task-timeout --tasks-dir --timeout" "run options by prefix"
is "$(comp "$T" infraexec run -)" \
    "--config --confirm --dry-run --events --handlers --help --json --only --quiet --report --retries --runner --task-timeout --tasks-dir --timeout -h -q" \
    "every run option"
is "$(comp "$T" infraexec list --)" "--help --json --label --status --tasks-dir" "list options"
is "$(comp "$T" infraexec yaml --d)" "--doc --dry-run" "yaml options"
is "$(comp "$T" infraexec show --)" "--help --json --tasks-dir" "show options"
is "$(comp "$T" infraexec verify -)" "--handlers --help --json --only --quiet --report --tasks-dir -h -q" \
    "verify options"
is "$(comp "$T" infraexec archive --)" "--force --help --json --runner --tasks-dir" "archive options"
is "$(comp "$T" infraexec confirm --)" "--help --note --tasks-dir" "confirm options"
is "$(comp "$W/sub/deeper" infraexec confirm "")" "OPS-1 TASK-900 TASK-905" "confirm takes a TASK"

# Task ids: --tasks-dir on the command line (before or after the command,
# as two words or with =), else $INFRAEXEC_TASKS, else the nearest tasks/.
is "$(comp "$T" infraexec run --tasks-dir "$W/tasks" "")" "OPS-1 TASK-900 TASK-905" \
    "task ids from --tasks-dir (active, backlog, completed; no TEMPLATE)"
is "$(comp "$T" infraexec --tasks-dir "$W/tasks" show T)" "TASK-900 TASK-905" \
    "task ids by prefix, --tasks-dir before the command"
is "$(comp "$T" infraexec show --tasks-dir = "$W/tasks" "")" "OPS-1 TASK-900 TASK-905" \
    "--tasks-dir=DIR split at '=' as bash does"
is "$(comp "$T" infraexec show "--tasks-dir=$O" "")" "NET-42" "--tasks-dir=DIR as one word"
is "$(comp "$W/sub/deeper" infraexec tick --tasks-dir "$O" "")" "NET-42" \
    "--tasks-dir wins over the nearest tasks/"
is "$(comp "$W/sub/deeper" infraexec run "")" "OPS-1 TASK-900 TASK-905" "the nearest tasks/ walking up"
out=$(cd "$W/sub/deeper" && INFRAEXEC_TASKS=$O bash --norc --noprofile -c '
    source "$0"; COMP_WORDS=(infraexec verify ""); COMP_CWORD=2; _infraexec; echo "${COMPREPLY[*]}"' "$C")
is "$out" "NET-42" "\$INFRAEXEC_TASKS wins over the nearest tasks/"
is "$(comp "$W/sub/deeper" infraexec show TASK-900 "")" "" "show takes one TASK"
is "$(comp "$W/sub/deeper" infraexec lint TASK-900 O)" "OPS-1" "lint takes several"
is "$(comp "$W/sub/deeper" infraexec log TASK-900 "")" "" "no completion for a log MESSAGE"
is "$(comp "$W/sub/deeper" infraexec archive --force "")" "OPS-1 TASK-900 TASK-905" "archive takes a TASK"
is "$(comp "$W/sub/deeper" infraexec next "")" "" "next takes no TASK"
is "$(comp "$T" infraexec show "$W/tasks/active/TA")" "$W/tasks/active/TASK-900.md" \
    "a TASK given as a path completes files"
is "$(comp "$W/sub/deeper" infraexec list --status "")" "active backlog" "--status values from the tasks"
is "$(comp "$W/sub/deeper" infraexec list --label "")" "registry testing" "--label values from the tasks"

# Files and directories.
is "$(comp "$T/elsewhere" infraexec run TASK-900 --report "")" \
    "handlers.d notes.txt report.md values.yaml" "--report completes files"
is "$(comp "$T/elsewhere" infraexec run --config v)" "values.yaml" "--config completes files"
is "$(comp "$T/elsewhere" infraexec run --report=r)" "--report=report.md" "--report=FILE as one word"
is "$(comp "$T/elsewhere" infraexec run --handlers "")" "handlers.d" "--handlers completes directories"
is "$(comp "$T" infraexec --tasks-dir "$T/oth")" "$T/other" "--tasks-dir completes directories"
is "$(comp "$T/elsewhere" infraexec yaml "")" "get set" "yaml: get or set"
is "$(comp "$T/elsewhere" infraexec yaml set v)" "values.yaml" "yaml set: then a file"
is "$(comp "$T/elsewhere" infraexec yaml get values.yaml "")" "" "no completion for a YAML PATH"
is "$(comp "$T" infraexec handlers "")" "check" "handlers check"

done_testing
