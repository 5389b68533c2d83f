-- engine.lua - which rule takes a criterion, and what came of it.
--
-- The C core calls load() once per run and dispatch() for each unchecked
-- criterion.  A task's handlers come from its labels through handlers/types.lua;
-- handlers/generic.lua always comes last.  Each criterion is offered to the
-- handlers in label order and to each handler's rules in order; the first
-- rule that matches takes it.
local ix = require "infraexec"
require "infraexec.strict"
local classify = require "infraexec.classify"
local wording = require "infraexec.wording"

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
  if type(rule.pattern) ~= "string" and type(rule.match) ~= "function" and rule.wording == nil then
    error(where .. " needs a wording (template or list), a pattern (string) or a match (function)", 0)
  end
  if rule.wording ~= nil then
    local ok, err = pcall(wording.compile, rule.wording)
    if not ok then error(where .. ": " .. tostring(err), 0) end
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

-- A rule's captures for criterion C, or nil and, when its wording fits but
-- a value does not, the refusal.  A wording's captures are one args table.
local function match(rule, c)
  if rule.group and not (c.group and c.group:match(rule.group)) then return nil end
  if rule.wording then
    local args, refusal = wording.match(rule.wording, c.text, ix.config())
    if not args then return nil, refusal end
    return table.pack(args)
  end
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
  local w = type(rule.wording) == "table" and rule.wording[1] or rule.wording
  return h.name .. ": " .. (rule.description or w or rule.pattern or "rule")
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

-- MODE "run" achieves the criterion; "check" only observes whether a
-- checked criterion still holds, through the rule's check function (or its
-- run, for read-only handlers such as verify).
function M.dispatch(c, mode)
  local kind, why = classify.kind(c.text)
  if kind == "negation" then
    if mode == "check" then return { unverifiable = true, reason = "needs a person: " .. why } end
    return { done = false, reason = "needs a person: " .. why }
  end
  if mode ~= "check" then
    local why = blocked(c)
    if why then return { blocked = true, reason = why } end
  end
  local refused -- the first rule whose wording fits but refused a value
  for _, h in ipairs(handlers) do
    for _, rule in ipairs(h.rules) do
      local ok, caps, refusal = pcall(match, rule, c)
      if not ok then
        return { rule = describe(h, rule), done = false, reason = reason_of(caps, h, rule) }
      end
      if not caps and refusal and not refused then
        refused = { rule = describe(h, rule), done = false, reason = refusal }
      end
      if caps then
        local fn = rule.run
        if mode == "check" then
          fn = rule.check or (h.readonly and rule.run)
          if not fn then
            return { rule = describe(h, rule), unverifiable = true,
                     reason = "the rule has no check: it can only be redone" }
          end
        end
        local ran, done, reason = pcall(fn, c, table.unpack(caps, 1, caps.n))
        if not ran then
          return { rule = describe(h, rule), done = false, reason = reason_of(done, h, rule) }
        end
        return { rule = describe(h, rule), done = done and true or false, reason = reason }
      end
    end
  end
  if refused and mode == "check" then return { rule = refused.rule, unverifiable = true, reason = refused.reason } end
  if mode == "check" then return { unverifiable = true, reason = "no rule matches" } end
  return refused or { done = false, reason = "needs a person: no rule matches" }
end

-- ---- handler tooling: `infraexec handlers` and `handlers check` ----

-- Every handler file on the path, by name; the first one found wins and
-- the later ones are overridden.
local function handler_files(dirs)
  local files, order = {}, {}
  for _, dir in ipairs(dirs) do
    for _, name in ipairs(ix.list_dir(dir) or {}) do
      local base = name:match("^(.+)%.lua$")
      if base then
        if not files[base] then
          files[base] = { path = dir .. "/" .. name, overrides = {} }
          order[#order + 1] = base
        else
          local f = files[base]
          f.overrides[#f.overrides + 1] = dir .. "/" .. name
        end
      end
    end
  end
  table.sort(order)
  return files, order
end

local function rule_summary(rule)
  return { wording = type(rule.wording) == "string" and { rule.wording } or rule.wording,
           pattern = rule.pattern, match = rule.match and "function" or nil,
           group = rule.group, description = rule.description,
           examples = rule.examples or {}, check = rule.check and true or false }
end

function M.inventory(dirs)
  local files, order = handler_files(dirs)
  local ok, types = pcall(load_handler, dirs, "types")
  local labels_of = {}
  if ok then
    for label, names in pairs(types.labels or {}) do
      for _, name in ipairs(type(names) == "table" and names or { names }) do
        labels_of[name] = labels_of[name] or {}
        table.insert(labels_of[name], label)
      end
    end
    for _, name in ipairs(types.always or {}) do
      labels_of[name] = labels_of[name] or {}
      table.insert(labels_of[name], "(every task)")
    end
  end
  local list = {}
  for _, name in ipairs(order) do
    local f = files[name]
    local entry = { name = name, path = f.path, overrides = f.overrides,
                    labels = labels_of[name] or {}, rules = {} }
    table.sort(entry.labels)
    local loaded, h = pcall(load_handler, { f.path:match("^(.*)/[^/]+$") }, name)
    if loaded then
      entry.description = h.description
      for _, rule in ipairs(h.rules) do entry.rules[#entry.rules + 1] = rule_summary(rule) end
    else
      entry.error = tostring(h)
    end
    list[#list + 1] = entry
  end
  return { path = dirs, handlers = list }
end

-- A criterion as a rule sees it, made from an example text.
local function example_criterion(text)
  local code = {}
  for span in text:gmatch("`([^`]+)`") do code[#code + 1] = span end
  return { index = 0, line = 0, text = text, checked = false, code = code }
end

-- Problems with every handler file on the path (overridden ones too: they
-- are what a colleague may copy): load errors, malformed rules, examples
-- their rule does not match or an earlier rule of the handler takes first.
function M.check(dirs)
  local files, order = handler_files(dirs)
  local problems, checked = {}, 0
  for _, name in ipairs(order) do
    local paths = { files[name].path }
    for _, p in ipairs(files[name].overrides) do paths[#paths + 1] = p end
    for _, path in ipairs(paths) do
      checked = checked + 1
      local loaded, h = pcall(load_handler, { path:match("^(.*)/[^/]+$") }, name)
      if not loaded then
        problems[#problems + 1] = tostring(h)
      else
        for i, rule in ipairs(h.rules) do
          for _, ex in ipairs(rule.examples or {}) do
            local c = example_criterion(ex)
            local taken
            for j, other in ipairs(h.rules) do
              local ok, caps, refusal = pcall(match, other, c)
              if not ok then
                problems[#problems + 1] = ("%s: rule %d: matching %q failed: %s"):format(path, j, ex, tostring(caps))
                taken = -1
                break
              end
              -- A refusal is a match in shape: the config here may not be the run's.
              if caps or refusal then taken = j; break end
            end
            if taken == nil then
              problems[#problems + 1] = ("%s: rule %d (%s): its example %q is not matched by it"):format(
                path, i, rule.description or rule.pattern or "", ex)
            elseif taken ~= i and taken > 0 then
              problems[#problems + 1] = ("%s: rule %d (%s): its example %q is taken first by rule %d (%s)"):format(
                path, i, rule.description or rule.pattern or "", ex, taken,
                h.rules[taken].description or h.rules[taken].pattern or "")
            end
          end
        end
      end
    end
  end
  return { files = checked, problems = problems }
end

return M
