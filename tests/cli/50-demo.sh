#!/bin/bash
# The README's first command works and leaves the repository untouched.
. "$(dirname "$0")/../lib.sh"

before=$(cd "$IX_ROOT" && git status --porcelain examples 2>/dev/null)
out=$("$IX_ROOT/tools/demo.sh" 2>&1) && rc=0 || rc=$?
is "$rc" 0 "tools/demo.sh exits 0"
like "$out" "TASK-101  Release FFL 0.1.18 to the homelab" "it shows the example task"
like "$out" "+- [x] Build all FFL containers with version 0.1.18" "it ticks criterion 1"
like "$out" "+- 2026-11-25 12:34: Built FFL images 0.1.18 (demo)" "it logs an entry"
is "$(cd "$IX_ROOT" && git status --porcelain examples 2>/dev/null)" "$before" \
    "the example in the repository is untouched"
work=$(printf '%s\n' "$out" | sed -n 's/.*(in \(\/tmp\/infraexec-demo\.[A-Za-z0-9]*\)).*/\1/p')
ok "the scratch copy is where it said" test -f "$work/tasks/active/TASK-101.md"
rm -rf "$work"

done_testing
