#!/bin/bash
# Lua unit tests run inside infraexec's own Lua (tests/lua/harness.lua as a
# workspace handler): the criterion classifier, the wording templates,
# ix.config(), the engine's dispatch and judge (on the fixture handlers of
# tests/lua/engine/), values.lua, the sandbox's allow-list against
# docs/lua-api.md, and the C binding's argument checks and failure rule; then
# the engine's use of wordings: negations never run, a refusal is the reason.
. "$(dirname "$0")/../lib.sh"
export IX_ROOT

W=$T/ws
mkdir -p "$W/tasks/active" "$W/handlers"
printf 'return { rules = {}, labels = { luatest = "luatest" }, always = {} }\n' >"$W/handlers/types.lua"
mkdir -p "$W/handlers/luatest"
cp -r "$IX_ROOT"/tests/lua/*.lua "$IX_ROOT"/tests/lua/engine "$W/handlers/luatest/"
printf 'return loadfile("%s/harness.lua")("%s", "%s")\n' "$W/handlers/luatest" "$W/handlers/luatest" "$IX_ROOT" >"$W/handlers/luatest.lua"
cat >"$W/tasks/active/TASK-720.md" <<'MD'
---
id: TASK-720
title: Lua unit tests
labels: [luatest]
---
## Acceptance Criteria
- [ ] Run test_classify.lua
- [ ] Run test_wording.lua
- [ ] Run test_config.lua
- [ ] Run test_engine.lua
- [ ] Run test_values.lua
- [ ] Run test_sandbox.lua
- [ ] Run test_binding.lua
- [ ] Run test_lazy.lua
- [ ] Run test_text.lua
MD
mkdir -p "$W/projects/app"
cat >"$W/infraexec.yaml" <<'YAML'
registry:
  address: 127.0.0.1:5000
  insecure_skip_verify: false
projects:
  app:
    path: projects/app
    build: [make, all]
YAML
ix run "$W/tasks/active/TASK-720.md" --dry-run --json -q
for i in $(seq 0 $(($(jq '.criteria | length' <<<"$out") - 1))); do
    # "0 of N failed" with N > 0: a harness that ran nothing fails here.
    is "$(jq -r ".criteria[$i].reason" <<<"$out" | grep -c '^0 of [1-9][0-9]* failed$')" 1 \
        "$(jq -r ".criteria[$i].text" <<<"$out"): all passed"
done
# Each Lua check as its own TAP line.
while IFS= read -r line; do
    case $line in
    "infraexec: lua: ok - "*) _result 1 "${line#infraexec: lua: ok - }" ;;
    "infraexec: lua: not ok - "*) _result 0 "${line#infraexec: lua: not ok - }" ;;
    "infraexec: lua: # "*) echo "#   ${line#infraexec: lua: # }" ;;
    esac
done <<<"$err"
# The binding once more in a real run: the acting primitives themselves, not
# their dry-run stand-ins (criterion 7: test_binding.lua).
ix run "$W/tasks/active/TASK-720.md" --only 7 --json -q
is "$(jq -r '.criteria[] | select(.index == 7) | .text + ": " + .reason' <<<"$out" | grep -c '^Run test_binding.lua: 0 of [1-9][0-9]* failed$')" 1 \
    "test_binding.lua, real run: all passed"
while IFS= read -r line; do
    case $line in
    "infraexec: lua: not ok - "*) _result 0 "real run: ${line#infraexec: lua: not ok - }" ;;
    "infraexec: lua: # "*) echo "#   ${line#infraexec: lua: # }" ;;
    esac
done <<<"$err"

# The engine: wordings pick the rule, a refused value is the reason, a
# negation never runs.
E=$T/engine
mkdir -p "$E/tasks/active" "$E/projects/triager" "$E/projects/mtg"
printf 'projects:\n  triager:\n    path: projects/triager\n  mtg_dev_agents:\n    path: projects/mtg\n' >"$E/infraexec.yaml"
cat >"$E/tasks/active/TASK-721.md" <<MD
---
id: TASK-721
title: Wordings
labels: [builds]
---
## Acceptance Criteria
- [ ] Successfully build all triager images
- [ ] Build all remaining mtg_dev_agents containers with version 1.2.3
- [ ] Build all foo containers with version 1.0.0
- [ ] Make sure nobody runs \`touch $T/nobody\`
- [ ] Build all triager containers with version 0.1.1 and deploy them
MD
ix run "$E/tasks/active/TASK-721.md" --dry-run --json -q
rules=$(jq -r '[.criteria[]|.rule // "-"]|join("|")' <<<"$out")
is "$rules" "build: build a project's images at a version|build: build a project's images at a version|build: build a project's images at a version|-|-" \
    "the corpus's other build wordings reach the build rule; a longer claim does not"
is "$(jq -r '.criteria[2].reason' <<<"$out")" \
    "no project 'foo' in $E/infraexec.yaml (projects: mtg_dev_agents, triager)" \
    "an unknown project: refused, naming the choices"
like "$(jq -r '.criteria[3].reason' <<<"$out")" "needs a person: 'make sure nobody ...' forbids something: never run" \
    "a negation needs a person"
is "$(jq -r '.criteria[3].commands|length' <<<"$out")" 0 "... and no command is even planned"
ix run "$E/tasks/active/TASK-721.md" --only 4 --json -q
ok "run for real: the negation's command did not run" test ! -e "$T/nobody"
is "$(jq -r '.criteria[3].state' <<<"$out")" remaining "... and it is not ticked"

# Reworded negations, strikes, conditions and blocked markers never run
# (findings 1-3, 12); the control shows the same command would.
cat >"$E/tasks/active/TASK-722.md" <<MD
---
id: TASK-722
title: Never run
---
## Acceptance Criteria
- [ ] Run \`touch $T/control\`
- [ ] **Do not**: run \`touch $T/t-label\`
- [ ] **DO NOT RUN**: Create marker \`touch $T/t-caps\`
- [ ] Please do not run \`touch $T/t-please\`
- [ ] Dо not run \`touch $T/t-cyrillic\`
- [ ] Do not run \`touch $T/t-nbsp\`
- [ ] **~~Run \`touch $T/t-strike\`~~**
- [ ] Run \`touch $T/t-late\` ~~(cancelled, do not run)~~
- [ ] <del>Run \`touch $T/t-del\`</del>
- [ ] If the backup failed, restore it: \`touch $T/t-if\`
- [ ] After security approval, run \`touch $T/t-approval\`
- [ ] Run \`touch $T/t-blocked\` (blocked: waiting for approval)
- [ ] Run \`touch $T/t-hold\` — ON HOLD until INFRA-12
MD
ix run "$E/tasks/active/TASK-722.md" --json -q
ok "the control ran" test -e "$T/control"
is "$(cd "$T" && ls t-* 2>/dev/null)" "" "no negation, strike, condition or blocked criterion ran"
is "$(jq -r '[.criteria[1:][]|.state]|unique|join(",")' <<<"$out")" remaining "... and none is ticked"
is "$(jq -r '[.criteria[11,12]|.reason]|join("|")' <<<"$out")" \
    "Blocked: waiting for approval|Blocked: on hold until INFRA-12" "blocked in any case, on hold: reported as blocked"
like "$(jq -r '.criteria[9].reason' <<<"$out")" "a condition a person must judge" "a condition needs a person"
printf -- '---\nid: TASK-723\ntitle: b\n---\n## Acceptance Criteria\n- [ ] Verify blocked_by is empty\n' \
    >"$E/tasks/active/TASK-723.md"
ix run "$E/tasks/active/TASK-723.md" --dry-run --json -q
is "$(jq -r '.criteria[0].blocked' <<<"$out")" false "blocked_by is a word, not a blocked marker"

# classify's tables as they are at each criterion (ix.text reads them on
# every call): a rule replaces a negation in place mid-run; the same
# wording ran before it and does not run after it.
H=$T/holdoff
mkdir -p "$H/tasks/active" "$H/handlers"
printf 'return { rules = {}, labels = { holdoff = "holdoff" }, always = {} }\n' >"$H/handlers/types.lua"
cat >"$H/handlers/holdoff.lua" <<LUA
local ix = require "infraexec"
local classify = require "infraexec.lib.classify"
local function seen(what) return { { ok = true, looked_at = what, expected = what, seen = what } } end
return { rules = {
  { pattern = "^Forbid holding off$", kind = "action", observe = "file.contains",
    run = function() classify.negations[5] = "hold off"; return true, "replaced", seen("negations") end },
  { pattern = "^Hold off the (%w+) rollout$", kind = "action", observe = "file.contains",
    run = function(_, name)
      local r = ix.proc.run{ argv = { "touch", "$T/held-" .. name } }
      return r.ok, r.output, seen(name)
    end },
} }
LUA
cat >"$H/tasks/active/TASK-724.md" <<'MD'
---
id: TASK-724
title: Hold off
labels: [holdoff]
---
## Acceptance Criteria
- [ ] Hold off the alpha rollout
- [ ] Forbid holding off
- [ ] Hold off the beta rollout
MD
ix run "$H/tasks/active/TASK-724.md" --json -q
ok "before the replacement the wording runs" test -e "$T/held-alpha"
ok "after it, the negation replaced in place stops the same wording" test ! -e "$T/held-beta"
is "$(jq -r '.criteria[2].state + ": " + .criteria[2].reason' <<<"$out")" \
    "remaining: needs a person: 'hold off ...' forbids something: never run" "... reported as a negation, not ticked"

# The fixture lists every criterion of the corpus.
for f in "$CORPUS"/*.md; do
    case $f in */README.md) continue ;; esac
    "$IX_BIN" show "$f" --json | jq -r '.criteria[].text'
done | sort -u >"$T/corpus.txt"
grep -v '^#' "$FIX/criteria-kinds.txt" | cut -f2- | sort -u >"$T/fixture.txt"
is "$(comm -23 "$T/corpus.txt" "$T/fixture.txt")" "" "criteria-kinds.txt has every corpus criterion"

done_testing
