-- observe/gitops.lua - what the GitOps repository says about an app: its
-- HelmRelease's image tags, as committed.
local ev = require "infraexec.evidence"
local file = require "infraexec.observe.file"
local git = require "infraexec.observe.git"
local gitops = require "infraexec.act.gitops"

local M = {}

-- helmrelease{app = NAME, version = V}: every tag path of the app's
-- HelmRelease (gitops.apps.NAME) is V, and the file is committed.
function M.helmrelease(a)
  local app, err = gitops.app(a.app)
  if not app then return { ev.observation(false, "gitops.apps." .. a.app:lower() .. " in infraexec.yaml", "an app with helmrelease and tags", err) } end
  local obs = file.yaml_values{ path = app.helmrelease, keys = app.tags, value = a.version }
  return ev.add(obs, git.committed{ repo = gitops.settings().path, paths = { app.helmrelease } })
end

return M
