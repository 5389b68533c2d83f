-- evidence.lua - observations: what a rule looked at, what it expected and
-- what it saw.  The engine ticks a criterion only on a rule's evidence
-- (engine.lua); observers (lua/infraexec/observe/) build it with these
-- functions, actions (lua/infraexec/act/) say when they acted.
--
-- An observation is { ok = boolean, looked_at = string, expected = string,
-- seen = string }; after_action = true marks one that could not be made in a
-- dry run because it needs the action done first (it never ticks).
local ix = require "infraexec"

local M = {}
-- A dry run's action would have changed the world: from then on what is
-- observed describes the world before it (later criteria included, as the
-- real run does them in order), so observations wait for the action.
local acted = false

-- Actions call this before they change something.
function M.acted()
  if ix.dry_run() then acted = true end
end

-- The observation to return instead of looking, when looking now would
-- only see the world before a dry run's action; nil when it can be made.
function M.pending(looked_at, expected)
  if not acted then return nil end
  return { ok = false, after_action = true, looked_at = looked_at, expected = expected,
           seen = "after the action" }
end

-- An observation from its parts (ok is a boolean; the rest as text).
function M.observation(ok, looked_at, expected, seen)
  return { ok = ok == true, looked_at = tostring(looked_at), expected = tostring(expected),
           seen = tostring(seen) }
end

-- An observation whose ok is whether SEEN equals EXPECTED.
function M.equal(looked_at, expected, seen)
  return M.observation(seen == expected, looked_at, expected, seen == nil and "nothing" or seen)
end

-- EV (nil, one observation, or a list) as a list.
function M.list(ev)
  if ev == nil then return {} end
  if type(ev) ~= "table" then return nil, "evidence must be an observation or a list of them" end
  if ev.looked_at ~= nil or ev.ok ~= nil then return { ev } end
  return ev
end

-- Why the list is not acceptable as observations, or nil.
function M.malformed(list)
  for i, o in ipairs(list) do
    if type(o) ~= "table" then return ("observation %d is not a table"):format(i) end
    if type(o.ok) ~= "boolean" then return ("observation %d has no boolean ok"):format(i) end
    for _, k in ipairs{ "looked_at", "expected", "seen" } do
      if type(o[k]) ~= "string" then return ("observation %d has no %s (a string)"):format(i, k) end
    end
  end
  return nil
end

-- "LOOKED_AT: expected E, saw S" for an observation.
function M.describe(o)
  return ("%s: expected %s, saw %s"):format(o.looked_at, o.expected, o.seen)
end

-- The first observation that fails (not after_action), or nil.
function M.first_failure(list)
  for _, o in ipairs(list) do
    if not o.ok and not o.after_action then return o end
  end
  return nil
end

-- A rule's three results from its observations LIST: done when there is
-- at least one and each is ok (or, in a dry run, can only be made after the
-- action), the message NOTE or the first failure, and the list.
function M.verdict(list, note)
  local done = #list > 0
  for _, o in ipairs(list) do done = done and (o.ok or o.after_action == true) end
  local f = M.first_failure(list)
  return done, (not done and f) and M.describe(f) or note, list
end

-- LIST with the observations of MORE appended (MORE: one or a list).
function M.add(list, more)
  for _, o in ipairs(M.list(more) or {}) do list[#list + 1] = o end
  return list
end

return M
