-- verify.lua - read-only checks: the registry through its API (with the
-- configured CA, never curl -k), the cluster through kubectl.  Tried for
-- every task (types.lua), after the task's own handlers.
local ix = require "infraexec"
local kube = require "infraexec.kube"
local project = require "infraexec.project"
local registry = require "infraexec.registry"

-- "Verify images in registry: `curl -k https://HOST/v2/IMAGE/tags/list`"
local function image_tags(c)
  local text = table.concat(c.code, " ") .. " " .. c.text
  local host, image = text:match("https?://([^/%s`]+)/v2/([%w%._/%-]+)/tags/list")
  if not host then return false, "no registry URL (https://HOST/v2/IMAGE/tags/list) in the criterion" end
  if host ~= registry.address() then
    return false, ("the criterion asks %s but infraexec.yaml's registry is %s"):format(
      host, tostring(registry.address()))
  end
  local tags, err = registry.tags(image)
  if not tags then return false, err end
  if #tags == 0 then return false, image .. " has no tags in the registry" end
  local version = project.version_for(image:match("^([^/]+)"))
  if version then
    local ok, detail = registry.has(image, version)
    if not ok then return false, detail end
  end
  return true, ("registry lists %s: %s"):format(image, table.concat(tags, ", "))
end

local function catalog()
  local repos, err = registry.catalog()
  if not repos then return false, err end
  local have, missing = {}, {}
  for _, r in ipairs(repos) do have[r] = true end
  for name, p in pairs(ix.config().projects or {}) do
    for _, image in ipairs(p.images or {}) do
      if not have[image] then missing[#missing + 1] = image .. " (" .. name .. ")" end
    end
  end
  table.sort(missing)
  if #missing > 0 then return false, "not in the catalog: " .. table.concat(missing, ", ") end
  return true, ("catalog holds all %d configured images"):format(#repos)
end

-- A rule that holds when LIST_FN (a kube.lua reader) finds no problem.
local function no_problems(list_fn, what)
  return function()
    local problems, n = list_fn()
    if not problems then return false, n end
    if #problems > 0 then return false, table.concat(problems, "; ") end
    return true, ("%d %s"):format(n, what)
  end
end

local pods = no_problems(kube.pod_problems, "pods running and ready")
local helmreleases = no_problems(kube.helmrelease_problems, "HelmReleases ready")

return {
  description = "checks the registry and the cluster without changing them",
  readonly = true, -- every rule only observes: `infraexec verify` reruns them as they are
  rules = {
    { wording = "Verify [the] images [are] in [the] registry", description = "an image's tags through the registry API",
      examples = { "Verify images in registry: `curl -k https://127.0.0.1:5000/v2/ffl/backend/tags/list`",
                   "Verify images are in registry: `curl -k https://127.0.0.1:5000/v2/ffl/backend/tags/list`" },
      run = image_tags },
    { wording = "Verify all images are in [the] registry catalog", description = "every configured image in the catalog",
      examples = { "Verify all images are in registry catalog: `curl -k https://127.0.0.1:5000/v2/_catalog`" },
      run = catalog },
    { wording = { "All [application] pods [are] running [and ready]",
                  "All [application] pods [are] running without {reason}" },
      description = "every pod running and ready",
      examples = { "All application pods running: `kubectl get pods -A`",
                   "All application pods running without CreateContainerConfigError" },
      run = pods },
    { wording = "No {reason} [or {other:reason}] [errors] [pods]",
      description = "no pod waiting in CrashLoopBackOff/ImagePullBackOff",
      examples = { "No CrashLoopBackOff or CreateContainerConfigError pods" },
      run = pods },
    { wording = { "All HelmReleases reconcile [successfully]", "All HelmReleases show READY=True",
                  "All HelmReleases [are] ready" },
      description = "every HelmRelease Ready",
      examples = { "All HelmReleases reconcile successfully: `flux get helmreleases -A`",
                   "All HelmReleases show READY=True: `flux get helmreleases -A`" },
      run = helmreleases },
  },
}
