-- act/gitops.lua - changing the GitOps repository the checked way: edit,
-- validate with the configured command, restore on failure, and commit only
-- what this run changed, only after validation passed.  Never kubectl apply.
local ix = require "infraexec"
local apps = require "infraexec.apps"
require "infraexec.sections" -- its section of infraexec.yaml is declared there
local diagnose = require "infraexec.diagnose"
local ev = require "infraexec.core.evidence"
local shell = require "infraexec.lib.shell"
local values = require "infraexec.lib.values"

local M = {}
-- Files of the GitOps repository this run changed, or found already as the
-- task wants them (a rerun after a failed push), in order.
local touched = {}
local pushed -- {id, remote, branch}: the commit this run pushed and confirmed

function M.settings()
  local g = ix.config().gitops
  if not g or not g.path then return nil, "no gitops.path in infraexec.yaml" end
  return g
end

-- The repository a criterion names ("in beckerkube", "to gitops
-- repository") must be the GitOps repository, by its directory's name or
-- one of gitops.names: a task meant for another repository never changes
-- this one.  nil when it is (or none is named), else why.
function M.other_repository(repo)
  if not repo then return nil end
  local g, err = M.settings()
  if not g then return err end
  local base = g.path:gsub("/+$", ""):match("([^/]+)$") or g.path
  for _, n in ipairs({ base, table.unpack(g.names or {}) }) do
    if tostring(n):lower() == repo:lower() then return nil end
  end
  return ("the criterion names repository %s; the GitOps repository is %s (gitops.path; add %s to gitops.names if it is the same)"):format(
    repo, base, repo)
end

-- A path as criteria write it ("beckerkube/clusters/...", "apps/x.yaml")
-- inside the GitOps repository.
function M.path(file)
  local g, err = M.settings()
  if not g then return nil, err end
  file = file:gsub("^%a[%w_%-]*/", function(repo)
    -- the repository named by its own name, or by one of gitops.names
    for _, n in ipairs({ g.path:match("([^/]+)$"), table.unpack(g.names or {}) }) do
      if repo:lower() == (tostring(n) .. "/"):lower() then return "" end
    end
    return repo
  end)
  if file:sub(1, 1) ~= "/" then file = g.path .. "/" .. file end
  return file
end

-- Run the configured validation (e.g. kubectl kustomize clusters/minikube).
function M.validate()
  local g, err = M.settings()
  if not g then return false, err end
  if not g.validate then return false, "no gitops.validate command in infraexec.yaml" end
  local r = ix.run{ argv = g.validate, cwd = g.path, retries = 0 }
  if not r.ok then return false, r end
  if g.lint then
    local l = ix.run{ argv = g.lint, cwd = g.path, retries = 0 }
    if not l.ok then return false, l end
  end
  return true
end

-- edit{path = P, text = NEW, summary = S}: write, validate, put the old
-- content back if validation fails (a broken manifest never stays).
-- True (and "already up to date" when nothing changed), or false and why.
function M.edit(a)
  return M.edit_files{ { path = a.path, text = a.text, summary = a.summary } }
end

-- Put back the files of LIST written so far ({path, old}), newest first.
local function restore(list)
  for i = #list, 1, -1 do assert(ix.write_file(list[i].path, list[i].old, "restored after failed validation")) end
end

-- edit_files{{path, text, summary}, ...}: every file written, then one
-- validation; on any failure every file is put back as it was, so an app
-- is never left half-updated.  As edit.
function M.edit_files(list)
  local olds = {}
  for i, f in ipairs(list) do
    local old, rerr = ix.read_file(f.path)
    if not old then return false, rerr end
    olds[i] = old
    if old ~= f.text then ev.acted() end
  end
  local written = {}
  for i, f in ipairs(list) do
    local ok, changed, werr = pcall(ix.write_file, f.path, f.text, f.summary)
    if not ok or changed == nil then
      restore(written)
      return false, ok and werr or ix.error_text(changed)
    end
    -- A file already as wanted still counts as this run's: a rerun after
    -- a failed push commits and pushes it.
    if changed then written[#written + 1] = { path = f.path, old = olds[i] }
    else touched[#touched + 1] = f.path end
  end
  -- A file already as wanted but uncommitted is committed with the rest, so it is validated too.
  local pending, g = #written > 0, M.settings()
  for _, d in ipairs(pending and {} or assert(ix.git_status(g.path))) do
    for _, f in ipairs(list) do pending = pending or g.path .. "/" .. d == f.path end
  end
  if not pending then return true, "already up to date" end
  local ok, r = M.validate()
  if not ok then
    restore(written)
    return false, type(r) == "table" and diagnose.validation(r) or r
  end
  for _, w in ipairs(written) do touched[#touched + 1] = w.path end
  return true
end

local function dirty_files(g)
  local dirty = {}
  for _, p in ipairs(assert(ix.git_status(g.path))) do dirty[g.path .. "/" .. p] = true end
  if ix.dry_run() then
    for _, p in ipairs(touched) do dirty[p] = true end
  end
  return dirty
end

-- commit{message = M}: commit the files this run changed that are still
-- uncommitted.  The commit id, "nothing to commit", or nil and why.
function M.commit(a)
  local g, err = M.settings()
  if not g then return nil, err end
  local dirty = dirty_files(g)
  local paths, seen = {}, {}
  for _, p in ipairs(touched) do
    if dirty[p] and not seen[p] then paths[#paths + 1] = p; seen[p] = true end
  end
  if #paths == 0 then return "nothing to commit" end
  ev.acted()
  return ix.git_commit(g.path, paths, a.message)
end

-- Files this run changed (committed or not), and those still uncommitted.
function M.touched() return touched end
function M.uncommitted()
  local g = M.settings()
  if not g then return {} end
  local dirty = dirty_files(g)
  local left = {}
  for _, p in ipairs(touched) do if dirty[p] then left[#left + 1] = p end end
  return left
end

-- Where Flux reads the GitOps repository from: {repo, remote, branch,
-- pushed}; remote is gitops.remote (default origin), branch gitops.branch
-- (default the checked-out one), pushed the commit this run pushed there
-- (nil before).  Or nil and why.
function M.source()
  local g, err = M.settings()
  if not g then return nil, err end
  local current, berr = ix.git_branch(g.path)
  if not current then return nil, berr end
  -- Commits are made on the checked-out branch, so only it can be pushed.
  if g.branch and g.branch ~= current then
    return nil, ("gitops.branch is %s but %s has %s checked out: infraexec pushes only the branch it commits on"):format(
      g.branch, g.path, current)
  end
  local remote = g.remote or "origin"
  local mine = pushed and pushed.remote == remote and pushed.branch == current
  return { repo = g.path, remote = remote, branch = current, configured = g.remote ~= nil,
           pushed = mine and pushed.id or nil }
end

-- push{}: HEAD of the GitOps repository pushed to its remote's branch (a
-- fast-forward, never forced) and confirmed there (libgit2 reads the
-- branch back).  The commit id and the source (s.already when the remote
-- was at HEAD before and nothing was pushed), or nil, why, and true when
-- the repository has no such remote at all.
function M.push()
  local s, err = M.source()
  if not s then return nil, err end
  -- Asked first, in a dry run too: the stand-in of git_push pushes nowhere.
  local tip, why = ix.git_remote_head(s.repo, s.remote, s.branch)
  if why then
    return nil, why, why:find("no git remote '" .. s.remote .. "'", 1, true) ~= nil
  end
  local head = ix.git_head(s.repo)
  if head and tip == head and not ix.dry_run() then
    -- Nothing to push, and this run pushed nothing: not "pushed by this run".
    -- (A dry run's commits are not made, so its HEAD says nothing.)
    s.already = true
    return head, s
  end
  ev.acted()
  local id, perr = ix.git_push(s.repo, s.remote, s.branch)
  if not id then return nil, perr end
  pushed = { id = id, remote = s.remote, branch = s.branch }
  s.pushed = id
  return id, s
end

-- set_tags{app = NAME, version = V}: every tag path of every release of
-- the app (a document of a file: apps.get) set to V, all files validated
-- together.  The app (apps.get), or nil and why; nothing is left changed
-- when one release cannot be set.
function M.set_tags(a)
  local app, err = apps.get(a.app)
  if not app then return nil, err end
  local v, verr = values.version(a.version)
  if not v then return nil, verr end
  local files, texts = {}, {}
  for i, r in ipairs(app.releases) do
    if #r.tags == 0 then
      return nil, ("gitops.apps.%s.releases[%d] (%s) has no tags in infraexec.yaml"):format(app.name, i - 1, r.file)
    end
    if not texts[r.file] then
      local text, rerr = ix.read_file(r.file)
      if not text then return nil, rerr end
      texts[r.file] = text
      files[#files + 1] = r.file
    end
    local doc, derr = apps.document(r, texts[r.file])
    if not doc then return nil, derr end
    for _, path in ipairs(r.tags) do
      local new, serr = ix.yaml_set(texts[r.file], path, v, doc)
      if not new then
        return nil, ("%s: %s (nothing changed)"):format(apps.describe(r, doc), serr)
      end
      texts[r.file] = new
    end
  end
  local list = {}
  for _, f in ipairs(files) do list[#list + 1] = { path = f, text = texts[f], summary = "image tags -> " .. v } end
  local ok, why = M.edit_files(list)
  if not ok then return nil, why end
  return app
end

-- release{app = NAME, version = V}: the app's tags set to V, validated,
-- committed ("TASK-ID: NAME to V"), pushed (see push; skipped only when
-- gitops.remote is not set and there is no origin), and reconciled when
-- gitops.reconcile is set, only after the push was confirmed: Flux deploys
-- what is pushed.  The app's settings, the commit id, the pushed id (nil
-- when not pushed) and true when the remote already had it (nothing
-- pushed), or nil and why.
function M.release(a)
  local app, err = M.set_tags(a)
  if not app then return nil, err end
  local id, cerr = M.commit{ message = ("%s: %s to %s"):format(ix.task().id or "infraexec", a.app, a.version) }
  if not id then return nil, "validated but not committed: " .. cerr end
  local pid, perr, no_remote = M.push()
  if not pid and not (no_remote and not M.settings().remote) then
    return nil, "committed " .. id .. " but not pushed: " .. perr
  end
  if M.settings().reconcile then
    if not pid then
      return nil, "committed " .. id .. " but not reconciled: Flux deploys what is pushed, and " .. perr
    end
    local r, rerr = M.reconcile{}
    if not r then return nil, "committed and pushed " .. id .. " but reconcile failed: " .. rerr end
  end
  return app, id, pid, pid ~= nil and perr.already == true
end

-- remove_resource{file = F, name = N}: drop N's entries from the
-- kustomization F, validated.  The path and the number removed, or nil, why.
function M.remove_resource(a)
  local path, err = M.path(a.file)
  if not path then return nil, err end
  local text, rerr = ix.read_file(path)
  if not text then return nil, rerr end
  local hits = require("infraexec.observe.file").kustomization_entries(text, a.name)
  if #hits == 0 then return path, 0 end
  local drop = {}
  for _, h in ipairs(hits) do drop[h.line] = true end
  local kept, n = {}, 0
  for line in (text .. (text:sub(-1) == "\n" and "" or "\n")):gmatch("([^\n]*)\n") do
    n = n + 1
    if not drop[n] then kept[#kept + 1] = line end
  end
  local new = table.concat(kept, "\n") .. (text:sub(-1) == "\n" and "\n" or "")
  local ok, why = M.edit{ path = path, text = new,
    summary = ("removed %s (%d entr%s)"):format(a.name, #hits, #hits == 1 and "y" or "ies") }
  if not ok then return nil, why end
  return path, #hits
end

-- set_value{file = F, key = K, value = V}: K of the manifest F set to V,
-- validated.  The path, or nil and why.
function M.set_value(a)
  local path, err = M.path(a.file)
  if not path then return nil, err end
  local text, rerr = ix.read_file(path)
  if not text then return nil, rerr end
  local new, serr = ix.yaml_set(text, a.key, a.value)
  if not new then return nil, serr end
  local ok, why = M.edit{ path = path, text = new, summary = a.key .. " -> " .. a.value }
  if not ok then return nil, why end
  return path
end

-- reconcile{[command = TEXT]}: run gitops.reconcile (else the criterion's
-- own command, when it has no shell syntax).  The result and the spec, or
-- nil and why.
function M.reconcile(a)
  local g = M.settings() or {}
  local spec = g.reconcile and { argv = g.reconcile, cwd = g.path }
  if not spec then
    if not a.command or a.command == "" then return nil, "no reconcile command: set gitops.reconcile in infraexec.yaml" end
    spec = shell.command(a.command)
    if spec.script then
      return nil, "the reconcile command has shell syntax; set gitops.reconcile in infraexec.yaml"
    end
    -- The task's own text may name only `flux reconcile ...`, pinned to
    -- the configured context like every flux infraexec starts: anything
    -- else ("kubectl delete ...", "cat key") is not a reconciliation.
    if spec.argv[1] ~= "flux" or spec.argv[2] ~= "reconcile" then
      return nil, ("needs a person: `%s` is not `flux reconcile ...`; set gitops.reconcile in infraexec.yaml to run another command"):format(a.command)
    end
    local argv, env = require("infraexec.readers").pinned(spec.argv)
    if not argv then return nil, "needs a person: " .. env end
    spec = { argv = argv, env = env }
  end
  ev.acted()
  local r = ix.run(spec)
  if not r.ok then return nil, shell.failure(r), r, spec end
  return r, nil, r, spec
end

return M
