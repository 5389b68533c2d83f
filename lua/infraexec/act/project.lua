-- act/project.lua - building and pushing a project's images with its own
-- commands (infraexec.yaml's projects.NAME.build / push, else the task's
-- code block for it).  The registry is what shows a push happened
-- (infraexec.observe.registry); these only run the commands.
local ix = require "infraexec"
local diagnose = require "infraexec.diagnose"
local ev = require "infraexec.core.evidence"
local project = require "infraexec.project"
local registry = require "infraexec.registry"

local M = {}

-- The run spec of project P's WHICH ("build" or "push") command at VERSION.
function M.command(p, which, version)
  local env = { REGISTRY_URL = registry.address(), VERSION = version }
  local argv = p[which] or (which == "push" and p.build)
  if argv then return { argv = argv, cwd = p.path, env = env } end
  local block = project.code_block(p.name)
  if block then return { script = block.text, cwd = p.path, env = env } end
  return nil, ("no %s command for %s: set projects.%s.%s in infraexec.yaml"):format(
    which, p.name, p.name, which)
end

-- The command's text for evidence.
function M.describe(spec)
  return spec.argv and table.concat(spec.argv, " ") or (spec.script:match("[^\n]+") or "script")
end

local function run(which, diagnosis, a)
  local p, err = project.get(a.project)
  if not p then return nil, err end
  local spec, cerr = M.command(p, which, a.version)
  if not spec then return nil, cerr end
  ev.acted()
  local r = ix.run(spec)
  if not r.ok then return nil, diagnosis(p, r), r, spec end
  return true, nil, r, spec
end

-- build{project = NAME, version = V}: true, nil, result, spec; or nil, why
-- (with the seed's diagnosis of a failed build), result, spec.
function M.build(a) return run("build", diagnose.build, a) end

-- push{project = NAME, version = V}: as build, with the push command.
function M.push(a) return run("push", diagnose.push, a) end

return M
