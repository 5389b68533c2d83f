#!/bin/bash
# The README's first command: a full release on the homelab example with a
# real registry, real images, a real GitOps commit.
. "$(dirname "$0")/../lib.sh"

out=$("$IX_ROOT/tools/demo.sh" 2>"$T/demo.err") && rc=0 || rc=$?
is "$rc" 0 "tools/demo.sh exits 0 (every criterion done)"
like "$out" "# Task Execution Report: TASK-101" "it prints the report"
like "$out" "Completed 5 of 5 acceptance criteria. Task is ready for verification." "all five done"
like "$out" '{"name":"ffl/backend","tags":["0.1.18"]}' "the registry lists the backend image"
like "$out" '{"name":"ffl/frontend","tags":["0.1.18"]}' "the registry lists the frontend image"
like "$out" "TASK-101: ffl to 0.1.18" "the HelmRelease change is committed"
lab=$(printf '%s\n' "$out" | sed -n 's/^== homelab in \(\/tmp\/infraexec-demo\.[A-Za-z0-9]*\),.*/\1/p')
ok "the lab is where it said" test -f "$lab/tasks/active/TASK-101.md"
ok "the registry was stopped" test ! -e "$lab/registry/registry.pid"
is "$(cd "$IX_ROOT" && git status --porcelain examples)" "" "the example in the repository is untouched"
rm -rf "$lab"

done_testing
