-- rules/generic.lua - what handlers/generic.lua's last-resort rule does
-- with a criterion's one inline command: run it (an action), read it
-- itself (a known reader in an assertion), or hand it to a person.
local ix = require "infraexec"
local classify = require "infraexec.lib.classify"
local ev = require "infraexec.core.evidence"
local lazy = require "infraexec.core.lazy" -- observers, actions, domain: loaded when a rule runs
local command = lazy "infraexec.observe.command"
local http = lazy "infraexec.observe.http"
local objects = lazy "infraexec.observe.objects"
local readers = lazy "infraexec.readers"
local registry = lazy "infraexec.registry"
local shell = require "infraexec.lib.shell"

local M = {}

-- CMD as a run spec; kubectl and flux pinned to the configured context.
local function spec_of(cmd)
  local spec = shell.command(cmd)
  if spec.argv and readers.cluster_tools[spec.argv[1]] then
    local argv, env = readers.pinned(spec.argv)
    if not argv then return nil, env end
    return { argv = argv, env = env }
  end
  if spec.script then
    for tool in pairs(readers.cluster_tools) do
      if cmd:find("%f[%w]" .. tool .. "%f[%W]") then
        return nil, ("`%s` runs %s through a shell, where infraexec cannot pin the kube context"):format(cmd, tool)
      end
    end
  end
  return spec
end

-- A 4xx/5xx status word in PROSE (400-429, 500-519: not a port like 443).
local function error_status(prose)
  return prose:match("[%s%(](4[0-2]%d)[%s%).,;:!?]") or prose:match("[%s%(](5[01]%d)[%s%).,;:!?]")
end

-- The HTTP status the criterion names ("returns 404", "HTTP 503"), if any;
-- else an error status standing alone in its prose ("Anonymous users get
-- 401"): a 2xx would not show it.
local function status_named(text)
  local s = text:match("[Rr]eturns%s+(%d%d%d)%f[%D]") or text:match("[Aa]nswers%s+(%d%d%d)%f[%D]")
    or text:match("[Rr]esponds with%s+(%d%d%d)%f[%D]") or text:match("HTTP%s+(%d%d%d)%f[%D]")
    or error_status(" " .. readers.prose(text) .. " ")
  return s and tonumber(s)
end

-- An assertion read by infraexec: the objects or the URL, checked.
local function observe(c, q)
  local beyond = readers.beyond(c.text, q)
  if beyond then return false, beyond end
  if q.url then
    local s = registry.settings()
    local host = q.url:match("^https?://([^/]+)")
    local ours = host == s.address
    -- The URL's own answer: a redirect (a login page, another host) is
    -- not the URL answering, so it is seen as "HTTP 302 to ...", never followed.
    return ev.verdict(http.health{ url = q.url, status = status_named(c.text), contains = readers.versions(c.text),
                                   ca = ours and s.ca or nil, insecure = ours and s.insecure_skip_verify == true,
                                   what = ours and "registry" or nil, ca_setting = ours and "registry.ca" or nil,
                                   no_redirects = true })
  end
  local claim = readers.claim(c.text, q.kind)
  if not claim then
    return false, ("needs a person: infraexec reads `%s` but cannot tell what the criterion expects of %s"):format(
      c.code[1], q.kind)
  end
  if claim.namespace and q.namespace and claim.namespace ~= q.namespace then
    return false, ("the criterion names namespace %s but the command reads %s"):format(claim.namespace, q.namespace)
  end
  if (ix.config().kube or {}).context == nil then
    return false, "set kube.context in infraexec.yaml: infraexec reads the cluster only through a named context"
  end
  return ev.verdict(objects.claim{ kind = q.kind, namespace = claim.namespace or q.namespace, selector = q.selector,
                                   names = claim.names or (#q.names > 0 and q.names or nil),
                                   workload = claim.workload, state = claim.state, count = claim.count })
end

-- A criterion's single inline command CMD: an action runs it (a command,
-- never a data or secrets file: readers.command), and exit 0 completes it;
-- a known reader (kubectl get, flux get, curl URL) is read by infraexec and
-- the claim checked on what it returns; anything else needs a person.
-- Observes: command.result (the run), objects.claim (the objects read) or
-- http.health (the URL's own answer, redirects not followed).
function M.inline_command(c, cmd)
  local kind = c.kind or classify.kind(c.text)
  if kind == "negation" then return false, "needs a person: a negation is never run" end
  -- A known reader is always an assertion: reading has no effect, so its
  -- exit 0 completes nothing ("Restart count is 0 for all pods").
  local q = readers.reader(cmd)
  local why = readers.command(cmd)
  if why and not q then return false, "needs a person: " .. why end
  if q then return observe(c, q) end
  local spec, serr = spec_of(cmd)
  if not spec then return false, "needs a person: " .. serr end
  -- Anything not plainly an action (a reworded "do not", a condition) may
  -- forbid what it names: infraexec runs it only for an action.
  if kind ~= "action" then
    return false, ("needs a person: infraexec cannot judge `%s`; run it and confirm (infraexec confirm %s %d)"):format(
      cmd, ix.task().id, c.index)
  end
  local r = ix.run(spec)
  local obs = command.result{ result = r, command = cmd }
  if r.ok then return ev.verdict(obs, "`" .. cmd .. "` succeeded") end
  return false, shell.failure(r), obs
end

return M
