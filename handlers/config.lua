-- config.lua - manifest changes the criteria name, validated with the
-- configured command (and lint script), committed after validation.  Never
-- applied: Flux does that.
local ix = require "infraexec"
local ev = require "infraexec.core.evidence"
local gitops = require "infraexec.act.gitops"
local file = require "infraexec.observe.file"
local git = require "infraexec.observe.git"
local targets = require "infraexec.targets"
local wording = require "infraexec.lib.wording"

-- Commit what the action changed, then the evidence: OBS plus the file at HEAD.
local function commit_and_observe(path, message, obs)
  local id, err = gitops.commit{ message = message }
  if not id then return false, "validated but not committed: " .. err end
  ev.add(obs, git.committed{ repo = gitops.settings().path, paths = { path } })
  return ev.verdict(obs, id == "nothing to commit" and "already so" or ("validated, committed " .. id:sub(1, 12)))
end

-- "Remove mtg-agents from beckerkube/clusters/minikube/apps/kustomization.yaml"
local function remove_resource(c, name, f)
  local more = targets.beyond_change(c.text, f, { name })
  if more then return false, more end
  local path, n = gitops.remove_resource{ file = f, name = name }
  if not path then return false, n end
  local obs = file.kustomization_lacks{ path = path, name = name }
  -- Nothing to remove in the work tree is done only when HEAD agrees (commit_and_observe).
  return commit_and_observe(path, ("%s: remove %s from %s"):format(ix.task().id or "infraexec", name, f), obs)
end

-- "Set spec.timeout to 10m in apps/ffl/helmrelease.yaml"
local function set_value(c, key, value, f)
  local more = targets.beyond_change(c.text, f)
  if more then return false, more end
  local path, err = gitops.set_value{ file = f, key = key, value = value }
  if not path then return false, err end
  return commit_and_observe(path, ("%s: set %s to %s in %s"):format(ix.task().id or "infraexec", key, value, f),
    file.yaml_values{ path = path, keys = { key }, value = value })
end

return {
  description = "changes manifests in the GitOps repository, validates, commits",
  rules = {
    { wording = "Remove {name} from [the] {file:kustomization}", description = "drop a resource from a kustomization",
      examples = { "Remove mtg-agents from beckerkube/clusters/minikube/apps/kustomization.yaml" },
      kind = "action", observe = { "file.kustomization_lacks", "git.committed" },
      run = wording.unpack(remove_resource, "name", "file") },
    { wording = "Set {key} to {value:word} in {file:path}", description = "set a value in a manifest",
      examples = { "Set spec.timeout to 10m in apps/ffl/helmrelease.yaml" },
      kind = "action", observe = { "file.yaml_values", "git.committed" },
      run = wording.unpack(set_value, "key", "value", "file") },
  },
}
