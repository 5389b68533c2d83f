-- rules/registry_ip.lua - what handlers/registry_ip.lua's rules do when
-- the registry's address changes: replace it in files (act/files.lua),
-- reissue the certificate (act/cert.lua), and observe the files, the
-- certificate and what the registry serves (observe/file.lua,
-- observe/cert.lua, observe/registry.lua).  Each function is a rule's
-- run: (criterion, captures...) -> done, message, evidence.
local ix = require "infraexec"
local ev = require "infraexec.core.evidence"
local lazy = require "infraexec.core.lazy" -- observers, actions, domain: loaded when a rule runs
local files = lazy "infraexec.act.files"
local cert = lazy "infraexec.act.cert"
local file = lazy "infraexec.observe.file"
local san = lazy "infraexec.observe.cert"
local reg = lazy "infraexec.observe.registry"
local project = lazy "infraexec.project"
local registry = lazy "infraexec.registry"
local values = require "infraexec.lib.values"

local M = {}

local function old_addresses()
  return registry.settings().old_addresses or {}
end

-- Every old address replaced by NEW in PATHS; the evidence: none left
-- (and what MORE, called after the replacement, observes).
local function replace_in(paths, new, more)
  local note = files.replace_address{ paths = paths, old = old_addresses(), new = new }
  local obs = {}
  for _, path in ipairs(paths) do
    for _, old in ipairs(old_addresses()) do ev.add(obs, file.lacks{ path = path, text = old }) end
  end
  if more then ev.add(obs, more()) end
  return ev.verdict(obs, note)
end

-- The configured registry_files that live in project NAME.
local function project_files(name)
  local p, err = project.get(name)
  if not p then return nil, err end
  local list = {}
  for _, f in ipairs(ix.config().registry_files or {}) do
    if f:sub(1, #p.path + 1) == p.path .. "/" then list[#list + 1] = f end
  end
  return list, p
end

local function env_file(name)
  local p, err = project.get(name)
  if not p then return nil, err end
  return p.path .. "/.env.build.local"
end

-- Replaces every old address (registry.old_addresses) with ADDRESS in
-- project NAME's .env.build.local.  Observes: file.lacks (no old address
-- left), file.contains (a line ending in =ADDRESS).
-- "Update ffl .env.build.local to use 127.0.0.1:5000"
function M.update_env_file(_, name, address)
  local new, aerr = values.address(address)
  if not new then return false, aerr end
  local path, err = env_file(name)
  if not path then return false, err end
  return replace_in({ path }, new, function() return file.contains{ path = path, text = "=" .. new, whole = true } end)
end

-- For `infraexec verify`: project NAME's .env.build.local still has a line
-- ending in =ADDRESS.  Observes: file.contains, changes nothing.
function M.env_file_holds(_, name, address)
  local path, err = env_file(name)
  if not path then return false, err end
  return ev.verdict(file.contains{ path = path, text = "=" .. address, whole = true })
end

-- Replaces every old address with the configured one in the registry_files
-- of infraexec.yaml under project NAME.  Observes: file.lacks, per file and
-- old address.
-- "Update triager build script default registry URL"
function M.update_project_files(_, name)
  local list, p = project_files(name)
  if not list then return false, p end
  if #list == 0 then
    return false, ("no registry_files under %s in infraexec.yaml"):format(p.path)
  end
  return replace_in(list, registry.address())
end

-- The certificate file names IP, and the registry (when it is at IP)
-- serves it: its TLS answer verifies against the configured CA.  Observes:
-- cert.san_ip (the file's subjectAltName), registry.serves (at IP only).
function M.certificate_holds(_, _, ip)
  local s = registry.settings()
  local obs = san.san_ip{ path = s.certificate, ip = ip }
  local host = (s.address or ""):match("^([^:]+)")
  if host == ip then ev.add(obs, reg.serves()) end
  return ev.verdict(obs, ("%s names IP:%s%s"):format(tostring(s.certificate), ip,
    host == ip and " and the registry serves it" or ""))
end

-- Reissues registry.certificate for IP (act/cert.lua) unless it names IP
-- alone already.  Observes: as certificate_holds (cert.san_ip,
-- registry.serves).
-- "Update beckerkube registry certificate IP to 127.0.0.1"
function M.update_certificate(c, repo, ip)
  local new, ierr = values.ip(ip)
  if not new then return false, ierr end
  local s = registry.settings()
  if not s.certificate or not s.key then
    return false, "set registry.certificate and registry.key in infraexec.yaml"
  end
  local ips = san.ips(s.certificate) or {}
  if not (#ips == 1 and ips[1] == new) then
    local ok, why = cert.regenerate{ ip = new, certificate = s.certificate, key = s.key, restart = s.restart }
    if not ok then return false, why end
  end
  local done, note, obs = M.certificate_holds(c, repo, new)
  if not done and not s.restart and ev.first_failure(obs) and ev.first_failure(obs).looked_at:match("/v2/$") then
    note = note .. " (set registry.restart to reload it)"
  end
  return done, note, obs
end

-- No old address (registry.old_addresses) under any of search_roots; with
-- none configured, nothing is searched for: a person.  Observes:
-- file.absent_under, changes nothing.
-- "Verify no other hardcoded registry IPs exist in any repository"
function M.no_stale_addresses()
  if #old_addresses() == 0 then
    return false, "needs a person: registry.old_addresses in infraexec.yaml is empty, so no address is searched for; add the old ones"
  end
  return ev.verdict(file.absent_under{ roots = ix.config().search_roots or {}, needles = old_addresses() })
end

-- Records the registry address as one line of architecture_doc, which must
-- be the file F the criterion names (act/files.lua record).  Observes:
-- file.contains (the line).
-- "Document all IPs in docs/architecture.md"
function M.document(_, _, f)
  local doc = ix.config().architecture_doc
  if not doc then return false, "set architecture_doc in infraexec.yaml (criterion names " .. f .. ")" end
  -- The file the criterion names is the one written and checked, or none.
  local function abs(p) return p:sub(1, 1) == "/" and p or (ix.task().workspace .. "/" .. p) end
  if abs(f) ~= abs(doc) then
    return false, ("the criterion names %s but architecture_doc in infraexec.yaml is %s; nothing written"):format(f, doc)
  end
  local line = "- Registry address: " .. registry.address()
  files.record{ path = doc, line = line, replaces = "%- Registry address: [^\n]*",
                summary = "registry address " .. registry.address() }
  return ev.verdict(file.contains{ path = doc, text = line }, ("%s records %s"):format(doc, registry.address()))
end

return M
