-- registry.lua - the OCI registry of infraexec.yaml, asked through its API
-- (/v2/...) with TLS verified against the configured CA.  This is what
-- "pushed" and "in the registry" are checked against.
local ix = require "infraexec"

local M = {}

local MANIFEST_TYPES = table.concat({
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
}, ", ")

function M.settings()
  local r = ix.config().registry or {}
  return r
end

function M.address()
  return M.settings().address
end

-- GET or HEAD on the registry: the response, or nil and a message naming
-- the cause (refused, certificate for another address, unknown CA ...).
function M.request(path, method, headers)
  local r = M.settings()
  if not r.address then return nil, "no registry.address in infraexec.yaml" end
  return ix.http{ url = "https://" .. r.address .. path, method = method or "GET",
                  ca = r.ca, insecure = r.insecure_skip_verify == true,
                  timeout = 15, headers = headers }
end

-- The tags of IMAGE, or nil and why.
function M.tags(image)
  local resp, err = M.request("/v2/" .. image .. "/tags/list")
  if not resp then return nil, err end
  if resp.status == 404 then return {}, nil end
  if resp.status ~= 200 then
    return nil, ("registry answered %d for %s"):format(resp.status, image)
  end
  local doc, jerr = ix.json_decode(resp.body)
  if not doc then return nil, "registry sent invalid JSON: " .. jerr end
  local tags = {}
  if type(doc.tags) == "table" then
    for _, t in ipairs(doc.tags) do tags[#tags + 1] = t end
  end
  return tags
end

-- True when IMAGE:TAG is listed and its manifest answers; else false and
-- what the registry does hold.
function M.has(image, tag)
  local tags, err = M.tags(image)
  if not tags then return false, err end
  local listed = false
  for _, t in ipairs(tags) do listed = listed or t == tag end
  if not listed then
    return false, ("%s has no tag %s (tags: %s)"):format(image, tag,
      #tags > 0 and table.concat(tags, ", ") or "none")
  end
  local resp, herr = M.request("/v2/" .. image .. "/manifests/" .. tag, "HEAD",
                               { "Accept: " .. MANIFEST_TYPES })
  if not resp then return false, herr end
  if resp.status ~= 200 then
    return false, ("%s:%s is listed but its manifest answers %d"):format(image, tag, resp.status)
  end
  return true, (resp.headers["docker-content-digest"] or "")
end

-- Every image of IMAGES at TAG, or false and the first that is missing.
function M.has_all(images, tag)
  if #images == 0 then return false, "no images configured to check" end
  local seen = {}
  for _, image in ipairs(images) do
    local ok, detail = M.has(image, tag)
    if not ok then return false, detail end
    seen[#seen + 1] = image .. ":" .. tag
  end
  return true, "registry lists " .. table.concat(seen, ", ")
end

-- The repositories in the catalog, or nil and why.
function M.catalog()
  local resp, err = M.request("/v2/_catalog?n=1000")
  if not resp then return nil, err end
  if resp.status ~= 200 then return nil, ("registry catalog answered %d"):format(resp.status) end
  local doc, jerr = ix.json_decode(resp.body)
  if not doc then return nil, "registry sent invalid JSON: " .. jerr end
  return doc.repositories or {}
end

return M
