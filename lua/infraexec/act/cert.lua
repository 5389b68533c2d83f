-- act/cert.lua - a new self-signed certificate for an IP address, written
-- over the configured one, and the registry restarted to serve it.
local ix = require "infraexec"
local ev = require "infraexec.core.evidence"
local shell = require "infraexec.lib.shell"

local M = {}

-- regenerate{ip = IP, certificate = FILE, key = FILE [, restart = argv]}:
-- true, or nil and why.
function M.regenerate(a)
  ev.acted()
  local tmp = ix.task().workspace .. "/.infraexec/tmp"
  local r = ix.run{ argv = { "mkdir", "-p", tmp }, retries = 0 }
  r = r.ok and ix.run{ argv = { "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
    "-days", "365", "-subj", "/CN=" .. a.ip, "-addext", "subjectAltName=IP:" .. a.ip,
    "-keyout", tmp .. "/key.pem", "-out", tmp .. "/cert.pem" }, retries = 0 } or r
  if not r.ok then return nil, "openssl failed: " .. shell.failure(r) end
  assert(ix.write_file(a.key, ix.read_file(tmp .. "/key.pem") or "", "new key"))
  assert(ix.write_file(a.certificate, ix.read_file(tmp .. "/cert.pem") or "", "certificate for IP:" .. a.ip))
  ix.run{ argv = { "rm", "-rf", tmp }, retries = 0 }
  if a.restart then
    local rr = ix.run{ argv = a.restart, starts_service = true }
    if not rr.ok then return nil, "certificate written but registry restart failed: " .. shell.failure(rr) end
  end
  return true
end

return M
