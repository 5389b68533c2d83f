-- config.lua - the schema of infraexec.yaml, declared by the modules that
-- read it (as premake's api.register declares a project setting).  A module
-- declares each top-level section it reads, once, when it is loaded:
--
--   local config = require "infraexec.core.config"
--   config.declare{ "terraform", "map", fields = {
--     { "dir", "path", dir = true, write = true }, -- the root module
--     { "plan", "argv" },                           -- e.g. [terraform, plan]
--   } }
--
-- A key is { NAME, TYPE [, fields = {...}] [, write = true] [, dir = true]
-- [, warn = TEXT] } with TYPE one of string, path, bool, number, argv,
-- strings, addr, addrs, paths, urls, duration, and map, named (names to
-- maps) or list (of maps), whose keys are `fields`, in the order an
-- unknown key's message lists them.  write: handlers may write under the
-- path(s); dir: the path is a directory that must exist before a run; warn
-- (a bool): the report's warning when it is true.  A section may also carry
-- preflight = function(section, config), run once before the first
-- criterion of a real run when the config has the section: it returns nil,
-- or the problem that stops the run (exit 2).
--
-- The C core knows only its own keys (git, queue, secrets, secret_env,
-- timeout, command_log_max); once the handlers (and so the modules they
-- require) are loaded it validates every other section against these
-- declarations, with file:line:col, and an undeclared section is an
-- unknown key (docs/config.md).
local ix = require "infraexec"

local M = {}
local sections, order = {}, {}

-- Whether two declarations say the same (a handler file declaring a
-- section is loaded again by `handlers check`); functions count as equal.
local function same(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) == "function" then return true end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do if not same(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

-- Declare the top-level section SPEC[1] (see above).  The core checks the
-- types and shape when it validates; declaring a section twice differently
-- is an error.
function M.declare(spec)
  if type(spec) ~= "table" or type(spec[1]) ~= "string" or type(spec[2]) ~= "string" then
    error("infraexec.config.declare: expected { name, type, ... }", 2)
  end
  if spec.preflight ~= nil and type(spec.preflight) ~= "function" then
    error("infraexec.config.declare: " .. spec[1] .. ": preflight must be a function", 2)
  end
  local had = sections[spec[1]]
  if had and not same(had, spec) then
    error("infraexec.config.declare: section '" .. spec[1] .. "' is already declared differently", 2)
  end
  if not had then order[#order + 1] = spec[1] end
  sections[spec[1]] = spec
end

-- The declared sections, in the order they were declared (for the core).
function M.declared()
  local list = {}
  for i, name in ipairs(order) do list[i] = sections[name] end
  return list
end

-- The first problem a section's preflight finds, or nil (called by the
-- core once before the first criterion of a real run).
function M.preflight()
  local cfg = ix.config()
  for _, name in ipairs(order) do
    local check = sections[name].preflight
    if check and cfg[name] ~= nil then
      local problem = check(cfg[name], cfg)
      if problem ~= nil then
        return type(problem) == "string" and problem or ("preflight of " .. name .. " failed")
      end
    end
  end
  return nil
end

return M
