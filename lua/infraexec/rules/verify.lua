-- rules/verify.lua - what handlers/verify.lua's read-only rules do: read
-- the registry through its API (observe/registry.lua, the configured CA,
-- never curl -k) and the cluster through kubectl (observe/kube.lua,
-- observe/flux.lua), on the workloads of infraexec.yaml a criterion names
-- (workloads.lua, targets.lua).  The sealed-secret, Job and Service rules
-- live in rules/cluster.lua.  Each function is a rule's run: (criterion,
-- captures) -> done, message, evidence; none changes anything.
local ix = require "infraexec"
local lazy = require "infraexec.core.lazy" -- observers, actions, domain: loaded when a rule runs
local apps = lazy "infraexec.apps"
local ev = require "infraexec.core.evidence"
local kube = lazy "infraexec.observe.kube"
local project = lazy "infraexec.project"
local mentions = lazy "infraexec.mentions"
local registry = lazy "infraexec.registry"
local reg = lazy "infraexec.observe.registry"
local targets = lazy "infraexec.targets"
local workloads = lazy "infraexec.workloads"

local M = {}

-- The reason for a claim naming VERSIONS that a rule does not compare.
local function unread(versions)
  return ("needs a person: the command reads less than the criterion claims (the criterion names %s; "
    .. "infraexec checks one image version on pods, none on HelmReleases)"):format(table.concat(versions, ", "))
end

-- The version the task names for project NAME, or nil and why (the
-- source project.version_for also returns is not needed here).
local function version_for(name)
  local v, second = project.version_for(name)
  if v then return v end
  return nil, second
end

-- "Verify images (are) in registry: `curl -k https://HOST/v2/IMAGE/tags/list`":
-- every such URL of the criterion (reading one would tick a claim on the
-- others unseen), at each version the criterion names and the one the task
-- names for the image's project.  Observes: registry.tags.
function M.image_tags(c)
  local text = table.concat(c.code, " ") .. " " .. c.text
  local urls, seen = {}, {}
  for host, image in text:gmatch("https?://([^/%s`]+)/v2/([%w%._/%-]+)/tags/list") do
    if host ~= registry.address() then
      return false, ("the criterion asks %s but infraexec.yaml's registry is %s"):format(
        host, tostring(registry.address()))
    end
    if not seen[image] then seen[image] = true; urls[#urls + 1] = image end
  end
  if #urls == 0 then return false, "no registry URL (https://HOST/v2/IMAGE/tags/list) in the criterion" end
  if mentions.images_beyond(c.text, urls) then return false, mentions.images_beyond(c.text, urls) end
  -- Images the criterion names that no URL reads: checking the others
  -- would tick a claim on them unseen.
  local prose = mentions.prose(c.text):lower()
  local bases, others = {}, {}
  for _, image in ipairs(urls) do bases[image:match("([^/]+)$")] = true end
  for _, p in pairs(ix.config().projects or {}) do
    for _, other in ipairs(type(p) == "table" and p.images or {}) do
      local b = other:match("([^/]+)$")
      local named = prose:find("%f[%w]" .. b:lower():gsub("%p", "%%%0") .. "%f[^%w]")
      if not bases[b] and named then others[#others + 1] = other end
    end
  end
  if #others > 0 then
    table.sort(others) -- projects is a map: its order is not the file's
    return false, ("needs a person: the command reads less than the criterion claims (it names %s; "
      .. "the URL reads only %s)"):format(table.concat(others, ", "), table.concat(urls, ", "))
  end
  local out = {}
  for _, image in ipairs(urls) do
    -- Every version the criterion names must be a tag, and the task's one.
    local versions = mentions.versions(c.text)
    local version, why = version_for(image:match("^([^/]+)"))
    -- A version the task gives unclearly is not checked as "any tag".
    if not version and not (why:find("^the task names no version") or why:find("^no project")) then return false, why end
    local listed = false
    for _, v in ipairs(versions) do listed = listed or v == version end
    if version and not listed then versions[#versions + 1] = version end
    if #versions == 0 then ev.add(out, reg.tags{ image = image }) end
    for _, v in ipairs(versions) do ev.add(out, reg.tags{ image = image, version = v }) end
  end
  return ev.verdict(out)
end

-- "Verify all images are in registry catalog": every configured image,
-- at each version the criterion names.  Observes: registry.catalog,
-- registry.images.
function M.catalog(c)
  local images = {}
  for _, p in pairs(ix.config().projects or {}) do
    for _, image in ipairs(p.images or {}) do images[#images + 1] = image end
  end
  table.sort(images)
  local out = reg.catalog{ images = images }
  for _, v in ipairs(mentions.versions(c.text)) do ev.add(out, reg.images{ images = images, version = v }) end
  return ev.verdict(out)
end

-- The pods a criterion about app workloads speaks of: targets (workloads.lua)
-- for the release or app it names, else for the apps the task names; or nil
-- and why.  With NEW, each app's pods at the version the task names for
-- its project.
local function targets_of(c, a, new)
  local versions = mentions.versions(c.text)
  if #versions > 1 then return nil, unread(versions) end
  local named = versions[1] and versions[1]:gsub("^v", "") or nil
  local list, why
  if a.workload then
    list, why = workloads.release(a.workload)
  elseif a.app then
    list, why = workloads.app(a.app, a.release)
  else
    local names
    names, why = workloads.of_task()
    if not names then return nil, why end
    list = {}
    for _, name in ipairs(names) do
      local more
      more, why = workloads.app(name)
      if not more then return nil, why end
      local version = named
      if new and not version then
        local app = apps.get(name)
        version, why = version_for(app.project or name)
        if not version then return nil, ("needs a person: %s (app %s)"):format(why, name) end
      end
      for _, t in ipairs(more) do t.version = version; list[#list + 1] = t end
    end
    return list
  end
  if not list then return nil, why end
  for _, t in ipairs(list) do t.version = named end
  return list
end

-- "All application pods running" without a command: a claim on every app's
-- pods, not only on the apps the task names.  Every app of infraexec.yaml
-- is read, and a pod outside the cluster's own namespaces (kube.system)
-- that no app selects is an app the config does not place: it needs a
-- person, since reading less than the claim would tick it unseen.
-- With VERSIONED (the task's apps at their versions: "All pods are running
-- with new image versions"), every other app's pods are read as running.
local function all_apps(c, versioned)
  local versions = mentions.versions(c.text)
  if #versions > 1 then return false, unread(versions) end
  local list, why = workloads.all()
  if not list then return false, why end
  if versioned then
    local seen, merged = {}, {}
    for _, t in ipairs(versioned) do
      seen[t.namespace .. " " .. t.selector] = true
      merged[#merged + 1] = t
    end
    for _, t in ipairs(list) do
      if not seen[t.namespace .. " " .. t.selector] then merged[#merged + 1] = t end
    end
    list = merged
  else
    for _, t in ipairs(list) do t.version = versions[1] and versions[1]:gsub("^v", "") or nil end
  end
  if ev.pending("pods in all namespaces", "every pod an app's") then return ev.verdict(kube.pods{ targets = list }) end
  local every, err, cmd = kube.list{ kind = "pods" }
  if not every then
    return ev.verdict{ ev.observation(false, "pods in all namespaces (`" .. cmd .. "`)",
      "every pod outside kube.system selected by an app of infraexec.yaml", err) }
  end
  local stray = workloads.uncovered(every, list)
  if #stray > 0 then
    return false, ("needs a person: the criterion claims all application pods, but %s %s of no app in infraexec.yaml; "
      .. "add gitops.apps.NAME (namespace, selector) for %s, or its namespace to kube.system if it is the "
      .. "cluster's own"):format(table.concat(stray, ", "), #stray == 1 and "is" or "are", #stray == 1 and "it" or "them")
  end
  return ev.verdict(kube.pods{ targets = list })
end

-- The pods of the workloads a criterion names, read twice:
-- "midwestmtg-backend pods running and healthy", "FFL backend pods running
-- (v0.1.18)"; "All application pods running", "All health checks passing"
-- (readiness: Ready; liveness: no restarts) and "All pods are running with
-- new image versions" (the task's apps at their versions) read every app
-- (all_apps).  Only "All application pods running: `kubectl get pods -A`"
-- reads every pod of the cluster, as the command it names does.
-- A.new: the task's apps at the versions the task names.  Observes: kube.pods.
function M.pods(c, a)
  if (ix.config().kube or {}).context == nil then
    return ev.verdict(kube.pods{}) -- the refusal, before the config is asked which pods
  end
  local code = table.concat(c.code, " ")
  if not (a.workload or a.app or a.new) and (code:find("%-A%f[%W]") or code:find("%-%-all%-namespaces")) then
    local versions = mentions.versions(c.text)
    if #versions > 1 then return false, unread(versions) end
    return ev.verdict(kube.pods{ version = versions[1] })
  end
  if not (a.workload or a.app or a.new) then return all_apps(c) end
  if a.workload or a.app then
    local ours = { a.workload or a.app }
    if a.release then ours[2], ours[3] = a.release, a.app .. "-" .. a.release end
    local others = targets.also_named(mentions.prose(c.text), ours)
    if #others > 0 then
      return false, ("needs a person: the criterion names %s too; the rule reads only the pods of %s"):format(
        table.concat(others, ", "), table.concat(ours, " "))
    end
  end
  local list, why = targets_of(c, a, a.new)
  if not list then return false, why end
  if a.new and not (a.workload or a.app) then return all_apps(c, list) end
  return ev.verdict(kube.pods{ targets = list })
end

-- "No CrashLoopBackOff or CreateContainerConfigError pods [in NS namespace]":
-- the reasons the criterion names (CamelCase words), no pod waiting for
-- one of them in that namespace.  Without one, every namespace: a claim
-- that none is left is read on the whole cluster, never on less.
-- Observes: kube.none_waiting.
function M.no_backoff(c, a)
  local reasons = {}
  for word in mentions.prose(c.text):gmatch("%f[%w]%u%l+%u[%w]*") do reasons[#reasons + 1] = word end
  return ev.verdict(kube.none_waiting{ reasons = reasons, namespace = a.namespace })
end

-- "Verify no running pods or resources in mtg-agents namespace": nothing
-- left in A.namespace, or no such namespace.  Observes: kube.namespace_empty.
function M.namespace_empty(_, a)
  return ev.verdict(kube.namespace_empty{ namespace = a.namespace })
end

-- Every HelmRelease (exactly ARGS.count of them, when named) Ready for the
-- pushed revision (observe/flux.lua), not from an older one; a version the
-- criterion names is not compared (a person).  Observes: flux.helmreleases.
function M.helmreleases(c, args)
  local versions = mentions.versions(c.text)
  if #versions > 0 then return false, unread(versions) end
  local gitops = require "infraexec.act.gitops"
  local s, err = gitops.source()
  if not s then return false, err end
  return ev.verdict(require("infraexec.observe.flux").helmreleases{
    count = args.count and tonumber(args.count), kustomization = gitops.settings().kustomization, source = s })
end

return M
