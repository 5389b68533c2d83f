-- deploy.lua - releasing through the GitOps repository: set the image tags
-- in the app's HelmRelease (only those bytes change), validate, commit only
-- when validation passed, reconcile if configured.  Never kubectl apply.
local ix = require "infraexec"
local ev = require "infraexec.evidence"
local gitops = require "infraexec.act.gitops"
local command = require "infraexec.observe.command"
local git = require "infraexec.observe.git"
local release = require "infraexec.observe.gitops"
local wording = require "infraexec.wording"

-- For `infraexec verify`: the HelmRelease carries VERSION, committed.
local function helmrelease_holds(_, name, _, version)
  return ev.verdict(release.helmrelease{ app = name, version = version })
end

-- "Update ffl HelmRelease in beckerkube to version 0.1.18"
local function update_helmrelease(_, name, _, version)
  local app, id = gitops.release{ app = name, version = version }
  if not app then return false, id end
  local files, seen = {}, {}
  for _, r in ipairs(app.releases) do
    if not seen[r.file] then seen[r.file] = true; files[#files + 1] = r.file end
  end
  return ev.verdict(release.helmrelease{ app = name, version = version },
    ("%d release%s set to %s in %s, validated, committed %s"):format(#app.releases,
      #app.releases == 1 and "" or "s", version, table.concat(files, ", "), id:sub(1, 12)))
end

-- "Commit changes to beckerkube repository": every file this run changed is committed.
local function commit_changes()
  local g, gerr = gitops.settings()
  if not g then return false, gerr end
  local id, err = gitops.commit{ message = (ix.task().id or "infraexec") .. ": " .. (ix.task().title or "changes") }
  if not id then return false, err end
  local paths = gitops.touched()
  local obs = #paths > 0 and git.committed{ repo = g.path, paths = paths }
    or { ev.observation(#ix.git_status(g.path) == 0, "git status of " .. g.path, "no uncommitted change",
                        #ix.git_status(g.path) == 0 and "clean" or table.concat(ix.git_status(g.path), ", ")) }
  return ev.verdict(obs, id == "nothing to commit" and "every change of this run is committed" or ("committed " .. id:sub(1, 12)))
end

-- "Commit and push ...": the commit is made and observed, but infraexec
-- never pushes to a remote, so the criterion stays for a person.
local function commit_not_push()
  local done, note = commit_changes()
  if not done then return false, note end
  return false, "needs a person: " .. note .. "; pushing to the remote is not done by infraexec"
end

-- "Trigger Flux reconciliation: flux reconcile kustomization clusters-minikube"
local function reconcile(c, written)
  local _, why, r, spec = gitops.reconcile{ command = c.code[1] or written }
  if not r then return false, why end
  return ev.verdict(command.result{ result = r, command = table.concat(spec.argv, " ") })
end

return {
  description = "updates HelmReleases in the GitOps repository and commits them",
  rules = {
    { wording = "Update [the] {app} HelmRelease in [the] {repo:name} [repository] to version {version}",
      description = "set an app's image tags, validate, commit",
      examples = { "Update ffl HelmRelease in beckerkube to version 0.1.18" },
      kind = "action", observe = "gitops.helmrelease",
      run = wording.unpack(update_helmrelease, "app", "repo", "version"),
      check = wording.unpack(helmrelease_holds, "app", "repo", "version") },
    { wording = "Commit [the] changes to [the] {repo:name} repository", description = "commit what this run changed",
      examples = { "Commit changes to beckerkube repository" },
      kind = "action", observe = "git.committed",
      run = commit_changes },
    { wording = { "Commit and push [the] [updated] HelmReleases [to [the] {repo:name} [repository]]",
                  "Commit and push [the] changes to [the] {repo:name} [repository]" },
      description = "commit what this run changed; the push is left to a person",
      examples = { "Commit and push updated HelmReleases", "Commit and push changes to beckerkube repository" },
      kind = "action", observe = "git.committed",
      run = commit_not_push },
    { wording = { "Trigger [a] Flux reconciliation {command:text}", "Trigger [a] Flux reconciliation" },
      description = "run the reconcile command",
      examples = { "Trigger Flux reconciliation: flux reconcile kustomization clusters-minikube" },
      kind = "action", observe = "command.result",
      run = wording.unpack(reconcile, "command") },
  },
}
