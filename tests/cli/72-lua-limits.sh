#!/bin/bash
# Limits a handler cannot dodge: Ctrl-C and --task-timeout stop pure-Lua
# loops (the count hook the watchdog sets checks them), a finalizer cannot be set, and
# a hang inside one C call (a backtracking pattern) is ended by the
# watchdog with the documented exit code and one line, files consistent.
. "$(dirname "$0")/../lib.sh"

W=$T/ws
testing_label "$W"
cat >"$W/handlers/testing.lua" <<'LUA'
return { rules = {
  { pattern = "^Loop in Lua", run = function() while true do end end },
  -- Each catches the error the hook raises inside, and loops on.
  { pattern = "^Loop catching errors with pcall", run = function()
      while true do pcall(function() while true do end end) end
    end },
  { pattern = "^Loop catching errors with xpcall", run = function()
      while true do xpcall(function() while true do end end, function(e) return e end) end
    end },
  { pattern = "^Loop catching errors with resume", run = function()
      while true do coroutine.resume(coroutine.create(function() while true do end end)) end
    end },
  { pattern = "^Loop catching errors with load", run = function()
      while true do load(function() while true do end end) end
    end },
  { pattern = "^Loop in a coroutine", run = function()
      coroutine.wrap(function() while true do end end)()
    end },
  { pattern = "^Hang in a pattern", run = function()
      return ("a"):rep(40):find(("a-"):rep(12) .. "b") ~= nil, "matched"
    end },
  -- Few VM instructions, all the time in C: a count of instructions
  -- would take hours to stop it.
  { pattern = "^Loop in C", run = function()
      while true do local s = ("a"):rep(1000000) end
    end },
  { pattern = "^Loop under nested pcalls", run = function()
      local function nest(n)
        if n == 0 then while true do end end
        while true do pcall(nest, n - 1) end
      end
      nest(20)
    end },
} }
LUA

# mktask ID CRITERION: first criterion a plain command, then CRITERION, then
# one more command that must not run.
mktask() {
    cat >"$W/tasks/active/$1.md" <<MD
---
id: $1
title: Limits
labels: [testing]
---
## Acceptance Criteria
- [ ] Run First: \`true\`
- [ ] $2
- [ ] Run Last: \`touch $T/last-$1\`
MD
}

# start ID ARGS...: run in the background, events to $T/ev-ID; waits until
# criterion 2 started.  Sets $pid and $t0 (seconds).
start() {
    local id=$1; shift
    : >"$T/ev-$id"
    "$IX_BIN" run "$id" --tasks-dir "$W/tasks" --json -q --events 3 "$@" \
        >"$T/out-$id.json" 2>"$T/err-$id" 3>"$T/ev-$id" &
    pid=$!
    for _ in $(seq 200); do
        grep -q '"criterion_started".*"index": *2\|"index": *2.*"criterion_started"' "$T/ev-$id" && break
        sleep 0.05
    done
    sleep 0.3 # inside the rule now
    t0=$(date +%s.%N)
}

# finish: wait for $pid (killed after 30 s: a hang fails, it does not hang
# the suite); sets $rc and $secs (since $t0).
finish() {
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" && rc=0 || rc=$?
    secs=$(echo "$(date +%s.%N) - $t0" | bc)
}

# consistent ID: criterion 1 ticked on disk, 2 and 3 not, the file lints,
# no temp files beside it, the last command never ran.
consistent() {
    is "$("$IX_BIN" show --json "$W/tasks/active/$1.md" | jq -c '[.criteria[].checked]')" \
        "[true,false,false]" "$1: only the first criterion is ticked on disk"
    ok "$1: the task file lints clean" "$IX_BIN" lint "$W/tasks/active/$1.md"
    is "$(ls -A "$W/tasks/active" | grep -v '\.md$' | tr '\n' ' ')" "" "$1: no temp files left"
    ok "$1: the criterion after it never ran" test ! -e "$T/last-$1"
}

within() { # LIMIT DESC
    ok "$2 (${secs}s, limit $1s)" test "$(echo "$secs < $1" | bc)" = 1
}

# ---- pure Lua: SIGINT and --task-timeout stop it at the next hook ----
mktask TASK-930 "Loop in Lua"
start TASK-930
kill -INT $pid
finish
is "$rc" 130 "Lua loop + SIGINT: exit 130"
within 3 "Lua loop + SIGINT: stops at once"
is "$(jq -r .interrupted "$T/out-TASK-930.json")" true "Lua loop + SIGINT: the JSON report is written"
like "$(jq -r '.criteria[1].reason' "$T/out-TASK-930.json")" "interrupted" "the criterion says interrupted"
consistent TASK-930

for how in pcall xpcall resume load; do
    mktask TASK-931-$how "Loop catching errors with $how"
    start TASK-931-$how
    kill -INT $pid
    finish
    is "$rc" 130 "a loop catching the interrupt with $how still stops: exit 130"
    within 3 "$how-catching loop + SIGINT: stops at once"
    is "$(jq -r .interrupted "$T/out-TASK-931-$how.json")" true "$how: the JSON report is written"
    consistent TASK-931-$how
done

# No signal, no deadline: the CPU budget cannot be caught either;
# the criterion fails and the run goes on.
mktask TASK-936 "Loop catching errors with pcall"
sed -i "s|touch $T/last-TASK-936|true|" "$W/tasks/active/TASK-936.md"
ix run TASK-936 --tasks-dir "$W/tasks" --json -q
is "$rc" 1 "catching loop, no signal: the run finishes"
like "$(jq -r '.criteria[1].reason' <<<"$out")" "testing.lua:5: handler ran more than 3 s of CPU time" \
    "the CPU budget stops a loop that catches it, with file:line"
is "$(jq -r '[.criteria[].state] | join(",")' <<<"$out")" "completed,remaining,completed" \
    "the criteria before and after are done"

# The budget is CPU time, whatever runs it: Lua, the C it calls, a
# coroutine (whose hook is always on), a loop under 20 catching pcalls.
for what in "Loop in C:testing.lua:25" "Loop in a coroutine:testing.lua:17" \
            "Loop under nested pcalls:testing.lua:29"; do
    id=TASK-937-$(echo "${what%%:*}" | tr ' ' -)
    mktask "$id" "${what%%:*}"
    sed -i "s|touch $T/last-$id|true|" "$W/tasks/active/$id.md"
    # timeout: an instruction count would let the C loop run for hours
    out=$(timeout 60 "$IX_BIN" run "$id" --tasks-dir "$W/tasks" --json -q) && rc=0 || rc=$?
    is "$rc" 1 "${what%%:*}, no signal: the run finishes"
    like "$(jq -r '.criteria[1].reason' <<<"$out")" "${what#*:}: handler ran more than 3 s of CPU time" \
        "${what%%:*}: stopped by the CPU budget, with file:line"
    is "$(jq -r '[.criteria[].state] | join(",")' <<<"$out")" "completed,remaining,completed" \
        "${what%%:*}: the criteria before and after are done"
done

# Handler tooling has the budget too: a handler file that loops as it loads.
mkdir -p "$W/looping"
cp "$W/handlers/types.lua" "$W/looping/"
printf 'while true do end\nreturn { rules = {} }\n' >"$W/looping/spin.lua"
ix handlers check --handlers "$W/looping"
ok "handlers check on a handler that loops as it loads: fails" test "$rc" != 0
like "$out$err" "handler ran more than 3 s of CPU time" "... on the CPU budget"

mktask TASK-932 "Loop in a coroutine"
start TASK-932
kill -INT $pid
finish
is "$rc" 130 "a loop in a coroutine stops on SIGINT: exit 130"
within 3 "coroutine loop + SIGINT: stops at once"

mktask TASK-933 "Loop in Lua"
start TASK-933 --task-timeout 2
finish
is "$rc" 1 "Lua loop + --task-timeout: exit 1, criteria remain"
within 4 "Lua loop + --task-timeout 2: stops at the deadline"
is "$(jq -r .task_timed_out "$T/out-TASK-933.json")" true "the report says --task-timeout"
like "$(jq -r '.criteria[1].reason' "$T/out-TASK-933.json")" "stopped by --task-timeout" \
    "the criterion says why"
consistent TASK-933

# ---- one C call that never returns: the watchdog ends the process ----
mktask TASK-934 "Hang in a pattern"
start TASK-934 --task-timeout 1
finish
is "$rc" 124 "pattern hang + --task-timeout: exit 124"
within 9 "pattern hang + --task-timeout 1: ended by the watchdog (deadline + 5 s grace)"
is "$(cat "$T/err-TASK-934")" "infraexec: criterion 2: the handler did not return within 5 s of --task-timeout (stuck in one C call); run stopped, no report" \
    "one line says what happened"
consistent TASK-934

mktask TASK-935 "Hang in a pattern"
start TASK-935
kill -INT $pid
finish
is "$rc" 130 "pattern hang + SIGINT: exit 130"
within 8 "pattern hang + SIGINT: ended within the 5 s grace"
like "$(cat "$T/err-TASK-935")" "criterion 2: the handler did not return within 5 s of the interrupt" \
    "the message names the interrupt"
consistent TASK-935

done_testing
