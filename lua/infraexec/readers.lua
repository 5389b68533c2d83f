-- readers.lua - what the generic rule makes of a criterion's inline command.
--
--   command(cmd)  why CMD is not a command infraexec may run (a data or
--                 secrets file, a directory, nothing on PATH), or nil
--   reader(cmd)   a known reader as a structured query: `kubectl get ...`,
--                 `flux get helmreleases|kustomizations ...`, `curl ... URL`
--   claim(text)   what an assertion expects of the objects read
--   beyond(text, q)  why the query reads less than the text claims, or nil
--   versions(text), prose(text), images_beyond(text, images): infraexec.mentions
--   pinned(argv)  kubectl/flux argv with the configured context, and env
--
-- Tables below are editable: a new reader or claim wording goes there.
local ix = require "infraexec"
local api = require "infraexec.lib.kinds" -- the names alone: readers loads without kube
local mentions = require("infraexec.core.lazy").fns "infraexec.mentions" -- loaded when first called
local wording = require "infraexec.lib.wording"

local M = {}

-- ---- is it a command? ----

-- Files that are data, never commands (by extension, lower-case).
M.data_extensions = { "env", "yaml", "yml", "json", "pem", "key", "crt", "csr", "p12", "pfx",
                      "kdbx", "gpg", "age", "asc", "txt", "md", "toml", "ini", "conf", "csv" }
-- Files whose content is secret: infraexec runs nothing that names one.
M.secret_extensions = { "env", "pem", "key", "p12", "pfx", "kdbx", "gpg", "age", "asc" }

local function has(list, v)
  for _, x in ipairs(list) do if x == v then return true end end
  return false
end

local function home(p)
  if p:sub(1, 2) == "~/" then return (ix.getenv("HOME") or "") .. p:sub(2) end
  return p
end

-- What secret WORD names ("a secret file"), and whether it is a file; or nil.
local function secret(word, config)
  local w = word:gsub("^['\"]", ""):gsub("['\"]$", "")
  local base = w:match("([^/]+)$") or w
  local ext = base:match("%.([%w]+)$")
  if base:match("^%.env") or (ext and has(M.secret_extensions, ext:lower())) then
    return "a secret file", true
  end
  if w:find("/", 1, true) then
    for comp in w:gmatch("[^/]+") do
      if comp:lower():match("^%.?secrets?$") then return "under a secrets directory", true end
    end
  end
  for _, s in ipairs(config.secrets or {}) do
    if type(s) == "string" and s ~= "" and w:find(s, 1, true) then return "a configured secret" end
  end
  return nil
end

-- Directories an executable script may live in.
local function roots(config)
  local list = { ix.task().workspace }
  if config.gitops and config.gitops.path then list[#list + 1] = config.gitops.path end
  for _, p in pairs(config.projects or {}) do
    if type(p) == "table" and p.path then list[#list + 1] = p.path end
  end
  for _, p in ipairs(config.search_roots or {}) do list[#list + 1] = p end
  return list
end

-- WORD as the shell would see it for the checks below: quote characters
-- and backslashes removed, ~ and $HOME expanded; nil when a glob or another
-- variable is left, which infraexec cannot resolve to check.
local function plain(word)
  local h = ix.getenv("HOME") or ""
  local w = word:gsub("[\\'\"]", "")
  w = w:gsub("^~$", h):gsub("^~/", h .. "/")
  w = w:gsub("%$%{HOME%}", h):gsub("%$HOME%f[^%w_]", h)
  if w:find("[*?%[$]") then return nil end
  return w
end

-- Why CMD is not a command to run, or nil.
function M.command(cmd)
  local config = ix.config()
  local first = cmd:match("^%s*(%S+)")
  if not first then return "the inline code is empty" end
  -- kubectl or flux behind another word (env, timeout, sh -c) escapes pinned().
  local flat = cmd:gsub("[\\'\"]", "")
  local lead, rest = flat:match("^%s*(%S+)(.*)$")
  for tool in pairs(M.cluster_tools) do
    local pat = "%f[%w]" .. tool .. "%f[^%w]"
    if rest:find(pat) or (first ~= tool and lead:find(pat)) then
      return ("`%s` runs %s behind another command, where infraexec cannot pin the kube context"):format(cmd, tool)
    end
  end
  for raw in cmd:gmatch("%S+") do
    local word = plain(raw)
    if not word then
      return ("`%s` has a glob or variable in `%s`; infraexec does not expand globs or variables to check them"):format(
        cmd, raw)
    end
    local why, file = secret(word, config)
    if why and file and raw == first then return ("`%s` is a file, not a command (%s)"):format(cmd, why) end
    if why then return ("the command names %s; infraexec runs nothing that reads secrets"):format(
      file and ("`" .. raw .. "`, " .. why) or why) end
  end
  if first:find("=", 1, true) then return ("`%s` sets a variable, it is not a command"):format(cmd) end
  if first:find("/", 1, true) then
    local path = home(first)
    if path:sub(1, 1) ~= "/" then path = ix.task().workspace .. "/" .. path end
    local kind, exec, real = ix.exists(path)
    local ext = first:match("%.([%w]+)$")
    if kind == "directory" then return ("`%s` is a directory, not a command"):format(first) end
    if ext and has(M.data_extensions, ext:lower()) then return ("`%s` is a file, not a command"):format(first) end
    if kind ~= "file" then return ("`%s` does not exist"):format(first) end
    if not exec then return ("`%s` is a file, not a command (not executable)"):format(first) end
    local why, file = secret(real, config) -- a link to a secret is one
    if why and file then return ("`%s` is a file, not a command (it leads to %s, %s)"):format(first, real, why) end
    if ("/" .. path .. "/"):find("/../", 1, true) then
      return ("`%s` leaves the directories infraexec.yaml names"):format(first)
    end
    for _, r in ipairs(roots(config)) do
      local _, _, rr = ix.exists(r)
      if rr and real:sub(1, #rr + 1) == rr .. "/" then return nil end
    end
    return ("`%s` is outside the directories infraexec.yaml names"):format(first)
  end
  for dir in (ix.getenv("PATH") or ""):gmatch("[^:]+") do
    local kind, exec = ix.exists(dir .. "/" .. first)
    if kind == "file" and exec then return nil end
  end
  return ("`%s` is not a command on PATH"):format(first)
end

-- ---- pinning kubectl and flux to the configured cluster ----

M.cluster_tools = { kubectl = true, flux = true }

-- ARGV with --context=CONTEXT after the tool, and the env with KUBECONFIG;
-- nil and why when no context is configured or ARGV names another one.
function M.pinned(argv)
  local k = ix.config().kube or {}
  if not k.context then
    return nil, "set kube.context in infraexec.yaml: infraexec runs " .. argv[1] .. " only against a named context"
  end
  local out = { argv[1], "--context=" .. k.context }
  local i = 2
  while argv[i] do
    local w = argv[i]
    local named = w:match("^%-%-context=(.*)$") or (w == "--context" and argv[i + 1])
    if named then
      if named ~= k.context then
        return nil, ("the command names context %s but infraexec.yaml says %s"):format(named, k.context)
      end
      i = i + (w == "--context" and 2 or 1)
    elseif w:match("^%-%-kubeconfig") or w:match("^%-%-server") or w:match("^%-%-token") then
      return nil, ("the command sets %s; infraexec uses the configured cluster only"):format(w)
    else
      out[#out + 1] = w
      i = i + 1
    end
  end
  return out, k.kubeconfig and { KUBECONFIG = k.kubeconfig } or nil
end

-- ---- known readers ----

-- Resource names as written -> the kind observe/kube.lua reads.
M.kinds = {
  po = "pods", pod = "pods", pods = "pods",
  hr = api.HELMRELEASES, helmrelease = api.HELMRELEASES, helmreleases = api.HELMRELEASES,
  [api.HELMRELEASES] = api.HELMRELEASES,
  ks = api.KUSTOMIZATIONS, kustomization = api.KUSTOMIZATIONS, kustomizations = api.KUSTOMIZATIONS,
  [api.KUSTOMIZATIONS] = api.KUSTOMIZATIONS,
  sealedsecret = "sealedsecrets.bitnami.com", sealedsecrets = "sealedsecrets.bitnami.com",
  ["sealedsecrets.bitnami.com"] = "sealedsecrets.bitnami.com",
  job = "jobs", jobs = "jobs",
}

-- The options of `kubectl get` / `flux get` kept in the query; -o is
-- replaced by JSON.  Anything else makes the reader unknown.
local function get_query(words, from, query)
  local i = from
  while words[i] do
    local w = words[i]
    if w == "-A" or w == "--all-namespaces" then query.namespace = nil; query.all = true
    elseif w == "-n" or w == "--namespace" then query.namespace = words[i + 1]; i = i + 1
    elseif w:match("^%-%-namespace=") then query.namespace = w:match("=(.*)")
    elseif w == "-l" or w == "--selector" then query.selector = words[i + 1]; i = i + 1
    elseif w:match("^%-%-selector=") then query.selector = w:match("=(.*)")
    elseif w == "-o" or w == "--output" then i = i + 1
    elseif w:match("^%-o") or w:match("^%-%-output=") or w == "--no-headers" then -- the table form: we read JSON
    elseif w:match("^%-") then return nil
    else query.names[#query.names + 1] = w end
    i = i + 1
  end
  if query.namespace == nil and not query.all and query.tool == "flux" then query.namespace = "flux-system" end
  return query
end

-- A known reader: {kube = true, kind, namespace, selector, names} or
-- {url, insecure_asked}; nil for anything else.
function M.reader(cmd)
  if cmd:find("[|&;<>()$`\\]") then return nil end
  local words = {}
  for w in cmd:gmatch("%S+") do words[#words + 1] = w end
  local tool = words[1]
  if tool == "kubectl" and words[2] == "get" and words[3] then
    local kind = M.kinds[words[3]:lower()]
    if not kind then return nil end
    return get_query(words, 4, { kube = true, tool = "kubectl", kind = kind, names = {} })
  end
  if tool == "flux" and words[2] == "get" and words[3] then
    local kind = M.kinds[words[3]:lower()]
    if kind ~= api.HELMRELEASES and kind ~= api.KUSTOMIZATIONS then return nil end
    return get_query(words, 4, { kube = true, tool = "flux", kind = kind, names = {} })
  end
  if tool == "curl" then
    local url
    for i = 2, #words do
      local w = words[i]:gsub("^['\"]", ""):gsub("['\"]$", "")
      if w:match("^https?://") then
        if url then return nil end
        url = w
      elseif not (w:match("^%-[ksSfLiv]+$") or w == "--insecure" or w == "--silent" or w == "--fail"
                  or w == "--show-error" or w == "--location") then
        return nil -- a request with data, headers or output files is not a plain read
      end
    end
    return url and { url = url } or nil
  end
  return nil
end

-- ---- claims on objects ----

-- What the criterion expects, by wording; NOUN stands for the object kind.
M.nouns = {
  pods = { "pods", "application pods" }, [api.HELMRELEASES] = { "HelmReleases" },
  [api.KUSTOMIZATIONS] = { "Kustomizations" }, ["sealedsecrets.bitnami.com"] = { "sealed secrets", "SealedSecrets" },
  jobs = { "jobs" },
}
M.singular = {
  pods = { "pod" }, [api.HELMRELEASES] = { "HelmRelease" }, [api.KUSTOMIZATIONS] = { "Kustomization" },
  ["sealedsecrets.bitnami.com"] = { "sealed secret", "SealedSecret" }, jobs = { "job" },
}
local IN = " [in [the] {namespace} namespace]"
M.claims = {
  { state = "ready", all = { "All [{count}] NOUN show READY=True", "All [{count}] NOUN [are] ready",
      "All [{count}] NOUN reconcile [successfully]", "All [{count}] NOUN [are] running [and ready]",
      "All [{count}] NOUN [are] running and healthy" },
    one = { "{name} ONE shows READY=True", "{name} ONE is ready" },
    workload = { "{workload:name} NOUN [are] running [and healthy]", "{workload:name} NOUN [are] running and ready" } },
  { state = "synced", all = { "[All] [{count}] NOUN show Synced", "All [{count}] NOUN [are] synced" },
    one = { "{name} ONE is synced" } },
  { state = "complete", all = { "All [{count}] NOUN [are] complete", "All [{count}] NOUN [are] completed" },
    one = { "{name} ONE is complete", "{name} ONE is completed" } },
  { state = "absent", all = { "No NOUN remain", "No [running] NOUN", "Verify no [running] NOUN" } },
}

local function templates(list, nouns)
  local out = {}
  for _, t in ipairs(list or {}) do
    for _, n in ipairs(nouns) do
      out[#out + 1] = "[Verify] [that] " .. t:gsub("NOUN", n):gsub("ONE", n) .. IN
    end
  end
  return out
end

-- What TEXT expects of objects of KIND: {state, count, names, workload,
-- namespace, every (a claim on all of them, or on none remaining)}, or nil.
function M.claim(text, kind)
  local config = ix.config()
  for _, cl in ipairs(M.claims) do
    for _, part in ipairs{ "all", "one", "workload" } do
      local list = templates(cl[part], part == "one" and M.singular[kind] or M.nouns[kind] or {})
      if #list > 0 then
        local a = wording.match(list, text, config)
        if a then
          return { state = cl.state, count = a.count, names = a.name and { a.name } or nil,
                   workload = a.workload, namespace = a.namespace, every = part == "all" }
        end
      end
    end
  end
  return nil
end

-- ---- what the command does not read ----

-- prose, versions and images_beyond: infraexec.mentions (what a
-- criterion's prose names), here too for the rules written against them.
M.prose, M.versions, M.images_beyond = mentions.prose, mentions.versions, mentions.images_beyond

-- Words that make a claim about a URL one of absence or refusal, which an
-- answer (2xx or any other) cannot show by itself.
M.negative_words = { "not", "no longer", "never", "denied", "disabled", "decommissioned", "refused", "refuses",
                     "unavailable", "down", "fails", "without", "removed", "gone", "cannot", "isn't", "doesn't",
                     "aren't", "won't", "can't", "don't", "no", "none", "nobody", "forbidden", "blocked", "rejected",
                     "unreachable", "offline", "deleted", "retired", "shut", "stopped", "closed", "deprecated",
                     -- access control: a 2xx shows the opposite
                     "protected", "requires", "require", "unauthorized", "unauthenticated", "authentication",
                     "authenticated", "auth", "private", "restricted", "locked", "secured" }

local function negative(text)
  local low = " " .. M.prose(text):lower():gsub("\u{2019}", "'"):gsub("[^%w']+", " ") .. " "
  for _, w in ipairs(M.negative_words) do
    if low:find(" " .. w .. " ", 1, true) then return w end
  end
  return nil
end

-- Why the query Q (from reader) reads less than TEXT claims, as "needs a
-- person: ...", or nil.  The command decides what infraexec reads, the
-- text what it must show: a claim on all objects read in one namespace,
-- through a selector or by name, a version never compared, a refusal read as an answer.
function M.beyond(text, q)
  if q.url then
    local w = negative(text)
    if not w then return nil end
    return ("needs a person: the criterion claims an absence or refusal (%q); an answer from %s cannot show it"):format(
      w, q.url)
  end
  local why
  local versions = M.versions(text)
  if #versions > 0 then
    why = ("the criterion names %s; infraexec checks the objects' state, not their versions"):format(
      table.concat(versions, ", "))
  else
    local claim = M.claim(text, q.kind)
    if claim and claim.every then
      local narrow = {}
      if q.namespace and not claim.namespace then narrow[#narrow + 1] = "namespace " .. q.namespace end
      if q.selector then narrow[#narrow + 1] = "-l " .. q.selector end
      if #q.names > 0 then narrow[#narrow + 1] = "only " .. table.concat(q.names, ", ") end
      if #narrow > 0 then
        why = ("the criterion speaks of all %s, the command reads %s"):format(q.kind, table.concat(narrow, " and "))
      end
    end
  end
  return why and ("needs a person: the command reads less than the criterion claims (%s)"):format(why) or nil
end

return M
