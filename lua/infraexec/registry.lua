-- registry.lua - the OCI registry of infraexec.yaml: its settings and one
-- request through its API (/v2/...) with TLS verified against the
-- configured CA.  What it holds is observed by infraexec.observe.registry.
local ix = require "infraexec"
require "infraexec.sections" -- its section of infraexec.yaml is declared there

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
