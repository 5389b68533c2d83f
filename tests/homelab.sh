# homelab.sh - sourced after lib.sh by the false-world tests (92-hunt4.sh,
# 92-hunt5.sh): a copy of examples/homelab in $lab with its real
# docker-registry running (stopped on exit), and the helpers they share.
EX=$IX_ROOT/examples/homelab
lab=$T/lab
reg=$("$EX/setup.sh" "$lab")
"$EX/registry.sh" start "$lab"
trap '"$EX/registry.sh" stop "$lab"; rm -rf "$T"' EXIT

task() { # ID CRITERIA...: a task in active/, $TABLE (if set) above its criteria
    local id=$1; shift
    { printf -- '---\nid: %s\ntitle: %s\nstatus: active\npriority: high\n---\n\n' "$id" "${TASK_TITLE:-test}"
      [ -n "${TABLE:-}" ] && printf '%s\n\n' "$TABLE"
      printf '## Acceptance Criteria\n\n'
      for c in "$@"; do printf -- '- [ ] %s\n' "$c"; done
      printf '\n## Progress Log\n\n- 2026-01-01 00:00: created\n'; } >"$lab/tasks/active/$id.md"
}
run() { ix run "$1" --tasks-dir "$lab/tasks" --json -q "${@:2}"; }
state() { jq -r ".criteria[$1].state" <<<"$out"; }
reason() { jq -r ".criteria[$1].reason" <<<"$out"; }
ticks() { grep -c '^- \[x\]' "$lab/tasks/active/$1.md"; }
