-- observe/kube.lua - the cluster read through `kubectl get ... -o json`
-- with the configured context and kubeconfig (kube.context,
-- kube.kubeconfig); read-only, so it runs in a dry run too.  Never applies.
local ix = require "infraexec"
local ev = require "infraexec.evidence"
local shell = require "infraexec.shell"

local M = {}

M.HELMRELEASES = "helmreleases.helm.toolkit.fluxcd.io"
M.KUSTOMIZATIONS = "kustomizations.kustomize.toolkit.fluxcd.io"

-- list{kind = K [, namespace = NS] [, selector = S]}: the API's list of K
-- (all namespaces without NS), or nil and why; and the command as text.
function M.list(a)
  local k = ix.config().kube or {}
  local argv = { "kubectl" }
  if k.context then argv[#argv + 1] = "--context=" .. k.context end
  for _, w in ipairs{ "get", a.kind } do argv[#argv + 1] = w end
  if a.namespace then argv[#argv + 1] = "--namespace=" .. a.namespace else argv[#argv + 1] = "--all-namespaces" end
  if a.selector then argv[#argv + 1] = "--selector=" .. a.selector end
  argv[#argv + 1] = "--output=json"
  local env = k.kubeconfig and { KUBECONFIG = k.kubeconfig } or nil
  local text = table.concat(argv, " ")
  -- kubectl's current context may be any cluster: observing the wrong one
  -- could prove a false claim, so infraexec reads only a named context.
  if not k.context then
    return nil, "set kube.context in infraexec.yaml: infraexec reads the cluster only through a named context", text
  end
  local r = ix.run{ argv = argv, env = env, timeout = 60, read_only = true }
  if not r.ok then return nil, "kubectl failed: " .. shell.failure(r), text end
  local doc, err = ix.json_decode(r.output)
  if not doc then return nil, "kubectl answer is not JSON: " .. err, text end
  return doc.items or {}, nil, text
end

local function name_of(o)
  return (o.metadata and o.metadata.namespace or "?") .. "/" .. (o.metadata and o.metadata.name or "?")
end

-- "Ready=True for generation 3, spec is generation 9" when O's status
-- describes an older spec than its metadata (the controller has not acted
-- on the current one yet, so its Ready says nothing about it), or nil.
function M.stale(o, cond)
  local gen = o.metadata and tonumber(o.metadata.generation)
  local seen = o.status and tonumber(o.status.observedGeneration)
  if cond and tonumber(cond.observedGeneration) and (not seen or tonumber(cond.observedGeneration) < seen) then
    seen = tonumber(cond.observedGeneration)
  end
  if gen and seen and seen < gen then
    return ("%s=%s for generation %d, spec is generation %d"):format(
      cond and cond.type or "status", cond and tostring(cond.status) or "?", seen, gen)
  end
  return nil
end

-- Whether POD belongs to WORKLOAD: by its app labels or its name.
local function of_workload(pod, workload)
  local md = pod.metadata or {}
  local labels = type(md.labels) == "table" and md.labels or {}
  for _, key in ipairs{ "app.kubernetes.io/name", "app.kubernetes.io/instance", "app" } do
    if labels[key] == workload then return true end
  end
  local n = md.name or ""
  return n == workload or n:sub(1, #workload + 1) == workload .. "-"
end

-- What is wrong with POD (not Running, not Ready, waiting), or nil; with
-- VERSION, a container whose image does not carry it is wrong too.
local function pod_problem(pod, version)
  local st = pod.status or {}
  local phase = st.phase or "Unknown"
  for _, cs in ipairs(st.containerStatuses or {}) do
    local waiting = cs.state and cs.state.waiting
    if waiting and waiting.reason then return waiting.reason end
    if not cs.ready then return "container " .. (cs.name or "?") .. " not ready" end
    -- The tag itself: ":0.1.1" is a prefix of ":0.1.18", not its version.
    local tag = tostring(cs.image or ""):gsub("@.*$", ""):match(":([^:/]+)$")
    if version and tag ~= version then
      return "container " .. (cs.name or "?") .. " runs " .. tostring(cs.image)
    end
  end
  if phase ~= "Running" then return phase end
  if #(st.containerStatuses or {}) == 0 then return "no container status" end
  return nil
end

-- pods{[namespace], [selector], [workload], [version]}: at least one pod,
-- each Running with every container Ready (and its image at VERSION).
function M.pods(a)
  local expected = "at least one pod, all Running and Ready" .. (a.version and (" with images at " .. a.version) or "")
  local what = "pods" .. (a.workload and (" of " .. a.workload) or "")
    .. (a.namespace and (" in " .. a.namespace) or " in all namespaces")
  local p = ev.pending(what, expected)
  if p then return { p } end
  local items, err, cmd = M.list{ kind = "pods", namespace = a.namespace, selector = a.selector }
  local where = what .. " (`" .. cmd .. "`)"
  if not items then return { ev.observation(false, where, expected, err) } end
  local good, bad = {}, {}
  for _, pod in ipairs(items) do
    if not a.workload or of_workload(pod, a.workload) then
      local problem = pod_problem(pod, a.version)
      if problem then bad[#bad + 1] = name_of(pod) .. ": " .. problem else good[#good + 1] = name_of(pod) end
    end
  end
  local seen
  if #good + #bad == 0 then
    seen = "no pod" .. (a.workload and (" of " .. a.workload) or "") .. (#items > 0 and (" among " .. #items .. " pods") or "")
  elseif #bad > 0 then
    seen = table.concat(bad, "; ")
  else
    seen = ("%d Running and Ready: %s"):format(#good, table.concat(good, ", "))
  end
  return { ev.observation(#good > 0 and #bad == 0, where, expected, seen) }
end

-- none_waiting{reasons = {"CrashLoopBackOff", ...}}: no container in any
-- namespace waits for one of those reasons.
function M.none_waiting(a)
  local wanted = {}
  for _, r in ipairs(a.reasons) do wanted[r] = true end
  local expected = "no pod waiting in " .. table.concat(a.reasons, " or ")
  if #a.reasons == 0 then return { ev.observation(false, "the criterion", "a waiting reason such as CrashLoopBackOff", "none named") } end
  local p = ev.pending("pods in all namespaces", expected)
  if p then return { p } end
  local items, err, cmd = M.list{ kind = "pods" }
  local where = "pods in all namespaces (`" .. cmd .. "`)"
  if not items then return { ev.observation(false, where, expected, err) } end
  local bad = {}
  for _, pod in ipairs(items) do
    for _, cs in ipairs(pod.status and pod.status.containerStatuses or {}) do
      local w = cs.state and cs.state.waiting
      if w and wanted[w.reason] then bad[#bad + 1] = name_of(pod) .. ": " .. w.reason end
    end
  end
  return { ev.observation(#bad == 0, where, expected,
    #bad == 0 and ("none of %d pods"):format(#items) or table.concat(bad, "; ")) }
end

-- ready{kind = K [, namespace] [, name]}: at least one object, each with
-- condition Ready=True for its current spec (HelmReleases, Kustomizations).
function M.ready(a)
  local what = a.kind .. (a.name and (" " .. a.name) or "") .. (a.namespace and (" in " .. a.namespace) or "")
  local expected = "at least one, each Ready=True"
  local p = ev.pending(what, expected)
  if p then return { p } end
  local items, err, cmd = M.list{ kind = a.kind, namespace = a.namespace }
  local where = what .. " (`" .. cmd .. "`)"
  if not items then return { ev.observation(false, where, expected, err) } end
  local good, bad = {}, {}
  for _, o in ipairs(items) do
    if not a.name or (o.metadata and o.metadata.name == a.name) then
      local ready
      for _, cond in ipairs(o.status and o.status.conditions or {}) do
        if cond.type == "Ready" then ready = cond end
      end
      local stale = ready and ready.status == "True" and M.stale(o, ready)
      if ready and ready.status == "True" and not stale then
        good[#good + 1] = name_of(o)
      elseif stale then
        bad[#bad + 1] = name_of(o) .. ": " .. stale
      else
        bad[#bad + 1] = name_of(o) .. ": " .. (ready and ("Ready=" .. tostring(ready.status) ..
          ((ready.message or ready.reason) and (" (" .. (ready.message or ready.reason) .. ")") or ""))
          or "no Ready condition")
      end
    end
  end
  local seen = #good + #bad == 0 and "none" or #bad > 0 and table.concat(bad, "; ")
    or ("%d Ready: %s"):format(#good, table.concat(good, ", "))
  return { ev.observation(#good > 0 and #bad == 0, where, expected, seen) }
end

return M
