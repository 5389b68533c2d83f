#!/bin/bash
# The Lua sandbox: an allow-list of globals and library functions (no io,
# os, debug, package, binary chunks, files off the search path), and a dry
# run in which no primitive that spawns or writes can act.
. "$(dirname "$0")/../lib.sh"

W=$T/ws
mkdir -p "$W/tasks/active" "$W/handlers" "$W/lua/mine"
LIBLUA=$(ls /usr/lib/*/liblua5.4.so* /usr/lib/liblua5.4.so* 2>/dev/null | head -1)
echo "# liblua: $LIBLUA"
testing_label "$W"
cat >"$W/lua/mine/helper.lua" <<'LUA'
return { answer = 42 }
LUA
printf 'return "outside"\n' >"$T/outside.lua"

task=$W/tasks/active/TASK-920.md
cat >"$task" <<'MD'
---
id: TASK-920
title: Sandbox
labels: [testing]
---
## Acceptance Criteria
- [ ] Attack with loadlib
- [ ] Attack with debug.sethook
- [ ] List the globals
- [ ] List the string functions
- [ ] Removed names are nil
- [ ] Load a binary chunk
- [ ] Load files off the path
- [ ] Require only Lua modules on the path
- [ ] Set a finalizer
MD

cat >"$W/handlers/testing.lua" <<LUA
local ix = require "infraexec" local function seen(ok, msg) return ok, msg, { ok = ok == true, looked_at = "the sandbox", expected = "the test's condition", seen = tostring(msg) } end -- a tick needs an observation: the test's own condition
local LIB, PWNED = "$LIBLUA", "$T/pwned"
local function sorted_keys(t)
  local names = {}
  for k in pairs(t) do names[#names + 1] = tostring(k) end
  table.sort(names)
  return table.concat(names, " ")
end
return { rules = {
  { pattern = "^Attack with loadlib", run = function()
      local io = package.loadlib(LIB, "luaopen_io")()
      local f = io.open(PWNED, "w"); f:write("x"); f:close()
      return seen(true, "escaped")
    end },
  { pattern = "^Attack with debug", run = function()
      debug.sethook()
      return seen(true, "hook removed")
    end },
  { pattern = "^List the globals", run = function() return false, sorted_keys(_G) end },
  { pattern = "^List the string", run = function() return false, sorted_keys(string) end },
  { pattern = "^Removed names", run = function()
      local found = {}
      for _, name in ipairs{ "io", "os", "debug", "package", "dofile", "collectgarbage", "warn",
                             "loadstring", "module", "setfenv", "getfenv", "unpack", "newproxy" } do
        if rawget(_G, name) ~= nil then found[#found + 1] = name end
      end
      if string.dump ~= nil or ("").dump ~= nil then found[#found + 1] = "string.dump" end
      for _, name in ipairs{ "io", "os", "debug", "package" } do
        local ok, mod = pcall(require, name)
        if ok then found[#found + 1] = "require " .. name .. " -> " .. type(mod) end
      end
      return seen(#found == 0, #found == 0 and "none reachable" or table.concat(found, ", "))
    end },
  { pattern = "^Load a binary", run = function()
      local binary = "\27Lua\84\0\25\147\13\10\26\10\4\8\8"
      local f1, e1 = load(binary)
      local f2, e2 = load(binary, "=chunk", "b")
      local parts = { binary }
      local f3, e3 = load(function() return table.remove(parts, 1) end, "=reader", "bt")
      local text = load("return 7", "=text", "b")
      return seen(f1 == nil and f2 == nil and f3 == nil and text() == 7,
             table.concat({ tostring(e1), tostring(e2), tostring(e3) }, " | "))
    end },
  { pattern = "^Load files off", run = function()
      local own = loadfile(ix.task().workspace .. "/handlers/testing.lua")
      local f1, e1 = loadfile("$T/outside.lua")
      local f2, e2 = loadfile("/etc/passwd")
      local f3, e3 = loadfile(ix.task().workspace .. "/handlers/../../outside.lua")
      return seen(type(own) == "function" and not f1 and not f2 and not f3,
             table.concat({ e1, e2, e3 }, " | "))
    end },
  { pattern = "^Require only", run = function()
      local helper = require "mine.helper"
      local ok1, e1 = pcall(require, "../../outside")
      local ok2, e2 = pcall(require, "/etc/passwd")
      local ok3, e3 = pcall(require, "nosuch.module")
      return seen(helper.answer == 42 and not ok1 and not ok2 and not ok3,
             table.concat({ e1, e2, e3 }, " | "))
    end },
  { pattern = "^Set a finalizer", run = function()
      setmetatable({}, { __gc = function() while true do end end })
      return seen(true, "finalizer set")
    end },
} }
LUA

ix run "$task" --json -q
is "$rc" 1 "the run finishes"
reason() { jq -r ".criteria[$1].reason" <<<"$out"; }
state() { jq -r ".criteria[$1].state" <<<"$out"; }
is "$(state 0)" remaining "package.loadlib attack fails"
like "$(reason 0)" "testing.lua:11: undeclared global 'package'" "package is not reachable"
ok "liblua's io was not loaded: nothing written" test ! -e "$T/pwned"
is "$(state 1)" remaining "debug.sethook attack fails"
like "$(reason 1)" "testing.lua:16: undeclared global 'debug'" "debug is not reachable"
is "$(reason 2)" "_G _VERSION assert coroutine error getmetatable ipairs load loadfile math next pairs pcall print rawequal rawget rawlen rawset require select setmetatable string table tonumber tostring type utf8 xpcall" \
    "the globals are exactly the allow-list"
is "$(reason 3)" "byte char find format gmatch gsub len lower match pack packsize rep reverse sub unpack upper" \
    "string has no dump"
is "$(state 4)" completed "every removed name is nil, require cannot reach a library"
is "$(reason 4)" "none reachable" "no removed name found"
is "$(state 5)" completed "binary chunks are refused whatever the mode; text still loads"
is "$(reason 5)" "attempt to load a binary chunk (mode is 't') | attempt to load a binary chunk (mode is 't') | attempt to load a binary chunk (mode is 't')" \
    "load says why"
is "$(state 6)" completed "loadfile reads handler files only"
like "$(reason 6)" "$T/outside.lua: not a file on the handler or Lua search path" "loadfile outside: refused"
like "$(reason 6)" "/etc/passwd: not a file on the handler or Lua search path" "loadfile /etc/passwd: refused"
like "$(reason 6)" "handlers/../../outside.lua: not a file" "loadfile ../ out of the handler dir: refused"
is "$(state 7)" completed "require finds Lua modules on the path only"
like "$(reason 7)" "module '../../outside': a module name is dot-separated words" "require ../: refused"
like "$(reason 7)" "module 'nosuch.module' not found in the Lua directories" "require of a missing module: clear"
is "$(state 8)" remaining "a __gc finalizer is refused"
like "$(reason 8)" "testing.lua:61: setmetatable: __gc finalizers are not available" "the refusal names file:line"

# ---- --dry-run: no primitive that spawns or writes acts ----
ix run "$task" --dry-run --only 1 --json -q
like "$(reason 0)" "undeclared global 'package'" "dry run: package.loadlib is not reachable either"
ok "dry run: liblua's io was not loaded: nothing written" test ! -e "$T/pwned"

mkdir -p "$W/repo"
git -C "$W/repo" init -q
git -C "$W/repo" -c user.name=t -c user.email=t@t commit -q --allow-empty -m init
echo change >"$W/repo/file.txt"
head=$(git -C "$W/repo" rev-parse HEAD)
cat >"$W/tasks/active/TASK-921.md" <<'MD'
---
id: TASK-921
title: Acting primitives
labels: [testing]
---
## Acceptance Criteria
- [ ] Act in every way
MD
cat >"$W/handlers/testing.lua" <<LUA
local ix = require "infraexec" local function seen(ok, msg) return ok, msg, { ok = ok == true, looked_at = "the sandbox", expected = "the test's condition", seen = tostring(msg) } end -- a tick needs an observation: the test's own condition
local run = ix.run -- a reference taken at load time is the stand-in too
return { rules = {
  { pattern = "^Act in every way", run = function()
      local a = run{ argv = { "touch", "$T/spawned-argv" } }
      local b = ix.run{ script = "touch $T/spawned-script" }
      local w = ix.write_file("tasks/written.txt", "content\n", "new file")
      ix.log("a log entry from the handler")
      local id = ix.git_commit("$W/repo", { "file.txt" }, "handler commit")
      return seen(a.ok and b.ok and w, "commit " .. id)
    end },
} }
LUA
cp "$W/tasks/active/TASK-921.md" "$T/before.md"
ix run TASK-921 --tasks-dir "$W/tasks" --dry-run --json -q
is "$rc" 0 "dry run: exit 0"
ok "dry run: argv command not spawned" test ! -e "$T/spawned-argv"
ok "dry run: script not spawned" test ! -e "$T/spawned-script"
ok "dry run: write_file wrote nothing" test ! -e "$W/tasks/written.txt"
ok "dry run: the task file is unchanged (no log entry)" cmp "$W/tasks/active/TASK-921.md" "$T/before.md"
is "$(git -C "$W/repo" rev-parse HEAD)" "$head" "dry run: no commit"
is "$(git -C "$W/repo" status --porcelain)" "?? file.txt" "dry run: the index is untouched"
is "$(jq -r '.criteria[0].reason' <<<"$out")" "commit (dry run)" "git_commit says (dry run)"
is "$(jq -r '[.criteria[0].commands[] | (.argv // [.script]) | join(" ")] | join(" ; ")' <<<"$out")" \
    "touch $T/spawned-argv ; touch $T/spawned-script ; git -C $W/repo commit -m handler commit -- file.txt" \
    "dry run: what would run is reported"
like "$(jq -r '.criteria[0].files[0].diff' <<<"$out")" "+content" "dry run: the write's diff is reported"
ok "dry run: no command log" test ! -e "$W/.infraexec/logs/TASK-921"

# The same handler without --dry-run acts: the checks above can fail.
ix run TASK-921 --tasks-dir "$W/tasks" --json -q
is "$(jq -r '.criteria[0].state' <<<"$out")" completed "real run: completed"
ok "real run: both commands ran" test -e "$T/spawned-argv" -a -e "$T/spawned-script"
is "$(cat "$W/tasks/written.txt")" "content" "real run: the file is written"
is "$(git -C "$W/repo" log -1 --format=%s)" "handler commit" "real run: committed"
like "$(cat "$W/tasks/active/TASK-921.md")" "a log entry from the handler" "real run: logged"

done_testing
