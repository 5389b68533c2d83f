#!/bin/bash
# Secrets never appear in anything infraexec writes: command logs, reports
# (Markdown and JSON, stdout and --report), the Progress Log.
. "$(dirname "$0")/../lib.sh"

W=$T/ws
mkdir -p "$W/tasks/active"
cat >"$W/infraexec.yaml" <<'YAML'
secrets: [hunter2-from-config]
secret_env: ["DEPLOY_*"]
YAML
cat >"$W/tasks/active/TASK-940.md" <<'MD'
---
id: TASK-940
title: Secrets
labels: []
---
## Acceptance Criteria
- [ ] Print them: `sh -c 'echo "token=$MY_API_TOKEN pw=$DB_PASSWORD"; echo "key=$SSH_KEY cfg=$CFG_VALUE" >&2; echo "deploy=$DEPLOY_CRED"'`
- [ ] Fail with them: `sh -c 'echo "failed using $MY_API_TOKEN" >&2; exit 1'`
MD
export MY_API_TOKEN=tok-0123456789abcdef DB_PASSWORD=pa55-w0rd-xyz SSH_KEY=ssh-key-material-42 \
    DEPLOY_CRED=deploy-cred-77 CFG_VALUE=hunter2-from-config
secrets=(tok-0123456789abcdef pa55-w0rd-xyz ssh-key-material-42 hunter2-from-config deploy-cred-77)

"$IX_BIN" run TASK-940 --tasks-dir "$W/tasks" --retries 0 --report "$T/report.json" \
    >"$T/stdout.md" 2>"$T/stderr.txt" || true
"$IX_BIN" run TASK-940 --tasks-dir "$W/tasks" --retries 0 --json --report "$T/report.md" \
    >"$T/stdout.json" 2>>"$T/stderr.txt" || true
is "$(jq -r '.criteria[0].state' "$T/report.json")" completed "the printing command ran and was ticked"
like "$(jq -r '.criteria[0].commands[0].output_tail' "$T/report.json")" "token=*** pw=***" \
    "secrets masked in the report's output tail"
like "$(cat "$T/stdout.json")" "failed using ***" "masked in the failure reason"
for s in "${secrets[@]}"; do
    hits=$(grep -rl --exclude=infraexec.yaml -- "$s" "$W" "$T/stdout.md" "$T/stdout.json" "$T/stderr.txt" "$T/report.json" "$T/report.md" 2>/dev/null | tr '\n' ' ')
    is "$hits" "" "secret ${s:0:4}... appears nowhere infraexec wrote"
done
like "$(cat "$W"/.infraexec/logs/TASK-940/*/01-criterion-1.log)" "token=*** pw=***" "command log masked line by line"
like "$(sed -n '/Progress Log/,$p' "$W/tasks/active/TASK-940.md")" "failed using ***" "Progress Log masked"

done_testing
