-- engine.lua - which rule takes a criterion, and what came of it.
--
-- The C core calls load() once per run and dispatch() for each unchecked
-- criterion.  Every handler on the search path is a candidate (its NAME.lua
-- files merged into one, infraexec.core.handlers): a task's
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
local lazy = require "infraexec.core.lazy"
local classify = lazy "infraexec.lib.classify" -- a run with no criterion to dispatch never compiles it
local outcomes = require "infraexec.core.outcomes"
local wording = require "infraexec.lib.wording"
local H = require "infraexec.core.handlers"
-- The installed modules' infraexec.yaml sections: declared before the
-- config is validated, though the modules reading them load lazily.
require "infraexec.sections"

local M = {}
local handlers = {} -- this task's handlers, in the order they are tried

-- Handler files merge by name along the path (infraexec.core.handlers).
M.types = H.types

function M.load(dirs)
  local types = M.types(dirs)
  local files, order = H.files(dirs)
  local seen = { types = true }
  local function use(name)
    if not seen[name] then
      seen[name] = true
      local mark = lazy.count()
      -- The paths H.files found, not looked up again (H.load: a name a
      -- label gives that no file has raises "not found").
      local found = files[name]
      local h = found and H.merge(found.paths, name) or H.load(dirs, name)
      h.lazy = { mark, lazy.count() } -- the modules its files name lazily (its rules modules: lazy.fns)
      handlers[#handlers + 1] = h
    end
  end
  for _, label in ipairs(ix.task().labels) do
    for _, name in ipairs(types.labels[label] or {}) do use(name) end
  end
  local always = {}
  for _, name in ipairs(types.always) do always[name] = true end
  for _, name in ipairs(order) do
    if not always[name] then use(name) end
  end
  for _, name in ipairs(types.always) do use(name) end
end

-- A rule's captures for criterion C, or nil and, when its wording fits but
-- a value does not, the refusal (and, third, a note's that adds a claim).
-- A wording's captures are one args table.
-- CFG is ix.config(), fetched once by a caller trying many rules.
local function match(rule, c, cfg)
  if rule.group and not (c.group and c.group:match(rule.group)) then return nil end
  if rule.wording then
    local args, refusal, added = wording.match(rule.wording, c.text, cfg or ix.config())
    if not args then return nil, refusal, added end
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

-- "NAME: what the rule says"; when NAME.lua merges several files, the
-- rule's own file too, so a report shows whose rule took the criterion.
local function describe(h, rule)
  local w = type(rule.wording) == "table" and rule.wording[1] or rule.wording
  local from = #h.files > 1 and (" (" .. h.from[rule] .. ")") or ""
  return h.name .. ": " .. (rule.description or w or rule.pattern or "rule") .. from
end

-- Errors become the criterion's reason.  ix.error_text, the message
-- handler, has already made any error object a bounded string with the
-- raiser's file:line, without calling an unprotected __tostring; memory
-- errors skip message handlers and carry no position, so say which rule ran.
local function reason_of(err, rule)
  if err == "not enough memory" then
    return "handler exceeded the Lua memory limit in the rule at " .. ix.where(lazy.target(rule.run))
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
  local low = c.text:lower()
  -- Every marker spells "blocked" or "hold": without them, none fits.
  if not (low:find("blocked", 1, true) or low:find("hold", 1, true)) then return nil end
  local s, e = c.text:find("%f[%w_]BLOCKED%f[^%w_]")
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
-- whose wording fits but refused a value.  A wording refusing a note that
-- adds a claim beats a rule with no wording (the generic one would run the
-- note's command and tick what the wording's rule never did).  A rule
-- whose wording cannot fit the text (wording.may) is not asked: it would
-- match nothing, refuse nothing and note nothing.  A handler's index is
-- made again when its rules no longer hold the wordings it read.
local function choose(c)
  local best, refused, noted
  local cfg = ix.config()
  for _, h in ipairs(handlers) do
    local rules = h.rules
    if not (h.index and wording.indexes(h.index, rules)) then h.index = wording.index(rules) end
    local ask = wording.may(h.index, c.text)
    for j = 1, #ask do
      local rule = rules[ask[j]]
      local ok, caps, refusal, added = xpcall(match, ix.error_text, rule, c, cfg)
      if not ok then return { h = h, rule = rule, err = caps } end
      if caps then
        local s = tonumber(wording.specificity(rule, c.text, cfg)) or 0
        if not best or s > best.s then best = { h = h, rule = rule, caps = caps, s = s } end
      elseif refusal and not refused then
        refused = { h = h, rule = rule, refusal = tostring(refusal) }
      end
      if added and not noted then noted = { h = h, rule = rule, refusal = tostring(added) } end
    end
  end
  if noted and not (best and best.rule.wording) then return noted end
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
-- run, for read-only handlers such as verify).  A check that cannot be made
-- is `person` when no machine decides the box (no rule, a refusal, a
-- negation): an author's [x] is not a person's word, so verify must not
-- pass it; a rule without a check (an action infraexec itself would redo)
-- is only unverifiable.
function M.dispatch(c, mode)
  if mode ~= "check" then -- first: "(blocked: waiting for approval)" is a marker, not a condition
    local why = blocked(c)
    if why then return { blocked = true, reason = why } end
  end
  local classified, why = classify.kind(c.text)
  if classified == "negation" then -- "Make sure nobody runs ...": never run
    if mode == "check" then return { unverifiable = true, person = true, kind = classified, reason = "needs a person: " .. why } end
    return { done = false, kind = classified, reason = "needs a person: " .. why }
  end
  local pick = choose(c)
  if not pick then
    if mode == "check" then return { unverifiable = true, person = true, reason = "needs a person: no rule matches" } end
    return { done = false, reason = "needs a person: no rule matches" }
  end
  local h, rule = pick.h, pick.rule
  local name = describe(h, rule)
  if pick.err then return { rule = name, done = false, reason = reason_of(pick.err, rule) } end
  if pick.refusal then
    if mode == "check" then return { rule = name, unverifiable = true, person = true, reason = pick.refusal } end
    return { rule = name, done = false, reason = pick.refusal }
  end
  local kind = kind_of(rule, classified)
  c.kind = kind
  local fn = rule.run
  if mode == "check" then
    fn = rule.check or (h.readonly[rule] and rule.run)
    if not fn then
      return { rule = name, kind = kind, unverifiable = true,
               reason = "the rule has no check: it can only be redone" }
    end
  end
  -- A real run loads what the rule's handler names lazily before the rule
  -- acts: a broken module stops it before it changes anything.
  local broken = mode ~= "check" and not ix.dry_run() and lazy.force(h.lazy[1], h.lazy[2])
  if broken then return { rule = name, kind = kind, done = false, reason = broken } end
  local ran, done, message, evidence = xpcall(fn, ix.error_text, c, table.unpack(pick.caps, 1, pick.caps.n))
  if not ran then return { rule = name, kind = kind, done = false, reason = reason_of(done, rule) } end
  local r = M.judge(done, message, evidence)
  r.rule, r.kind = name, kind
  if mode ~= "check" then outcomes.record(c, r) end
  return r
end

-- ---- handler tooling: `infraexec handlers` and `handlers check` ----

local function rule_summary(h, rule)
  local observe = type(rule.observe) == "string" and { rule.observe } or rule.observe
  return { wording = type(rule.wording) == "string" and { rule.wording } or rule.wording,
           pattern = rule.pattern, match = rule.match and "function" or nil, group = rule.group, description = rule.description,
           name = H.rule_name(rule), from = h.from[rule], where = h.where[rule],
           kind = rule.kind, observe = type(observe) == "table" and observe or {},
           examples = rule.examples or {}, check = rule.check and true or false }
end

function M.inventory(dirs)
  local files, order = H.files(dirs)
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
    local paths = files[name].paths
    local entry = { name = name, path = paths[1], merges = table.move(paths, 2, #paths, 1, {}),
                    labels = labels_of[name] or {}, rules = {} }
    table.sort(entry.labels)
    local mark = lazy.count()
    local loaded, h = xpcall(H.merge, ix.error_text, paths, name)
    if loaded then h = lazy.force(mark) or h; loaded = type(h) == "table" end
    if loaded then
      entry.description = h.description
      for _, rule in ipairs(h.rules) do entry.rules[#entry.rules + 1] = rule_summary(h, rule) end
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

-- Problems with every handler on the path, its files merged as a run
-- merges them: load errors, two files giving one rule name, an override
-- naming no rule, malformed rules, rules without an observer, examples
-- their rule does not match or an earlier rule (in the merged order) takes
-- first, and rules of different files claiming one example
-- (check_ambiguous).  Each problem names the rule's own file.
function M.check(dirs)
  local files, order = H.files(dirs)
  local problems, checked, merged = {}, 0, {}
  local function label(h, rule)
    return ("%s (%s)"):format(h.where[rule], rule.description or rule.pattern or "")
  end
  for _, name in ipairs(order) do
    local paths = files[name].paths
    checked = checked + #paths
    local mark = lazy.count()
    local loaded, h = xpcall(H.merge, ix.error_text, paths, name)
    -- What its rules load lazily must load too: a broken module is found here, not in a run.
    if loaded then h = lazy.force(mark) or h; loaded = type(h) == "table" end
    if not loaded then
      problems[#problems + 1] = h
    else
      merged[#merged + 1] = h
      for i, rule in ipairs(h.rules) do
        local why = M.observer_problem(rule)
        if why then problems[#problems + 1] = ("%s: %s"):format(label(h, rule), why) end
        for _, ex in ipairs(rule.examples or {}) do
          local c = example_criterion(ex)
          local taken
          for j, other in ipairs(h.rules) do
            local ok, caps, refusal = xpcall(match, ix.error_text, other, c)
            if not ok then
              problems[#problems + 1] = ("%s: matching %q failed: %s"):format(h.where[other], ex, caps)
              taken = -1
              break
            end
            -- A refusal is a match in shape: the config here may not be the run's.
            if caps or refusal then taken = j; break end
          end
          if taken == nil then
            problems[#problems + 1] = ("%s: its example %q is not matched by it"):format(label(h, rule), ex)
          elseif taken ~= i and taken > 0 then
            problems[#problems + 1] = ("%s: its example %q is taken first by %s"):format(
              label(h, rule), ex, label(h, h.rules[taken]))
          end
        end
      end
    end
  end
  M.check_ambiguous(merged, problems)
  return { files = checked, problems = problems }
end

-- Pairs of rules from different files that claim one criterion equally:
-- every rule is a candidate and the most specific wins, so an example
-- matched as specifically by another file's rule is decided only by
-- handler order, and one matched more specifically never reaches its rule.
function M.check_ambiguous(merged, problems)
  local rules = {}
  for _, h in ipairs(merged) do
    for _, rule in ipairs(h.rules) do rules[#rules + 1] = { path = h.from[rule], where = h.where[rule], rule = rule } end
  end
  local function spec(r, c)
    local ok, caps = xpcall(match, ix.error_text, r.rule, c)
    if not ok or not caps then return nil end
    return tonumber(wording.specificity(r.rule, c.text, ix.config())) or 0
  end
  local function label(r)
    local w = r.rule.wording
    return ("%s (%s)"):format(r.where, r.rule.description or r.rule.pattern
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
