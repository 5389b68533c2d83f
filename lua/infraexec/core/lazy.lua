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
-- A module that fails to load raises, at each field read, one line naming
-- its file:line.  A real run loads a handler's modules before its rule
-- acts (engine.dispatch, through M.force), so the failure is the
-- criterion's reason before anything changed; `handlers check` and
-- `handlers` load them all.
local M = {}

-- Every module name passed to lazy(), in order.
local made = {}

-- One line for require's error, without the position of require's caller
-- (core/moved.lua's wrapper): a syntax error reads "error loading module
-- 'X' from file 'P':\n\tP:L: why", kept as "P:L: why".
local function one_line(name, err)
  err = tostring(err):gsub("^%S-moved%.lua:%d+: ", ""):gsub("^error loading module '[^']*' from file '[^']*':%s*", "")
  return (("loading module %s: %s"):format(name, err):gsub("\n%s*", " "))
end

-- The module NAME, or nil and why in one line.
local function get(name)
  local ok, mod = pcall(require, name)
  if not ok then return nil, one_line(name, mod) end
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

-- Load every module named after mark FROM up to mark TO (default: all):
-- nil, or the first failure in one line naming the module and its file:line.
function M.force(from, to)
  for i = (from or 0) + 1, to or #made do
    local mod, err = get(made[i])
    if not mod then return err end
  end
  return nil
end

return M
