-- config.lua - manifest changes the criteria name, validated with the
-- configured command (and lint script), committed after validation.  Never
-- applied: Flux does that.
local ix = require "infraexec"
local gitops = require "infraexec.gitops"
local diagnose = require "infraexec.diagnose"

local function in_gitops(file)
  local g, err = gitops.settings()
  if not g then return nil, err end
  file = file:gsub("^%a[%w_%-]*/", function(repo)
    -- "beckerkube/clusters/..." names the repository by its own name
    local base = g.path:match("([^/]+)$")
    return (repo == base .. "/") and "" or repo
  end)
  if file:sub(1, 1) ~= "/" then file = g.path .. "/" .. file end
  return file
end

local function finish(ok, why, message)
  if not ok then return false, type(why) == "table" and diagnose.validation(why) or why end
  local id, err = gitops.commit(message)
  if not id then return false, "validated but not committed: " .. err end
  return true, id == "nothing to commit" and "already so" or ("validated, committed " .. id:sub(1, 12))
end

-- "Remove mtg-agents from beckerkube/clusters/minikube/apps/kustomization.yaml"
local function remove_resource(_, args)
  local name, file = args.name, args.file
  local path, err = in_gitops(file)
  if not path then return false, err end
  local text, rerr = ix.read_file(path)
  if not text then return false, rerr end
  local kept, removed = {}, 0
  for line in (text .. (text:sub(-1) == "\n" and "" or "\n")):gmatch("([^\n]*)\n") do
    local entry = line:match("^%s*%-%s*(%S+)%s*$")
    if entry and (entry:match("/" .. name:gsub("%p", "%%%0") .. "/?$") or entry == name) then
      removed = removed + 1
    else
      kept[#kept + 1] = line
    end
  end
  if removed == 0 then
    return true, ("%s no longer lists %s"):format(path, name)
  end
  local new = table.concat(kept, "\n") .. (text:sub(-1) == "\n" and "\n" or "")
  local ok, why = gitops.edit(path, new, ("removed %s (%d entr%s)"):format(name, removed, removed == 1 and "y" or "ies"))
  return finish(ok, why, ("%s: remove %s from %s"):format(ix.task().id or "infraexec", name, file))
end

-- "Set spec.timeout to 10m in apps/ffl/helmrelease.yaml"
local function set_value(_, args)
  local key, value, file = args.key, args.value, args.file
  local path, err = in_gitops(file)
  if not path then return false, err end
  local text, rerr = ix.read_file(path)
  if not text then return false, rerr end
  local new = ix.yaml_set(text, key, value)
  local ok, why = gitops.edit(path, new, key .. " -> " .. value)
  if ok and not ix.dry_run() and ix.yaml_get(ix.read_file(path), key) ~= value then
    return false, ("%s: %s did not take the value %s"):format(path, key, value)
  end
  return finish(ok, why, ("%s: set %s to %s in %s"):format(ix.task().id or "infraexec", key, value, file))
end

return {
  description = "changes manifests in the GitOps repository, validates, commits",
  rules = {
    { wording = "Remove {name} from [the] {file:kustomization}", description = "drop a resource from a kustomization",
      examples = { "Remove mtg-agents from beckerkube/clusters/minikube/apps/kustomization.yaml" },
      run = remove_resource },
    { wording = "Set {key} to {value:word} in {file:path}", description = "set a value in a manifest",
      examples = { "Set spec.timeout to 10m in apps/ffl/helmrelease.yaml" },
      run = set_value },
  },
}
