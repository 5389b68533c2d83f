-- The C binding (src/lua/luaapi.c and the family files luafs.c, luaproc.c,
-- luagit.c, luayaml.c, luajson.c, luahttp.c, luatask.c) as handlers see
-- it: a misused primitive (a wrong type, an unknown field, a write outside
-- the roots) raises an error that names it by its family; a failure of the
-- world gives nil and a message (docs/lua-api.md, "Failures"); a relative
-- path starts at the workspace for every primitive, not at the process's
-- directory; the flat names are the same functions as the new ones.
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

-- the flat names are the families' functions
local same = {
  { "read_file", ix.fs.read }, { "write_file", ix.fs.write }, { "exists", ix.fs.exists },
  { "rename", ix.fs.rename }, { "search", ix.fs.search }, { "find", ix.fs.find },
  { "list_dir", ix.fs.list_dir }, { "run", ix.proc.run }, { "git_head", ix.git.head },
  { "git_commit", ix.git.commit }, { "git_push", ix.git.push }, { "git_files", ix.git.files },
  { "yaml_get", ix.yaml.get }, { "yaml_set", ix.yaml.set }, { "json_decode", ix.json.decode },
  { "task_read", ix.task.read }, { "task_log", ix.task.log }, { "task_set_section", ix.task.set_section },
}
for _, s in ipairs(same) do
  t.ok(ix[s[1]] ~= nil and ix[s[1]] == s[2], "ix." .. s[1] .. " is its family's function")
end
t.is(ix.task(), ix.task.current(), "ix.task() is ix.task.current()")
t.is(ix.task().workspace, ws, "... the running task's table")
t.is(require "infraexec.fs", ix.fs, 'require "infraexec.fs" is ix.fs')

-- wrong types: "bad argument #N to 'infraexec.FAMILY.NAME' (... expected, got ...)"
local misuse = {
  { "fs.read", 1, ix.fs.read, {} },
  { "fs.read", 1, ix.read_file, {} }, -- the alias: named by its family too
  { "fs.read", 1, ix.fs.read, "" },
  { "fs.write", 2, ix.fs.write, ws .. "/tasks/x.txt", {} },
  { "fs.exists", 1, ix.fs.exists, {} },
  { "fs.search", 1, ix.fs.search, {}, "x" },
  { "fs.search", 2, ix.fs.search, ws, "" },
  { "fs.search", 3, ix.fs.search, ws, "x", 0 },
  { "fs.find", 2, ix.fs.find, ws, {} },
  { "fs.list_dir", 1, ix.fs.list_dir, {} },
  { "fs.rename", 2, ix.fs.rename, missing, {} },
  { "proc.run", 1, ix.proc.run, "echo hi" },
  { "yaml.get", 1, ix.yaml.get, nil, "a" },
  { "yaml.get", 2, ix.yaml.get, "a: 1", {} },
  { "yaml.set", 3, ix.yaml.set, "a: 1", "a", {} },
  { "yaml.get", 3, ix.yaml.get, "a: 1", "a", "first" },
  { "json.decode", 1, ix.json.decode, {} },
  { "http.request", 1, ix.http.request, "http://127.0.0.1/" },
  { "http.request", 1, ix.http, "http://127.0.0.1/" }, -- through the table's __call
  { "git.branch", 1, ix.git.branch, {} },
  { "git.head", 1, ix.git.head, nil },
  { "git.status", 1, ix.git.status, true },
  { "git.files", 2, ix.git.files, ws, nil },
  { "git.show", 3, ix.git.show, ws, "HEAD", nil },
  { "git.commit", 2, ix.git.commit, ws, "file.txt", "message" },
  { "git.commit", 2, ix.git.commit, ws, {}, "message" },
  { "git.commit", 3, ix.git.commit, ws, { "file.txt" }, nil },
  { "task.read", 1, ix.task.read, {} },
  { "getenv", 1, ix.getenv, {} },
  { "log", 1, ix.log, {} },
}
for _, m in ipairs(misuse) do
  local err = raised(m[3], table.unpack(m, 4, 6))
  t.ok(err and err:find(("bad argument #%d to 'infraexec.%s'"):format(m[2], m[1]), 1, true),
    ("%s: a wrong argument #%d raises, naming the function"):format(m[1], m[2]), tostring(err))
end

-- misused fields and refusals: "infraexec.FAMILY.NAME: ..."
local fields = {
  { "proc.run", "unknown field 'bogus'", ix.proc.run, { argv = { "true" }, bogus = 1 } },
  { "proc.run", "argv must be a list of strings", ix.run, { argv = "not a list" } },
  { "proc.run", "env must map variable names to strings", ix.proc.run, { argv = { "true" }, env = { ["A B"] = "x" } } },
  { "http", "url is required", ix.http, {} },
  { "http", "url must be a string", ix.http.request, { url = 1 } },
  { "http", "headers must be strings", ix.http, { url = "http://127.0.0.1:1/", headers = { 1 } } },
  { "git.commit", "paths must be strings", ix.git.commit, ws, { 1 }, "message" },
  { "json.decode", "nested deeper than 200 levels", ix.json.decode, ("["):rep(300) .. ("]"):rep(300) },
  { "fs.write", "/etc/infraexec-test: outside the directories", ix.fs.write, "/etc/infraexec-test", "x" },
  { "fs.rename", "outside the directories", ix.fs.rename, ws .. "/tasks", "/tmp/infraexec-moved" },
  { "task.read", "is not a valid task id", ix.task.read, "../x" },
}
for _, m in ipairs(fields) do
  local err = raised(m[3], table.unpack(m, 4, 6))
  t.ok(err and err:find("infraexec." .. m[1] .. ": ", 1, true) and err:find(m[2], 1, true),
    ("%s: %s raises, naming the function"):format(m[1], m[2]), tostring(err))
end

-- failures of the world: nil and a message naming what failed, per family
local function fails(what, want, f, ...)
  local ok, v, msg = pcall(f, ...)
  t.ok(ok and v == nil and type(msg) == "string" and msg:find(want, 1, true) ~= nil,
    what .. ": nil and a message", ok and tostring(msg) or ("raised: " .. tostring(v)))
end
fails("fs.read of a missing file", missing, ix.fs.read, missing)
fails("fs.write into a missing directory", missing, ix.fs.write, missing, "x")
fails("fs.rename of a missing file", missing, ix.fs.rename, missing, ws .. "/tasks/moved")
fails("fs.search under a missing root", missing, ix.fs.search, missing, "x")
fails("fs.find under a missing root", missing, ix.fs.find, missing, "x")
fails("fs.list_dir of a missing directory", missing, ix.fs.list_dir, missing)
fails("git.branch outside a repository", "", ix.git.branch, missing)
fails("git.head outside a repository", "", ix.git.head, missing)
fails("git.status outside a repository", "", ix.git.status, missing)
fails("git.files outside a repository", "", ix.git.files, missing, ".")
fails("git.show outside a repository", "", ix.git.show, missing, ("0"):rep(40), "x")
fails("git.contains outside a repository", "", ix.git.contains, missing, ("0"):rep(40), ("0"):rep(40))
fails("git.remote_head outside a repository", "", ix.git.remote_head, missing, "origin", "main")
fails("yaml.get of a missing key", "'b'", ix.yaml.get, "a: 1\n", "b")
fails("yaml.get past the last document", "no document 3", ix.yaml.get, "a: 1\n", "a", 3)
fails("yaml.set of invalid YAML", "", ix.yaml.set, "a: [\n", "a", "1")
fails("json.decode of invalid JSON", "invalid JSON at line 1", ix.json.decode, "{")
fails("http without an answer", "", ix.http, { url = "http://127.0.0.1:1/" })
fails("task.read of a task that is not there", "no task TASK-99999", ix.task.read, "TASK-99999")
t.is(ix.fs.exists(missing), nil, "fs.exists: a missing path is nil")
t.is(ix.getenv("INFRAEXEC_SURELY_UNSET_VARIABLE"), nil, "getenv: an unset variable is nil")
if not ix.dry_run() then
  local r = ix.proc.run{ argv = { "/no/such/command" }, retries = 0 }
  t.ok(type(r) == "table" and not r.ok, "proc.run: a command that cannot start is a result, not nil", tostring(r and r.error))
end

-- relative paths start at the workspace, for every primitive; the
-- process's directory (the checkout: 72-wording.sh runs from there) is
-- elsewhere
t.ok(ix.getenv("PWD") ~= ws, "the process runs outside the workspace", tostring(ix.getenv("PWD")))
local dir, rel = ws .. "/tasks/relpaths", "tasks/relpaths"
if ix.dry_run() then
  fails("fs.list_dir of a relative directory not made in a dry run", dir, ix.fs.list_dir, rel)
else
  t.ok(ix.proc.run{ argv = { "mkdir", "-p", rel }, retries = 0 }.ok, "proc.run: the default cwd is the workspace")
  t.is(ix.fs.write(rel .. "/needle.txt", "a needle here\n"), true, "fs.write: a relative path is written under the workspace")
  t.is(ix.fs.read(dir .. "/needle.txt"), "a needle here\n", "... there")
  local hits, n = ix.fs.search(rel, "needle")
  t.ok(hits and n == 1 and hits[1].file == dir .. "/needle.txt", "fs.search: a relative root is the workspace's", hits and hits[1] and hits[1].file or tostring(n))
  local found = ix.fs.find(rel, "needle.txt")
  t.ok(found and found[1] == dir .. "/needle.txt", "fs.find: a relative root is the workspace's", found and found[1] or "nil")
  local names = ix.fs.list_dir(rel)
  t.ok(names and names[1] == "needle.txt", "fs.list_dir: a relative directory is the workspace's", names and names[1] or "nil")
  t.is(ix.fs.exists(rel .. "/needle.txt"), "file", "fs.exists: a relative path is the workspace's")
  local r = ix.proc.run{ argv = { "git", "init", "-q", "." }, cwd = rel, retries = 0 }
  r = r.ok and ix.proc.run{ argv = { "git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-q", "--allow-empty", "-m", "m" },
    cwd = rel, retries = 0 } or r
  local head = ix.proc.run{ argv = { "git", "rev-parse", "HEAD" }, cwd = dir, retries = 0 }
  t.ok(r.ok and head.ok, "a repository made in the workspace", r.output)
  t.is(ix.git.head(rel), (head.output:gsub("%s+$", "")), "git.head: a relative directory is the workspace's")
  t.ok(type(ix.git.status(rel)) == "table", "git.status: likewise")
  t.ok(ix.fs.rename(rel .. "/needle.txt", rel .. "/moved/needle.txt"), "fs.rename: relative paths, under the workspace")
  t.is(ix.fs.exists(dir .. "/moved/needle.txt"), "file", "... moved there")
  fails("fs.rename onto an existing file", "exists already", ix.fs.rename, rel .. "/moved/needle.txt", rel .. "/moved/needle.txt")
end
local _, gmsg = ix.git.head("tasks/no-such-repo")
t.ok(type(gmsg) == "string" and gmsg:find(ws .. "/tasks/no-such-repo", 1, true) ~= nil,
  "git.head: the message names the workspace path a relative directory resolved to", tostring(gmsg))

-- fs.write says whether the content changed; a dry run writes nothing
local p = ws .. "/tasks/binding.txt"
if ix.dry_run() then
  t.is(ix.fs.write(p, "one\n"), true, "fs.write (dry run): a new file would change")
  t.is(ix.fs.read(p), nil, "... and nothing is written")
  t.is(ix.write_file, ix.fs.write, "the alias is the stand-in too")
  t.is(ix.git.commit(ws, { p }, "m"), "(dry run)", "git.commit (dry run): the stand-in")
else
  t.is(ix.fs.write(p, "one\n"), true, "fs.write: a new file is a change")
  t.is(ix.fs.write(p, "one\n"), false, "fs.write: the same content again is no change")
  t.is(ix.fs.write(p, "two\n"), true, "fs.write: other content is")
  t.is(ix.fs.read(p), "two\n", "... and is written")
end
