-- targets.lua - the apps and releases a cluster criterion speaks of
-- (sealed secrets, Jobs, Services), read through apps.lua, each release
-- with its name and namespace: from infraexec.yaml, else from its
-- HelmRelease document.  A name the config does not know is refused with
-- the known ones, never matched loosely ("frontend" is no release).
local ix = require "infraexec"
local apps = require "infraexec.apps"
local mentions = require "infraexec.mentions"

local M = {}

-- The config key of release I (1-based) of APP, for reasons.
function M.key(app, i, field)
  return ("gitops.apps.%s.releases[%d].%s"):format(app, i - 1, field)
end

-- Release I of APP (from apps.get) with `app`, `index`, `name` and
-- `namespace` filled in; or nil and why.
local function release(app, r, i)
  local out = { app = app.name, index = i }
  for k, v in pairs(r) do out[k] = v end
  if not out.name or not out.namespace then
    local text, err = ix.read_file(r.file)
    if not text then return nil, err end
    local d, why = apps.document(r, text)
    if not d then return nil, why end
    for _, k in ipairs{ "name", "namespace" } do
      local v = ix.yaml_get(text, "metadata." .. k, d)
      if out[k] == nil and v and v ~= "" then out[k] = v end
    end
  end
  for _, k in ipairs{ "name", "namespace" } do
    if not out[k] then
      return nil, ("%s: no metadata.%s in document %s; set %s"):format(r.file, k, r.document, M.key(app.name, i, k))
    end
  end
  return out
end

-- The app NAME with its releases resolved; or nil and why.
function M.app(name)
  local a, err = apps.get(name)
  if not a then return nil, err end
  for i, r in ipairs(a.releases) do
    local full, why = release(a, r, i)
    if not full then return nil, why end
    a.releases[i] = full
  end
  return a
end

-- The names of every app of the config, sorted.
function M.names()
  local out = {}
  for k in pairs((ix.config().gitops or {}).apps or {}) do out[#out + 1] = k end
  table.sort(out)
  return out
end

-- Every app, resolved; or nil and why.
function M.all()
  local out = {}
  for _, n in ipairs(M.names()) do
    local a, err = M.app(n)
    if not a then return nil, err end
    out[#out + 1] = a
  end
  if #out == 0 then return nil, "no gitops.apps in infraexec.yaml" end
  return out
end

-- What NAME names: {app = A} for an app (all its releases), {app = A,
-- release = R} for a release (by its HelmRelease name); or nil and why.
function M.named(name)
  local all, err = M.all()
  if not all then return nil, err end
  local low = name:lower()
  local releases = {}
  for _, a in ipairs(all) do
    if a.name == low then return { app = a } end
    for _, r in ipairs(a.releases) do
      if r.name:lower() == low then return { app = a, release = r } end
      releases[#releases + 1] = r.name
    end
  end
  table.sort(releases)
  return nil, ("%s is no app or release in infraexec.yaml (apps: %s; releases: %s)"):format(
    name, table.concat(M.names(), ", "), #releases > 0 and table.concat(releases, ", ") or "none")
end

-- The apps and releases of the config that TEXT names besides OURS (names,
-- any case): "midwestmtg-backend pods running - and midwestmtg-frontend"
-- claims the frontend too, which reading the backend alone would tick
-- unseen.  A name is whole: "midwestmtg" is not named by
-- "midwestmtg-backend".  The app of a release in OURS is ours too, and so
-- is every release of an app in OURS.  Sorted.
function M.also_named(text, ours)
  local mine = {}
  for _, n in ipairs(ours) do mine[n:lower()] = true end
  local groups = {}
  for _, a in ipairs(M.names()) do
    local app = M.app(a)
    local names = { a:lower() }
    for _, r in ipairs(app and app.releases or {}) do names[#names + 1] = r.name:lower() end
    groups[#groups + 1] = names
    for _, n in ipairs(names) do
      if mine[n] then
        for _, m in ipairs(n == names[1] and names or { names[1] }) do mine[m] = true end
      end
    end
  end
  local low, out, seen = " " .. text:lower() .. " ", {}, {}
  for _, names in ipairs(groups) do
    for _, n in ipairs(names) do
      if not mine[n] and not seen[n] and low:find("%f[%w%-]" .. n:gsub("%p", "%%%0") .. "%f[^%w%-]") then
        seen[n] = true
        out[#out + 1] = n
      end
    end
  end
  table.sort(out)
  return out
end

-- Why criterion TEXT claims more than a change to FILE (of NAMES, the
-- entries it removes): an app or release its prose names that neither
-- FILE's path nor NAMES does ("Set spec.interval to 7m in
-- apps/ffl/helmrelease.yaml (and in midwestmtg's)"); or nil.
function M.beyond_change(text, file, names)
  local ours = M.also_named(file, {})
  for _, n in ipairs(names or {}) do ours[#ours + 1] = n end
  local prose = mentions.prose(text):gsub(file:gsub("%p", "%%%0"), " ")
  local others = M.also_named(prose, ours)
  if #others == 0 then return nil end
  return ("needs a person: the criterion names %s too; the rule changes only %s"):format(
    table.concat(others, ", "), file)
end

return M
