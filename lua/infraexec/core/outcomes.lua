-- outcomes.lua - what this run's rules observed, criterion by criterion,
-- in the order they ran: the facts a rule may pass on ("Update TASK-002
-- with triager build status").  The engine records every rule it ran; one
-- Lua state serves one run, so nothing here outlives it.
local M = {}
local list = {}

-- C: the criterion; R: the engine's judgement {done, reason, evidence}.
function M.record(c, r)
  list[#list + 1] = { index = c.index, text = c.text, done = r.done == true,
                      reason = r.reason, evidence = r.evidence or {} }
end

-- Every outcome so far, in order (do not change them).
function M.all() return list end

return M
