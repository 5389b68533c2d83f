-- workloads.lua - which pods a criterion speaks of, from infraexec.yaml:
-- the namespace and label selector of an app's releases (apps.lua), never
-- a guess from pod names.  A target is {what, namespace, selector, images}.
local ix = require "infraexec"
local apps = require "infraexec.apps"
local project = require "infraexec.project"
local registry = require "infraexec.registry"

local M = {}

local function at(doc, text, path)
  return (ix.yaml_get(text, path, doc))
end

-- The project's IMAGES as the pods must name them: at registry.address
-- when one is configured (another registry's ffl/backend is not the image
-- the project pushed).
local function at_registry(images)
  local address = registry.address()
  if not address then return images end
  local out = {}
  for i, image in ipairs(images) do out[i] = address .. "/" .. image end
  return out
end

-- RELEASE of APP as a target, with its name and namespace from its
-- document when the config leaves them out; or nil and why.
local function target(app, release, i)
  local key = ("gitops.apps.%s.releases[%d]"):format(app.name, i - 1)
  local name, namespace = release.name, release.namespace
  local text = ix.read_file(release.file)
  local doc = text and apps.document(release, text)
  if doc then
    name = name or at(doc, text, "metadata.name")
    namespace = namespace or at(doc, text, "spec.targetNamespace") or at(doc, text, "metadata.namespace")
  end
  local label = ("release %s of app %s"):format(name or release.file, app.name)
  if not namespace or not release.selector then
    return nil, ("%s (%s) gives no %s in infraexec.yaml: infraexec reads only the pods the config selects"):format(
      key, label, not namespace and "namespace" or "selector"), name
  end
  local p = app.project and project.get(app.project)
  return { what = "pods of " .. label, name = name, namespace = namespace, selector = release.selector,
           images = p and type(p.images) == "table" and #p.images > 0 and at_registry(p.images) or nil }, nil, name
end

-- The targets of app NAME, one per distinct namespace and selector; or nil
-- and why.  With RELEASE, only the release of that name ("backend" also
-- finds "ffl-backend" of app ffl).
function M.app(name, release)
  local app, err = apps.get(name)
  if not app then return nil, err end
  local out, seen, want = {}, {}, release and release:lower()
  for i, r in ipairs(app.releases) do
    local t, why, rname = target(app, r, i)
    rname = rname and rname:lower()
    local wanted = not want or rname == want or rname == app.name .. "-" .. want
    if wanted and not t then return nil, why end
    if wanted and not seen[t.namespace .. " " .. t.selector] then
      seen[t.namespace .. " " .. t.selector] = true
      out[#out + 1] = t
    end
  end
  if #out == 0 then
    return nil, ("app %s has no release %s in infraexec.yaml"):format(app.name, tostring(release))
  end
  if #out == 1 and not release then out[1].what = "pods of app " .. app.name end
  return out
end

local function app_names()
  local names = {}
  for k in pairs((ix.config().gitops or {}).apps or {}) do names[#names + 1] = k end
  table.sort(names)
  return names
end

-- The target of the release NAME ("midwestmtg-backend": a release whose
-- name or document metadata.name that is, in any app), or of the app
-- NAME; or nil and why.
function M.release(name)
  local low = name:lower()
  for _, a in ipairs(app_names()) do
    if a:lower() == low then return M.app(a) end
    local app = apps.get(a)
    for i, r in ipairs(app and app.releases or {}) do
      local t, why, rname = target(app, r, i)
      if rname and rname:lower() == low then
        if not t then return nil, why end
        return { t }
      end
    end
  end
  local names = app_names()
  return nil, ("needs a person: no app or release %s in infraexec.yaml (gitops.apps: %s), so infraexec does not know "
    .. "which pods are its"):format(name, #names > 0 and table.concat(names, ", ") or "none")
end

-- The targets of every app of infraexec.yaml (a claim on "all application
-- pods"); or nil and why (an app without namespace or selector).
function M.all()
  local out = {}
  for _, name in ipairs(app_names()) do
    local list, why = M.app(name)
    if not list then return nil, "needs a person: " .. why end
    for _, t in ipairs(list) do out[#out + 1] = t end
  end
  if #out == 0 then return nil, "needs a person: no gitops.apps in infraexec.yaml, so no pod is known as an app's" end
  return out
end

-- The requirements of a label selector ("app=ffl,tier!=db,env in (a,b),
-- !legacy"), split at the commas outside parentheses.
local function requirements(selector)
  local out, depth, cur = {}, 0, {}
  for ch in selector:gmatch(".") do
    if ch == "(" then depth = depth + 1 elseif ch == ")" then depth = depth - 1 end
    if ch == "," and depth == 0 then out[#out + 1] = table.concat(cur); cur = {}
    else cur[#cur + 1] = ch end
  end
  out[#out + 1] = table.concat(cur)
  return out
end

-- Whether SELECTOR selects a pod with LABELS (a map), as the API server
-- does; a requirement infraexec cannot read selects nothing, so a pod is
-- never taken as covered on a guess.
function M.selects(selector, labels)
  labels = type(labels) == "table" and labels or {}
  for _, req in ipairs(requirements(selector)) do
    req = req:match("^%s*(.-)%s*$")
    local k, op, v = req:match("^([%w%._/%-]+)%s*([!=]=?)%s*([%w%._%-]*)$")
    local sk, sop, set = req:match("^([%w%._/%-]+)%s+(%a+)%s*%((.-)%)$")
    if k and op ~= "!" then
      local have = labels[k]
      if op == "!=" then
        if have == v then return false end
      elseif have ~= v then return false end
    elseif sk and (sop == "in" or sop == "notin") then
      local found = false
      for item in set:gmatch("[^,%s]+") do found = found or labels[sk] == item end
      if found ~= (sop == "in") then return false end
    elseif req:match("^![%w%._/%-]+$") then
      if labels[req:sub(2)] ~= nil then return false end
    elseif req:match("^[%w%._/%-]+$") then
      if labels[req] == nil then return false end
    else
      return false
    end
  end
  return true
end

-- The namespaces whose pods are the cluster's own, not an app's
-- (kube.system; default kube-system, kube-public, kube-node-lease,
-- flux-system), as a set.
function M.system()
  local list = (ix.config().kube or {}).system or { "kube-system", "kube-public", "kube-node-lease", "flux-system" }
  local out = {}
  for _, ns in ipairs(list) do out[ns] = true end
  return out
end

-- "NS/POD (labels k=v, ...)" of each pod of PODS outside M.system() that
-- no target of TARGETS selects: an app pod infraexec.yaml does not place.
function M.uncovered(pods, targets)
  local system, out = M.system(), {}
  for _, pod in ipairs(pods) do
    local md = type(pod.metadata) == "table" and pod.metadata or {}
    local ns = md.namespace or "default"
    local hit = system[ns] or false
    for _, t in ipairs(targets) do
      hit = hit or (t.namespace == ns and M.selects(t.selector, md.labels))
    end
    if not hit then
      local labels = {}
      for k, v in pairs(type(md.labels) == "table" and md.labels or {}) do labels[#labels + 1] = k .. "=" .. tostring(v) end
      table.sort(labels)
      out[#out + 1] = ("%s/%s (labels %s)"):format(ns, tostring(md.name or "?"),
        #labels > 0 and table.concat(labels, ",") or "none")
    end
  end
  table.sort(out)
  return out
end

-- The apps the task names (a whole word of its title, labels or criteria),
-- sorted; or nil and why, as "needs a person: ...".
function M.of_task()
  local t = ix.task()
  local text = { t.title or "" }
  for _, l in ipairs(t.labels or {}) do text[#text + 1] = l end
  for _, c in ipairs(t.criteria or {}) do text[#text + 1] = c.text end
  local low = table.concat(text, " "):lower()
  local names, all = {}, app_names()
  for _, a in ipairs(all) do
    if low:find("%f[%w]" .. a:lower():gsub("%p", "%%%0") .. "%f[^%w]") then names[#names + 1] = a end
  end
  if #names == 0 then
    return nil, ("needs a person: the criterion names no app, namespace or selector, and the task names no app of "
      .. "infraexec.yaml (gitops.apps: %s); infraexec does not widen it to the whole cluster"):format(
        #all > 0 and table.concat(all, ", ") or "none")
  end
  return names
end

return M
