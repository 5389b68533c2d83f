#!/bin/sh
# demo.sh - the README's first command: install what is missing, build,
# and run infraexec on the homelab example in a scratch copy (the
# repository stays untouched).
set -eu
cd "$(dirname "$0")/.."
tools/deps.sh build
tools/build.sh release >/dev/null
ix="$PWD/bin/infraexec"
work=$(mktemp -d /tmp/infraexec-demo.XXXXXX)
cp -r examples/homelab/. "$work/"
cd "$work"
echo "== infraexec show TASK-101   (in $work)"
"$ix" show TASK-101
echo
echo "== infraexec tick TASK-101 1 && infraexec log TASK-101 ..."
"$ix" tick TASK-101 1
"$ix" log TASK-101 "Built FFL images 0.1.18 (demo)"
echo
echo "== what changed in the task file"
diff -u "$OLDPWD/examples/homelab/tasks/active/TASK-101.md" tasks/active/TASK-101.md || true
