-- observe/objects.lua - a claim about cluster objects, checked on the
-- objects themselves (kubectl get ... -o json through observe/kube.lua):
-- every object Ready, Synced or Complete (for its current spec), a number of them, or none left.
-- What the generic rule turns `kubectl get ...` / `flux get ...` into.
local ev = require "infraexec.core.evidence"
local kube = require "infraexec.observe.kube"

local M = {}

local function name_of(o)
  local md = o.metadata or {}
  return (md.namespace and (md.namespace .. "/") or "") .. (md.name or "?")
end

local function condition(o, type_)
  for _, cond in ipairs(o.status and o.status.conditions or {}) do
    if cond.type == type_ then return cond end
  end
  return nil
end

-- What keeps object O (a pod when POD) from STATE ("ready", "synced", "complete"), or nil.
local function problem(o, state, pod)
  if state == "ready" and pod then
    local st = o.status or {}
    for _, cs in ipairs(st.containerStatuses or {}) do
      local w = cs.state and cs.state.waiting
      if w and w.reason then return w.reason end
      if not cs.ready then return "container " .. (cs.name or "?") .. " not ready" end
    end
    if st.phase ~= "Running" then return tostring(st.phase or "no phase") end
    if #(st.containerStatuses or {}) == 0 then return "no container status" end
    return nil
  end
  if state == "complete" and pod then
    local phase = o.status and o.status.phase
    return phase ~= "Succeeded" and tostring(phase or "no phase") or nil
  end
  local type_ = ({ ready = "Ready", synced = "Synced", complete = "Complete" })[state]
  local cond = condition(o, type_)
  if cond and cond.status == "True" then return kube.stale(o, cond) end
  return cond and (type_ .. "=" .. tostring(cond.status) .. ((cond.message or cond.reason)
    and (" (" .. tostring(cond.message or cond.reason) .. ")") or "")) or ("no " .. type_ .. " condition")
end

-- claim{kind, [namespace], [selector], [names], [workload], state, [count]}:
-- STATE is "ready", "synced", "complete" (at least one object, each so;
-- exactly COUNT when given) or "absent" (none).  NAMES keeps only those
-- objects; WORKLOAD the pods of a workload (name or name-...).
function M.claim(a)
  local expected = a.state == "absent" and "no object"
    or ((a.count and ("exactly " .. a.count) or "at least one") .. ", each " .. a.state)
  local what = a.kind .. (a.namespace and (" in " .. a.namespace) or " in all namespaces")
  local p = ev.pending(what, expected)
  if p then return { p } end
  local items, err, cmd = kube.list{ kind = a.kind, namespace = a.namespace, selector = a.selector }
  local where = what .. " (`" .. cmd .. "`)"
  if not items then return { ev.observation(false, where, expected, err) } end
  local keep = {}
  for _, o in ipairs(items) do
    local n = o.metadata and o.metadata.name or ""
    local wanted = true
    if a.names and #a.names > 0 then
      wanted = false
      for _, x in ipairs(a.names) do wanted = wanted or n == x end
    end
    if a.workload then wanted = wanted and (n == a.workload or n:sub(1, #a.workload + 1) == a.workload .. "-") end
    if wanted then keep[#keep + 1] = o end
  end
  if a.state == "absent" then
    local names = {}
    for _, o in ipairs(keep) do names[#names + 1] = name_of(o) end
    return { ev.observation(#keep == 0, where, expected, #keep == 0 and "none" or table.concat(names, ", ")) }
  end
  local good, bad = {}, {}
  for _, o in ipairs(keep) do
    local why = problem(o, a.state, a.kind == "pods")
    if why then bad[#bad + 1] = name_of(o) .. ": " .. why else good[#good + 1] = name_of(o) end
  end
  local ok = #good > 0 and #bad == 0 and (not a.count or #good == a.count)
  local seen
  if #keep == 0 then seen = "none"
  elseif #bad > 0 then seen = table.concat(bad, "; ")
  else seen = ("%d %s: %s"):format(#good, a.state, table.concat(good, ", ")) end
  return { ev.observation(ok, where, expected, seen) }
end

return M
