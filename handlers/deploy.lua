-- deploy.lua - releasing through the GitOps repository: set the image tags
-- in the app's HelmRelease (only those bytes change), validate, commit only
-- when validation passed, reconcile if configured.  Never kubectl apply.
local ix = require "infraexec"
local gitops = require "infraexec.gitops"
local diagnose = require "infraexec.diagnose"
local shell = require "infraexec.shell"
local values = require "infraexec.values"

local function app_settings(name)
  local g, err = gitops.settings()
  if not g then return nil, err end
  local apps = g.apps or {}
  local app = apps[name] or apps[name:lower()]
  if not app or not app.helmrelease or not app.tags then
    return nil, ("no gitops.apps.%s with helmrelease and tags in infraexec.yaml"):format(name:lower())
  end
  return app
end

local function update_helmrelease(_, args)
  local name, version = args.app, args.version
  local app, err = app_settings(name)
  if not app then return false, err end
  local v, verr = values.version(version)
  if not v then return false, verr end
  local text, rerr = ix.read_file(app.helmrelease)
  if not text then return false, rerr end
  local new = text
  for _, path in ipairs(app.tags) do new = ix.yaml_set(new, path, v) end
  local ok, why = gitops.edit(app.helmrelease, new, "image tags -> " .. v)
  if not ok then
    return false, type(why) == "table" and diagnose.validation(why) or why
  end
  -- Observe the result: read the file back.
  local written = ix.read_file(app.helmrelease)
  for _, path in ipairs(app.tags) do
    if not ix.dry_run() and ix.yaml_get(written, path) ~= v then
      return false, ("%s: %s is not %s after the edit"):format(app.helmrelease, path, v)
    end
  end
  local id, cerr = gitops.commit(("%s: %s to %s"):format(ix.task().id or "infraexec", name, v))
  if not id then return false, "validated but not committed: " .. cerr end
  local g = gitops.settings()
  if g.reconcile then
    local r = ix.run{ argv = g.reconcile, cwd = g.path }
    if not r.ok then return false, "committed " .. id .. " but reconcile failed: " .. shell.failure(r) end
  end
  return true, ("%s set to %s in %s, validated, committed %s"):format(
    table.concat(app.tags, ", "), v, app.helmrelease, id:sub(1, 12))
end

-- For `infraexec verify`: does the HelmRelease still say VERSION, committed?
local function helmrelease_holds(_, args)
  local name, version = args.app, args.version
  local app, err = app_settings(name)
  if not app then return false, err end
  local text, rerr = ix.read_file(app.helmrelease)
  if not text then return false, rerr end
  for _, path in ipairs(app.tags) do
    local got = ix.yaml_get(text, path)
    if got ~= version then return false, ("%s: %s is %s, not %s"):format(app.helmrelease, path, got, version) end
  end
  local g = gitops.settings()
  for _, p in ipairs(ix.git_status(g.path)) do
    if g.path .. "/" .. p == app.helmrelease then return false, app.helmrelease .. " has uncommitted changes" end
  end
  return true, ("%s says %s and is committed"):format(app.helmrelease, version)
end

local function commit_changes()
  local id, err = gitops.commit((ix.task().id or "infraexec") .. ": " .. (ix.task().title or "changes"))
  if not id then return false, err end
  local left = gitops.uncommitted()
  if not ix.dry_run() and #left > 0 then
    return false, "still uncommitted: " .. table.concat(left, ", ")
  end
  return true, id == "nothing to commit" and "every change of this run is committed" or ("committed " .. id:sub(1, 12))
end

-- "Commit and push ...": the commit is made and observed, but infraexec
-- never pushes to a remote, so the criterion stays for a person.
local function commit_not_push()
  local ok, note = commit_changes()
  if not ok then return false, note end
  return false, "needs a person: " .. note .. "; pushing to the remote is not done by infraexec"
end

-- "Trigger Flux reconciliation: flux reconcile kustomization clusters-minikube"
local function reconcile(c, args)
  local written = args.command
  local g = gitops.settings() or {}
  local spec = g.reconcile and { argv = g.reconcile, cwd = g.path }
  if not spec then
    local cmd = c.code[1] or written
    spec = shell.command(cmd)
    if spec.script then
      return false, "the reconcile command has shell syntax; set gitops.reconcile in infraexec.yaml"
    end
  end
  local r = ix.run(spec)
  if not r.ok then return false, shell.failure(r) end
  return true, "reconciliation triggered"
end

return {
  description = "updates HelmReleases in the GitOps repository and commits them",
  rules = {
    { wording = "Update [the] {app} HelmRelease in [the] {repo:name} [repository] to version {version}",
      description = "set an app's image tags, validate, commit",
      examples = { "Update ffl HelmRelease in beckerkube to version 0.1.18" },
      run = update_helmrelease, check = helmrelease_holds },
    { wording = "Commit [the] changes to [the] {repo:name} repository", description = "commit what this run changed",
      examples = { "Commit changes to beckerkube repository" },
      run = commit_changes },
    { wording = { "Commit and push [the] [updated] HelmReleases [to [the] {repo:name} [repository]]",
                  "Commit and push [the] changes to [the] {repo:name} [repository]" },
      description = "commit what this run changed; the push is left to a person",
      examples = { "Commit and push updated HelmReleases", "Commit and push changes to beckerkube repository" },
      run = commit_not_push },
    { wording = { "Trigger [a] Flux reconciliation {command:text}", "Trigger [a] Flux reconciliation" },
      description = "run the reconcile command",
      examples = { "Trigger Flux reconciliation: flux reconcile kustomization clusters-minikube" },
      run = reconcile },
  },
}
