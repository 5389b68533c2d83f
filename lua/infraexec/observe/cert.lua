-- observe/cert.lua - a certificate's subjectAltName, read by openssl (a
-- read-only command: it runs in a dry run too).
local ix = require "infraexec"
local ev = require "infraexec.core.evidence"
local shell = require "infraexec.lib.shell"

local M = {}

-- The IP addresses in the certificate at PATH, or nil and why.
function M.ips(path)
  local r = ix.run{ argv = { "openssl", "x509", "-in", path, "-noout", "-ext", "subjectAltName" },
                    retries = 0, read_only = true }
  if not r.ok then return nil, "cannot read " .. path .. ": " .. shell.failure(r) end
  local ips = {}
  for ip in r.output:gmatch("IP Address:([%d%.]+)") do ips[#ips + 1] = ip end
  return ips
end

-- san_ip{path = P, ip = IP}: the certificate names exactly IP:IP.
function M.san_ip(a)
  local where, expected = tostring(a.path) .. " subjectAltName", "IP:" .. a.ip
  if not a.path then return { ev.observation(false, "registry.certificate in infraexec.yaml", "a path", "not set") } end
  local p = ev.pending(where, expected)
  if p then return { p } end
  local ips, err = M.ips(a.path)
  if not ips then return { ev.observation(false, where, expected, err) } end
  local seen = #ips > 0 and ("IP:" .. table.concat(ips, ", IP:")) or "no IP address"
  return { ev.observation(#ips == 1 and ips[1] == a.ip, where, expected, seen) }
end

return M
