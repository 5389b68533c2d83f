#!/bin/bash
# Paths an untrusted task file or an unlucky day could bend (issue 12, items
# 1, 3, 5, 13): a task id that climbs out of .infraexec/; symlinks planted in
# .infraexec/ or raced against ix.write_file; a symlinked tasks/ directory;
# an editor's save during a run; archive during a run.
. "$(dirname "$0")/../lib.sh"

W=$T/ws
mkdir -p "$W/tasks/active" "$W/projects/app" "$T/outside"
echo precious >"$W/projects/app/Cargo.lock"

# ---- 1. a task id is a file name, nothing more ----
bad=$W/tasks/active/TASK-BAD.md
printf -- '---\ntitle: Climb\nid: ../../projects/app/Cargo\nlabels: [testing]\n---\n\n## Acceptance Criteria\n\n- [ ] Run Step: `true`\n' >"$bad"
cp "$bad" "$T/bad.orig"
ix lint "$bad"
is "$rc" 2 "lint: a bad id is a problem (exit 2)"
like "$out" "$bad:3:5: id '../../projects/app/Cargo' is not a valid task id" "lint names file:line:col of the id"
for mode in "" --dry-run; do
    ix run "$bad" -q $mode
    is "$rc" 2 "run $mode refuses a bad id: exit 2"
    like "$err" "TASK-BAD.md:3:5: id '../../projects/app/Cargo' is not a valid task id" "run $mode says why, with the position"
    one_line "$err" "run $mode: one line"
done
ix verify "$bad" -q
is "$rc" 2 "verify refuses a bad id: exit 2"
ix archive "$bad" --force
is "$rc" 2 "archive refuses a bad id: exit 2"
is "$(cat "$W/projects/app/Cargo.lock")" precious "projects/app/Cargo.lock untouched"
ok "no .infraexec made anywhere" test ! -e "$W/.infraexec" -a ! -e "$W/projects/.infraexec" -a ! -e "$T/.infraexec"
ok "the task file is unchanged" cmp -s "$bad" "$T/bad.orig"
for id in 'a/b' '..' '.hidden' 'x..y' '-x' 'T 1'; do
    sed "s|^id: .*|id: \"$id\"|" "$T/bad.orig" >"$bad"
    ix lint "$bad"
    like "$out" "is not a valid task id" "lint refuses id '$id'"
done
rm "$bad"

# ---- 3. symlinks planted in .infraexec/ ----
task=$W/tasks/active/TASK-560.md
printf -- '---\nid: TASK-560\ntitle: Planted\nlabels: [testing]\n---\n\n## Acceptance Criteria\n\n- [ ] Run Step: `true`\n' >"$task"
cp "$task" "$T/560.orig"
for what in .infraexec .infraexec/locks .infraexec/logs; do
    rm -rf "$W/.infraexec" "$T/outside"/*
    mkdir -p "$W/.infraexec"
    rmdir "$W/$what" 2>/dev/null
    ln -s "$T/outside" "$W/$what"
    ix run "$task" -q
    is "$rc" 2 "a symlinked $what/ is refused: exit 2"
    like "$err" "$what: is a symbolic link" "the error names the link"
    is "$(ls -A "$T/outside")" "" "nothing written through $what"
    ok "task file unchanged" cmp -s "$task" "$T/560.orig"
done
rm -rf "$W/.infraexec"
mkdir -p "$W/.infraexec/locks"
echo victim >"$T/outside/victim"
ln -s "$T/outside/victim" "$W/.infraexec/locks/TASK-560.lock"
ix run "$task" -q
is "$rc" 2 "a symlinked run lock is refused: exit 2"
like "$err" "run lock is a symbolic link; refused" "and said so"
is "$(cat "$T/outside/victim")" victim "its target is not truncated"
rm "$W/.infraexec/locks/TASK-560.lock"
ln "$T/outside/victim" "$W/.infraexec/locks/TASK-560.lock"
ix run "$task" -q
is "$rc" 2 "a run lock with another hard link is refused: exit 2"
like "$err" "run lock is not a file infraexec made (it has other hard links)" "and said so"
is "$(cat "$T/outside/victim")" victim "the other link's content is not truncated"
rm "$W/.infraexec/locks/TASK-560.lock"
ix run "$task" -q
is "$rc" 0 "with the plants gone the run works"

# ---- 3. ix.write_file raced by a loop swapping a directory and a symlink ----
mkdir -p "$W/handlers"
cat >"$W/infraexec.yaml" <<YAML
projects:
  app:
    path: $W/projects/app
YAML
testing_label "$W"
cat >"$W/handlers/testing.lua" <<'LUA'
local ix = require "infraexec"
return { rules = { { pattern = "^Race", run = function()
  local wrote, refused = 0, 0
  for i = 1, 1000 do
    -- refused (an error) or failed (nil, message: the directory swapped away)
    local okd, rd = pcall(ix.write_file, "projects/app/d/f.txt", "d" .. i)
    local okf, rf = pcall(ix.write_file, "projects/app/f.txt", "f" .. i)
    okd, okf = okd and rd ~= nil, okf and rf ~= nil
    wrote = wrote + (okd and 1 or 0) + (okf and 1 or 0)
    refused = refused + (okd and 0 or 1) + (okf and 0 or 1)
  end
  local said = ("%d written, %d refused"):format(wrote, refused)
  return true, said, { ok = true, looked_at = "the writes", expected = "none outside the roots", seen = said }
end } } }
LUA
race=$W/tasks/active/TASK-561.md
printf -- '---\nid: TASK-561\ntitle: Race\nlabels: [testing]\n---\n\n## Acceptance Criteria\n\n- [ ] Race the writer\n' >"$race"
rm -rf "$T/outside"/*
echo victim >"$T/outside/f.txt"
# The attackers: projects/app/d is a directory, then a link out; f.txt a
# file, then a link to the victim; each swap atomic (RENAME_EXCHANGE).
SWAP=$IX_ROOT/bin/swapper
[ -x "$SWAP" ] || SWAP=$(dirname "$IX_BIN")/swapper
mkdir "$W/projects/app/d"
ln -s "$T/outside" "$W/projects/app/dlink"
echo x >"$W/projects/app/f.txt"
ln -s "$T/outside/f.txt" "$W/projects/app/flink"
"$SWAP" "$W/projects/app/d" "$W/projects/app/dlink" "$T/stop" >"$T/swaps1" &
s1=$!
"$SWAP" "$W/projects/app/f.txt" "$W/projects/app/flink" "$T/stop" >"$T/swaps2" &
s2=$!
ix run "$race" -q --json
touch "$T/stop"
wait "$s1" "$s2"
echo "# $(cat "$T/swaps1") and $(cat "$T/swaps2") swaps"
is "$rc" 0 "the racing run completed"
echo "# $(jq -r '.criteria[0].reason' <<<"$out")"
ok "some writes went through (the race was real)" test "$(jq -r '.criteria[0].reason' <<<"$out" | cut -d' ' -f1)" -gt 0
is "$(ls -A "$T/outside")" "f.txt" "no file landed outside the roots"
is "$(cat "$T/outside/f.txt")" victim "the victim behind the link was never written"
rm -f "$W/infraexec.yaml"

# ---- 5. tasks/ as a symlink: the workspace is where the link is ----
S=$T/s
mkdir -p "$S/ws" "$S/store/active"
ln -s ../store "$S/ws/tasks"
printf 'secrets: [hunter2-the-secret]\n' >"$S/ws/infraexec.yaml"
printf -- '---\nid: TASK-562\ntitle: Linked\nlabels: [testing]\n---\n\n## Acceptance Criteria\n\n- [ ] Run Say it: `printf hunter2-the-%%s secret`\n' >"$S/store/active/TASK-562.md"
(cd "$S/ws" && "$IX_BIN" run TASK-562 -q --json >"$T/562.json" 2>"$T/562.err") && rc=0 || rc=$?
is "$rc" 0 "run through ws/tasks -> ../store"
ok ".infraexec is made in the workspace" test -d "$S/ws/.infraexec/logs/TASK-562"
ok "not in the store" test ! -e "$S/store/.infraexec" -a ! -e "$S/store/active/.infraexec"
ok "the workspace's infraexec.yaml applies (the secret is masked in the log)" \
    grep -rqF '***' "$S/ws/.infraexec/logs/TASK-562"
ok "and the secret is nowhere in the logs" sh -c "! grep -rqF hunter2-the-secret '$S/ws/.infraexec/logs'"
mkdir "$S/ws/handlers"
(cd "$S/ws" && "$IX_BIN" handlers --json >"$T/562h.json" 2>/dev/null)
like "$(jq -r '.path|join(" ")' "$T/562h.json")" "$S/ws/handlers" "handlers: the same workspace (its handlers/ searched)"

# ---- 13. an editor's save (write a temp file, rename it) during a run ----
ed=$W/tasks/active/TASK-563.md
cat >"$W/revert.sh" <<'SH'
# What an editor holding the file from before the run does on save.
f=tasks/active/TASK-563.md
sed 's/^- \[x\]/- [ ]/' "$f" >"$f.swp" && mv "$f.swp" "$f"
SH
printf -- '---\nid: TASK-563\ntitle: Saved over\nlabels: [testing]\n---\n\n## Acceptance Criteria\n\n- [ ] Run One: `true`\n- [ ] Run Two: `sh revert.sh`\n- [ ] Run Three: `true`\n' >"$ed"
ix run "$ed" -q --json
is "$rc" 1 "a lost tick leaves the run with criteria remaining (exit 1)"
"$IX_BIN" show --json "$ed" >"$T/563.json"
is "$(jq -c '[.criteria[]|select(.checked)|.index]' "$T/563.json")" "[2,3]" "the file: the editor's save took tick 1 away"
is "$(jq -c '[.criteria[]|select(.state!="remaining")|.index]' <<<"$out")" "[2,3]" "the report claims only the ticks in the file"
like "$(jq -r '.criteria[0].reason' <<<"$out")" "replaced without the tick" "and says what happened to tick 1"
like "$(jq -r '.warnings|join(" ")' <<<"$out")" "lost ticks" "with a warning"

# The same against a loop saving over the file while 20 criteria tick; the
# last criterion stops the loop and waits for it, so the file is final when
# the run reads it back.
ed2=$W/tasks/active/TASK-564.md
{
    printf -- '---\nid: TASK-564\ntitle: Saved over often\nlabels: [testing]\n---\n\n## Acceptance Criteria\n\n'
    for i in $(seq 19); do echo "- [ ] Run Step $i: \`sleep 0.02\`"; done
    echo "- [ ] Run Last: \`sh -c 'touch stop564; while test ! -e acked564; do sleep 0.01; done'\`"
} >"$ed2"
cp "$ed2" "$T/564.orig"
(cd "$W" && while [ ! -e stop564 ]; do
    cp "$T/564.orig" tasks/active/.TASK-564.md.swp && mv tasks/active/.TASK-564.md.swp "$ed2"
    sleep 0.03
done; touch acked564) &
ix run "$ed2" -q --json
touch "$W/stop564" # the saving loop ends even if the last criterion did not run
wait
"$IX_BIN" show --json "$ed2" >"$T/564.json"
file_ticks=$(jq -c '[.criteria[]|select(.checked)|.index]' "$T/564.json")
is "$(jq -c '[.criteria[]|select(.state!="remaining")|.index]' <<<"$out")" "$file_ticks" \
    "under a saving loop the report's ticks are exactly the file's"
echo "# the file kept $(jq length <<<"$file_ticks") of 20 ticks"

# ---- 13. archive during a run of the same task ----
busy=$W/tasks/active/TASK-565.md
printf -- '---\nid: TASK-565\ntitle: Busy\nlabels: [testing]\n---\n\n## Acceptance Criteria\n\n- [x] Done before\n- [ ] Run Slow: `sleep 1.5`\n' >"$busy"
"$IX_BIN" run "$busy" -q >/dev/null 2>&1 &
pid=$!
for _ in $(seq 400); do grep -q "pid $pid " "$W/.infraexec/locks/TASK-565.lock" 2>/dev/null && break; sleep 0.01; done
cp "$busy" "$T/565.during"
ix archive "$busy" --force
is "$rc" 2 "archive during a run of the task: exit 2"
like "$err" "TASK-565: already being run by pid $pid" "refused, naming the run"
like "$err" "; not archived" "and saying nothing was done"
ok "the task stays where the run is working on it" test -e "$busy" -a ! -e "$W/tasks/completed/TASK-565.md"
wait "$pid"
# Run from inside another workspace: the task's own tree is archived into.
mkdir -p "$T/other/tasks/active" "$T/other/tasks/completed"
cd "$T/other"
ix archive "$busy"
cd - >/dev/null
is "$rc" 0 "after the run, archive works"
ok "and moved it within its own tree" test -e "$W/tasks/completed/TASK-565.md"
ok "not into the tree of the current directory" test ! -e "$T/other/tasks/completed/TASK-565.md"

done_testing
