#!/bin/bash
# docs/writing-handlers.md works exactly as written: its ```sh blocks run in
# order, in one shell, from the top of the repository.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$T/bin"
ln -s "$IX_BIN" "$T/bin/infraexec"
awk '/^```sh$/ {on=1; next} /^```$/ {on=0} on' "$IX_ROOT/docs/writing-handlers.md" >"$T/steps.sh"
ok "the tutorial has shell steps" test -s "$T/steps.sh"
out=$(cd "$IX_ROOT" && PATH="$T/bin:$PATH" bash -e -o pipefail "$T/steps.sh" 2>&1) && rc=0 || rc=$?
is "$rc" 0 "every step of the tutorial succeeds"
[ "$rc" = 0 ] || printf '%s\n' "$out" | tail -20 | sed 's/^/# /'
like "$out" "needs a person" "before the rule: nobody can take the criterion"
like "$out" "0 problems" "handlers check passes"
like "$out" "merges " "a workspace deploy.lua merges with the installed one"
like "$out" "the reconcile rule is gone" "override = false takes an installed rule out"
like "$out" "has the name of" "a copied installed file is refused, naming both files"
like "$out" "TASK-110: ffl to 0.1.18" "the run committed the rollout"
like "$out" "holds: Roll out ffl to version 0.1.18" "verify confirms it"

done_testing
