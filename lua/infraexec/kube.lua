-- kube.lua - reading the cluster through kubectl with the configured
-- context (never applying anything).  `kubectl get --raw` returns the API's
-- own JSON, decoded here.
local ix = require "infraexec"

local M = {}

local function kubectl(path)
  local k = ix.config().kube or {}
  local argv = { "kubectl" }
  if k.context then argv[#argv + 1] = "--context=" .. k.context end
  argv[#argv + 1] = "get"
  argv[#argv + 1] = "--raw"
  argv[#argv + 1] = path
  local env = k.kubeconfig and { KUBECONFIG = k.kubeconfig } or nil
  local r = ix.run{ argv = argv, env = env, timeout = 60 }
  if r.dry_run then return { items = {} } end
  if not r.ok then return nil, "kubectl failed: " .. (r.error or r.output) end
  local doc, err = ix.json_decode(r.output)
  if not doc then return nil, "kubectl answer: " .. err end
  return doc
end

-- Problems of every pod: not running, not ready, or waiting on a bad reason.
function M.pod_problems()
  local list, err = kubectl("/api/v1/pods")
  if not list then return nil, err end
  local problems = {}
  for _, pod in ipairs(list.items or {}) do
    local name = (pod.metadata.namespace or "?") .. "/" .. (pod.metadata.name or "?")
    local phase = pod.status and pod.status.phase or "Unknown"
    for _, cs in ipairs(pod.status and pod.status.containerStatuses or {}) do
      local waiting = cs.state and cs.state.waiting
      if waiting and waiting.reason then
        problems[#problems + 1] = name .. ": " .. waiting.reason
      elseif phase == "Running" and not cs.ready then
        problems[#problems + 1] = name .. ": container " .. (cs.name or "?") .. " not ready"
      end
    end
    if phase ~= "Running" and phase ~= "Succeeded" and #problems == 0 then
      problems[#problems + 1] = name .. ": " .. phase
    end
  end
  return problems, #(list.items or {})
end

-- HelmReleases whose Ready condition is not True.
function M.helmrelease_problems()
  local list, err = kubectl("/apis/helm.toolkit.fluxcd.io/v2/helmreleases")
  if not list then return nil, err end
  local problems = {}
  for _, hr in ipairs(list.items or {}) do
    local ready
    for _, cond in ipairs(hr.status and hr.status.conditions or {}) do
      if cond.type == "Ready" then ready = cond end
    end
    if not ready or ready.status ~= "True" then
      problems[#problems + 1] = (hr.metadata.namespace or "?") .. "/" .. (hr.metadata.name or "?")
        .. ": " .. (ready and (ready.message or ready.reason) or "no Ready condition")
    end
  end
  return problems, #(list.items or {})
end

return M
