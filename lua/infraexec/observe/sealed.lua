-- observe/sealed.lua - Bitnami SealedSecrets unsealed: each one's Synced
-- condition (bitnami.com/v1alpha1 status.conditions, set by the
-- sealed-secrets controller) and the Secret of the same name it writes.
-- Secrets are listed by name only: `-o json` would put their data in the
-- command's log.
local ix = require "infraexec"
local ev = require "infraexec.core.evidence"
local kube = require "infraexec.observe.kube"
local readers = require "infraexec.readers"

local M = {}

M.KIND = "sealedsecrets.bitnami.com"

local function scope(namespace)
  return namespace and ("--namespace=" .. namespace) or "--all-namespaces"
end

-- The "NS/NAME" of every Secret in NAMESPACE (all without) as a set, or
-- nil and why; and the command as text.
local function secret_names(namespace)
  local argv, env = readers.pinned{ "kubectl", "get", "secrets", scope(namespace),
    "--output=custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name", "--no-headers" }
  if not argv then return nil, env, "kubectl get secrets" end
  local text = table.concat(argv, " ")
  local r = ix.run{ argv = argv, env = env, timeout = 60, read_only = true }
  if not r.ok then return nil, kube.failure(r), text end
  local set = {}
  for ns, name in r.output:gmatch("(%S+)%s+(%S+)") do set[ns .. "/" .. name] = true end
  return set, nil, text
end

-- V when it is a non-empty string (JSON null is ix.null), else nil.
local function text(v) return type(v) == "string" and v ~= "" and v or nil end

-- V when it is a table (JSON null is ix.null, a userdata), else {}.
local function tbl(v) return type(v) == "table" and v or {} end

-- Why SealedSecret O is not unsealed for its current spec, or nil.
local function problem(o)
  for _, c in ipairs(tbl(tbl(o.status).conditions)) do
    if type(c) == "table" and c.type == "Synced" then
      if c.status == "True" then return kube.stale(o, c) end
      local msg = text(c.message) or text(c.reason)
      return "Synced=" .. tostring(c.status) .. (msg and (" (" .. msg .. ")") or "")
    end
  end
  return "no Synced condition (the controller has not unsealed it)"
end

-- decrypted{[namespaces = {NS...}] [, count = N]}: at least one
-- SealedSecret in those namespaces (all without), exactly N when given,
-- each Synced=True for its current generation, and for each a Secret of
-- the same name in its namespace.
function M.decrypted(a)
  local spaces = a.namespaces or { false }
  local where_ = a.namespaces and ("in " .. table.concat(a.namespaces, ", ")) or "in all namespaces"
  local expected = (a.count and ("exactly " .. a.count) or "at least one") .. ", each Synced=True"
  local p = ev.pending("SealedSecrets " .. where_, expected)
  if p then return { p } end
  local items, cmds = {}, {}
  for _, ns in ipairs(spaces) do
    local list, err, cmd = kube.list{ kind = M.KIND, namespace = ns or nil }
    cmds[#cmds + 1] = "`" .. cmd .. "`"
    if not list then
      return { ev.observation(false, "SealedSecrets " .. where_ .. " (" .. cmd .. ")", expected, err) }
    end
    for _, o in ipairs(list) do items[#items + 1] = o end
  end
  local looked = "SealedSecrets " .. where_ .. " (" .. table.concat(cmds, ", ") .. ")"
  local good, bad = {}, {}
  for _, o in ipairs(items) do
    local md = tbl(o.metadata)
    local id = tostring(md.namespace or "default") .. "/" .. tostring(md.name or "?")
    local why = problem(o)
    if why then bad[#bad + 1] = id .. ": " .. why else good[#good + 1] = id end
  end
  local seen
  if #items == 0 then seen = "none"
  elseif #bad > 0 then seen = table.concat(bad, "; ")
  else seen = ("%d Synced=True: %s"):format(#good, table.concat(good, ", ")) end
  if a.count and #items ~= a.count then
    seen = ("%d SealedSecrets, the criterion names %d: %s"):format(#items, a.count, seen)
  end
  local out = { ev.observation(#items > 0 and #bad == 0 and (not a.count or #items == a.count), looked, expected, seen) }
  if #items == 0 then return out end
  -- The Secrets the controller wrote, one listing per namespace read.
  local have, missing, scmds = {}, {}, {}
  for _, ns in ipairs(spaces) do
    local set, err, cmd = secret_names(ns or nil)
    scmds[#scmds + 1] = "`" .. cmd .. "`"
    if not set then
      ev.add(out, ev.observation(false, "Secrets " .. where_ .. " (" .. cmd .. ")", "a Secret for each SealedSecret", err))
      return out
    end
    for k in pairs(set) do have[k] = true end
  end
  for _, o in ipairs(items) do
    local md = tbl(o.metadata)
    local id = tostring(md.namespace or "default") .. "/" .. tostring(md.name or "?")
    if not have[id] then missing[#missing + 1] = id end
  end
  ev.add(out, ev.observation(#missing == 0, "Secrets " .. where_ .. " (" .. table.concat(scmds, ", ") .. ")",
    "a Secret of the same name for each of the " .. #items .. " SealedSecrets",
    #missing == 0 and ("all %d present"):format(#items) or ("missing Secret " .. table.concat(missing, ", "))))
  return out
end

return M
