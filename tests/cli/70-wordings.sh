#!/bin/bash
# The installed handlers are tables of wordings (issue 16): each rule's run
# and check name a documented function of lua/infraexec/rules/NAME.lua, and
# the rules keep the names workspace overrides use
# (docs/architecture.md, "Why these folders"; docs/writing-handlers.md).
. "$(dirname "$0")/../lib.sh"

H=$IX_ROOT/handlers
R=$IX_ROOT/lua/infraexec/rules

# No handler file defines a function of its own: a one-line inline
# `function(c, a) ... end` in a rule, or a `match` function (generic.lua:
# the rule whose wording is "one inline command"), is the most it holds.
defs=$(grep -n 'function' "$H"/*.lua | grep -v 'function(.*) .* end' | grep -v ': *match = function(c)$' || true)
is "$defs" "" "handlers/*.lua define no functions (the behaviour is in rules/)"

# Every X.FN a handler in DIR names, for each `local X = require
# "infraexec.rules.MOD"` (or `lazy.fns "infraexec.rules.MOD"`) it has, is a
# function of rules/MOD.lua with a comment above it that says what it
# observes; prints the others.
undocumented() {
    local f var mod fn
    for f in "$1"/*.lua; do
        sed -n 's/^local \([a-z_]*\) = \(require\|lazy\.fns\) "infraexec\.rules\.\([a-z_]*\)"\( *--.*\)\?$/\1 \3/p' "$f" |
        while read -r var mod; do
            for fn in $(grep -v '^ *--' "$f" | grep -oP "(?<![\w.])$var\.\w+" | sed "s/^$var\.//" | sort -u); do
                awk -v fn="$fn" '
                    /^--/ { doc = doc $0 "\n"; next }
                    $0 ~ "^function M\\." fn "\\(" { found = 1; if (doc ~ /Observes:/) ok = 1; exit }
                    { doc = "" }
                    END { exit !(found && ok) }' "$R/$mod.lua" 2>/dev/null || printf ' %s.%s' "$mod" "$fn"
            done
        done
    done
}
is "$(undocumented "$H")" "" "each rules.FN a handler names is a function of rules/MOD.lua with an 'Observes:' header"
# The check can fail: a name with no such function is reported.
cp -r "$H" "$T/h"
sed -i 's/rules\.commit_changes/rules.no_such_function/' "$T/h/deploy.lua"
is "$(undocumented "$T/h")" " deploy.no_such_function" "... and a name with no such function is caught"

# Every rule name of the installed handlers is still there: a workspace
# `override` names a rule by it (core/handlers.lua).
ix handlers
names=$(printf '%s\n' "$out" | awk '/^[a-z_]+  \//{h=$1} /^  [0-9]+\. /{sub(/^.* -- /,""); print h ": " $0}')
lost=$(printf '%s\n' "$names" | grep -vxFf - "$FIX/rule-names.txt" || true)
is "$lost" "" "every installed rule keeps its name (tests/fixtures/rule-names.txt)"

# verify.lua's cluster rules live in rules/cluster.lua; the old module name
# still loads, and is the same module (core/moved.lua).
mkdir -p "$T/old"
cat >"$T/old/oldname.lua" <<'LUA'
assert(require("infraexec.cluster") == require("infraexec.rules.cluster"), "infraexec.cluster is another module")
assert(type(require("infraexec.cluster").sealed) == "function", "infraexec.cluster has no sealed")
return { rules = {} }
LUA
ix handlers check --handlers "$T/old"
is "$rc" 0 "require \"infraexec.cluster\" still gives rules/cluster.lua"
[ "$rc" = 0 ] || printf '# %s\n' "$err"

# A workspace override of a moved rule still gets the installed run as base.run.
W=$T/ws
mkdir -p "$W/handlers" "$W/tasks/active"
cat >"$W/handlers/deploy.lua" <<'LUA'
return { rules = {}, override = {
  ["run the reconcile command"] = function(base)
    return { wording = base.wording, description = "run the reconcile command", kind = base.kind,
      observe = base.observe, examples = base.examples,
      run = function(c, a) local done, msg, obs = base.run(c, a) return done, "ours: " .. tostring(msg), obs end }
  end } }
LUA
cat >"$W/tasks/active/TASK-971.md" <<'MD'
---
id: TASK-971
title: reconcile
status: active
labels: [flux]
---
## Acceptance Criteria
- [ ] Trigger Flux reconciliation
## Progress Log
MD
printf 'gitops:\n  path: gitops\n' >"$W/infraexec.yaml"
out=$(cd "$W" && "$IX_BIN" run TASK-971 --dry-run 2>&1)
like "$out" "ours: no reconcile command: set gitops.reconcile in infraexec.yaml" \
    "an override's base.run is the rules/ function (its message, unchanged)"

done_testing
