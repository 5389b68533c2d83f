-- The C binding (src/lua/luahost.c, src/lua/luaext.c) as handlers see it: a
-- misused primitive (a wrong type, an unknown field) raises an error that
-- names it; an environmental failure gives nil and a message where
-- docs/lua-api.md says so, and raises naming the primitive elsewhere.
local ix = require "infraexec"
local t = ...

local ws = ix.task().workspace
local missing = ws .. "/no/such/file"

-- the error F(...) raises, or nil when it returns
local function raised(f, ...)
  local ok, err = pcall(f, ...)
  if ok then return nil end
  return tostring(err)
end

-- wrong types: "bad argument #N to 'infraexec.NAME' (... expected, got ...)"
local misuse = {
  { "read_file", 1, ix.read_file, {} },
  { "write_file", 2, ix.write_file, ws .. "/tasks/x.txt", {} },
  { "exists", 1, ix.exists, {} },
  { "getenv", 1, ix.getenv, {} },
  { "log", 1, ix.log, {} },
  { "run", 1, ix.run, "echo hi" },
  { "yaml_get", 1, ix.yaml_get, nil, "a" },
  { "yaml_get", 2, ix.yaml_get, "a: 1", {} },
  { "yaml_set", 3, ix.yaml_set, "a: 1", "a", {} },
  { "yaml_get", 3, ix.yaml_get, "a: 1", "a", "first" },
  { "json_decode", 1, ix.json_decode, {} },
  { "http", 1, ix.http, "http://127.0.0.1/" },
  { "search", 1, ix.search, {}, "x" },
  { "search", 2, ix.search, ws, "" },
  { "search", 3, ix.search, ws, "x", 0 },
  { "find", 2, ix.find, ws, {} },
  { "list_dir", 1, ix.list_dir, {} },
  { "git_branch", 1, ix.git_branch, {} },
  { "git_head", 1, ix.git_head, nil },
  { "git_status", 1, ix.git_status, true },
  { "git_commit", 2, ix.git_commit, ws, "file.txt", "message" },
  { "git_commit", 2, ix.git_commit, ws, {}, "message" },
  { "git_commit", 3, ix.git_commit, ws, { "file.txt" }, nil },
}
for _, m in ipairs(misuse) do
  local err = raised(m[3], table.unpack(m, 4, 6))
  t.ok(err and err:find(("bad argument #%d to 'infraexec.%s'"):format(m[2], m[1]), 1, true),
    ("%s: a wrong argument #%d raises, naming the function"):format(m[1], m[2]), tostring(err))
end

-- misused fields: "infraexec.NAME: ..."
local fields = {
  { "run", "unknown field 'bogus'", ix.run, { argv = { "true" }, bogus = 1 } },
  { "run", "", ix.run, { argv = "not a list" } },
  { "run", "env must map variable names to strings", ix.run, { argv = { "true" }, env = { ["A B"] = "x" } } },
  { "http", "url is required", ix.http, {} },
  { "http", "url must be a string", ix.http, { url = 1 } },
  { "http", "headers must be strings", ix.http, { url = "http://127.0.0.1:1/", headers = { 1 } } },
  { "git_commit", "paths must be strings", ix.git_commit, ws, { 1 }, "message" },
  { "json_decode", "nested deeper than 200 levels", ix.json_decode, ("["):rep(300) .. ("]"):rep(300) },
}
for _, m in ipairs(fields) do
  local err = raised(m[3], table.unpack(m, 4, 6))
  t.ok(err and err:find("infraexec." .. m[1] .. ": " .. m[2], 1, true),
    ("%s: %s raises, naming the function"):format(m[1], m[2] ~= "" and m[2] or "a misused field"), tostring(err))
end

-- environmental failures documented as nil, message
local v, msg = ix.read_file(missing)
t.ok(v == nil and type(msg) == "string" and msg:find(missing, 1, true), "read_file: a missing file is nil and a message naming it", tostring(msg))
v, msg = ix.list_dir(missing)
t.ok(v == nil and type(msg) == "string" and msg:find(missing, 1, true), "list_dir: a missing directory is nil and a message naming it", tostring(msg))
v, msg = ix.json_decode("{")
t.ok(v == nil and type(msg) == "string" and msg:find("invalid JSON at line 1", 1, true), "json_decode: invalid JSON is nil and where", tostring(msg))
v, msg = ix.http{ url = "http://127.0.0.1:1/" }
t.ok(v == nil and type(msg) == "string" and msg ~= "", "http: no answer is nil and a message", tostring(msg))
t.is(ix.exists(missing), nil, "exists: a missing path is nil")
t.is(ix.getenv("INFRAEXEC_SURELY_UNSET_VARIABLE"), nil, "getenv: an unset variable is nil")
local found = ix.find(missing, "x")
t.ok(type(found) == "table" and #found == 0, "find: under a missing root, no paths")

-- environmental failures documented as errors: they name the primitive
local env_errors = {
  { "search", ix.search, missing, "x" },
  { "yaml_get", ix.yaml_get, "a: 1\n", "b" },
  { "yaml_set", ix.yaml_set, "a: [\n", "a", "1" },
  { "git_branch", ix.git_branch, missing },
  { "git_head", ix.git_head, missing },
  { "git_status", ix.git_status, missing },
  { "write_file", ix.write_file, "/etc/infraexec-test", "x" },
}
for _, m in ipairs(env_errors) do
  local err = raised(m[2], table.unpack(m, 3, 5))
  t.ok(err and err:find("infraexec." .. m[1] .. ": ", 1, true), m[1] .. ": the failure raises, naming it", tostring(err))
end

-- write_file says whether the content changed; a dry run writes nothing
local p = ws .. "/tasks/binding.txt"
if ix.dry_run() then
  t.is(ix.write_file(p, "one\n"), true, "write_file (dry run): a new file would change")
  t.is(ix.read_file(p), nil, "... and nothing is written")
else
  t.is(ix.write_file(p, "one\n"), true, "write_file: a new file is a change")
  t.is(ix.write_file(p, "one\n"), false, "write_file: the same content again is no change")
  t.is(ix.write_file(p, "two\n"), true, "write_file: other content is")
  t.is(ix.read_file(p), "two\n", "... and is written")
end
