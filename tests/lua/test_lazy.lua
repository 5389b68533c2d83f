-- core/lazy.lua: a proxy loads its module at the first field read and is
-- then a window on the one module table (state shared, writes reach it,
-- pairs walks it); a module that cannot load raises one line naming it, at
-- each read, and force() reports it.  lazy.fns: functions that load their
-- module when called and call the one it holds then.  A fresh copy of lazy.lua, so the
-- running engine's list of lazily named modules is left alone.
local t, root = ...
local lazy = assert(loadfile(root .. "/lua/infraexec/core/lazy.lua", "t"))()

local real = require "infraexec.act.gitops"
local g = lazy "infraexec.act.gitops"
t.is(lazy.count(), 1, "naming a module counts it")
t.ok(rawequal(g.settings, real.settings), "a field read gives the module's own function")
g.lazytest_mark = "seen"
t.is(real.lazytest_mark, "seen", "a write through the proxy reaches the one module table")
real.lazytest_mark = nil
t.is(g.lazytest_mark, nil, "... and the proxy sees the module's changes")
local n, m = 0, 0
for _ in pairs(g) do n = n + 1 end
for _ in pairs(real) do m = m + 1 end
t.ok(n == m and n > 0, "pairs walks the module's fields", ("%d fields through the proxy, %d in the module"):format(n, m))
local fresh = lazy "infraexec.observe.flux"
local k, v
for key, val in pairs(fresh) do k, v = key, val; break end
t.ok(k ~= nil and rawequal(v, require("infraexec.observe.flux")[k]), "pairs on a proxy not read yet loads the module")

local before = lazy.count()
local missing = lazy "infraexec.observe.lazytest_missing"
local ok, err = pcall(function() return missing.anything end)
t.ok(not ok, "a module that cannot load raises at the field read")
t.is(err, "loading module infraexec.observe.lazytest_missing: module 'infraexec.observe.lazytest_missing' not found "
  .. "in the Lua directories (no C modules)", "... one line naming the module")
local again = select(2, pcall(function() return missing.anything end))
t.is(again, err, "... again at the next read (nothing half-loaded is kept)")
ok = pcall(function() missing.x = 1 end)
t.ok(not ok, "a write to it raises too")
t.is(lazy.force(before), err, "force reports it")
t.is(lazy.force(0, before), nil, "force up to a mark before it: every module loads")

-- lazy.fns: reading a field loads nothing; the call loads the module.
local mark = lazy.count()
local gone = lazy.fns "infraexec.observe.lazytest_fns_missing"
t.is(lazy.count(), mark + 1, "lazy.fns counts its module")
local f = gone.anything
t.is(type(f), "function", "a field of lazy.fns is a function, though its module does not exist: nothing was loaded")
t.ok(rawequal(gone.anything, f), "... the same function at the next read")
local fok, ferr = pcall(f, 1)
t.ok(not fok, "calling it loads the module: one that cannot load raises")
t.is(ferr, "loading module infraexec.observe.lazytest_fns_missing: module 'infraexec.observe.lazytest_fns_missing' not found "
  .. "in the Lua directories (no C modules)", "... one line naming the module")
t.is(lazy.force(mark), ferr, "force reports it")

local values = require "infraexec.lib.values"
mark = lazy.count()
local vf = lazy.fns "infraexec.lib.values"
t.is(select("#", vf.version("0.1.18")), select("#", values.version("0.1.18")), "a call returns what the module's function returns")
t.is(vf.version("0.1.18"), values.version("0.1.18"), "... the same values")
values.lazytest_fn = function(a, b) return a + b, "two" end
local sum, word = vf.lazytest_fn(1, 2)
t.ok(sum == 3 and word == "two", "the arguments reach the module's function and every result comes back")
values.lazytest_fn = function() return "replaced" end
t.is(vf.lazytest_fn(), "replaced", "a call uses the function the module holds then")
t.is(lazy.force(mark), nil, "force: the module loads and has every function read through lazy.fns")
t.ok(rawequal(lazy.target(vf.version), values.version), "lazy.target: the module's function a lazy.fns function calls")
t.ok(rawequal(lazy.target(values.version), values.version), "... any other function is its own target")
t.ok(rawequal(lazy.target(gone.anything), gone.anything), "... and so is one whose module does not load")
values.lazytest_fn = nil
local nok, nerr = pcall(vf.lazytest_fn)
t.ok(not nok, "a function the module does not have raises when called")
t.is(nerr, "loading module infraexec.lib.values: it has no function lazytest_fn", "... one line naming the module and the function")
t.is(lazy.force(mark), nerr, "force reports it")
