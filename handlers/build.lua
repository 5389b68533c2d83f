-- build.lua - building container images and pushing them to the registry.
-- A push counts only when the registry lists every image at the version.
local ix = require "infraexec"
local diagnose = require "infraexec.diagnose"
local project = require "infraexec.project"
local registry = require "infraexec.registry"
local values = require "infraexec.values"

-- The project's command (from infraexec.yaml, else the task's code block).
local function command(p, which, version)
  local env = { REGISTRY_URL = registry.address(), VERSION = version }
  local argv = p[which] or (which == "push" and p.build)
  if argv then return { argv = argv, cwd = p.path, env = env } end
  local block = project.code_block(p.name)
  if block then return { script = block.text, cwd = p.path, env = env } end
  return nil, ("no %s command for %s: set projects.%s.%s in infraexec.yaml"):format(
    which, p.name, p.name, which)
end

local function build(_, args)
  local name, version, why = args.project, args.version, nil
  if not version then version, why = project.version_for(name) end
  if not version then return false, why end
  local p, err = project.get(name)
  if not p then return false, err end
  local v, verr = values.version(version)
  if not v then return false, verr end
  local spec, cerr = command(p, "build", v)
  if not spec then return false, cerr end
  local r = ix.run(spec)
  if not r.ok then return false, diagnose.build(p, r) end
  return true, ("built %s %s"):format(p.name, v)
end

local function push(_, args)
  local name, address = args.project, args.address
  local p, err = project.get(name)
  if not p then return false, err end
  local addr, aerr = values.address(address)
  if not addr then return false, aerr end
  if addr ~= registry.address() then
    return false, ("the criterion names registry %s but infraexec.yaml has %s"):format(
      addr, tostring(registry.address()))
  end
  local v, verr = project.version_for(name)
  if not v then return false, verr end
  if not p.images or #p.images == 0 then
    return false, ("cannot check the push: set projects.%s.images in infraexec.yaml"):format(p.name)
  end
  local spec, cerr = command(p, "push", v)
  if not spec then return false, cerr end
  local r = ix.run(spec)
  if not r.ok then return false, diagnose.push(p, r) end
  -- The build said it pushed; believe the registry only.
  local ok, detail = registry.has_all(p.images, v)
  if not ok then return false, "the push exited 0 but " .. detail end
  return true, detail
end

-- For `infraexec verify`: are the images still in the registry?
local function pushed(_, args)
  local name = args.project
  local p, err = project.get(name)
  if not p then return false, err end
  local v, verr = project.version_for(name)
  if not v then return false, verr end
  return registry.has_all(p.images or {}, v)
end

return {
  description = "builds container images and pushes them to the registry",
  rules = {
    {
      wording = { "Build all [remaining] {project} containers [with version {version}]",
                  "[Successfully] build all [remaining] {project} images [with version {version}]" },
      description = "build a project's images at a version",
      examples = { "Build all FFL containers with version 0.1.18", "Successfully build all triager images",
                   "Build all remaining mtg_dev_agents containers" },
      run = build,
    },
    {
      wording = "Push all [remaining] {project} images to [the] registry {address}",
      description = "push a project's images and confirm them in the registry",
      examples = { "Push all FFL images to registry 127.0.0.1:5000" },
      run = push,
      check = pushed,
    },
  },
}
