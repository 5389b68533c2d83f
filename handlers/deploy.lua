-- deploy.lua - releasing through the GitOps repository: set the image tags
-- in the app's HelmRelease (only those bytes change), validate, commit only
-- when validation passed, push and see the push on the remote, reconcile if
-- configured; and what Flux made of the pushed revision.  Never kubectl apply.
local lazy = require "infraexec.core.lazy"
local rules = lazy.fns "infraexec.rules.deploy" -- loaded when one of its rules runs
local wording = require "infraexec.lib.wording"

return {
  description = "updates HelmReleases in the GitOps repository, commits and pushes them, checks what Flux deployed",
  rules = {
    { wording = "Update [the] {app} HelmRelease in [the] {repo:name} [repository] to version {version}",
      description = "set an app's image tags, validate, commit",
      examples = { "Update ffl HelmRelease in beckerkube to version 0.1.18" },
      kind = "action", observe = { "gitops.helmrelease", "git.pushed" },
      run = wording.unpack(rules.update_helmrelease, "app", "repo", "version"),
      check = wording.unpack(rules.helmrelease_holds, "app", "repo", "version") },
    { wording = "Commit [the] changes to [the] {repo:name} repository", description = "commit what this run changed",
      examples = { "Commit changes to beckerkube repository" },
      kind = "action", observe = "git.committed",
      run = wording.unpack(rules.commit_changes, "repo") },
    { wording = { "Commit and push [the] [updated] HelmReleases [to [the] {repo:name} [repository]]",
                  "Commit and push [the] changes to [the] {repo:name} [repository]" },
      description = "commit what this run changed, push it to the GitOps remote, see it there",
      examples = { "Commit and push updated HelmReleases", "Commit and push changes to beckerkube repository" },
      kind = "action", observe = { "git.committed", "git.pushed" },
      run = wording.unpack(rules.commit_push, "repo") },
    { wording = "Push [the] [changes] to {remote:name}", description = "push HEAD to the GitOps remote, see it there",
      examples = { "Push to origin" },
      kind = "action", observe = "git.pushed",
      run = wording.unpack(rules.push_to, "remote") },
    { wording = { "{release:name} HelmRelease deploys successfully", "{release:name} HelmRelease shows READY=True" },
      description = "a HelmRelease Ready for the pushed revision",
      examples = { "midwestmtg-backend HelmRelease deploys successfully", "midwestmtg-backend HelmRelease shows READY=True" },
      kind = "assertion", observe = { "flux.kustomization", "flux.helmreleases" },
      run = wording.unpack(rules.release_deployed, "release"), check = wording.unpack(rules.release_deployed, "release") },
    { wording = "All {app:name} worker HelmReleases deploy successfully {names:text}",
      description = "each named HelmRelease Ready for the pushed revision",
      examples = { "All triager worker HelmReleases deploy successfully (classifier, doc-generator, duplicate, git-manager)" },
      kind = "assertion", observe = { "flux.kustomization", "flux.helmreleases" },
      run = wording.unpack(rules.workers_deployed, "app", "names"), check = wording.unpack(rules.workers_deployed, "app", "names") },
    { wording = { "Verify Flux reconciliation completes [without errors]", "Flux reconciliation completes [without errors]" },
      description = "every Kustomization Ready, the GitOps repository's at the pushed revision",
      examples = { "Verify Flux reconciliation completes without errors" },
      kind = "assertion", observe = "flux.kustomizations",
      run = rules.reconciled, check = rules.reconciled },
    { wording = { "Trigger [a] Flux reconciliation {command:text}", "Trigger [a] Flux reconciliation" },
      description = "run the reconcile command",
      examples = { "Trigger Flux reconciliation: flux reconcile kustomization clusters-minikube" },
      kind = "action", observe = "command.result",
      run = wording.unpack(rules.reconcile, "command") },
  },
}
