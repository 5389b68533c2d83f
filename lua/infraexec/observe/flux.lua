-- observe/flux.lua - what Flux deployed, for the revision that was pushed.
-- A HelmRelease that is Ready says nothing about a release until the
-- Kustomization that applies the GitOps repository has applied the pushed
-- commit (status.lastAppliedRevision "main@sha1:<sha>") and the
-- HelmRelease's controller has acted on the spec that commit gave it
-- (observedGeneration, lastAttemptedGeneration, the newest history entry).
-- Read through observe/kube.lua (kubectl get -o json), so read-only.
local ix = require "infraexec"
local apps = require "infraexec.apps"
local ev = require "infraexec.core.evidence"
local kube = require "infraexec.observe.kube"

local M = {}

local function name_of(o)
  local md = o.metadata or {}
  return (md.namespace or "?") .. "/" .. (md.name or "?")
end

local function condition(o, type_)
  for _, c in ipairs(o.status and o.status.conditions or {}) do
    if c.type == type_ then return c end
  end
  return nil
end

local function not_ready(cond)
  if not cond then return "no Ready condition" end
  local why = cond.message or cond.reason
  return "Ready=" .. tostring(cond.status) .. (why and (" (" .. tostring(why) .. ")") or "")
end

-- The commit id in a Flux source revision: "main@sha1:<sha>" (Flux v2.0+),
-- "main/<sha>" (older), or a bare id.
function M.sha(revision)
  local r = tostring(revision or "")
  return r:match("sha1:(%x+)$") or r:match("/(%x+)$") or r:match("^(%x+)$")
end

local function short(id) return tostring(id):sub(1, 12) end

-- The commit Flux must be at for SOURCE (act/gitops.lua source()): the one
-- this run pushed, else the remote branch's current one; and what it is.
-- Either must contain local HEAD: a commit made here and never pushed (the
-- task's release from a run whose push failed, a person's) is not what Flux
-- applied, however Ready the remote's older commit is.
local function target(source)
  local where = ("%s/%s"):format(source.remote, source.branch)
  local id, what
  if source.pushed then
    id, what = source.pushed, "pushed by this run to " .. where
  else
    local tip, err = ix.git_remote_head(source.repo, source.remote, source.branch)
    if err then return nil, err end
    if not tip then return nil, ("remote %s has no branch %s"):format(source.remote, source.branch) end
    id, what = tip, "the remote's " .. where
  end
  local head, herr = ix.git_head(source.repo)
  if not head then return nil, herr end
  if head == id then return id, what end
  local has, cerr = ix.git_contains(source.repo, id, head)
  if cerr then return nil, cerr end
  if has == nil then
    return nil, ("%s is at %s, which %s does not have: whether it holds HEAD %s cannot be told; fetch or pull first"):format(
      where, short(id), source.repo, short(head))
  end
  if not has then
    return nil, ("HEAD %s is not on %s (at %s): Flux cannot have applied it; push first"):format(
      short(head), where, short(id))
  end
  return id, what .. ", which contains HEAD " .. short(head)
end

-- What keeps Kustomization O from being at SHA, or nil.
local function kustomization_problem(o, sha)
  local ready = condition(o, "Ready")
  local st = o.status or {}
  local applied = M.sha(st.lastAppliedRevision)
  if not ready or ready.status ~= "True" then
    return not_ready(ready) .. (st.lastAttemptedRevision and (", last attempted " .. tostring(st.lastAttemptedRevision)) or "")
  end
  local stale = kube.stale(o, ready)
  if stale then return stale end
  if not applied then return "no lastAppliedRevision (never applied)" end
  if applied ~= sha then
    return ("lastAppliedRevision %s, not %s"):format(tostring(st.lastAppliedRevision), sha)
  end
  return nil
end

-- The Kustomization REF ("NAMESPACE/NAME") among ITEMS, or nil.
local function find(items, ref)
  for _, o in ipairs(items) do
    if name_of(o) == ref then return o end
  end
  return nil
end

-- kustomization{ref = "NS/NAME", source = S}: that Kustomization Ready for
-- its current spec, with lastAppliedRevision at the pushed commit.
function M.kustomization(a)
  local where = "Kustomization " .. tostring(a.ref)
  if not a.ref or not a.ref:match("^[^/]+/[^/]+$") then
    return { ev.observation(false, "the Kustomization applying the GitOps repository", "gitops.kustomization (NAMESPACE/NAME) in infraexec.yaml",
      a.ref and ("%q, not NAMESPACE/NAME"):format(a.ref) or "not set: the revision Flux applied cannot be checked") }
  end
  local p = ev.pending(where, "Ready=True at the pushed commit")
  if p then return { p } end
  local sha, what = target(a.source)
  if not sha then return { ev.observation(false, where, "Ready=True at the pushed commit", what) } end
  local expected = ("Ready=True, lastAppliedRevision at %s (%s)"):format(sha, what)
  local ns = a.ref:match("^([^/]+)/")
  local items, err, cmd = kube.list{ kind = kube.KUSTOMIZATIONS, namespace = ns }
  where = where .. " (`" .. cmd .. "`)"
  if not items then return { ev.observation(false, where, expected, err) } end
  local o = find(items, a.ref)
  if not o then return { ev.observation(false, where, expected, "no such Kustomization") } end
  local why = kustomization_problem(o, sha)
  return { ev.observation(not why, where, expected, why or ("Ready=True, lastAppliedRevision " .. tostring(o.status.lastAppliedRevision))) }
end

-- kustomizations{ref, source}: every Kustomization Ready for its current
-- spec, and REF and those reading the same source as REF at the pushed
-- commit ("Verify Flux reconciliation completes without errors").
function M.kustomizations(a)
  local out = M.kustomization(a)
  if not out[1].ok then return out end
  local expected = "every Kustomization Ready=True; those of the same source at the pushed commit"
  local p = ev.pending("Kustomizations in all namespaces", expected)
  if p then return { p } end
  local sha = target(a.source)
  local items, err, cmd = kube.list{ kind = kube.KUSTOMIZATIONS }
  local where = "Kustomizations in all namespaces (`" .. cmd .. "`)"
  if not items then return ev.add(out, ev.observation(false, where, expected, err)) end
  local src = (find(items, a.ref) or {}).spec
  src = src and src.sourceRef or {}
  local good, bad = {}, {}
  for _, o in ipairs(items) do
    local ref = o.spec and o.spec.sourceRef or {}
    local same = ref.kind == src.kind and ref.name == src.name
      and (ref.namespace or o.metadata.namespace) == (src.namespace or a.ref:match("^([^/]+)/"))
    local ready = condition(o, "Ready")
    local why = same and kustomization_problem(o, sha)
      or ((not ready or ready.status ~= "True") and not_ready(ready)) or kube.stale(o, ready)
    if why then bad[#bad + 1] = name_of(o) .. ": " .. why else good[#good + 1] = name_of(o) end
  end
  return ev.add(out, ev.observation(#bad == 0 and #good > 0, where, expected,
    #bad > 0 and table.concat(bad, "; ") or ("%d Ready: %s"):format(#good, table.concat(good, ", "))))
end

-- What keeps HelmRelease O from being deployed for its current spec, or nil.
local function release_problem(o)
  local ready = condition(o, "Ready")
  if not ready or ready.status ~= "True" then return not_ready(ready) end
  local stale = kube.stale(o, ready)
  if stale then return stale end
  local st = o.status or {}
  local gen, tried = tonumber(o.metadata and o.metadata.generation), tonumber(st.lastAttemptedGeneration)
  if gen and tried and tried < gen then
    return ("Ready=True, but the last attempted generation is %d, spec is generation %d"):format(tried, gen)
  end
  local newest = type(st.history) == "table" and st.history[1] or nil
  if newest and newest.status ~= "deployed" then
    return ("Ready=True, but the newest release (chart %s) is %s"):format(tostring(newest.chartVersion), tostring(newest.status))
  end
  -- An exact chart version in the spec must be the one released (a range
  -- such as ">=1.0" or "1.x" is Flux's to resolve).
  local chart = o.spec and o.spec.chart and o.spec.chart.spec or {}
  local want = type(chart.version) == "string" and chart.version:match("^v?%d+%.%d+%.%d+[%w%.%-+]*$") and chart.version
  local got = newest and newest.chartVersion or st.lastAppliedRevision or st.lastAttemptedRevision
  if want and got and got ~= want then
    return ("Ready=True for chart %s, spec asks %s"):format(tostring(got), want)
  end
  return nil
end

-- Whether HelmRelease NAME is the one the criterion calls WANT (PREFIX-WANT
-- too, for "All triager worker HelmReleases (classifier, ...)").
local function is_named(name, want, prefix)
  return name == want or (prefix ~= nil and name == prefix .. "-" .. want)
end

-- helmreleases{[names], [prefix], [namespace], [count], kustomization = REF,
-- source = S, [committed = {R...}]}: each HelmRelease named (else every one,
-- exactly COUNT when given) Ready=True for its current spec, the
-- Kustomization at the pushed commit (see kustomization), and each found
-- one that is a release R of gitops.apps ({name, namespace, file, document,
-- tags}) as committed (see as_committed).
function M.helmreleases(a)
  -- The releases first: when they are not Ready, that is the news.
  local out, found = M.releases(a)
  ev.add(out, M.kustomization{ ref = a.kustomization, source = a.source })
  for _, r in ipairs(a.committed or {}) do
    for _, o in ipairs(found or {}) do
      local md = o.metadata or {}
      if md.name == r.name and (not r.namespace or md.namespace == r.namespace) then
        ev.add(out, M.as_committed{ object = o, release = r, source = a.source })
      end
    end
  end
  return out
end

-- The value at PATH (dot-separated keys and 0-based list indexes, as tag
-- paths are written) of the decoded object V, as text, or nil when absent.
local function value_at(v, path)
  for key in path:gmatch("[^.]+") do
    if type(v) ~= "table" then return nil end
    local n = key:match("^%d+$") and tonumber(key) + 1
    if n and v[n] ~= nil then v = v[n] else v = v[key] end
  end
  if v == nil then return nil end
  if v == ix.null then return "null" end
  return type(v) == "table" and "(a mapping or list)" or tostring(v)
end

-- as_committed{object = O, release = R, source = S}: the cluster's
-- HelmRelease O carries at each tag path of R ({file, document, tags},
-- apps.get) the value R's document has in the commit Flux must be at (see
-- target), and R's file has no uncommitted change.  A HelmRelease applied by
-- hand, by another Kustomization or overridden in the cluster is Ready but
-- not the committed release.  Values Flux substitutes or patches in
-- (postBuild, overlays) differ from the file too: not ticked, both named.
function M.as_committed(a)
  local r, s = a.release, a.source
  local where = ("HelmRelease %s in the cluster against %s"):format(name_of(a.object), r.file)
  local expected = "the committed values at " .. table.concat(r.tags, ", ")
  local p = ev.pending(where, expected)
  if p then return { p } end
  for _, d in ipairs(assert(ix.git_status(s.repo))) do
    if s.repo .. "/" .. d == r.file then
      return { ev.observation(false, where, expected, "uncommitted changes in " .. d .. ": Flux cannot have them; commit and push first") }
    end
  end
  local sha, what = target(s)
  if not sha then return { ev.observation(false, where, expected, what) } end
  where = where .. " at " .. short(sha)
  local text, terr = ix.git_show(s.repo, sha, r.file)
  if terr then return { ev.observation(false, where, expected, terr) } end
  if not text then return { ev.observation(false, where, expected, "no such file in commit " .. short(sha)) } end
  local doc, derr = apps.document(r, text)
  if not doc then return { ev.observation(false, where, expected, derr) } end
  local want, bad = {}, {}
  for _, path in ipairs(r.tags) do
    local committed, gerr = ix.yaml_get(text, path, doc)
    if not committed then
      bad[#bad + 1] = path .. ": not in the committed document (" .. gerr .. ")"
    else
      want[#want + 1] = path .. " " .. tostring(committed)
      local got = value_at(a.object, path)
      if got ~= tostring(committed) then
        bad[#bad + 1] = ("%s %s in the cluster, %s committed"):format(path, got or "absent", tostring(committed))
      end
    end
  end
  if #want > 0 then expected = table.concat(want, ", ") .. " as committed" end
  return { ev.observation(#bad == 0, where, expected, #bad > 0 and table.concat(bad, "; ") or table.concat(want, ", ")) }
end

-- releases{[names], [prefix], [namespace], [count]}: the HelmReleases part
-- of helmreleases, without the revision; and the objects judged.
function M.releases(a)
  local expected = (a.names and ("HelmReleases " .. table.concat(a.names, ", ") .. ", each")
    or a.count and ("exactly " .. a.count .. ", each") or "at least one, each") .. " ready"
  local what = kube.HELMRELEASES .. (a.namespace and (" in " .. a.namespace) or " in all namespaces")
  local p = ev.pending(what, expected)
  if p then return { p } end
  local items, err, cmd = kube.list{ kind = kube.HELMRELEASES, namespace = a.namespace }
  local where = what .. " (`" .. cmd .. "`)"
  if not items then return { ev.observation(false, where, expected, err) } end
  local good, bad, keep = {}, {}, {}
  if a.names then
    for _, want in ipairs(a.names) do
      local hits = {}
      for _, o in ipairs(items) do
        if is_named(o.metadata and o.metadata.name, want, a.prefix) then hits[#hits + 1] = o end
      end
      -- Several of that name (other namespaces, NAME and PREFIX-NAME): judging one would hide the others.
      if #hits > 1 then
        local list = {}
        for _, o in ipairs(hits) do list[#list + 1] = name_of(o) end
        bad[#bad + 1] = ("%s: %d HelmReleases answer to it (%s); which one is meant is not clear"):format(
          want, #hits, table.concat(list, ", "))
      elseif hits[1] then keep[#keep + 1] = hits[1] else bad[#bad + 1] = want .. ": no such HelmRelease" end
    end
  else
    keep = items
  end
  for _, o in ipairs(keep) do
    local why = release_problem(o)
    if why then
      bad[#bad + 1] = name_of(o) .. ": " .. why
    else
      good[#good + 1] = name_of(o)
    end
  end
  local ok = #good > 0 and #bad == 0 and (not a.count or #good == a.count)
  local seen = #bad > 0 and table.concat(bad, "; ")
    or #good == 0 and "none"
    or ("%d ready: %s"):format(#good, table.concat(good, ", "))
  return { ev.observation(ok, where, expected, seen) }, keep
end

return M
