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
