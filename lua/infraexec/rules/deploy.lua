-- rules/deploy.lua - what handlers/deploy.lua's rules do: release through
-- the GitOps repository (act/gitops.lua: set tags, validate, commit, push,
-- reconcile) and observe what was committed, pushed and what Flux made of
-- it (observe/gitops.lua, observe/git.lua, observe/flux.lua).  Never
-- kubectl apply.  Each function is a rule's run: (criterion, captures...)
-- -> done, message, evidence.
local ix = require "infraexec"
local lazy = require "infraexec.core.lazy" -- observers, actions, domain: loaded when a rule runs
local apps = lazy "infraexec.apps"
local ev = require "infraexec.core.evidence"
local gitops = lazy "infraexec.act.gitops"
local command = lazy "infraexec.observe.command"
local flux = lazy "infraexec.observe.flux"
local git = lazy "infraexec.observe.git"
local release = lazy "infraexec.observe.gitops"
local mentions = lazy "infraexec.mentions"
local targets = lazy "infraexec.targets"

local M = {}

-- Why criterion C claims more than NAME (what the rule reads, WHAT in the
-- reason): another app or release of infraexec.yaml in a note ("... - and
-- triager too"); or nil.
local function beyond(c, name, what)
  local others = targets.also_named(mentions.prose(c.text), { name })
  if #others == 0 then return nil end
  return ("needs a person: the criterion names %s too; the rule reads only %s"):format(table.concat(others, ", "), what)
end

-- For `infraexec verify`: app NAME's HelmReleases carry VERSION, committed,
-- in the GitOps repository (REPO, when named, must be it).  Observes:
-- gitops.helmrelease, changes nothing.
function M.helmrelease_holds(c, name, repo, version)
  local other = gitops.other_repository(repo) or beyond(c, name, "app " .. name)
  if other then return false, other end
  return ev.verdict(release.helmrelease{ app = name, version = version })
end

-- Sets app NAME's image tags to VERSION in every release it lists,
-- validates, commits, pushes when there is a remote (gitops.release).
-- Observes: gitops.helmrelease (each tag read back, committed) and, after
-- a push, git.pushed (the remote's branch at the commit).
-- "Update ffl HelmRelease in beckerkube to version 0.1.18"
function M.update_helmrelease(c, name, repo, version)
  local other = gitops.other_repository(repo) or beyond(c, name, "app " .. name .. "; nothing changed")
  if other then return false, other end
  local app, id, pushed, already = gitops.release{ app = name, version = version }
  if not app then return false, id end
  local files, seen = {}, {}
  for _, r in ipairs(app.releases) do
    if not seen[r.file] then seen[r.file] = true; files[#files + 1] = r.file end
  end
  local obs = release.helmrelease{ app = name, version = version }
  local s = pushed and gitops.source()
  if s then ev.add(obs, git.pushed{ repo = s.repo, remote = s.remote, branch = s.branch, id = pushed }) end
  return ev.verdict(obs,
    -- Nothing to commit: every file was already as wanted and committed (nothing validated).
    (id == "nothing to commit" and "%d release%s already at %s in %s, committed%s"
      or ("%d release%s set to %s in %s, validated, committed " .. id:sub(1, 12) .. "%s")):format(#app.releases,
      #app.releases == 1 and "" or "s", version, table.concat(files, ", "),
      s and (already and (", already on %s/%s at %s (nothing to push)"):format(s.remote, s.branch, pushed:sub(1, 12))
             or (", pushed to " .. s.remote .. "/" .. s.branch)) or ""))
end

-- "Commit changes to beckerkube repository": every file this run changed
-- is committed.  When this run changed nothing, which commit carries the
-- task's changes is not observable: a clean repository proves nothing.
-- Observes: git.committed (every file this run touched, at HEAD).
function M.commit_changes(_, repo)
  local other = gitops.other_repository(repo)
  if other then return false, other end
  local g, gerr = gitops.settings()
  if not g then return false, gerr end
  local id, err = gitops.commit{ message = (ix.task().id or "infraexec") .. ": " .. (ix.task().title or "changes") }
  if not id then return false, err end
  local paths = gitops.touched()
  if #paths == 0 then
    local dirty = assert(ix.git_status(g.path))
    if #dirty > 0 then
      return ev.verdict({ ev.observation(false, "git status of " .. g.path, "no uncommitted change", table.concat(dirty, ", ")) })
    end
    return false, ("needs a person: this run changed nothing in %s and it is clean; "
      .. "which commit carries the task's changes cannot be observed"):format(g.path)
  end
  return ev.verdict(git.committed{ repo = g.path, paths = paths },
    id == "nothing to commit" and "every change of this run is committed" or ("committed " .. id:sub(1, 12)))
end

-- Pushes HEAD to the GitOps remote (gitops.remote, gitops.branch) and adds
-- the remote's branch, read back from the remote, to OBS; or false and why
-- (a rejected push names the remote and branch: never forced).
local function push_observed(obs, note)
  local id, s = gitops.push()
  if not id then return false, "not pushed: " .. s, obs end
  ev.add(obs, git.pushed{ repo = s.repo, remote = s.remote, branch = s.branch, id = id })
  -- The claim is the state (HEAD on the remote): observed, it holds, but nothing was pushed.
  local did = s.already and ("already on %s/%s at %s (nothing to push)") or "pushed to %s/%s (%s)"
  return ev.verdict(obs, ("%s; " .. did):format(note, s.remote, s.branch, id:sub(1, 12)))
end

-- "Commit and push changes to beckerkube repository": committed as above,
-- then pushed and seen on the remote.  Observes: git.committed, git.pushed.
function M.commit_push(c, repo)
  local done, note, obs = M.commit_changes(c, repo)
  if not done then return false, note, obs end
  return push_observed(obs, note)
end

-- "Push to origin": what this run committed is on the remote's branch,
-- REMOTE (when named) being gitops.remote; refused while any change is
-- uncommitted.  Observes: git.pushed.
function M.push_to(_, remote)
  local s, err = gitops.source()
  if not s then return false, err end
  if remote and remote ~= s.remote then
    return false, ("the criterion pushes to %s but the GitOps remote is %s (gitops.remote in infraexec.yaml)"):format(remote, s.remote)
  end
  local left = gitops.uncommitted()
  if #left > 0 then return false, "not pushed: changes of this run are not committed: " .. table.concat(left, ", ") end
  -- Changes made before this run are "the changes" too: pushing HEAD without them proves nothing.
  local dirty = assert(ix.git_status(s.repo))
  if #dirty > 0 then return false, "not pushed: uncommitted changes in " .. s.repo .. ": " .. table.concat(dirty, ", ") end
  return push_observed({}, "HEAD")
end

-- The name and namespace of release R of gitops.apps: from the config,
-- else from its document's metadata.
local function release_names(r)
  if r.name and r.namespace then return r.name, r.namespace end
  local text = ix.read_file(r.file)
  local doc = text and apps.document(r, text)
  local function meta(key)
    return (ix.yaml_get(text, "metadata." .. key, doc))
  end
  if not doc then return r.name, r.namespace end
  return r.name or meta("name"), r.namespace or meta("namespace")
end

-- Release R of gitops.apps as flux.helmreleases compares it with the
-- cluster (its tag paths as committed), named NAME in NS.
local function committed(r, name, ns)
  return { name = name, namespace = ns, file = r.file, document = r.document, tags = r.tags }
end

-- The Kustomization and namespace for a HelmRelease called NAME: those of
-- the gitops.apps release of that name (and that release, to compare with
-- the cluster), else of the app of that name, else gitops.kustomization in
-- any namespace.
local function release_of(name)
  local g = gitops.settings() or {}
  local names = {}
  for k in pairs(g.apps or {}) do names[#names + 1] = k end
  table.sort(names)
  for _, k in ipairs(names) do
    local app = apps.get(k)
    for _, r in ipairs(app and app.releases or {}) do
      local rname, rns = release_names(r)
      if rname == name then return app.kustomization, rns, { committed(r, rname, rns) } end
    end
    if app and k == name:lower() then return app.kustomization, app.namespace end
  end
  return g.kustomization, nil
end

-- "midwestmtg-backend HelmRelease deploys successfully / shows READY=True":
-- Ready for the pushed revision, not from an older release.  Observes:
-- flux.helmreleases (with the Kustomization and the committed tags).
function M.release_deployed(c, name)
  -- "... deploys successfully (and triager-worker)": the note claims another release too.
  local more = beyond(c, name, "HelmRelease " .. name)
  if more then return false, more end
  local s, err = gitops.source()
  if not s then return false, err end
  local ks, ns, rel = release_of(name)
  return ev.verdict(flux.helmreleases{ names = { name }, namespace = ns, kustomization = ks, source = s,
                                       committed = rel })
end

-- "All triager worker HelmReleases deploy successfully (classifier, ...)":
-- each one named, as NAME or APP-NAME.  Observes: flux.helmreleases.
function M.workers_deployed(_, app, list)
  local names = {}
  for n in tostring(list or ""):gmatch("[%w][%w_%-]*") do names[#names + 1] = n end
  if #names == 0 then return false, "needs a person: the criterion names no HelmRelease (expected a list in parentheses)" end
  local s, err = gitops.source()
  if not s then return false, err end
  local a = apps.get(app)
  local g = gitops.settings() or {}
  local rel, named = {}, {}
  for _, n in ipairs(names) do named[n] = true; named[app .. "-" .. n] = true end
  for _, r in ipairs(a and a.releases or {}) do
    local rname, rns = release_names(r)
    if named[rname] then rel[#rel + 1] = committed(r, rname, rns) end
  end
  return ev.verdict(flux.helmreleases{ names = names, prefix = app, kustomization = a and a.kustomization or g.kustomization,
                                       source = s, committed = rel })
end

-- "Verify Flux reconciliation completes without errors": every
-- Kustomization Ready, those of the GitOps repository at the pushed commit.
-- Observes: flux.kustomizations.
function M.reconciled()
  local s, err = gitops.source()
  if not s then return false, err end
  return ev.verdict(flux.kustomizations{ ref = (gitops.settings() or {}).kustomization, source = s })
end

-- Runs gitops.reconcile of infraexec.yaml, else the criterion's own
-- `flux reconcile ...` (its inline command, else WRITTEN), pinned to the
-- kube context (act/gitops.lua reconcile).  Observes: command.result.
-- "Trigger Flux reconciliation: flux reconcile kustomization clusters-minikube"
function M.reconcile(c, written)
  local _, why, r, spec = gitops.reconcile{ command = c.code[1] or written }
  if not r then return false, why end
  return ev.verdict(command.result{ result = r, command = table.concat(spec.argv, " ") })
end

return M
