-- deploy.lua - releasing through the GitOps repository: set the image tags
-- in the app's HelmRelease (only those bytes change), validate, commit only
-- when validation passed, reconcile if configured.  Never kubectl apply.
local ix = require "infraexec"
local ev = require "infraexec.evidence"
local gitops = require "infraexec.act.gitops"
local command = require "infraexec.observe.command"
local git = require "infraexec.observe.git"
local release = require "infraexec.observe.gitops"

-- For `infraexec verify`: the HelmRelease carries VERSION, committed.
local function helmrelease_holds(_, name, _, version)
  return ev.verdict(release.helmrelease{ app = name, version = version })
end

-- "Update ffl HelmRelease in beckerkube to version 0.1.18"
local function update_helmrelease(_, name, _, version)
  local app, id = gitops.release{ app = name, version = version }
  if not app then return false, id end
  return ev.verdict(release.helmrelease{ app = name, version = version },
    ("%s set to %s in %s, validated, committed %s"):format(
      table.concat(app.tags, ", "), version, app.helmrelease, id:sub(1, 12)))
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

-- "Trigger Flux reconciliation: flux reconcile kustomization clusters-minikube"
local function reconcile(c, written)
  local _, why, r, spec = gitops.reconcile{ command = c.code[1] or written }
  if not r then return false, why end
  return ev.verdict(command.result{ result = r, command = table.concat(spec.argv, " ") })
end

return {
  description = "updates HelmReleases in the GitOps repository and commits them",
  rules = {
    { pattern = "^Update (%S+) HelmRelease in (%S+) to version (%S+)",
      description = "set an app's image tags, validate, commit",
      examples = { "Update ffl HelmRelease in beckerkube to version 0.1.18" },
      kind = "action", observe = "gitops.helmrelease",
      run = update_helmrelease, check = helmrelease_holds },
    { pattern = "^Commit changes to (%S+) repository", description = "commit what this run changed",
      examples = { "Commit changes to beckerkube repository" },
      kind = "action", observe = "git.committed",
      run = commit_changes },
    { pattern = "^Trigger Flux reconciliation:?%s*`?([^`]*)`?$", description = "run the reconcile command",
      examples = { "Trigger Flux reconciliation: flux reconcile kustomization clusters-minikube" },
      kind = "action", observe = "command.result",
      run = reconcile },
  },
}
