-- registry_ip.lua - when the registry's address changes: the address in
-- every configured file, the TLS certificate's subjectAltName (checked on
-- the file *and* on what the registry serves: TASK-001 was closed while
-- the old certificate was still served), no stale address left anywhere,
-- and the address recorded in the architecture doc.
local ix = require "infraexec"
local ev = require "infraexec.core.evidence"
local files = require "infraexec.act.files"
local cert = require "infraexec.act.cert"
local file = require "infraexec.observe.file"
local san = require "infraexec.observe.cert"
local reg = require "infraexec.observe.registry"
local project = require "infraexec.project"
local registry = require "infraexec.registry"
local values = require "infraexec.lib.values"
local wording = require "infraexec.lib.wording"

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

-- "Update ffl .env.build.local to use 127.0.0.1:5000"
local function update_env_file(_, name, address)
  local new, aerr = values.address(address)
  if not new then return false, aerr end
  local path, err = env_file(name)
  if not path then return false, err end
  return replace_in({ path }, new, function() return file.contains{ path = path, text = "=" .. new, whole = true } end)
end

local function env_file_holds(_, name, address)
  local path, err = env_file(name)
  if not path then return false, err end
  return ev.verdict(file.contains{ path = path, text = "=" .. address, whole = true })
end

-- "Update triager build script default registry URL"
local function update_project_files(_, name)
  local list, p = project_files(name)
  if not list then return false, p end
  if #list == 0 then
    return false, ("no registry_files under %s in infraexec.yaml"):format(p.path)
  end
  return replace_in(list, registry.address())
end

-- The certificate file names IP, and the registry (when it is at IP)
-- serves it: its TLS answer verifies against the configured CA.
local function certificate_holds(_, _, ip)
  local s = registry.settings()
  local obs = san.san_ip{ path = s.certificate, ip = ip }
  local host = (s.address or ""):match("^([^:]+)")
  if host == ip then ev.add(obs, reg.serves()) end
  return ev.verdict(obs, ("%s names IP:%s%s"):format(tostring(s.certificate), ip,
    host == ip and " and the registry serves it" or ""))
end

-- "Update beckerkube registry certificate IP to 127.0.0.1"
local function update_certificate(c, repo, ip)
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
  local done, note, obs = certificate_holds(c, repo, new)
  if not done and not s.restart and ev.first_failure(obs) and ev.first_failure(obs).looked_at:match("/v2/$") then
    note = note .. " (set registry.restart to reload it)"
  end
  return done, note, obs
end

-- "Verify no other hardcoded registry IPs exist in any repository"
local function no_stale_addresses()
  if #old_addresses() == 0 then
    return false, "needs a person: registry.old_addresses in infraexec.yaml is empty, so no address is searched for; add the old ones"
  end
  return ev.verdict(file.absent_under{ roots = ix.config().search_roots or {}, needles = old_addresses() })
end

-- "Document all IPs in docs/architecture.md"
local function document(_, _, f)
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

return {
  description = "moves everything to a new registry address and proves it",
  rules = {
    { wording = "Update {project} .env.build.local to use {address}", description = "registry address in a project's .env.build.local",
      examples = { "Update ffl .env.build.local to use 127.0.0.1:5000" },
      kind = "action", observe = { "file.lacks", "file.contains" },
      run = wording.unpack(update_env_file, "project", "address"),
      check = wording.unpack(env_file_holds, "project", "address") },
    { wording = "Update {project} [{what:text}] registry URL[s] [in {where:text}]", description = "registry address in a project's build files",
      examples = { "Update triager build script default registry URL", "Update mtg_dev_agents registry URLs in Makefile and scripts" },
      kind = "action", observe = "file.lacks",
      run = wording.unpack(update_project_files, "project") },
    { wording = "Update [the] {repo:name} registry certificate IP to {ip}", description = "issue and verify the registry certificate for an IP",
      examples = { "Update beckerkube registry certificate IP to 127.0.0.1" },
      kind = "action", observe = { "cert.san_ip", "registry.serves" },
      run = wording.unpack(update_certificate, "repo", "ip"),
      check = wording.unpack(certificate_holds, "repo", "ip") },
    { wording = "Verify no [other] hardcoded registry IPs [exist] [in any repository]", description = "no old address left in the search roots",
      examples = { "Verify no other hardcoded registry IPs exist in any repository" },
      kind = "assertion", observe = "file.absent_under",
      run = no_stale_addresses, check = no_stale_addresses },
    { wording = { "Document all IPs in {file:path}", "Document [the] registry {what:text} in {file:path}" }, description = "record the registry address in the architecture doc",
      examples = { "Document all IPs in docs/architecture.md" },
      kind = "action", observe = "file.contains",
      run = wording.unpack(document, "what", "file") },
  },
}
