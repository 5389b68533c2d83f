-- ix.config(): built once per Lua state, each call a copy of it, so a
-- handler that changes its table changes nothing for the next caller.
local ix = require "infraexec"
local t = ...

local a = ix.config()
t.is(type(a.projects) == "table" and a.projects.app.build[1], "make", "ix.config() gives infraexec.yaml")
t.like(a.projects.app.path, "/projects/app", "... with paths made absolute")
t.is(a.registry.insecure_skip_verify, false, "... and switches as booleans")
t.ok(a ~= ix.config(), "each call returns its own table")
a.projects.app.build[1] = "rm -rf /"
a.registry = nil
a.extra = "added"
local b = ix.config()
t.is(b.projects.app.build[1], "make", "a changed nested list is not seen by the next caller")
t.is(b.registry and b.registry.address, "127.0.0.1:5000", "a removed key is still there for the next caller")
t.is(b.extra, nil, "an added key is not seen by the next caller")
t.ok(b.projects ~= ix.config().projects and b.projects.app.build ~= ix.config().projects.app.build,
  "nested tables are copies too")
t.is(#b.projects.app.build, 2, "lists keep their length")
t.like(b.path, "/infraexec.yaml", "path names the file")

-- infraexec.config: the declarations modules make (docs/config.md).
local config = require "infraexec.core.config"
local names = {}
for _, d in ipairs(config.declared()) do names[#names + 1] = d[1] end
t.like(" " .. table.concat(names, " ") .. " ", " registry ", "the installed modules declared registry")
t.like(" " .. table.concat(names, " ") .. " ", " projects ", "... and projects")
local spec = { "unit_test", "map", fields = { { "a", "path", write = true } } }
config.declare(spec)
t.ok(pcall(config.declare, { "unit_test", "map", fields = { { "a", "path", write = true } } }),
  "declaring a section again, the same, is allowed (a handler file loaded twice)")
local ok, err = pcall(config.declare, { "unit_test", "map", fields = { { "a", "string" } } })
t.ok(not ok, "declaring it again differently is refused")
t.like(tostring(err), "section 'unit_test' is already declared differently", "... and says so")
ok, err = pcall(config.declare, { "unit_test2" })
t.like(tostring(err), "expected { name, type, ... }", "a declaration without a type is refused")
local list = config.declared()
t.is(list[#list][1], "unit_test", "declared() lists sections in declaration order")
