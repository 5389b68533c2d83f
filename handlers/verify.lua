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
                  "{workload:name} pods [are] running [and healthy]", "{workload:name} pods [are] running [and ready]" },
      description = "the pods (of the workload named) running and ready",
      examples = { "All application pods running: `kubectl get pods -A`", "midwestmtg-backend pods running and healthy" },
      kind = "assertion", observe = "kube.pods",
      run = pods },
    { wording = "No {reason} [or {other:reason}] [errors] [pods]", description = "no pod waiting in CrashLoopBackOff/ImagePullBackOff",
      examples = { "No CrashLoopBackOff or CreateContainerConfigError pods" },
      kind = "assertion", observe = "kube.none_waiting",
      run = no_backoff },
    { wording = { "All [{count}] HelmReleases reconcile [successfully]", "All [{count}] HelmReleases show READY=True",
                  "All [{count}] HelmReleases [are] ready" },
      description = "every HelmRelease Ready for the pushed revision",
      examples = { "All HelmReleases reconcile successfully: `flux get helmreleases -A`",
                   "All 27 HelmReleases show READY=True: `flux get helmreleases -A`" },
      kind = "assertion", observe = { "flux.kustomization", "flux.helmreleases" },
      run = helmreleases },
  },
}
