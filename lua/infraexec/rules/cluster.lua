-- rules/cluster.lua - what verify.lua's sealed-secret, Job and Service rules
-- do with a criterion: which apps and releases of infraexec.yaml it names
-- (targets.lua), and which observers look at them.  A claim on something
-- the config does not describe (no health URL, no Job selector, a name
-- that is no app or release) needs a person, told the key to add.
local ev = require "infraexec.core.evidence"
local lazy = require "infraexec.core.lazy" -- observers, actions, domain: loaded when a rule runs
local targets = lazy "infraexec.targets"
local sealed = lazy "infraexec.observe.sealed"
local jobs = lazy "infraexec.observe.jobs"
local services = lazy "infraexec.observe.services"
local project = lazy "infraexec.project"
local mentions = lazy "infraexec.mentions"

local M = {}

local function person(fmt, ...) return false, "needs a person: " .. fmt:format(...) end

-- Why criterion C claims more than OURS (the apps and releases a rule
-- reads): another one it names ("... - and triager"), or nil.
local function beyond(c, ours)
  local others = targets.also_named(mentions.prose(c.text), ours)
  if #others == 0 then return nil end
  return ("needs a person: the criterion names %s too; the rule reads only %s"):format(
    table.concat(others, ", "), table.concat(ours, ", "))
end

-- The apps ARGS.app names (one), else every app; or nil and why.
local function apps_of(a)
  if a.app then
    local app, err = targets.app(a.app)
    return app and { app } or nil, err
  end
  return targets.all()
end

-- "All 13 sealed secrets successfully decrypted and regular secrets
-- created": every SealedSecret in scope (the namespace or the app's
-- namespaces named, else all) Synced=True with its Secret; the count when
-- named.  Observes: sealed.decrypted.
function M.sealed(c, a)
  local more = a.app and beyond(c, { a.app })
  if more then return false, more end
  local namespaces
  if a.namespace then
    namespaces = { a.namespace }
  elseif a.app then
    local app, err = targets.app(a.app)
    if not app then return false, err end
    local seen = {}
    namespaces = {}
    local function add(ns)
      if ns and not seen[ns] then seen[ns] = true; namespaces[#namespaces + 1] = ns end
    end
    add(app.namespace)
    for _, r in ipairs(app.releases) do add(r.namespace) end
  end
  return ev.verdict(sealed.decrypted{ namespaces = namespaces, count = a.count })
end

-- The version the task names for APP's project (a Job of the current
-- release runs it); nil when it names none; or false and why when it
-- names it unclearly.
local function version_of(app)
  local v, why = project.version_for(app.project or app.name)
  if v then return v end
  if why:find("^the task names no version") or why:find("^no project") then return nil end
  return false, "needs a person: " .. why
end

-- The Job selectors of the apps LIST: {{namespace, selector, version,
-- releases}} (jobs.lua tells the current release's Jobs by VERSION, else by
-- the RELEASES' last upgrade); or nil and why.
local function job_units(list)
  local units = {}
  for _, app in ipairs(list) do
    local version, why = version_of(app)
    if version == false then return nil, why end
    local function unit(namespace, selector)
      local releases = {}
      for _, r in ipairs(app.releases) do
        if r.namespace == namespace then releases[#releases + 1] = { namespace = r.namespace, name = r.name } end
      end
      units[#units + 1] = { namespace = namespace, selector = selector, version = version, releases = releases }
    end
    if app.jobs then
      -- In the app's namespace, else in each namespace its releases use.
      local seen = {}
      for _, r in ipairs(app.namespace and { app } or app.releases) do
        if not seen[r.namespace] then
          seen[r.namespace] = true
          unit(r.namespace, app.jobs)
        end
      end
    end
    for _, r in ipairs(app.releases) do
      if r.jobs then unit(r.namespace, r.jobs) end
    end
  end
  return units
end

-- The units of the apps A names (in criterion C), or false and a reason.
local function units_for(c, a)
  local more = a.app and beyond(c, { a.app })
  if more then return false, more end
  local list, err = apps_of(a)
  if not list then return false, err end
  local units, why = job_units(list)
  if not units then return false, why end
  if #units == 0 then
    local who = a.app or "NAME"
    return person("infraexec.yaml names no migration or pre-install Jobs%s; add gitops.apps.%s.jobs "
      .. "(or .releases[N].jobs), a label selector of them", a.app and (" of " .. a.app) or "", who)
  end
  return units
end

-- "Verify database migrations can complete successfully": the configured
-- migration Jobs (of the app named, else of every app that names them)
-- Complete, their failures quoted.  Observes: jobs.complete.
function M.migrations(c, a)
  local units, why = units_for(c, a)
  if not units then return false, why end
  local out = {}
  for _, u in ipairs(units) do ev.add(out, jobs.complete(u)) end
  return ev.verdict(out)
end

-- "Check if database migrations or pre-install jobs are failing": a
-- question.  The check is what the criterion asks for, so it holds once
-- the Jobs were read, whatever the answer; the answer is the note beside
-- the tick.  No Job to read answers nothing: not ticked.  Observes:
-- jobs.failing.
function M.jobs_failing(c, a)
  local units, why = units_for(c, a)
  if not units then return false, why end
  local out = {}
  for _, u in ipairs(units) do ev.add(out, jobs.failing(u)) end
  local answers = {}
  for _, o in ipairs(out) do answers[#answers + 1] = o.seen end
  return ev.verdict(out, "answer: " .. table.concat(answers, "; "))
end

-- What one target (from targets.named, or a whole app) asks to see: its
-- health URLs and the Services of its releases that have them; or false
-- and a reason naming the key to add.
local function health_checks(t, out)
  local urls, svcs, key = {}, {}, nil
  local releases = t.release and { t.release } or t.app.releases
  if not t.release then
    for _, u in ipairs(t.app.health) do urls[#urls + 1] = u end
    key = ("gitops.apps.%s.health (or .releases[N].health)"):format(t.app.name)
  else
    key = targets.key(t.app.name, t.release.index, "health")
  end
  for _, r in ipairs(releases) do
    if #r.health > 0 then
      svcs[#svcs + 1] = r
      for _, u in ipairs(r.health) do urls[#urls + 1] = u end
    end
  end
  if #urls == 0 then
    return person("no health URL for %s in infraexec.yaml; add %s", t.release and t.release.name or t.app.name, key)
  end
  for _, r in ipairs(svcs) do ev.add(out, services.endpoints{ namespace = r.namespace, name = r.service or r.name }) end
  ev.add(out, services.health{ urls = urls })
  return true
end

-- "Services respond to health checks", "Services are accessible through
-- ingress endpoints": every app's health URLs answer 2xx and the Services
-- behind them have ready endpoints.  Observes: services.endpoints,
-- services.health.
function M.health_all()
  local list, err = targets.all()
  if not list then return false, err end
  local out = {}
  for _, app in ipairs(list) do
    local ok, why = health_checks({ app = app }, out)
    if not ok then return false, why end
  end
  return ev.verdict(out)
end

-- The names in "midwestmtg-backend and triager services", "both frontend
-- and backend".
local function names_in(text)
  local out = {}
  local low = " " .. text:lower():gsub("[,&/]", " and ") .. " "
  for part in (low:gsub(" and ", "\0")):gmatch("[^%z]+") do
    local words = {}
    for w in part:gmatch("%S+") do
      if w ~= "both" and w ~= "the" and w ~= "services" and w ~= "service" then words[#words + 1] = w end
    end
    if #words > 0 then out[#out + 1] = table.concat(words, " ") end
  end
  return out
end

-- "Health checks pass for midwestmtg-backend and triager services": each
-- app or release named, as health_all does for one.  Observes:
-- services.endpoints, services.health.
function M.health_named(c, a)
  local names = names_in(a.names)
  if #names == 0 then return person("the criterion names no app or release") end
  local more = beyond(c, names)
  if more then return false, more end
  local out = {}
  for _, n in ipairs(names) do
    if n == "all" then return M.health_all() end
    local t, why = targets.named(n)
    if not t then return person("%s", why) end
    local ok, reason = health_checks(t, out)
    if not ok then return false, reason end
  end
  return ev.verdict(out)
end

-- The release NAME names (an app of one release will do), or false, why.
local function one_release(name)
  local t, why = targets.named(name)
  if not t then return person("%s", why) end
  if t.release then return t end
  if #t.app.releases == 1 then return { app = t.app, release = t.app.releases[1] } end
  local names = {}
  for _, r in ipairs(t.app.releases) do names[#names + 1] = r.name end
  return person("%s has %d releases (%s): name one", name, #names, table.concat(names, ", "))
end

-- "midwestmtg-backend service exists and is accessible": the release's
-- Service with ready endpoints, and its health URLs answering 2xx.
-- Observes: services.endpoints, services.health.
function M.service(c, a)
  local t, why = one_release(a.name)
  if not t then return false, why end
  local more = beyond(c, { a.name })
  if more then return false, more end
  local out = {}
  local ok, reason = health_checks(t, out)
  if not ok then return false, reason end
  return ev.verdict(out)
end

-- "midwestmtg-frontend can successfully proxy to midwestmtg-backend":
-- the front release's proxy URLs (configured: a URL it answers only by
-- reaching the backend) answer 2xx, and the backend's Service has ready
-- endpoints.  Without such a URL it is never guessed.  Observes:
-- services.endpoints, services.health.
function M.proxy(c, a)
  local front, why = one_release(a.front)
  if not front then return false, why end
  local back, bwhy = one_release(a.back)
  if not back then return false, bwhy end
  local more = beyond(c, { a.front, a.back })
  if more then return false, more end
  local r = front.release
  if #r.proxy == 0 then
    return person("no URL in infraexec.yaml goes through %s's proxy to %s; add %s (a URL only %s answers)",
      r.name, back.release.name, targets.key(front.app.name, r.index, "proxy"), back.release.name)
  end
  local out = services.endpoints{ namespace = back.release.namespace, name = back.release.service or back.release.name }
  ev.add(out, services.health{ urls = r.proxy })
  return ev.verdict(out)
end

return M
