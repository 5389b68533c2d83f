#!/bin/bash
# Processes that escape: a command that setsid's a daemon leaves nothing
# running after the run (infraexec is the subreaper of what its commands
# start), and a command's log is capped (head and tail kept, the cut noted)
# while memory stays flat.
. "$(dirname "$0")/../lib.sh"

W=$T/ws
mkdir -p "$W/tasks/active"
trap 'for f in "$W"/*.pid; do [ -s "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done; rm -rf "$T"' EXIT
# One daemon with its output sent away, one that keeps our pipes open, and
# one whose parent is a daemon too (its parent is not ours until that one
# is gone).
cat >"$W/daemon.sh" <<'SH'
setsid sh -c 'echo $$ >quiet.pid; exec sleep 300' </dev/null >/dev/null 2>&1 &
setsid sh -c 'echo $$ >loud.pid; exec sleep 300' &
setsid sh -c 'sh -c "echo \$\$ >nested.pid; exec sleep 300" & sleep 300' </dev/null >/dev/null 2>&1 &
while [ ! -s quiet.pid ] || [ ! -s loud.pid ] || [ ! -s nested.pid ]; do sleep 0.05; done
SH
cat >"$W/tasks/active/TASK-960.md" <<'MD'
---
id: TASK-960
title: Daemons
labels: []
---
## Acceptance Criteria
- [ ] Start daemons: `sh daemon.sh`
- [ ] Run Still here: `true`
MD
timeout 60 "$IX_BIN" run TASK-960 --tasks-dir "$W/tasks" --retries 0 --json -q >"$T/r.json" 2>"$T/err.txt"
is "$?" 0 "the run finishes"
is "$(jq -r '[.criteria[].state] | join(" ")' "$T/r.json")" "completed completed" "both criteria ran"
for d in quiet loud nested; do
    pid=$(cat "$W/$d.pid" 2>/dev/null)
    ok "the $d daemon wrote its pid" test -n "$pid"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        _result 0 "the $d setsid daemon is gone after the run"
    else
        _result 1 "the $d setsid daemon is gone after the run"
    fi
done

# A handler that starts a service on purpose says so; it is left running.
mkdir -p "$W/handlers"
cat >"$W/handlers/svc.lua" <<'LUA'
local ix = require "infraexec"
return { rules = { { pattern = "^Start the service$", description = "starts a service",
  run = function()
    local r = ix.run{ argv = { "sh", "-c", "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! >service.pid" },
                      starts_service = true }
    return r.ok, "started", { ok = r.ok, looked_at = "the start command", expected = "exit 0",
                              seen = "exit " .. tostring(r.exit_code) }
  end } } }
LUA
printf 'return { rules = {}, labels = { svc = "svc" }, always = { "generic" } }\n' >"$W/handlers/types.lua"
cat >"$W/tasks/active/TASK-962.md" <<'MD'
---
id: TASK-962
title: Service
labels: [svc]
---
## Acceptance Criteria
- [ ] Start the service
- [ ] Run Then something else: `true`
MD
timeout 60 "$IX_BIN" run TASK-962 --tasks-dir "$W/tasks" --retries 0 -q >/dev/null 2>&1
is "$?" 0 "the service run finishes"
pid=$(cat "$W/service.pid" 2>/dev/null)
ok "a service started with starts_service = true is still running after the run" \
    kill -0 "${pid:-0}"

# The log cap: a small one from the config, a big output.
W2=$T/ws2
mkdir -p "$W2/tasks/active"
echo 'command_log_max: 1048576' >"$W2/infraexec.yaml"
cat >"$W2/tasks/active/TASK-961.md" <<'MD'
---
id: TASK-961
title: Floods
labels: []
---
## Acceptance Criteria
- [ ] Run Small flood: `sh -c 'echo FIRST-LINE; yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 10000000; echo; echo LAST-LINE'`
- [ ] Run Big flood: `sh -c 'echo FIRST-LINE; yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 150000000; echo; echo LAST-LINE'`
MD
/usr/bin/time -f %M -o "$T/rss-small" "$IX_BIN" run TASK-961 --only 1 --tasks-dir "$W2/tasks" \
    --retries 0 -q >/dev/null 2>&1
/usr/bin/time -f %M -o "$T/rss-big" "$IX_BIN" run TASK-961 --only 2 --tasks-dir "$W2/tasks" \
    --retries 0 -q >/dev/null 2>&1
log=$(ls "$W2"/.infraexec/logs/TASK-961/*/*-criterion-2.log)
size=$(stat -c %s "$log")
ok "the log of 150 MB of output stays under the cap and its note ($size bytes)" test "$size" -le 1100000
ok "and keeps most of the cap" test "$size" -ge 900000
like "$(head -c 2000 "$log")" "out| FIRST-LINE" "the head is kept"
like "$(tail -c 300 "$log")" "out| LAST-LINE" "the tail is kept"
like "$(grep -- '---- log cut' "$log")" "bytes of log left out" "a note says how much was cut"
unlike "$(sed -n 2p "$log")" "log cut" "the note is not at the top"
small=$(tail -1 "$T/rss-small") big=$(tail -1 "$T/rss-big")
ok "memory stays flat: max RSS ${small} KiB for 10 MB, ${big} KiB for 150 MB" test "$big" -lt $((small + 16384))
ix run TASK-961 --tasks-dir "$W2/tasks" --dry-run
is "$rc" 0 "the config key is accepted"
echo 'command_log_max: lots' >"$W2/infraexec.yaml"
ix run TASK-961 --tasks-dir "$W2/tasks" --dry-run
is "$rc" 2 "a bad command_log_max is refused"
like "$err" "infraexec.yaml:1:18: command_log_max must be" "named at file:line:col"

done_testing
