-- engine.lua - which rule takes a criterion, and what came of it.
--
-- The C core calls load() once per run and dispatch() for each unchecked
-- criterion.  A task's handlers come from its labels through handlers/types.lua;
-- handlers/generic.lua always comes last.  Each criterion is offered to the
-- handlers in label order and to each handler's rules in order; the first
-- rule that matches takes it.
local ix = require "infraexec"
require "infraexec.strict"

local M = {}
local handlers = {} -- this task's handlers, in the order they are tried

-- The first NAME.lua on the handler search path.
local function find(dirs, name)
  for _, dir in ipairs(dirs) do
    local path = dir .. "/" .. name .. ".lua"
    if ix.exists(path) == "file" then return path end
  end
  return nil
end

local function check_rule(path, i, rule)
  local where = path .. ": rule " .. i
  if type(rule) ~= "table" then error(where .. " is not a table", 0) end
  if type(rule.pattern) ~= "string" and type(rule.match) ~= "function" then
    error(where .. " needs a pattern (string) or a match (function)", 0)
  end
  if type(rule.run) ~= "function" then error(where .. " has no run function", 0) end
end

local function load_handler(dirs, name)
  local path = find(dirs, name)
  if not path then
    error("handler '" .. name .. "' not found on the handler path: " .. table.concat(dirs, ":"), 0)
  end
  local chunk, err = loadfile(path, "t")
  if not chunk then error(err, 0) end
  local h = chunk()
  if type(h) ~= "table" or type(h.rules) ~= "table" then
    error(path .. ": a handler must return a table with a rules list", 0)
  end
  for i, rule in ipairs(h.rules) do check_rule(path, i, rule) end
  h.name = h.name or name
  h.path = path
  return h
end

function M.load(dirs)
  local types = load_handler(dirs, "types")
  local seen = {}
  local function use(name)
    if not seen[name] then
      seen[name] = true
      handlers[#handlers + 1] = load_handler(dirs, name)
    end
  end
  for _, label in ipairs(ix.task().labels) do
    local names = types.labels and types.labels[label]
    for _, name in ipairs(type(names) == "table" and names or { names }) do use(name) end
  end
  for _, name in ipairs(types.always or { "generic" }) do use(name) end
end

-- A rule's captures for criterion C, or nil.
local function match(rule, c)
  if rule.group and not (c.group and c.group:match(rule.group)) then return nil end
  if rule.match then
    local caps = table.pack(rule.match(c, ix.task()))
    if caps[1] == nil then return nil end
    return caps
  end
  local caps = table.pack(c.text:match(rule.pattern))
  if caps[1] == nil then return nil end
  return caps
end

local function describe(h, rule)
  return h.name .. ": " .. (rule.description or rule.pattern or "rule")
end

-- Errors become the criterion's reason; memory errors carry no position,
-- so say which rule ran.
local function reason_of(err, h, rule)
  local msg = tostring(err)
  if msg:match("^not enough memory") then
    local info = debug.getinfo(rule.run, "S")
    msg = ("handler exceeded the Lua memory limit in the rule at %s:%d"):format(
      info.short_src, info.linedefined)
  end
  return msg
end

-- Criteria the task file marks BLOCKED are reported, not run.
local function blocked(c)
  if not c.text:match("%f[%w]BLOCKED%f[%W]") then return nil end
  local why = c.text:match("BLOCKED%s*[:%-]?%s*(.-)%)?$")
  return "Blocked: " .. ((why and why ~= "") and why or c.text)
end

function M.dispatch(c)
  local why = blocked(c)
  if why then return { blocked = true, reason = why } end
  for _, h in ipairs(handlers) do
    for _, rule in ipairs(h.rules) do
      local ok, caps = pcall(match, rule, c)
      if not ok then
        return { rule = describe(h, rule), done = false, reason = reason_of(caps, h, rule) }
      end
      if caps then
        local ran, done, reason = pcall(rule.run, c, table.unpack(caps, 1, caps.n))
        if not ran then
          return { rule = describe(h, rule), done = false, reason = reason_of(done, h, rule) }
        end
        return { rule = describe(h, rule), done = done and true or false, reason = reason }
      end
    end
  end
  return { done = false, reason = "needs a person: no rule matches" }
end

return M
