#!/bin/bash
# The criterion classifier and the wording templates, unit-tested inside
# infraexec's own Lua (tests/lua/harness.lua as a workspace handler), and the
# engine's use of them: negations never run, a wording's refusal is the reason.
. "$(dirname "$0")/../lib.sh"
export IX_ROOT

W=$T/ws
mkdir -p "$W/tasks/active" "$W/handlers"
printf 'return { rules = {}, labels = { luatest = "luatest" }, always = {} }\n' >"$W/handlers/types.lua"
printf 'return loadfile(os.getenv("IX_ROOT") .. "/tests/lua/harness.lua")()\n' >"$W/handlers/luatest.lua"
cat >"$W/tasks/active/TASK-720.md" <<'MD'
---
id: TASK-720
title: Lua unit tests
labels: [luatest]
---
## Acceptance Criteria
- [ ] Run test_classify.lua
- [ ] Run test_wording.lua
MD
ix run "$W/tasks/active/TASK-720.md" --dry-run --json -q
for i in 0 1; do
    is "$(jq -r ".criteria[$i].reason" <<<"$out")" "$(jq -r ".criteria[$i].reason" <<<"$out" | grep '^0 of')" \
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

# The fixture lists every criterion of the corpus.
for f in "$CORPUS"/*.md; do
    case $f in */README.md) continue ;; esac
    "$IX_BIN" show "$f" --json | jq -r '.criteria[].text'
done | sort -u >"$T/corpus.txt"
grep -v '^#' "$FIX/criteria-kinds.txt" | cut -f2- | sort -u >"$T/fixture.txt"
is "$(comm -23 "$T/corpus.txt" "$T/fixture.txt")" "" "criteria-kinds.txt has every corpus criterion"

done_testing
