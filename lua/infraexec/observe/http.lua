-- observe/http.lua - a URL's answer through infraexec's own HTTP client
-- (libcurl, TLS verified against the given CA), never curl -k.
local ix = require "infraexec"
local ev = require "infraexec.evidence"

local M = {}

-- health{url = U [, status = N] [, ca = FILE] [, insecure = true]}: U
-- answers N, or any 2xx when no status is given.
function M.health(a)
  local expected = a.status and ("HTTP " .. a.status) or "HTTP 2xx"
  local p = ev.pending(a.url, expected)
  if p then return { p } end
  local resp, err = ix.http{ url = a.url, ca = a.ca, insecure = a.insecure == true, timeout = 15 }
  if not resp then return { ev.observation(false, a.url, expected, err) } end
  local ok = a.status and resp.status == a.status or (not a.status and resp.status >= 200 and resp.status < 300)
  return { ev.observation(ok, a.url, expected, ("HTTP %d"):format(resp.status)) }
end

return M
