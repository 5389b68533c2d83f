-- apps.lua - the apps of infraexec.yaml (gitops.apps) in one shape,
-- whichever form the config uses: an app is a list of releases, each a
-- document of a file in the GitOps repository (docs/config.md).
local ix = require "infraexec"

local M = {}

-- The app NAME: {name, project, namespace, selector, health, kustomization, jobs,
-- releases = {{file, document, name, namespace, tags, selector, health,
-- service, jobs, proxy}}},
-- the one-release form (helmrelease + tags) read as a list of one; or nil
-- and why.  `document` is a metadata.name or a 0-based index (default 0);
-- `name` and `namespace` may be nil when the document itself says them.
function M.get(name)
  local g = ix.config().gitops
  if not g or not g.path then return nil, "no gitops.path in infraexec.yaml" end
  local apps = g.apps or {}
  local a = apps[name] or apps[name:lower()]
  if not a then
    local known = {}
    for k in pairs(apps) do known[#known + 1] = k end
    table.sort(known)
    return nil, ("no gitops.apps.%s in infraexec.yaml (apps: %s)"):format(
      name:lower(), #known > 0 and table.concat(known, ", ") or "none")
  end
  local list = a.releases
  if not list then
    if not a.helmrelease or not a.tags then
      return nil, ("gitops.apps.%s needs releases (or helmrelease and tags) in infraexec.yaml"):format(name:lower())
    end
    list = { { file = a.helmrelease, tags = a.tags } }
  end
  local releases = {}
  for i, r in ipairs(list) do
    if not r.file then
      return nil, ("gitops.apps.%s.releases[%d] has no file in infraexec.yaml"):format(name:lower(), i - 1)
    end
    releases[i] = {
      file = r.file, document = r.document or "0", name = r.name,
      namespace = r.namespace or a.namespace, tags = r.tags or {},
      selector = r.selector or a.selector, health = r.health or {},
      service = r.service, jobs = r.jobs, proxy = r.proxy or {},
    }
  end
  return {
    name = name:lower(), project = a.project, namespace = a.namespace,
    selector = a.selector, health = a.health or {},
    kustomization = a.kustomization or g.kustomization, jobs = a.jobs, releases = releases,
  }
end

-- The 0-based document index a release's `document` names in TEXT (a
-- metadata.name, or a number), or nil and why.  A name that two documents
-- carry (a HelmRelease and its ConfigMap) names neither.
function M.document(release, text)
  local d = release.document
  if d:match("^%d+$") then return tonumber(d) end
  local hits = {}
  for i = 0, 255 do
    local n, nerr = ix.yaml_get(text, "metadata.name", i)
    if n == d then hits[#hits + 1] = i end
    -- Past the last document; a document without a name is skipped.
    if not n and nerr:find(": no document %d+") then break end
  end
  if #hits == 1 then return hits[1] end
  if #hits > 1 then
    local list = {}
    for _, i in ipairs(hits) do list[#list + 1] = tostring(i) end
    return nil, ("%s has %d documents with metadata.name %s (documents %s); set document to an index"):format(
      release.file, #hits, d, table.concat(list, ", "))
  end
  return nil, ("%s has no document with metadata.name %s"):format(release.file, d)
end

-- How evidence names a release: "FILE document D".
function M.describe(release, doc)
  local d = release.document
  if doc and tostring(doc) ~= d then d = ("%s (%d)"):format(d, doc) end
  return ("%s document %s"):format(release.file, d)
end

return M
