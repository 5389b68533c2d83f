-- observe/kube.lua - the cluster read through `kubectl get ... -o json`
-- with the configured context and kubeconfig (kube.context,
-- kube.kubeconfig); read-only, so it runs in a dry run too.  Never applies.
local ix = require "infraexec"
require "infraexec.sections" -- its section of infraexec.yaml is declared there
local ev = require "infraexec.core.evidence"
local shell = require "infraexec.lib.shell"
local stamp = require "infraexec.lib.stamp"

local M = {}

local kinds = require "infraexec.lib.kinds"
M.HELMRELEASES, M.KUSTOMIZATIONS = kinds.HELMRELEASES, kinds.KUSTOMIZATIONS

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
  if not r.ok then return nil, M.failure(r), text end
  local doc, err = ix.json_decode(r.output)
  if not doc then return nil, "kubectl answer is not JSON: " .. err, text end
  return doc.items or {}, nil, text
end

-- Why kubectl run R failed.  A Forbidden on Secrets is the runner's RBAC:
-- deploy/kubernetes/rbac.yaml grants no `list secrets` unless opted in.
function M.failure(r)
  local text = shell.failure(r)
  if text:find("[Ff]orbidden") and text:find("secrets") then
    return "forbidden: the runner may not list secrets; see docs/deploy.md (Secrets) [" .. text .. "]"
  end
  return "kubectl failed: " .. text
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

-- The seconds between the two reads of pods (kube.settle: 90, 10s, 2m;
-- default 10s): long enough for a crash-looping container to restart.
local function seconds(v, default)
  local n, unit = tostring(v or default):match("^(%d+%.?%d*)%s*([smhd]?)$")
  return (tonumber(n) or 0) * ({ [""] = 1, s = 1, m = 60, h = 3600, d = 86400 })[unit or ""]
end
function M.settle() return seconds((ix.config().kube or {}).settle, "10s") end

-- How long a container must have run without a crash to be healthy
-- (kube.stable, default 5m; never less than the settle time): a
-- crash-looping container read between two crashes is Running and Ready
-- and its restartCount need not climb while it is read.
function M.stable() return math.max(seconds((ix.config().kube or {}).stable, "5m"), M.settle()) end

-- "container C restarted N times, last terminated Error (exit 1) 20s ago"
-- when CS (a containerStatus) crashed or (re)started within WINDOW
-- seconds, or when its times cannot be read; nil when it has run longer.
local function unstable(cs, window)
  local c = "container " .. tostring(cs.name or "?")
  local last = type(cs.lastState) == "table" and type(cs.lastState.terminated) == "table" and cs.lastState.terminated
  if last then
    local age = stamp.age(last.finishedAt)
    if not age or age < window then
      return ("%s restarted %d times, last terminated %s (exit %s) %s, within kube.stable %s"):format(
        c, tonumber(cs.restartCount) or 0, tostring(last.reason or "?"), tostring(last.exitCode or "?"),
        age and (stamp.ago(age) .. " ago") or ("at unreadable time " .. tostring(last.finishedAt)), stamp.ago(window))
    end
  end
  local running = type(cs.state) == "table" and type(cs.state.running) == "table" and cs.state.running
  if running then
    local age = stamp.age(running.startedAt)
    if not age or age < window then
      return ("%s running only since %s (restarted %d times), less than kube.stable %s"):format(
        c, age and (stamp.ago(age) .. " ago") or ("unreadable " .. tostring(running.startedAt)),
        tonumber(cs.restartCount) or 0, stamp.ago(window))
    end
  end
  return nil
end

local function wait(seconds)
  if seconds <= 0 then return true end
  local r = ix.run{ argv = { "sleep", tostring(seconds) }, timeout = seconds + 30, retries = 0, read_only = true }
  return r.ok, r.ok or ("sleep failed: " .. shell.failure(r))
end

-- The tag of IMAGE ("reg/ffl/backend:0.1.18@sha256:..." -> "0.1.18") and
-- its repository without registry or tag ("ffl/backend").
local function tag_of(image)
  return (tostring(image or ""):gsub("@.*$", ""):match(":([^:/]+)$"))
end
local function repository_of(image)
  local r = tostring(image or ""):gsub("@.*$", ""):gsub(":[^:/]+$", "")
  return r
end

-- Whether IMAGES names a registry: its first part is a host ("127.0.0.1:5000",
-- "reg.example", "localhost"), as the container runtime reads a reference.
local function qualified(image)
  local first = image:match("^([^/]+)/")
  return first ~= nil and (first:find("[.:]") ~= nil or first == "localhost")
end

-- Whether IMAGE's repository is one of IMAGES ("ffl/backend" matches
-- "127.0.0.1:5000/ffl/backend", not "ffl/backend-old"); a want with its
-- registry ("127.0.0.1:5000/ffl/backend") matches only that registry's.
local function one_of(image, images)
  local r = repository_of(image)
  for _, want in ipairs(images) do
    if r == want or (not qualified(want) and r:sub(-#want - 1) == "/" .. want) then return true end
  end
  return false
end

-- The tag is the version itself: ":0.1.1" is a prefix of ":0.1.18", not it;
-- "v0.1.18" and "0.1.18" name one version.
local function at_version(image, version)
  local tag = tag_of(image)
  return tag ~= nil and tag:gsub("^v", "") == version:gsub("^v", "")
end

-- What is wrong with POD, as a list of "container C ..." (empty: nothing):
-- not Running, not Ready, a container waiting (its reason) or not ready;
-- with A.version, a container of A.images (every container without
-- images) whose image is not tagged with it.
local function pod_problems(pod, a, window)
  local st = pod.status or {}
  local out = {}
  local statuses = st.containerStatuses or {}
  if (st.phase or "Unknown") ~= "Running" then out[#out + 1] = "phase " .. tostring(st.phase or "Unknown") end
  if #statuses == 0 then out[#out + 1] = "no container status" end
  local counted = 0
  for _, cs in ipairs(statuses) do
    local c = "container " .. tostring(cs.name or "?")
    local waiting = cs.state and cs.state.waiting
    if waiting and waiting.reason then
      out[#out + 1] = c .. " waiting: " .. tostring(waiting.reason)
    elseif not cs.ready then
      out[#out + 1] = c .. " not ready"
    else
      out[#out + 1] = unstable(cs, window)
    end
    if a.version and (not a.images or one_of(cs.image, a.images)) then
      counted = counted + 1
      if not at_version(cs.image, a.version) then
        out[#out + 1] = ("%s runs %s, expected version %s"):format(c, tostring(cs.image), a.version)
      end
    end
  end
  if a.version and a.images and #statuses > 0 and counted == 0 then
    out[#out + 1] = "no container runs " .. table.concat(a.images, " or ")
  end
  local ready
  for _, cond in ipairs(st.conditions or {}) do
    if cond.type == "Ready" then ready = cond.status end
  end
  if #out == 0 and ready ~= "True" then out[#out + 1] = "condition Ready=" .. tostring(ready or "absent") end
  return out
end

-- "NS/POD/CONTAINER" -> restartCount, for ITEMS (pods).
local function restarts(items)
  local out = {}
  for _, pod in ipairs(items) do
    for _, cs in ipairs(pod.status and pod.status.containerStatuses or {}) do
      out[name_of(pod) .. "/" .. tostring(cs.name)] = tonumber(cs.restartCount) or 0
    end
  end
  return out
end

-- One target of pods{}: its observation from the two reads.
local function judge(t, settle, first, items, where, expected, window)
  local scope = (t.namespace and ("in namespace " .. t.namespace) or "in all namespaces")
    .. (t.selector and (" with selector " .. t.selector) or "")
  if #items == 0 then return ev.observation(false, where, expected, "no pod " .. scope) end
  local before, bad, good = restarts(first), {}, {}
  for _, pod in ipairs(items) do
    local problems = pod_problems(pod, t, window)
    for _, cs in ipairs(pod.status and pod.status.containerStatuses or {}) do
      local was, now = before[name_of(pod) .. "/" .. tostring(cs.name)], tonumber(cs.restartCount) or 0
      if was and now > was then
        problems[#problems + 1] = ("container %s restarts climbing: %d then %d within %gs"):format(
          tostring(cs.name), was, now, settle)
      end
    end
    if #problems > 0 then
      bad[#bad + 1] = name_of(pod) .. ": " .. table.concat(problems, ", ")
    else
      good[#good + 1] = name_of(pod)
    end
  end
  local seen = #bad > 0 and table.concat(bad, "; ")
    or ("%d Running and Ready, restarts steady: %s"):format(#good, table.concat(good, ", "))
  return ev.observation(#bad == 0, where, expected, seen)
end

-- pods{[namespace], [selector], [version], [images], [what]} or
-- pods{targets = {those, ...}}, [settle]: for each target the pods its
-- namespace and selector select (all namespaces without NAMESPACE: only
-- for a claim on the whole cluster), read twice SETTLE seconds apart
-- (default M.settle()): at least one, each Running and Ready with every
-- container ready and running for M.stable() without a crash in it, no
-- restartCount climbing between the reads, and with
-- VERSION every container of IMAGES (else every container) at it.  One
-- observation per target.
function M.pods(a)
  local settle = a.settle or M.settle()
  local window = math.max(a.stable or M.stable(), settle)
  local targets = a.targets or { a }
  local out, reads = {}, {}
  for i, t in ipairs(targets) do
    local scope = (t.namespace and ("in namespace " .. t.namespace) or "in all namespaces")
      .. (t.selector and (" with selector " .. t.selector) or "")
    local what = t.what or ("pods " .. scope)
    local expected = ("at least one pod %s, all Running and Ready, no crash or start within %s, restarts steady over %gs"):format(
      scope, stamp.ago(window), settle)
      .. (t.version and (", images at " .. t.version) or "")
    local p = ev.pending(what, expected)
    if p then return { p } end
    local query = { kind = "pods", namespace = t.namespace, selector = t.selector }
    local first, err, cmd = M.list(query)
    reads[i] = { query = query, first = first, where = what .. " (`" .. cmd .. "`, twice)", expected = expected }
    if not first then out[i] = ev.observation(false, reads[i].where, expected, err) end
  end
  -- Nothing to compare when no first read succeeded (no context, kubectl failing).
  local ok, why = true, nil
  for i in ipairs(targets) do
    if not out[i] then ok, why = wait(settle) break end
  end
  for i, t in ipairs(targets) do
    local r = reads[i]
    if not out[i] then
      local items, err = nil, why
      if ok then items, err = M.list(r.query) end
      if not items then out[i] = ev.observation(false, r.where, r.expected, err)
      else out[i] = judge(t, settle, r.first, items, r.where, r.expected, window) end
    end
  end
  return out
end

-- none_waiting{reasons = {"CrashLoopBackOff", ...} [, namespace]}: no
-- container (in NAMESPACE, else in any) waits for one of those reasons.
function M.none_waiting(a)
  local wanted = {}
  for _, r in ipairs(a.reasons) do wanted[r] = true end
  local expected = "no container waiting in " .. table.concat(a.reasons, " or ")
  if #a.reasons == 0 then return { ev.observation(false, "the criterion", "a waiting reason such as CrashLoopBackOff", "none named") } end
  local what = "pods " .. (a.namespace and ("in namespace " .. a.namespace)
    or "in all namespaces (the criterion names no namespace)")
  local p = ev.pending(what, expected)
  if p then return { p } end
  local items, err, cmd = M.list{ kind = "pods", namespace = a.namespace }
  local where = what .. " (`" .. cmd .. "`)"
  if not items then return { ev.observation(false, where, expected, err) } end
  -- No pod in a namespace that does not exist says nothing (a misspelt name).
  if a.namespace and #items == 0 then
    local spaces, serr = M.list{ kind = "namespaces" }
    local found = false
    for _, n in ipairs(spaces or {}) do found = found or (n.metadata and n.metadata.name == a.namespace) end
    if not found then
      return { ev.observation(false, where, expected, spaces and ("no namespace " .. a.namespace) or serr) }
    end
  end
  local bad = {}
  for _, pod in ipairs(items) do
    for _, cs in ipairs(pod.status and pod.status.containerStatuses or {}) do
      local w = cs.state and cs.state.waiting
      if w and wanted[w.reason] then
        bad[#bad + 1] = ("%s: container %s waiting: %s"):format(name_of(pod), tostring(cs.name), w.reason)
      end
    end
  end
  return { ev.observation(#bad == 0, where, expected,
    #bad == 0 and ("none of %d pods"):format(#items) or table.concat(bad, "; ")) }
end

-- The namespaced kinds "no resources in NS" speaks of: what `kubectl get
-- all` lists, the Flux and sealed-secrets objects an app leaves, and its
-- volume claims (its data) and ingresses (its exposure).  Not
-- ConfigMaps, ServiceAccounts or Secrets: Kubernetes puts
-- kube-root-ca.crt and the default ServiceAccount in every namespace.
M.NAMESPACED = { "pods", "services", "deployments.apps", "replicasets.apps", "statefulsets.apps",
                 "daemonsets.apps", "jobs.batch", "cronjobs.batch", M.HELMRELEASES, M.KUSTOMIZATIONS,
                 "sealedsecrets.bitnami.com", "configmaps", "serviceaccounts",
                 "roles.rbac.authorization.k8s.io", "rolebindings.rbac.authorization.k8s.io",
                 "gitrepositories.source.toolkit.fluxcd.io", "helmrepositories.source.toolkit.fluxcd.io",
                 "helmcharts.source.toolkit.fluxcd.io", "ocirepositories.source.toolkit.fluxcd.io",
                 "persistentvolumeclaims", "ingresses.networking.k8s.io" }
-- What Kubernetes itself puts in every namespace, and a service account's token.
local BUILTIN = { ["ConfigMap kube-root-ca.crt"] = true, ["ServiceAccount default"] = true,
                  ["kubernetes.io/service-account-token"] = true }

-- The "Secret NAME" of each Secret in NAMESPACE that is not a service
-- account's token, by name and type only (their data stays out of logs);
-- or nil and why.
local function secrets_in(namespace)
  local k = ix.config().kube or {}
  local argv = { "kubectl", "--context=" .. tostring(k.context), "get", "secrets", "--namespace=" .. namespace,
                 "--output=custom-columns=NAME:.metadata.name,TYPE:.type", "--no-headers" }
  local r = ix.run{ argv = argv, env = k.kubeconfig and { KUBECONFIG = k.kubeconfig } or nil, timeout = 60, read_only = true }
  if not r.ok then return nil, M.failure(r) end
  local out = {}
  for name, type_ in r.output:gmatch("(%S+)%s+(%S+)") do
    if not BUILTIN[type_] then out[#out + 1] = "Secret " .. name end
  end
  return out
end

-- namespace_empty{namespace}: no object of M.NAMESPACED in NAMESPACE (a
-- namespace that does not exist holds none, and the evidence says so).
function M.namespace_empty(a)
  local expected = "no " .. table.concat(M.NAMESPACED, ", ") .. ", secrets (what Kubernetes makes aside)"
  local what = "namespace " .. a.namespace
  local p = ev.pending(what, expected)
  if p then return { p } end
  local spaces, err, cmd = M.list{ kind = "namespaces" }
  if not spaces then return { ev.observation(false, what .. " (`" .. cmd .. "`)", "the namespaces", err) } end
  local exists
  for _, n in ipairs(spaces) do
    if n.metadata and n.metadata.name == a.namespace then exists = n end
  end
  local items
  items, err, cmd = M.list{ kind = table.concat(M.NAMESPACED, ","), namespace = a.namespace }
  local where = what .. " (`" .. cmd .. "`)"
  if not items then return { ev.observation(false, where, expected, err) } end
  local names = {}
  for _, o in ipairs(items) do
    local n = tostring(o.kind) .. " " .. tostring(o.metadata and o.metadata.name)
    if not BUILTIN[n] then names[#names + 1] = n end
  end
  local secrets, serr = secrets_in(a.namespace)
  if not secrets then return { ev.observation(false, where, expected, serr) } end
  for _, s in ipairs(secrets) do names[#names + 1] = s end
  local seen
  if #names > 0 then seen = table.concat(names, ", ")
  elseif not exists then seen = "none: namespace " .. a.namespace .. " does not exist"
  else seen = ("none (namespace %s exists, %s)"):format(a.namespace,
    tostring(exists.status and exists.status.phase or "no phase")) end
  return { ev.observation(#names == 0, where, expected, seen) }
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
