-- workloads.lua - which pods a criterion speaks of, from infraexec.yaml:
-- the namespace and label selector of an app's releases (apps.lua), never
-- a guess from pod names.  A target is {what, namespace, selector, images}.
local ix = require "infraexec"
local apps = require "infraexec.apps"
local project = require "infraexec.project"

local M = {}

local function at(doc, text, path)
  local ok, v = pcall(ix.yaml_get, text, path, doc)
  return ok and v or nil
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
           images = p and type(p.images) == "table" and #p.images > 0 and p.images or nil }, nil, name
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
