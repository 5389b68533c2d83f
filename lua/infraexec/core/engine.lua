-- engine.lua - which rule takes a criterion, and what came of it.
--
-- The C core calls load() once per run and dispatch() for each unchecked
-- criterion.  Every handler on the search path is a candidate: a task's
-- labels only order them (its own handlers first, through
-- handlers/types.lua), then the other handlers by name, then the `always`
-- ones (verify, generic).  Of the rules that match a criterion the most
-- specific wins (infraexec.lib.wording's specificity, when installed), else the
-- first in that order.
--
-- A rule's run returns done, message, evidence.  The criterion is done only
-- when done is true AND the evidence holds at least one observation AND
-- every observation is ok (infraexec.core.evidence): a rule that says "done"
-- without looking never ticks a box.
local ix = require "infraexec"
require "infraexec.core.moved"
local ev = require "infraexec.core.evidence"
require "infraexec.core.strict"
local classify = require "infraexec.lib.classify"
local outcomes = require "infraexec.core.outcomes"
local wording = require "infraexec.lib.wording"

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
  if rule.description ~= nil and type(rule.description) ~= "string" then
    error(where .. ": description must be a string", 0)
  end
  if rule.kind ~= nil and rule.kind ~= "action" and rule.kind ~= "assertion" then
    error(where .. ": kind must be \"action\" or \"assertion\"", 0)
  end
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

local handler_files -- below, shared with the tooling

-- A list of handler names, or nil.
local function names(v)
  if type(v) == "string" then return { v } end
  if type(v) ~= "table" then return nil end
  for k, name in pairs(v) do
    if math.type(k) ~= "integer" or type(name) ~= "string" then return nil end
  end
  return v
end

-- Every types.lua on the path, merged: the nearer file (earlier on the path)
-- adds labels and overrides a label's handlers (`false` removes the label),
-- adds names to `always` (after the farther files' names), and takes names
-- out of it with `not_always`.  So a workspace file adding one label keeps
-- the installed `always` list (verify, generic).  No file naming `always`
-- means { "generic" }.
function M.types(dirs)
  local found = {}
  for _, dir in ipairs(dirs) do
    if ix.exists(dir .. "/types.lua") == "file" then found[#found + 1] = dir end
  end
  if #found == 0 then load_handler(dirs, "types") end -- raises "not found", naming the path
  local labels, always, any_always = {}, {}, false
  for i = #found, 1, -1 do
    local t = load_handler({ found[i] }, "types")
    local function list(key)
      local v = t[key] == nil and {} or names(t[key])
      if type(t[key]) == "string" or not v then error(t.path .. ": " .. key .. " must be a list of handler names", 0) end
      return v
    end
    if t.labels ~= nil and type(t.labels) ~= "table" then error(t.path .. ": labels must be a table", 0) end
    for label, v in pairs(t.labels or {}) do
      if v ~= false and not names(v) then
        error(t.path .. ": labels." .. tostring(label) .. " must be a handler name, a list of them, or false", 0)
      end
      labels[label] = names(v)
    end
    local drop = {}
    for _, name in ipairs(list("not_always")) do drop[name] = true end
    local kept = {}
    for _, name in ipairs(always) do
      if not drop[name] then kept[#kept + 1] = name end
    end
    always = kept
    for _, name in ipairs(list("always")) do
      local has = false
      for _, n in ipairs(always) do has = has or n == name end
      if not has then always[#always + 1] = name end
    end
    any_always = any_always or t.always ~= nil
  end
  if not any_always then always = { "generic" } end
  return { labels = labels, always = always }
end

function M.load(dirs)
  local types = M.types(dirs)
  local seen = { types = true }
  local function use(name)
    if not seen[name] then
      seen[name] = true
      handlers[#handlers + 1] = load_handler(dirs, name)
    end
  end
  for _, label in ipairs(ix.task().labels) do
    for _, name in ipairs(types.labels[label] or {}) do use(name) end
  end
  local always = {}
  for _, name in ipairs(types.always) do always[name] = true end
  local _, order = handler_files(dirs)
  for _, name in ipairs(order) do
    if not always[name] then use(name) end
  end
  for _, name in ipairs(types.always) do use(name) end
end

-- A rule's captures for criterion C, or nil and, when its wording fits but
-- a value does not, the refusal.  A wording's captures are one args table.
-- CFG is ix.config(), fetched once by a caller trying many rules.
local function match(rule, c, cfg)
  if rule.group and not (c.group and c.group:match(rule.group)) then return nil end
  if rule.wording then
    local args, refusal = wording.match(rule.wording, c.text, cfg or ix.config())
    if not args then return nil, refusal end
    return table.pack(args)
  end
  local caps
  if rule.match then
    caps = table.pack(rule.match(c, ix.task()))
  else
    caps = table.pack(c.text:match(rule.pattern))
  end
  if caps[1] == nil then return nil end
  return caps
end

local function describe(h, rule)
  local w = type(rule.wording) == "table" and rule.wording[1] or rule.wording
  return h.name .. ": " .. (rule.description or w or rule.pattern or "rule")
end

-- Errors become the criterion's reason.  ix.error_text, the message
-- handler, has already made any error object a bounded string with the
-- raiser's file:line, without calling an unprotected __tostring; memory
-- errors skip message handlers and carry no position, so say which rule ran.
local function reason_of(err, rule)
  if err == "not enough memory" then
    return "handler exceeded the Lua memory limit in the rule at " .. ix.where(rule.run)
  end
  return err
end

-- Criteria the task file marks blocked or on hold are reported, not run.
-- A marker is BLOCKED in capitals, or "blocked" in any case shaped as one
-- ("(blocked: ...)", "blocked: ...", "— blocked"); "on hold" anywhere.  A
-- word like blocked_by is no marker.
local BLOCK_MARKS = {
  "%f[%w_]blocked%s*:", "%(%s*blocked%f[^%w_]", "%s%-+%s*blocked%f[^%w_]",
  "—%s*blocked%f[^%w_]", "–%s*blocked%f[^%w_]", "%f[%w_]on%s+hold%f[^%w_]",
}

local function blocked(c)
  local s, e = c.text:find("%f[%w_]BLOCKED%f[^%w_]")
  local low = c.text:lower()
  for _, p in ipairs(BLOCK_MARKS) do
    if s then break end
    s, e = low:find(p)
  end
  if not s then return nil end
  local why = c.text:sub(e + 1):match("^[%s:%-]*(.-)%)?%s*$")
  if low:sub(s, e):find("hold", 1, true) then why = ("on hold " .. why):gsub("%s+$", "") end
  return "Blocked: " .. ((why and why ~= "") and why or c.text)
end

-- The rule that takes C: every match is a candidate, the most specific
-- wins (ties: the first in handler order); without a match, the first rule
-- whose wording fits but refused a value.
local function choose(c)
  local best, refused
  local cfg = ix.config()
  for _, h in ipairs(handlers) do
    for _, rule in ipairs(h.rules) do
      local ok, caps, refusal = xpcall(match, ix.error_text, rule, c, cfg)
      if not ok then return { h = h, rule = rule, err = caps } end
      if caps then
        local s = tonumber(wording.specificity(rule, c.text, cfg)) or 0
        if not best or s > best.s then best = { h = h, rule = rule, caps = caps, s = s } end
      elseif refusal and not refused then
        refused = { h = h, rule = rule, refusal = tostring(refusal) }
      end
    end
  end
  return best or refused
end

-- The criterion's kind: the rule's own, else the classifier's (CLASSIFIED),
-- else action.
local function kind_of(rule, classified)
  if rule.kind then return rule.kind end
  if classified == "action" or classified == "assertion" then return classified end
  return "action"
end

-- What a rule's three results come to: { done, reason, evidence }.  In a
-- dry run an observation marked after_action (it needs the action first)
-- lets the criterion count as one that would complete; it never ticks.
function M.judge(done, message, evidence)
  local list, lerr = ev.list(evidence)
  local bad = lerr or (list and ev.malformed(list))
  if bad then return { done = false, reason = "the rule returned malformed evidence: " .. bad, evidence = {} } end
  for _, o in ipairs(list) do -- one line each: they go beside a tick
    for _, k in ipairs{ "looked_at", "expected", "seen" } do o[k] = o[k]:gsub("%s*[\r\n]+%s*", " ") end
  end
  -- Only a string is a message: tostring could run a handler's __tostring.
  local note = type(message) == "string" and message or nil
  if done ~= true then
    local f = ev.first_failure(list)
    return { done = false, evidence = list,
             reason = note or (f and ev.describe(f)) or "the rule did not complete it" }
  end
  if #list == 0 then
    return { done = false, evidence = list,
             reason = "the rule observed nothing" .. (note and (" (it said: " .. note .. ")") or "") }
  end
  local f = ev.first_failure(list)
  if f then return { done = false, evidence = list, reason = ev.describe(f) } end
  for _, o in ipairs(list) do
    if o.after_action and not ix.dry_run() then
      return { done = false, evidence = list, reason = o.looked_at .. " was not observed" }
    end
  end
  return { done = true, evidence = list, reason = note }
end

-- MODE "run" achieves the criterion; "check" only observes whether a
-- checked criterion still holds, through the rule's check function (or its
-- run, for read-only handlers such as verify).
function M.dispatch(c, mode)
  if mode ~= "check" then -- first: "(blocked: waiting for approval)" is a marker, not a condition
    local why = blocked(c)
    if why then return { blocked = true, reason = why } end
  end
  local classified, why = classify.kind(c.text)
  if classified == "negation" then -- "Make sure nobody runs ...": never run
    if mode == "check" then return { unverifiable = true, kind = classified, reason = "needs a person: " .. why } end
    return { done = false, kind = classified, reason = "needs a person: " .. why }
  end
  local pick = choose(c)
  if not pick then
    if mode == "check" then return { unverifiable = true, reason = "no rule matches" } end
    return { done = false, reason = "needs a person: no rule matches" }
  end
  local h, rule = pick.h, pick.rule
  local name = describe(h, rule)
  if pick.err then return { rule = name, done = false, reason = reason_of(pick.err, rule) } end
  if pick.refusal then
    if mode == "check" then return { rule = name, unverifiable = true, reason = pick.refusal } end
    return { rule = name, done = false, reason = pick.refusal }
  end
  local kind = kind_of(rule, classified)
  c.kind = kind
  local fn = rule.run
  if mode == "check" then
    fn = rule.check or (h.readonly and rule.run)
    if not fn then
      return { rule = name, kind = kind, unverifiable = true,
               reason = "the rule has no check: it can only be redone" }
    end
  end
  local ran, done, message, evidence = xpcall(fn, ix.error_text, c, table.unpack(pick.caps, 1, pick.caps.n))
  if not ran then return { rule = name, kind = kind, done = false, reason = reason_of(done, rule) } end
  local r = M.judge(done, message, evidence)
  r.rule, r.kind = name, kind
  if mode ~= "check" then outcomes.record(c, r) end
  return r
end

-- ---- handler tooling: `infraexec handlers` and `handlers check` ----

-- Every handler file on the path, by name; the first one found wins and
-- the later ones are overridden.
function handler_files(dirs)
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
  local observe = type(rule.observe) == "string" and { rule.observe } or rule.observe
  return { wording = type(rule.wording) == "string" and { rule.wording } or rule.wording,
           pattern = rule.pattern, match = rule.match and "function" or nil, group = rule.group, description = rule.description,
           kind = rule.kind, observe = type(observe) == "table" and observe or {},
           examples = rule.examples or {}, check = rule.check and true or false }
end

function M.inventory(dirs)
  local files, order = handler_files(dirs)
  local ok, types = xpcall(M.types, ix.error_text, dirs)
  local labels_of = {}
  if ok then
    for label, names in pairs(types.labels) do
      for _, name in ipairs(names) do
        labels_of[name] = labels_of[name] or {}
        table.insert(labels_of[name], label)
      end
    end
    for _, name in ipairs(types.always) do
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
    local loaded, h = xpcall(load_handler, ix.error_text, { f.path:match("^(.*)/[^/]+$") }, name)
    if loaded then
      entry.description = h.description
      for _, rule in ipairs(h.rules) do entry.rules[#entry.rules + 1] = rule_summary(rule) end
    else
      entry.error = h
    end
    list[#list + 1] = entry
  end
  return { path = dirs, handlers = list }
end

-- Why RULE could tick without an observer, or nil.  A rule names the
-- observers its evidence comes from, `observe = "module.fn"` (or a list),
-- each a function of lua/infraexec/observe/MODULE.lua: the declaration is
-- checked here, without running anything.
function M.observer_problem(rule)
  local names = rule.observe
  if names == nil then
    return "can tick without an observer: declare observe = \"module.fn\" (lua/infraexec/observe/)"
  end
  if type(names) == "string" then names = { names } end
  if type(names) ~= "table" or #names == 0 then return "observe must name \"module.fn\" or a list of them" end
  for _, name in ipairs(names) do
    local mod, fn = tostring(name):match("^([%w_]+)%.([%w_]+)$")
    if not mod then return ("observe %q is not \"module.fn\""):format(tostring(name)) end
    local ok, m = pcall(require, "infraexec.observe." .. mod)
    if not ok or type(m) ~= "table" then
      return ("observe %q: no module infraexec.observe.%s"):format(name, mod)
    end
    if type(m[fn]) ~= "function" then
      return ("observe %q: infraexec.observe.%s has no function %s"):format(name, mod, fn)
    end
  end
  return nil
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
      local loaded, h = xpcall(load_handler, ix.error_text, { path:match("^(.*)/[^/]+$") }, name)
      if not loaded then
        problems[#problems + 1] = h
      else
        for i, rule in ipairs(h.rules) do
          local why = M.observer_problem(rule)
          if why then
            problems[#problems + 1] = ("%s: rule %d (%s): %s"):format(
              path, i, rule.description or rule.pattern or "", why)
          end
          for _, ex in ipairs(rule.examples or {}) do
            local c = example_criterion(ex)
            local taken
            for j, other in ipairs(h.rules) do
              local ok, caps, refusal = xpcall(match, ix.error_text, other, c)
              if not ok then
                problems[#problems + 1] = ("%s: rule %d: matching %q failed: %s"):format(path, j, ex, caps)
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
  M.check_ambiguous(files, order, problems)
  return { files = checked, problems = problems }
end

-- Pairs of rules in different handlers that claim one criterion equally:
-- every rule is a candidate and the most specific wins, so an example
-- matched as specifically by another handler's rule is decided only by
-- handler order, and one matched more specifically never reaches its rule.
function M.check_ambiguous(files, order, problems)
  local rules = {}
  for _, name in ipairs(order) do
    local path = files[name].path
    local loaded, h = xpcall(load_handler, ix.error_text, { path:match("^(.*)/[^/]+$") }, name)
    if loaded then
      for i, rule in ipairs(h.rules) do rules[#rules + 1] = { path = path, i = i, rule = rule } end
    end
  end
  local function spec(r, c)
    local ok, caps = xpcall(match, ix.error_text, r.rule, c)
    if not ok or not caps then return nil end
    return tonumber(wording.specificity(r.rule, c.text, ix.config())) or 0
  end
  local function label(r)
    local w = r.rule.wording
    return ("%s: rule %d (%s)"):format(r.path, r.i, r.rule.description or r.rule.pattern
                                         or (type(w) == "table" and w[1] or w) or "")
  end
  for _, r in ipairs(rules) do
    for _, ex in ipairs(r.rule.examples or {}) do
      local c = example_criterion(ex)
      local own = spec(r, c)
      for _, other in ipairs(own and rules or {}) do
        local s = other.path ~= r.path and spec(other, c)
        if s and s == own then
          problems[#problems + 1] = ("%s: its example %q is matched as specifically by %s: ambiguous (handler order decides)"):format(
            label(r), ex, label(other))
        elseif s and s > own then
          problems[#problems + 1] = ("%s: its example %q is taken by the more specific %s"):format(
            label(r), ex, label(other))
        end
      end
    end
  end
end

return M
