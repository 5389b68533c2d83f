-- gitops.lua - changing the GitOps repository the way the seed agent did,
-- but checked: edit, validate with the configured command, and commit only
-- what this run changed, only after validation passed.  Never kubectl apply.
local ix = require "infraexec"

local M = {}
local touched = {} -- files this run changed in the GitOps repository, in order

function M.settings()
  local g = ix.config().gitops
  if not g or not g.path then return nil, "no gitops.path in infraexec.yaml" end
  return g
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

-- Write NEW to PATH, validate, and put the old content back if validation
-- fails: a broken manifest never stays on disk.  Returns true or false, why.
function M.edit(path, new, summary)
  local old, rerr = ix.read_file(path)
  if not old then return false, rerr end
  if not ix.write_file(path, new, summary) then return true, "already up to date" end
  local ok, r = M.validate()
  if not ok then
    ix.write_file(path, old, "restored after failed validation")
    return false, r
  end
  touched[#touched + 1] = path
  return true
end

-- The files of the repository that differ from HEAD, as absolute paths; in
-- a dry run, also those this run would have changed.
local function dirty_files(g)
  local dirty = {}
  for _, p in ipairs(ix.git_status(g.path)) do dirty[g.path .. "/" .. p] = true end
  if ix.dry_run() then
    for _, p in ipairs(touched) do dirty[p] = true end
  end
  return dirty
end

-- Commit the files this run changed that are still uncommitted.
function M.commit(message)
  local g, err = M.settings()
  if not g then return nil, err end
  local dirty = dirty_files(g)
  local paths, seen = {}, {}
  for _, p in ipairs(touched) do
    if dirty[p] and not seen[p] then paths[#paths + 1] = p; seen[p] = true end
  end
  if #paths == 0 then return "nothing to commit" end
  return ix.git_commit(g.path, paths, message)
end

-- Files this run changed that are not committed (empty when all are).
function M.uncommitted()
  local g = M.settings()
  if not g then return {} end
  local dirty = dirty_files(g)
  local left = {}
  for _, p in ipairs(touched) do if dirty[p] then left[#left + 1] = p end end
  return left
end

return M
