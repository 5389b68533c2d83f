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
# The commands that print secrets are scripts in the workspace: a variable
# in an inline command is refused (infraexec cannot check what it names).
script() { # FILE BODY
    printf '#!/bin/sh\n%s\n' "$2" >"$1" && chmod +x "$1"
}
script "$W/print-them.sh" 'echo "token=$MY_API_TOKEN pw=$DB_PASSWORD"; echo "key=$SSH_KEY cfg=$CFG_VALUE" >&2; echo "deploy=$DEPLOY_CRED"'
script "$W/fail-them.sh" 'echo "failed using $MY_API_TOKEN" >&2; exit 1'
cat >"$W/tasks/active/TASK-940.md" <<'MD'
---
id: TASK-940
title: Secrets
labels: []
---
## Acceptance Criteria
- [ ] Print them: `./print-them.sh`
- [ ] Run Fail with them: `./fail-them.sh`
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

# ---- issue 12: masking sees the stream, and every output path ----
W2=$T/ws2
mkdir -p "$W2/tasks/active" "$W2/handlers" "$W2/repo"
git -C "$W2/repo" init -q
echo note >"$W2/repo/note.txt"
cat >"$W2/infraexec.yaml" <<'YAML'
secrets: [cfg-secret-in-argv-77]
gitops:
  path: repo
git:
  author_name: Test
  author_email: test@example.invalid
YAML
# A handler builds commands and commit messages from the config (trusted
# code, but it must not be able to leak what the config says is secret).
cat >"$W2/handlers/leaky.lua" <<'LUA'
local ix = require "infraexec"
local function secret() return ix.config().secrets[1] end
return {
  description = "uses the configured secret",
  rules = {
    { pattern = "^Log in$", description = "log in with the secret on the command line",
      run = function()
        local r = ix.run{ argv = { "echo", "login", secret() } }
        return r.ok, "logged in", { ok = r.ok, looked_at = "echo login", expected = "exit 0",
                                    seen = "exit " .. tostring(r.exit_code) }
      end },
    { pattern = "^Commit the note$", description = "commit naming the secret",
      run = function()
        local dir = ix.config().gitops.path
        local id = ix.git_commit(dir, { dir .. "/note.txt" }, "rotate " .. secret())
        return true, "committed " .. id, { ok = id ~= nil, looked_at = "the commit",
                                             expected = "a commit id", seen = tostring(id) }
      end },
  },
}
LUA
printf 'return { rules = {}, labels = { leak = "leaky" }, always = { "generic" } }\n' \
    >"$W2/handlers/types.lua"
script "$W2/whole-key.sh" 'printf "%s\n" "$SSH_PRIVATE_KEY"'
script "$W2/key-line.sh" 'printf "%s\n" "$SSH_PRIVATE_KEY" | sed -n 2p'
script "$W2/token-cap.sh" 'head -c 65530 /dev/zero | tr "\0" x; printf "%s\n" "$MY_API_TOKEN"'
cat >"$W2/tasks/active/TASK-941.md" <<'MD'
---
id: TASK-941
title: Secrets in the stream
labels: [leak]
---
## Acceptance Criteria
- [ ] Run Whole key: `./whole-key.sh`
- [ ] Run One line of the key: `./key-line.sh`
- [ ] Run Token across the line cap: `./token-cap.sh`
- [ ] Run Token across reads: `sh -c 'printf "a=tok-01234"; sleep 0.3; printf "56789abcdef\n"'`
- [ ] Log in
- [ ] Commit the note
MD
key_lines=(-----BEGIN-OPENSSH-PRIVATE-KEY----- b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ AAAAMwAAAAtzc2gtZWQyNTUxOQAAACBhY2tub3dsZWRnZWQ -----END-OPENSSH-PRIVATE-KEY-----)
SSH_PRIVATE_KEY=$(printf '%s\n' "${key_lines[@]}") \
    "$IX_BIN" run TASK-941 --tasks-dir "$W2/tasks" --retries 0 --report "$T/r2.json" \
    --events 3 3>"$T/ev2.jsonl" >"$T/out2.md" 2>"$T/err2.txt" || true
is "$(jq -r '[.criteria[].state] | join(" ")' "$T/r2.json")" \
    "completed completed completed completed completed completed" "every criterion of the leak task ran"
for s in "${key_lines[@]:1:2}" tok-0123456789abcdef cfg-secret-in-argv-77; do
    hits=$(grep -rl --exclude=infraexec.yaml --exclude=leaky.lua -- "$s" "$W2" "$T/out2.md" \
        "$T/err2.txt" "$T/r2.json" "$T/ev2.jsonl" 2>/dev/null | tr '\n' ' ')
    is "$hits" "" "secret ${s:0:8}... appears nowhere infraexec wrote (logs, events, progress, report, git)"
done
is "$(git -C "$W2/repo" log -1 --format=%s)" "rotate ***" "the commit message infraexec wrote is masked"
like "$(grep -o 'x\*\*\*.*' "$W2"/.infraexec/logs/TASK-941/*/03-criterion-3.log)" "x***" \
    "a token split by the 64 KiB line cap is masked in the log"
like "$(cat "$W2"/.infraexec/logs/TASK-941/*/04-criterion-4.log)" "a=***" \
    "a token split across two reads is masked in the log"
like "$(cat "$W2"/.infraexec/logs/TASK-941/*/02-criterion-2.log)" "out| ***" \
    "one line of a multi-line secret is masked on its own"
like "$(cat "$T/err2.txt")" "command: echo login ***" "progress shows the command line masked"
is "$(jq -r 'select(.event == "command_started" and .index == 5) | .argv | join(" ")' "$T/ev2.jsonl")" \
    "echo login ***" "command_started event masked"

# Two secrets: lists (the config may refuse the duplicate instead): the
# second list's value never leaks.
W3=$T/ws3
mkdir -p "$W3/tasks/active"
printf 'secrets: [first-list-value-1]\nsecrets: [second-list-value-2]\n' >"$W3/infraexec.yaml"
script "$W3/print-ab.sh" 'echo "$A $B"'
cat >"$W3/tasks/active/TASK-942.md" <<'MD'
---
id: TASK-942
title: Two lists
labels: []
---
## Acceptance Criteria
- [ ] Print: `./print-ab.sh`
MD
A=first-list-value-1 B=second-list-value-2 "$IX_BIN" run TASK-942 --tasks-dir "$W3/tasks" \
    --retries 0 --report "$T/r3.json" >"$T/out3.md" 2>"$T/err3.txt" || true
hits=$(grep -rl --exclude=infraexec.yaml -- second-list-value-2 "$W3" "$T/out3.md" "$T/err3.txt" \
    "$T/r3.json" 2>/dev/null | tr '\n' ' ')
is "$hits" "" "the second secrets: list is masked too"

# An error message about the config carries a secret value: masked on stderr.
W4=$T/ws4
mkdir -p "$W4/tasks/active"
printf 'secrets: [path-secret-3141]\ngitops:\n  path: /nonexistent/path-secret-3141\n' >"$W4/infraexec.yaml"
cp "$W3/tasks/active/TASK-942.md" "$W4/tasks/active/"
ix run TASK-942 --tasks-dir "$W4/tasks"
is "$rc" 2 "preflight refuses the missing gitops path"
like "$err" "/nonexistent/***: gitops.path does not exist" "the error message is masked"

# URL userinfo in the config is refused where it is written, never carried
# into reasons, the Progress Log, reports or events.
W5=$T/ws5
mkdir -p "$W5/tasks/active"
printf 'registry:\n  address: "admin:hunter22@127.0.0.1:5000"\n' >"$W5/infraexec.yaml"
cp "$W3/tasks/active/TASK-942.md" "$W5/tasks/active/"
cp "$W5/tasks/active/TASK-942.md" "$T/before.md"
ix run TASK-942 --tasks-dir "$W5/tasks"
is "$rc" 2 "userinfo in registry.address: exit 2"
like "$err" "infraexec.yaml:2:12: registry.address" "named at file:line:col"
one_line "$err" "one line"
unlike "$err" hunter22 "the password is not repeated"
ok "task file unchanged" cmp -s "$T/before.md" "$W5/tasks/active/TASK-942.md"
printf 'gitops:\n  validate: [curl, "https://ci:t0ps3cret@git.example/x"]\n' >"$W5/infraexec.yaml"
ix run TASK-942 --tasks-dir "$W5/tasks"
is "$rc" 2 "userinfo in a command's URL: exit 2"
like "$err" "infraexec.yaml:2:" "named at file:line"
unlike "$err" t0ps3cret "the password is not repeated"

done_testing
