-- registry_ip.lua - when the registry's address changes: the address in
-- every configured file, the TLS certificate's subjectAltName (checked on
-- the file *and* on what the registry serves: TASK-001 was closed while
-- the old certificate was still served), no stale address left anywhere,
-- and the address recorded in the architecture doc.
local ix = require "infraexec"
local files = require "infraexec.files"
local project = require "infraexec.project"
local registry = require "infraexec.registry"
local shell = require "infraexec.shell"
local values = require "infraexec.values"

local function old_addresses()
  return registry.settings().old_addresses or {}
end

-- Replace every old address with NEW in PATHS; report counts per file.
local function replace_in(paths, new)
  local notes = {}
  for _, old in ipairs(old_addresses()) do
    local counts = files.replace_all(paths, old, new)
    for path, n in pairs(counts) do notes[#notes + 1] = ("%s: %d x %s"):format(path, n, old) end
  end
  table.sort(notes)
  for _, path in ipairs(paths) do
    local text = ix.read_file(path) or ""
    for _, old in ipairs(old_addresses()) do
      if not ix.dry_run() and text:find(old, 1, true) then
        return false, ("%s still contains %s"):format(path, old)
      end
    end
  end
  return true, #notes > 0 and ("replaced " .. table.concat(notes, "; ")) or "no old address left"
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

local function update_env_file(_, args)
  local name, address = args.project, args.address
  local new, aerr = values.address(address)
  if not new then return false, aerr end
  local p, err = project.get(name)
  if not p then return false, err end
  local path = p.path .. "/.env.build.local"
  local ok, note = replace_in({ path }, new)
  if not ok then return false, note end
  local text = ix.read_file(path)
  if not ix.dry_run() and not (text and text:find("=" .. new, 1, true)) then
    return false, path .. " does not set " .. new
  end
  return true, note
end

local function update_project_files(_, args)
  local name = args.project
  local list, p = project_files(name)
  if not list then return false, p end
  if #list == 0 then
    return false, ("no registry_files under %s in infraexec.yaml"):format(p.path)
  end
  return replace_in(list, registry.address())
end

-- The IP addresses in a certificate's subjectAltName, read by openssl.
local function cert_ips(path)
  local r = ix.run{ argv = { "openssl", "x509", "-in", path, "-noout", "-ext", "subjectAltName" }, retries = 0 }
  if not r.ok then return nil, "cannot read " .. path .. ": " .. shell.failure(r) end
  local ips = {}
  for ip in r.output:gmatch("IP Address:([%d%.]+)") do ips[#ips + 1] = ip end
  return ips
end

local function update_certificate(_, args)
  local ip = args.ip
  local new, ierr = values.ip(ip)
  if not new then return false, ierr end
  local s = registry.settings()
  if not s.certificate or not s.key then
    return false, "set registry.certificate and registry.key in infraexec.yaml"
  end
  local ips = cert_ips(s.certificate) or {}
  if not (#ips == 1 and ips[1] == new) then
    local tmp = ix.task().workspace .. "/.infraexec/tmp"
    local r = ix.run{ argv = { "mkdir", "-p", tmp }, retries = 0 }
    r = r.ok and ix.run{ argv = { "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
      "-days", "365", "-subj", "/CN=" .. new, "-addext", "subjectAltName=IP:" .. new,
      "-keyout", tmp .. "/key.pem", "-out", tmp .. "/cert.pem" }, retries = 0 } or r
    if not r.ok then return false, "openssl failed: " .. shell.failure(r) end
    ix.write_file(s.key, ix.read_file(tmp .. "/key.pem") or "", "new key")
    ix.write_file(s.certificate, ix.read_file(tmp .. "/cert.pem") or "", "certificate for IP:" .. new)
    ix.run{ argv = { "rm", "-rf", tmp }, retries = 0 }
    if s.restart then
      local rr = ix.run{ argv = s.restart }
      if not rr.ok then return false, "certificate written but registry restart failed: " .. shell.failure(rr) end
    end
  end
  if ix.dry_run() then return true, "would issue a certificate for IP:" .. new end
  ips = cert_ips(s.certificate) or {}
  if not (#ips == 1 and ips[1] == new) then
    return false, ("%s names %s, not %s"):format(s.certificate, table.concat(ips, ", "), new)
  end
  -- The file is right; is it what the registry serves?
  local host = (s.address or ""):match("^([^:]+)")
  if host == new then
    local resp, err = registry.request("/v2/")
    if not resp then
      return false, "the certificate file names " .. new .. " but the registry does not serve it: " .. err
        .. (s.restart and "" or " (set registry.restart to reload it)")
    end
  end
  return true, ("%s names IP:%s%s"):format(s.certificate, new,
    host == new and " and the registry serves it" or "")
end

-- For `infraexec verify`: the certificate file and the served one.
local function certificate_holds(_, args)
  local ip = args.ip
  local s = registry.settings()
  local ips = s.certificate and cert_ips(s.certificate) or {}
  if not (#ips == 1 and ips[1] == ip) then
    return false, ("%s names %s, not %s"):format(tostring(s.certificate), table.concat(ips, ", "), ip)
  end
  local resp, err = registry.request("/v2/")
  if not resp then return false, err end
  return true, ("%s names IP:%s and the registry serves it"):format(s.certificate, ip)
end

local function env_file_holds(_, args)
  local name, address = args.project, args.address
  local p, err = project.get(name)
  if not p then return false, err end
  local text = ix.read_file(p.path .. "/.env.build.local") or ""
  if not text:find("=" .. address, 1, true) then return false, p.path .. "/.env.build.local does not set " .. address end
  return true, p.path .. "/.env.build.local sets " .. address
end

local function no_stale_addresses()
  local roots = ix.config().search_roots or {}
  if #roots == 0 then return false, "set search_roots in infraexec.yaml" end
  local hits, searched = {}, 0
  for _, old in ipairs(old_addresses()) do
    for _, root in ipairs(roots) do
      local found, n = ix.search(root, old, 50)
      searched = searched + n
      for _, h in ipairs(found) do hits[#hits + 1] = ("%s:%d: %s"):format(h.file, h.line, old) end
    end
  end
  if #hits > 0 then return false, "old registry address still in " .. table.concat(hits, "; ") end
  return true, ("none of %s in %d files"):format(table.concat(old_addresses(), ", "), searched)
end

local function document(_, args)
  local file = args.file
  local doc = ix.config().architecture_doc
  if not doc then return false, "set architecture_doc in infraexec.yaml (criterion names " .. file .. ")" end
  local addr = registry.address()
  local text = ix.read_file(doc) or "# Architecture\n"
  local line = "- Registry address: " .. addr
  local new, n = text:gsub("%- Registry address: [^\n]*", line)
  if n == 0 then new = text .. (text:sub(-1) == "\n" and "" or "\n") .. "\n" .. line .. "\n" end
  ix.write_file(doc, new, "registry address " .. addr)
  if not ix.dry_run() and not (ix.read_file(doc) or ""):find(line, 1, true) then
    return false, doc .. " does not hold the address"
  end
  return true, ("%s records %s"):format(doc, addr)
end

return {
  description = "moves everything to a new registry address and proves it",
  rules = {
    { wording = "Update {project} .env.build.local to use {address}", description = "registry address in a project's .env.build.local",
      examples = { "Update ffl .env.build.local to use 127.0.0.1:5000" }, run = update_env_file,
      check = env_file_holds },
    { wording = "Update {project} [{what:text}] registry URL[s] [in {where:text}]", description = "registry address in a project's build files",
      examples = { "Update triager build script default registry URL", "Update mtg_dev_agents registry URLs in Makefile and scripts" },
      run = update_project_files },
    { wording = "Update [the] {repo:name} registry certificate IP to {ip}", description = "issue and verify the registry certificate for an IP",
      examples = { "Update beckerkube registry certificate IP to 127.0.0.1" }, run = update_certificate,
      check = certificate_holds },
    { wording = "Verify no [other] hardcoded registry IPs [exist] [in any repository]", description = "no old address left in the search roots",
      examples = { "Verify no other hardcoded registry IPs exist in any repository" }, run = no_stale_addresses,
      check = no_stale_addresses },
    { wording = { "Document all IPs in {file:path}", "Document [the] registry {what:text} in {file:path}" }, description = "record the registry address in the architecture doc",
      examples = { "Document all IPs in docs/architecture.md" }, run = document },
  },
}
