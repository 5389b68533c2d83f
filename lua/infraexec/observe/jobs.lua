-- observe/jobs.lua - batch/v1 Jobs (database migrations, Helm pre-install
-- hooks) selected by label: finished (condition Complete=True), or what
-- keeps them from it, quoting the Failed condition's reason and message.
local ix = require "infraexec"
local ev = require "infraexec.core.evidence"
local kube = require "infraexec.observe.kube"
local stamp = require "infraexec.lib.stamp"

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

-- The images of JOB's containers (init containers too).
local function images(job)
  local spec = tbl(tbl(tbl(job.spec).template).spec)
  local out = {}
  for _, list in ipairs{ tbl(spec.initContainers), tbl(spec.containers) } do
    for _, c in ipairs(list) do
      if type(c) == "table" and text(c.image) then out[#out + 1] = c.image end
    end
  end
  return out
end

local function tag_of(image) return (image:gsub("@.*$", ""):match(":([^:/]+)$")) end

-- "ffl-migrate-0-1-11 (image reg/ffl:0.1.11, created 2h ago)".
local function described(job)
  local age = stamp.age(tbl(job.metadata).creationTimestamp)
  return ("%s (image %s, created %s)"):format(tostring(tbl(job.metadata).name or "?"),
    #images(job) > 0 and table.concat(images(job), ", ") or "none",
    age and (stamp.ago(age) .. " ago") or "at an unreadable time")
end

-- When the current release of A.releases ({namespace, name} of the app's
-- HelmReleases) was last attempted: the newest status.history[0].lastDeployed
-- (helm sets it when the upgrade starts, before its hooks run), as epoch
-- seconds and a description; or nil and why.
local function upgraded(a)
  if not a.releases or #a.releases == 0 then
    return nil, "the app has no HelmRelease in infraexec.yaml"
  end
  local newest, what
  for _, r in ipairs(a.releases) do
    local items, err = kube.list{ kind = kube.HELMRELEASES, namespace = r.namespace }
    if not items then return nil, err end
    local hr
    for _, o in ipairs(items) do
      if tbl(o.metadata).name == r.name then hr = o end
    end
    if not hr then return nil, ("no HelmRelease %s/%s in the cluster"):format(r.namespace, r.name) end
    local last = tbl(tbl(tbl(hr.status).history)[1])
    local t = stamp.epoch(last.lastDeployed)
    if not t then
      return nil, ("HelmRelease %s/%s gives no status.history[0].lastDeployed"):format(r.namespace, r.name)
    end
    if not newest or t > newest then
      newest = t
      what = ("HelmRelease %s/%s's last upgrade (%s %s, %s ago)"):format(r.namespace, r.name,
        tostring(last.chartVersion or "?"), tostring(last.status or "?"), stamp.ago(ix.epoch() - t))
    end
  end
  return newest, what
end

-- ITEMS split into the Jobs of the current release and the others
-- (described): with A.version (the version the task names for the app's
-- project), a Job is current when one of its images is tagged with it;
-- else when it was created no earlier than the HelmRelease's last upgrade.
-- Nil and why when neither can be told: an old release's Complete Job
-- must not stand for the new one (a hook-delete-policy removes the new
-- Job, or it is named differently).
local function current(items, a)
  local now, old = {}, {}
  if a.version then
    local want = a.version:gsub("^v", "")
    for _, j in ipairs(items) do
      local hit = false
      for _, image in ipairs(images(j)) do
        hit = hit or (tag_of(image) or ""):gsub("^v", "") == want
      end
      if hit then now[#now + 1] = j else old[#old + 1] = described(j) end
    end
    return now, old, ("of version %s (the version the task names)"):format(a.version)
  end
  local since, what = upgraded(a)
  if not since then
    return nil, ("needs a person: which release a Job belongs to cannot be told: the task names no version for "
      .. "the app and %s"):format(what)
  end
  for _, j in ipairs(items) do
    local t = stamp.epoch(tbl(j.metadata).creationTimestamp)
    if t and t >= since then now[#now + 1] = j else old[#old + 1] = described(j) end
  end
  return now, old, "created since " .. what
end

-- The Jobs SELECTOR selects in NAMESPACE and are of the current release,
-- those of other releases (described), what "current" meant, the
-- looked-at text; or nil, why and the looked-at text.
local function read(a)
  local what = ("Jobs -l %s in %s"):format(a.selector, a.namespace)
  local items, err, cmd = kube.list{ kind = "jobs", namespace = a.namespace, selector = a.selector }
  local where = what .. " (`" .. cmd .. "`)"
  if not items then return nil, err, where end
  local now, old, meant = current(items, a)
  if not now then return nil, old, where end
  return now, old, where, meant
end

-- " (not of the current release: JOB (image ..., created ...); ...)".
local function others(old)
  return #old > 0 and (" (not of the current release: " .. table.concat(old, "; ") .. ")") or ""
end

-- complete{namespace, selector, version | releases}: at least one Job of
-- the current release (above), each Complete=True.
function M.complete(a)
  local expected = "at least one Job of the current release, each Complete=True"
  local p = ev.pending(("Jobs -l %s in %s"):format(a.selector, a.namespace), expected)
  if p then return { p } end
  local items, old, where, meant = read(a)
  if not items then return { ev.observation(false, where, expected, old) } end
  expected = "at least one Job " .. meant .. ", each Complete=True"
  local good, bad = {}, {}
  for _, j in ipairs(items) do
    local state, desc = M.state(j)
    local n = tostring(tbl(j.metadata).name or "?")
    if state == "complete" then good[#good + 1] = n else bad[#bad + 1] = n .. ": " .. desc end
  end
  local seen = (#items == 0 and "no Job of the current release (a hook Job deleted after it ran leaves none to see)"
    or #bad > 0 and table.concat(bad, "; ") or ("%d Complete: %s"):format(#good, table.concat(good, ", ")))
    .. others(old)
  return { ev.observation(#items > 0 and #bad == 0, where, expected, seen) }
end

-- failing{namespace, selector, version | releases}: the answer to "are
-- they failing?" -- which Jobs of the current release are failing and
-- which are not; holds when there was at least one such Job to answer from
-- (none answers nothing; an old release's Jobs answer for the old one).
function M.failing(a)
  local expected = "at least one Job of the current release read, to say whether any is failing"
  local p = ev.pending(("Jobs -l %s in %s"):format(a.selector, a.namespace), expected)
  if p then return { p } end
  local items, old, where, meant = read(a)
  if not items then return { ev.observation(false, where, expected, old) } end
  expected = "at least one Job " .. meant .. " read, to say whether any is failing"
  local failing, other = {}, {}
  for _, j in ipairs(items) do
    local state, desc = M.state(j)
    local n = tostring(tbl(j.metadata).name or "?")
    if state == "failed" then failing[#failing + 1] = n .. ": " .. desc else other[#other + 1] = n .. ": " .. desc end
  end
  local seen
  if #items == 0 then
    seen = "no Job of the current release (a hook Job deleted after it ran leaves none to see)"
  else
    seen = (#failing > 0 and ("failing: " .. table.concat(failing, "; ")) or "none failing")
      .. (#other > 0 and ("; not failing: " .. table.concat(other, "; ")) or "")
  end
  seen = seen .. others(old)
  return { ev.observation(#items > 0, where, expected, seen) }
end

return M
