-- observe/jobs.lua - batch/v1 Jobs (database migrations, Helm pre-install
-- hooks) selected by label: finished (condition Complete=True), or what
-- keeps them from it, quoting the Failed condition's reason and message.
local ev = require "infraexec.evidence"
local kube = require "infraexec.observe.kube"

local M = {}

local function text(v) return type(v) == "string" and v ~= "" and v or nil end

-- V when it is a table (JSON null is ix.null, a userdata), else {}.
local function tbl(v) return type(v) == "table" and v or {} end

local function condition(o, type_)
  for _, c in ipairs(tbl(tbl(o.status).conditions)) do
    if type(c) == "table" and c.type == type_ and c.status == "True" then return c end
  end
  return nil
end

-- JOB's state: "complete", "failed" or "running", and a description.
function M.state(job)
  local st = tbl(job.status)
  local failed_pods = tonumber(st.failed) or 0
  local c = condition(job, "Complete")
  if c then return "complete", "Complete" end
  c = condition(job, "Failed")
  if c then
    local why = table.concat({ text(c.reason), text(c.message) }, ": ")
    return "failed", "Failed" .. (why ~= "" and (" (" .. why .. ")") or "")
  end
  local parts = { ("%d active"):format(tonumber(st.active) or 0) }
  if failed_pods > 0 then parts[#parts + 1] = ("%d failed pods, retrying"):format(failed_pods) end
  return failed_pods > 0 and "failed" or "running", "not finished (" .. table.concat(parts, ", ") .. ")"
end

-- The Jobs SELECTOR selects in NAMESPACE, with the looked-at text; or nil,
-- why and the looked-at text.
local function read(a)
  local what = ("Jobs -l %s in %s"):format(a.selector, a.namespace)
  local items, err, cmd = kube.list{ kind = "jobs", namespace = a.namespace, selector = a.selector }
  local where = what .. " (`" .. cmd .. "`)"
  if not items then return nil, err, where end
  return items, nil, where
end

-- complete{namespace, selector}: at least one Job, each Complete=True.
function M.complete(a)
  local expected = "at least one Job, each Complete=True"
  local p = ev.pending(("Jobs -l %s in %s"):format(a.selector, a.namespace), expected)
  if p then return { p } end
  local items, err, where = read(a)
  if not items then return { ev.observation(false, where, expected, err) } end
  local good, bad = {}, {}
  for _, j in ipairs(items) do
    local state, desc = M.state(j)
    local n = tostring(tbl(j.metadata).name or "?")
    if state == "complete" then good[#good + 1] = n else bad[#bad + 1] = n .. ": " .. desc end
  end
  local seen = #items == 0 and "no Job (a hook Job deleted after it ran leaves none to see)"
    or #bad > 0 and table.concat(bad, "; ") or ("%d Complete: %s"):format(#good, table.concat(good, ", "))
  return { ev.observation(#items > 0 and #bad == 0, where, expected, seen) }
end

-- failing{namespace, selector}: the answer to "are they failing?" --
-- which Jobs are failing and which are not; holds when there was at least
-- one Job to answer from (none selected answers nothing).
function M.failing(a)
  local expected = "at least one Job read, to say whether any is failing"
  local p = ev.pending(("Jobs -l %s in %s"):format(a.selector, a.namespace), expected)
  if p then return { p } end
  local items, err, where = read(a)
  if not items then return { ev.observation(false, where, expected, err) } end
  local failing, other = {}, {}
  for _, j in ipairs(items) do
    local state, desc = M.state(j)
    local n = tostring(tbl(j.metadata).name or "?")
    if state == "failed" then failing[#failing + 1] = n .. ": " .. desc else other[#other + 1] = n .. ": " .. desc end
  end
  local seen
  if #items == 0 then
    seen = "no Job (a hook Job deleted after it ran leaves none to see)"
  else
    seen = (#failing > 0 and ("failing: " .. table.concat(failing, "; ")) or "none failing")
      .. (#other > 0 and ("; not failing: " .. table.concat(other, "; ")) or "")
  end
  return { ev.observation(#items > 0, where, expected, seen) }
end

return M
