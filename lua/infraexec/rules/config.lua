-- rules/config.lua - what handlers/config.lua's rules do: change one
-- manifest of the GitOps repository (act/gitops.lua), validate, commit, and
-- read the change back (observe/file.lua, observe/git.lua).  Never applied:
-- Flux does that.  Each function is a rule's run: (criterion, captures...)
-- -> done, message, evidence.
local ix = require "infraexec"
local ev = require "infraexec.core.evidence"
local lazy = require "infraexec.core.lazy" -- observers, actions, domain: loaded when a rule runs
local gitops = lazy "infraexec.act.gitops"
local file = lazy "infraexec.observe.file"
local git = lazy "infraexec.observe.git"
local targets = lazy "infraexec.targets"

local M = {}

-- Commit what the action changed, then the evidence: OBS plus the file at HEAD.
local function commit_and_observe(path, message, obs)
  local id, err = gitops.commit{ message = message }
  if not id then return false, "validated but not committed: " .. err end
  ev.add(obs, git.committed{ repo = gitops.settings().path, paths = { path } })
  return ev.verdict(obs, id == "nothing to commit" and "already so" or ("validated, committed " .. id:sub(1, 12)))
end

-- Removes resource NAME from kustomization file F (gitops.remove_resource),
-- commits it.  Observes: file.kustomization_lacks (F lists NAME no more)
-- and git.committed (F at HEAD: nothing to remove in the work tree is done
-- only when HEAD agrees).
-- "Remove mtg-agents from beckerkube/clusters/minikube/apps/kustomization.yaml"
function M.remove_resource(c, name, f)
  local more = targets.beyond_change(c.text, f, { name })
  if more then return false, more end
  local path, n = gitops.remove_resource{ file = f, name = name }
  if not path then return false, n end
  local obs = file.kustomization_lacks{ path = path, name = name }
  return commit_and_observe(path, ("%s: remove %s from %s"):format(ix.task().id or "infraexec", name, f), obs)
end

-- Sets KEY to VALUE in manifest F (gitops.set_value), validates, commits.
-- Observes: file.yaml_values (KEY reads VALUE) and git.committed (F at HEAD).
-- "Set spec.timeout to 10m in apps/ffl/helmrelease.yaml"
function M.set_value(c, key, value, f)
  local more = targets.beyond_change(c.text, f)
  if more then return false, more end
  local path, err = gitops.set_value{ file = f, key = key, value = value }
  if not path then return false, err end
  return commit_and_observe(path, ("%s: set %s to %s in %s"):format(ix.task().id or "infraexec", key, value, f),
    file.yaml_values{ path = path, keys = { key }, value = value })
end

return M
