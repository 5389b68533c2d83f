-- config.lua - manifest changes the criteria name, validated with the
-- configured command (and lint script), committed after validation.  Never
-- applied: Flux does that.  What each rule does: lua/infraexec/rules/config.lua.
local lazy = require "infraexec.core.lazy"
local rules = lazy.fns "infraexec.rules.config" -- loaded when one of its rules runs
local wording = require "infraexec.lib.wording"

return {
  description = "changes manifests in the GitOps repository, validates, commits",
  rules = {
    { wording = "Remove {name} from [the] {file:kustomization}", description = "drop a resource from a kustomization",
      examples = { "Remove mtg-agents from beckerkube/clusters/minikube/apps/kustomization.yaml" },
      kind = "action", observe = { "file.kustomization_lacks", "git.committed" },
      run = wording.unpack(rules.remove_resource, "name", "file") },
    { wording = "Set {key} to {value:word} in {file:path}", description = "set a value in a manifest",
      examples = { "Set spec.timeout to 10m in apps/ffl/helmrelease.yaml" },
      kind = "action", observe = { "file.yaml_values", "git.committed" },
      run = wording.unpack(rules.set_value, "key", "value", "file") },
  },
}
