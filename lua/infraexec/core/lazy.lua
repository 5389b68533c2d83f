-- lazy.lua - a module loaded on first use.
--
--   local lazy = require "infraexec.core.lazy"
--   local flux = lazy "infraexec.observe.flux"  -- nothing loaded yet
--   ... flux.helmreleases{...}                  -- the first field read requires it
--
-- A run compiles only the modules its rules use: the rules modules name
-- the observers, actions and domain modules this way, so a dry run loads
-- only those of the rules it dispatches.  The proxy reads and writes
-- through to the one module table require returns (its state is not
-- copied), and pairs() walks that table.  A module named here must need
-- loading for nothing but its fields: the infraexec.yaml sections it reads
-- are declared eagerly (infraexec.sections), since the config is validated
-- before any rule runs.
--
-- A handler file names its rules module's functions through M.fns (below):
-- a module of rules that no criterion reaches is never compiled either.
--
-- A module that fails to load raises, at each field read (each call of a
-- function from M.fns), one line naming its file:line.  A real run loads
-- a handler's modules, and those they name lazily, before its rule acts
-- (engine.dispatch, through M.force), so the failure is the criterion's
-- reason before anything changed; `handlers check` and `handlers` load
-- them all.
local M = {}

-- Every module name passed to lazy() or M.fns, in order.
local made = {}

-- One line for require's error, without the position of require's caller
-- (core/moved.lua's wrapper): a syntax error reads "error loading module
-- 'X' from file 'P':\n\tP:L: why", kept as "P:L: why".
local function one_line(name, err)
  err = tostring(err):gsub("^%S-moved%.lua:%d+: ", ""):gsub("^error loading module '[^']*' from file '[^']*':%s*", "")
  return (("loading module %s: %s"):format(name, err):gsub("\n%s*", " "))
end

-- kids[NAME] = { from, to }: the marks around the modules NAME named
-- while its first require through here ran (none when something else had
-- required it before), for M.force to load them too.
local kids = {}

-- The module NAME, or nil and why in one line.
local function get(name)
  local mark = #made
  local ok, mod = pcall(require, name)
  if not ok then return nil, one_line(name, mod) end
  kids[name] = kids[name] or { mark, #made }
  if type(mod) ~= "table" then return nil, ("loading module %s: it returned %s, not a table"):format(name, type(mod)) end
  return mod
end

local function proxy(name)
  local mt = { __name = "lazy module " .. name }
  local function real()
    local mod, err = get(name)
    if not mod then error(err, 0) end
    -- From now on the proxy is a window on MOD: table lookups, no calls.
    mt.__index, mt.__newindex = mod, mod
    mt.__pairs = function() return next, mod, nil end
    return mod
  end
  mt.__index = function(_, key) return real()[key] end
  mt.__newindex = function(_, key, value) real()[key] = value end
  mt.__pairs = function() return next, real(), nil end
  return setmetatable({}, mt)
end

setmetatable(M, { __call = function(_, name)
  made[#made + 1] = name
  return proxy(name)
end })

-- How many modules have been named so far: a mark for M.force.
function M.count()
  return #made
end

-- wanted[NAME]: the keys read through M.fns(NAME), in the order first read.
local wanted = {}
-- { NAME, T } for each table T of functions M.fns made.
local tables = {}

-- The function KEY of module NAME, or nil and why in one line.
local function fn_of(name, key)
  local mod, err = get(name)
  if not mod then return nil, err end
  if type(mod[key]) ~= "function" then
    return nil, ("loading module %s: it has no function %s"):format(name, tostring(key))
  end
  return mod[key]
end

-- Functions of the module NAME that load it when first called: with
-- `local rules = lazy.fns "infraexec.rules.build"`, rules.built is a
-- function that requires the module and calls its built (the one the
-- module holds at that call).  A handler file names its rules module's
-- functions this way, so a run that dispatches none of its rules never
-- compiles it; M.force loads it and checks each function read is there.
function M.fns(name)
  made[#made + 1] = name
  local want = wanted[name] or {}
  wanted[name] = want
  local fns = {}
  tables[#tables + 1] = { name, fns }
  return setmetatable(fns, { __name = "lazy fns " .. name, __index = function(t, key)
    local function call(...)
      local f, err = fn_of(name, key)
      if not f then error(err, 0) end
      return f(...)
    end
    want[#want + 1] = key
    rawset(t, key, call)
    return call
  end })
end

-- The function a function of M.fns calls (what ix.where should name), or
-- F itself: another function, or one whose module does not load.  A walk
-- of every table M.fns made: it is asked only for an error's reason.
function M.target(f)
  for _, entry in ipairs(tables) do
    for key, call in next, entry[2] do
      if call == f then return fn_of(entry[1], key) or f end
    end
  end
  return f
end

-- Loads made[FROM+1 .. TO] and what each named lazily while it loaded,
-- checking the functions read through M.fns; SEEN: the names done.
local function force(from, to, seen)
  for i = from + 1, to do
    local name = made[i]
    if not seen[name] then
      seen[name] = true
      local mod, err = get(name)
      for _, key in ipairs(mod and wanted[name] or {}) do
        err = err or select(2, fn_of(name, key))
      end
      local k = kids[name]
      err = err or (k and force(k[1], k[2], seen))
      if err then return err end
    end
  end
  return nil
end

-- Load every module named after mark FROM up to mark TO (default: all),
-- and those they name lazily while they load: nil, or the first failure
-- in one line naming the module and its file:line.
function M.force(from, to)
  return force(from or 0, to or #made, {})
end

return M
