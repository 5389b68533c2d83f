-- verify.lua - read-only checks: the registry through its API (with the
-- configured CA, never curl -k), the cluster through kubectl.  Tried for
-- every task (types.lua), after the task's own handlers.
local ix = require "infraexec"
local ev = require "infraexec.evidence"
local kube = require "infraexec.observe.kube"
local project = require "infraexec.project"
local readers = require "infraexec.readers"
local registry = require "infraexec.registry"
local reg = require "infraexec.observe.registry"

-- The reason for a claim naming VERSIONS that a rule does not compare.
local function unread(versions)
  return ("needs a person: the command reads less than the criterion claims (the criterion names %s; "
    .. "infraexec checks one image version on pods, none on HelmReleases)"):format(table.concat(versions, ", "))
end

-- "Verify images (are) in registry: `curl -k https://HOST/v2/IMAGE/tags/list`"
local function image_tags(c)
  local text = table.concat(c.code, " ") .. " " .. c.text
  local host, image = text:match("https?://([^/%s`]+)/v2/([%w%._/%-]+)/tags/list")
  if not host then return false, "no registry URL (https://HOST/v2/IMAGE/tags/list) in the criterion" end
  if host ~= registry.address() then
    return false, ("the criterion asks %s but infraexec.yaml's registry is %s"):format(
      host, tostring(registry.address()))
  end
  -- Images the criterion names that the URL does not read: checking one
  -- of them would tick a claim on the others unseen.
  local prose = readers.prose(c.text):lower()
  local base = image:match("([^/]+)$")
  local others = {}
  for _, p in pairs(ix.config().projects or {}) do
    for _, other in ipairs(type(p) == "table" and p.images or {}) do
      local b = other:match("([^/]+)$")
      local named = prose:find("%f[%w]" .. b:lower():gsub("%p", "%%%0") .. "%f[^%w]")
      if b ~= base and named then others[#others + 1] = other end
    end
  end
  if #others > 0 then
    return false, ("needs a person: the command reads less than the criterion claims (it names %s; "
      .. "the URL reads only %s)"):format(table.concat(others, ", "), image)
  end
  -- Every version the criterion names must be a tag, and the task's one.
  local versions = readers.versions(c.text)
  local version = project.version_for(image:match("^([^/]+)"))
  local listed = false
  for _, v in ipairs(versions) do listed = listed or v == version end
  if version and not listed then versions[#versions + 1] = version end
  if #versions == 0 then return ev.verdict(reg.tags{ image = image }) end
  local out = {}
  for _, v in ipairs(versions) do ev.add(out, reg.tags{ image = image, version = v }) end
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

-- "All application pods running: `kubectl get pods -A`" (every pod), or
-- "midwestmtg-backend pods running and healthy" (that workload's pods).
local function pods(c)
  local workload = c.text:match("^%**([%w][%w%.%-]*)%** pods")
  if workload and workload:lower() == "all" then workload = nil end
  local versions = readers.versions(c.text)
  if #versions > 1 then return false, unread(versions) end
  return ev.verdict(kube.pods{ workload = workload, version = versions[1] })
end

-- "No CrashLoopBackOff or CreateContainerConfigError pods": the reasons
-- the criterion names (CamelCase words), no pod waiting for one of them.
local function no_backoff(c)
  local reasons = {}
  for word in c.text:gmatch("%f[%w]%u%l+%u[%w]*") do reasons[#reasons + 1] = word end
  return ev.verdict(kube.none_waiting{ reasons = reasons })
end

local function helmreleases(c)
  local versions = readers.versions(c.text)
  if #versions > 0 then return false, unread(versions) end
  return ev.verdict(kube.ready{ kind = kube.HELMRELEASES })
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
                  "{workload:name} pods [are] running [and healthy]", "{workload:name} pods [are] running [and ready]" },
      description = "the pods (of the workload named) running and ready",
      examples = { "All application pods running: `kubectl get pods -A`", "midwestmtg-backend pods running and healthy" },
      kind = "assertion", observe = "kube.pods",
      run = pods },
    { wording = "No {reason} [or {other:reason}] [errors] [pods]", description = "no pod waiting in CrashLoopBackOff/ImagePullBackOff",
      examples = { "No CrashLoopBackOff or CreateContainerConfigError pods" },
      kind = "assertion", observe = "kube.none_waiting",
      run = no_backoff },
    { wording = { "All HelmReleases reconcile [successfully]", "All HelmReleases show READY=True",
                  "All HelmReleases [are] ready" },
      description = "every HelmRelease Ready",
      examples = { "All HelmReleases reconcile successfully: `flux get helmreleases -A`",
                   "All HelmReleases show READY=True: `flux get helmreleases -A`" },
      kind = "assertion", observe = "kube.ready",
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
