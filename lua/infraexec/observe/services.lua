-- observe/services.lua - a release's Service in the cluster (it exists,
-- and its Endpoints hold ready addresses) and its health URLs from
-- infraexec.yaml, requested with infraexec's own HTTP client verified
-- against gitops.health_ca (else registry.ca), never curl -k.
local ix = require "infraexec"
local ev = require "infraexec.core.evidence"
local kube = require "infraexec.observe.kube"
local http = require "infraexec.observe.http"

local M = {}

-- The CA health URLs are verified against: gitops.health_ca, else
-- registry.ca (a homelab often signs everything with one CA), else nil
-- (the system's CAs).
function M.ca()
  local c = ix.config()
  return (c.gitops or {}).health_ca or (c.registry or {}).ca
end

-- V when it is a table (JSON null is ix.null, a userdata), else {}.
local function tbl(v) return type(v) == "table" and v or {} end

local function find(items, name)
  local names = {}
  for _, o in ipairs(items) do
    local n = tbl(o.metadata).name
    if n == name then return o end
    names[#names + 1] = tostring(n)
  end
  table.sort(names)
  return nil, names
end

-- endpoints{namespace, name}: the Service NAME exists in NAMESPACE, and
-- its Endpoints object lists at least one ready address.
function M.endpoints(a)
  local svc = ("Service %s/%s"):format(a.namespace, a.name)
  local expected = "the Service, its Endpoints with at least one ready address"
  local p = ev.pending(svc, expected)
  if p then return { p } end
  local items, err, cmd = kube.list{ kind = "services", namespace = a.namespace }
  local where = svc .. " (`" .. cmd .. "`)"
  if not items then return { ev.observation(false, where, "the Service", err) } end
  local service, others = find(items, a.name)
  if not service then
    return { ev.observation(false, where, "the Service", ("no Service %s in %s (services there: %s)"):format(
      a.name, a.namespace, #others > 0 and table.concat(others, ", ") or "none")) }
  end
  local out = { ev.observation(true, where, "the Service", "present") }
  items, err, cmd = kube.list{ kind = "endpoints", namespace = a.namespace }
  where = ("Endpoints %s/%s (`%s`)"):format(a.namespace, a.name, cmd)
  expected = "at least one ready address"
  if not items then return ev.add(out, ev.observation(false, where, expected, err)) end
  local eps = find(items, a.name)
  local ready, waiting = 0, 0
  for _, s in ipairs(tbl(eps and eps.subsets)) do
    ready = ready + #tbl(tbl(s).addresses)
    waiting = waiting + #tbl(tbl(s).notReadyAddresses)
  end
  local seen = not eps and "no Endpoints object"
    or ("%d ready, %d not ready"):format(ready, waiting)
  return ev.add(out, ev.observation(ready > 0, where, expected, seen))
end

-- health{urls}: each URL itself answers 2xx (a redirect elsewhere, such as
-- a login page, is not the service answering), TLS verified against M.ca().
function M.health(a)
  local out = {}
  for _, url in ipairs(a.urls) do
    ev.add(out, http.health{ url = url, ca = M.ca(), no_redirects = true, what = "health endpoint",
                             ca_setting = "gitops.health_ca" })
  end
  return out
end

return M
