-- verify.lua - read-only checks: the registry through its API (with the
-- configured CA, never curl -k), the cluster through kubectl.  Tried for
-- every task (types.lua), after the task's own handlers.
local ix = require "infraexec"
local apps = require "infraexec.apps"
local ev = require "infraexec.core.evidence"
local kube = require "infraexec.observe.kube"
local project = require "infraexec.project"
local readers = require "infraexec.readers"
local registry = require "infraexec.registry"
local reg = require "infraexec.observe.registry"
local targets = require "infraexec.targets"
local workloads = require "infraexec.workloads"

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
-- others unseen).
local function image_tags(c)
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
  if readers.images_beyond(c.text, urls) then return false, readers.images_beyond(c.text, urls) end
  -- Images the criterion names that no URL reads: checking the others
  -- would tick a claim on them unseen.
  local prose = readers.prose(c.text):lower()
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
    local versions = readers.versions(c.text)
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
-- at each version the criterion names.
local function catalog(c)
  local images = {}
  for _, p in pairs(ix.config().projects or {}) do
    for _, image in ipairs(p.images or {}) do images[#images + 1] = image end
  end
  table.sort(images)
  local out = reg.catalog{ images = images }
  for _, v in ipairs(readers.versions(c.text)) do ev.add(out, reg.images{ images = images, version = v }) end
  return ev.verdict(out)
end

-- The pods a criterion about app workloads speaks of: targets (workloads.lua)
-- for the release or app it names, else for the apps the task names; or nil
-- and why.  With NEW, each app's pods at the version the task names for
-- its project.
local function targets_of(c, a, new)
  local versions = readers.versions(c.text)
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
  local versions = readers.versions(c.text)
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
local function pods(c, a)
  if (ix.config().kube or {}).context == nil then
    return ev.verdict(kube.pods{}) -- the refusal, before the config is asked which pods
  end
  local code = table.concat(c.code, " ")
  if not (a.workload or a.app or a.new) and (code:find("%-A%f[%W]") or code:find("%-%-all%-namespaces")) then
    local versions = readers.versions(c.text)
    if #versions > 1 then return false, unread(versions) end
    return ev.verdict(kube.pods{ version = versions[1] })
  end
  if not (a.workload or a.app or a.new) then return all_apps(c) end
  if a.workload or a.app then
    local ours = { a.workload or a.app }
    if a.release then ours[2], ours[3] = a.release, a.app .. "-" .. a.release end
    local others = targets.also_named(readers.prose(c.text), ours)
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
local function no_backoff(c, a)
  local reasons = {}
  for word in readers.prose(c.text):gmatch("%f[%w]%u%l+%u[%w]*") do reasons[#reasons + 1] = word end
  return ev.verdict(kube.none_waiting{ reasons = reasons, namespace = a.namespace })
end

-- "Verify no running pods or resources in mtg-agents namespace".
local function namespace_empty(_, a)
  return ev.verdict(kube.namespace_empty{ namespace = a.namespace })
end

-- Ready for the pushed revision (observe/flux.lua), not from an older one.
local function helmreleases(c, args)
  local versions = readers.versions(c.text)
  if #versions > 0 then return false, unread(versions) end
  local gitops = require "infraexec.act.gitops"
  local s, err = gitops.source()
  if not s then return false, err end
  return ev.verdict(require("infraexec.observe.flux").helmreleases{
    count = args.count and tonumber(args.count), kustomization = gitops.settings().kustomization, source = s })
end

return {
  description = "checks the registry and the cluster without changing them",
  readonly = true, -- every rule only observes: `infraexec verify` reruns them as they are
  rules = {
    { wording = "Verify [the] images [are] in [the] registry", description = "an image's tags through the registry API",
      examples = { "Verify images in registry: `curl -k https://127.0.0.1:5000/v2/ffl/backend/tags/list`",
                   "Verify images are in registry: `curl -k https://127.0.0.1:5000/v2/ffl/backend/tags/list`" },
      kind = "assertion", observe = "registry.tags",
      run = image_tags },
    { wording = "Verify all images are in [the] registry catalog", description = "every configured image in the catalog",
      examples = { "Verify all images are in registry catalog: `curl -k https://127.0.0.1:5000/v2/_catalog`" },
      kind = "assertion", observe = "registry.catalog",
      run = catalog },
    { wording = { "All [application] pods [are] running [and ready]", "All [application] pods [are] running without {reason}",
                  "{workload:name} pods [are] running [and healthy]", "{workload:name} pods [are] running [and ready]",
                  "{app} {release:name} pods [are] running [and healthy]", "{app} {release:name} pods [are] running [and ready]",
                  "All health checks [are] passing" },
      description = "the pods of the release or app named, else of the task's apps, running and ready, restarts steady",
      examples = { "All application pods running: `kubectl get pods -A`", "midwestmtg-backend pods running and healthy",
                   "All application pods running without CreateContainerConfigError",
                   "All health checks passing (readiness and liveness probes)" },
      kind = "assertion", observe = "kube.pods",
      run = pods },
    { wording = "All [application] pods [are] running with new image versions",
      description = "the pods of the task's apps running and ready at the versions the task names",
      examples = { "All pods are running with new image versions (check with `kubectl get pods -A`)" },
      kind = "assertion", observe = "kube.pods",
      run = function(c, a) a.new = true return pods(c, a) end },
    { wording = "No {reason} [or {other:reason}] [errors] [pods] [in [the] {namespace} namespace]",
      description = "no pod waiting in CrashLoopBackOff/ImagePullBackOff (in the namespace named, else in any)",
      examples = { "No CrashLoopBackOff or CreateContainerConfigError pods",
                   "No CrashLoopBackOff or ImagePullBackOff errors in midwestmtg namespace" },
      kind = "assertion", observe = "kube.none_waiting",
      run = no_backoff },
    { wording = "[Verify] no running pods or resources in [the] {namespace} namespace",
      description = "nothing left in a namespace (or no such namespace)",
      examples = { "Verify no running pods or resources in mtg-agents namespace" },
      kind = "assertion", observe = "kube.namespace_empty",
      run = namespace_empty },
    { wording = { "All [{count}] HelmReleases reconcile [successfully]", "All [{count}] HelmReleases show READY=True",
                  "All [{count}] HelmReleases [are] ready" },
      description = "every HelmRelease Ready for the pushed revision",
      examples = { "All HelmReleases reconcile successfully: `flux get helmreleases -A`",
                   "All 27 HelmReleases show READY=True: `flux get helmreleases -A`" },
      kind = "assertion", observe = { "flux.kustomization", "flux.helmreleases" },
      run = helmreleases },
    -- ---- sealed secrets, Jobs, Services (lua/infraexec/cluster.lua) ----
    { wording = { "All [{count}] [{app}] sealed secrets [are] [successfully] decrypted [and regular secrets created]",
                  "All [{count}] sealed secrets in [the] {namespace} namespace [are] [successfully] decrypted [and regular secrets created]",
                  "Verify [that] all [{count}] [{app}] sealed secrets are decrypted",
                  "Verify [that] all [{count}] sealed secrets in [the] {namespace} namespace are decrypted",
                  "Verify [that] [the] sealed-secrets controller can decrypt all [{count}] [affected] [sealed] secrets" },
      description = "every SealedSecret Synced=True with its Secret (exactly the count named)",
      examples = { "All 13 sealed secrets successfully decrypted and regular secrets created",
                   "Verify sealed-secrets controller can decrypt all 13 affected secrets",
                   "Verify all sealed secrets are decrypted" },
      kind = "assertion", observe = "sealed.decrypted",
      run = require("infraexec.cluster").sealed },
    { wording = { "Verify [that] [the] [{app}] database migrations can complete [successfully]",
                  "[The] [{app}] database migrations [can] complete [successfully]",
                  "[The] [{app}] database migrations completed [successfully]",
                  "Verify [that] [the] [{app}] migration jobs [can] complete [successfully]" },
      description = "the configured migration Jobs (gitops.apps.NAME.jobs) Complete",
      examples = { "Verify database migrations can complete successfully" },
      kind = "assertion", observe = "jobs.complete",
      run = require("infraexec.cluster").migrations },
    { wording = { "Check if [the] [{app}] database migrations or pre-install jobs are failing",
                  "Check whether [the] [{app}] database migrations or pre-install jobs are failing",
                  "Check if [the] [{app}] database migrations are failing",
                  "Check if [the] [{app}] pre-install jobs are failing" },
      description = "whether the configured migration Jobs are failing (the answer is the note)",
      examples = { "Check if database migrations or pre-install jobs are failing" },
      kind = "assertion", observe = "jobs.failing",
      run = require("infraexec.cluster").jobs_failing },
    { wording = { "[All] services respond to health checks", "Verify [that] [all] services respond to health checks",
                  "[All] services are accessible through ingress [endpoints]" },
      description = "every app's health URLs answer 2xx, their Services have ready endpoints",
      examples = { "Services respond to health checks (PARTIAL: FFL services working)",
                   "Services are accessible through ingress endpoints - FFL backend health endpoint verified responding" },
      kind = "assertion", observe = { "services.health", "services.endpoints" },
      run = require("infraexec.cluster").health_all },
    { wording = { "Health checks pass for {names:text}", "Verify [that] health checks pass for {names:text}" },
      description = "the named apps' or releases' health URLs answer 2xx, their Services have ready endpoints",
      examples = { "Health checks pass for midwestmtg-backend and triager services",
                   "Health checks pass for both frontend and backend" },
      kind = "assertion", observe = { "services.health", "services.endpoints" },
      run = require("infraexec.cluster").health_named },
    { wording = { "{name} service exists and is accessible", "Verify [that] [the] {name} service is created and accessible",
                  "Verify [that] [the] {name} service exists and is accessible" },
      description = "a release's Service with ready endpoints, its health URLs answering 2xx",
      examples = { "midwestmtg-backend service exists and is accessible",
                   "Verify backend service is created and accessible" },
      kind = "assertion", observe = { "services.endpoints", "services.health" },
      run = require("infraexec.cluster").service },
    { wording = { "{front:name} can [successfully] proxy to [the] {back:name} [service]",
                  "Verify [that] [the] {front:name} can [successfully] proxy to [the] {back:name} [service]" },
      description = "the front release's configured proxy URLs answer 2xx, the backend's Service has ready endpoints",
      examples = { "Frontend can successfully proxy to backend service" },
      kind = "assertion", observe = { "services.health", "services.endpoints" },
      run = require("infraexec.cluster").proxy },
  },
}
