-- observe/registry.lua - what the registry of infraexec.yaml holds, asked
-- through its API with TLS verified against the configured CA.  Each
-- function returns observations (infraexec.core.evidence); none changes anything.
local ix = require "infraexec"
local ev = require "infraexec.core.evidence"
local registry = require "infraexec.registry"

local M = {}

local MANIFEST_TYPES = table.concat({
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
}, ", ")

-- Where PATH is asked: the URL, or, with no registry configured, what is
-- missing (not "https://nil/...", which reads like an address).
local function url(path)
  local addr = registry.address()
  if not addr then return path .. " of the registry (no registry.address in infraexec.yaml)" end
  return "https://" .. addr .. path
end

-- The tags of IMAGE: a list, or nil and what the registry said.
function M.tag_list(image)
  local resp, err = registry.request("/v2/" .. image .. "/tags/list")
  if not resp then return nil, err end
  if resp.status == 404 then return {} end
  if resp.status ~= 200 then return nil, ("HTTP %d"):format(resp.status) end
  local doc, jerr = ix.json_decode(resp.body)
  if not doc then return nil, "invalid JSON: " .. jerr end
  local tags = {}
  if type(doc.tags) == "table" then
    for _, t in ipairs(doc.tags) do tags[#tags + 1] = t end
  end
  return tags
end

-- tags{image = "ffl/backend" [, version = "0.1.18"]}: the image's tag list
-- holds the version (or, without one, at least one tag), and the version's
-- manifest answers.
function M.tags(a)
  local where = url("/v2/" .. a.image .. "/tags/list")
  local expected = a.version and ("tag " .. a.version) or "at least one tag"
  local p = ev.pending(where, expected)
  if p then return { p } end
  local tags, err = M.tag_list(a.image)
  if not tags then return { ev.observation(false, where, expected, err) } end
  local seen = #tags > 0 and ("tags " .. table.concat(tags, ", ")) or "no tags"
  if not a.version then return { ev.observation(#tags > 0, where, expected, seen) } end
  local listed = false
  for _, t in ipairs(tags) do listed = listed or t == a.version end
  local out = { ev.observation(listed, where, expected, seen) }
  if listed then
    local murl = url("/v2/" .. a.image .. "/manifests/" .. a.version)
    local resp, herr = registry.request("/v2/" .. a.image .. "/manifests/" .. a.version, "HEAD",
                                        { "Accept: " .. MANIFEST_TYPES })
    local mseen = resp and (("HTTP %d"):format(resp.status) ..
      (resp.headers["docker-content-digest"] and (" " .. resp.headers["docker-content-digest"]) or "")) or herr
    out[2] = ev.observation(resp ~= nil and resp.status == 200, murl, "HTTP 200 (the manifest exists)", mseen)
  end
  return out
end

-- images{images = {...}, version = V}: every image at the version.
function M.images(a)
  local out = {}
  if #(a.images or {}) == 0 then
    return { ev.observation(false, "the configured images", "at least one image", "none configured") }
  end
  for _, image in ipairs(a.images) do ev.add(out, M.tags{ image = image, version = a.version }) end
  return out
end

-- catalog{images = {...}}: the catalog lists every one of the images.
function M.catalog(a)
  local where = url("/v2/_catalog?n=1000")
  local expected = #a.images > 0 and table.concat(a.images, ", ") or "at least one configured image"
  local p = ev.pending(where, expected)
  if p then return { p } end
  local resp, err = registry.request("/v2/_catalog?n=1000")
  if not resp then return { ev.observation(false, where, expected, err) } end
  local doc = resp.status == 200 and ix.json_decode(resp.body)
  if not doc then return { ev.observation(false, where, expected, ("HTTP %d"):format(resp.status)) } end
  local have, missing = {}, {}
  for _, r in ipairs(doc.repositories or {}) do have[r] = true end
  for _, image in ipairs(a.images) do
    if not have[image] then missing[#missing + 1] = image end
  end
  local repos = doc.repositories or {}
  local seen = (#repos > 0 and table.concat(repos, ", ") or "an empty catalog")
    .. (#missing > 0 and ("; missing " .. table.concat(missing, ", ")) or "")
  return { ev.observation(#a.images > 0 and #missing == 0, where, expected, seen) }
end

-- serves{}: the registry answers /v2/ over TLS verified with the configured CA.
function M.serves()
  local where = url("/v2/")
  local expected = "an answer over verified TLS"
  local p = ev.pending(where, expected)
  if p then return { p } end
  local resp, err = registry.request("/v2/")
  return { ev.observation(resp ~= nil, where, expected, resp and ("HTTP %d"):format(resp.status) or err) }
end

return M
