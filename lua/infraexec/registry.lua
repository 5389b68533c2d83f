-- registry.lua - the OCI registry of infraexec.yaml: its settings and one
-- request through its API (/v2/...) with TLS verified against the
-- configured CA.  What it holds is observed by infraexec.observe.registry.
local ix = require "infraexec"
local config = require "infraexec.core.config"

config.declare{ "registry", "map", fields = {
  { "address", "addr" },                     -- host:port
  { "ca", "path", write = true },            -- CA file that signs the registry's certificate
  { "insecure_skip_verify", "bool", warn = "TLS verification of the registry is off "
    .. "(registry.insecure_skip_verify in infraexec.yaml): its answers prove less" },
  { "certificate", "path", write = true },   -- the registry's TLS certificate (registry_ip)
  { "key", "path", write = true },           -- and its key
  { "old_addresses", "addrs" },              -- addresses that must no longer appear
  { "restart", "argv" },                     -- makes the registry load a new certificate
} }
-- What handlers/registry_ip.lua changes and searches when the address moves.
config.declare{ "registry_files", "paths", write = true } -- files that carry the registry address
config.declare{ "search_roots", "paths" }                 -- trees searched for stale addresses
config.declare{ "architecture_doc", "path", write = true }

local M = {}

function M.settings()
  return ix.config().registry or {}
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
                  timeout = 15, headers = headers, what = "registry", ca_setting = "registry.ca" }
end

return M
