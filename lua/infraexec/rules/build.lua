-- rules/build.lua - what handlers/build.lua's rules do: build a project's
-- images (act/project.lua), push them, and believe the registry, not the
-- build (observe/registry.lua).  Each function is a rule's run:
-- (criterion, captures...) -> done, message, evidence.
local ev = require "infraexec.core.evidence"
local lazy = require "infraexec.core.lazy" -- observers, actions, domain: loaded when a rule runs
local build = lazy "infraexec.act.project"
local command = lazy "infraexec.observe.command"
local project = lazy "infraexec.project"
local registry = lazy "infraexec.registry"
local reg = lazy "infraexec.observe.registry"
local values = require "infraexec.lib.values"

local M = {}

-- Builds project NAME at VERSION, or at the version the task names for it
-- elsewhere (project.version_for, said in the message).  Observes:
-- command.result (the build ran and exited 0).
-- "Build all FFL containers with version 0.1.18"
function M.built(c, name, version)
  if project.beyond(c, name) then return false, project.beyond(c, name) end
  local from = ""
  if not version then -- "Build all remaining mtg_dev_agents containers": the task names it elsewhere
    local src
    version, src = project.version_for(name, c)
    if not version then return false, src end
    from = (" (version %s from %s)"):format(version, src)
  end
  local v, verr = values.version(version)
  if not v then return false, verr end
  local ok, why, r, spec = build.build{ project = name, version = v }
  if not r then return false, why .. from end
  local obs = command.result{ result = r, command = build.describe(spec) }
  if not ok then return false, why .. from, obs end -- the diagnosis says more than the exit
  return ev.verdict(obs, "built " .. name .. " " .. v .. from)
end

-- The project's images, the version the task names for it and where
-- ("version 0.1.12 from the task's version table (line 37)").
local function images_of(c, name)
  local p, err = project.get(name)
  if not p then return nil, err end
  local v, src = project.version_for(name, c)
  if not v then return nil, src end
  if not p.images or #p.images == 0 then
    return nil, ("cannot check the push: set projects.%s.images in infraexec.yaml"):format(p.name)
  end
  return p.images, v, ("version %s from %s"):format(v, src)
end

-- Pushes project NAME's images at the version the task names, to the
-- registry at ADDRESS (which must be the configured one).  Observes:
-- registry.images (the registry lists every image at the version; the
-- build's word that it pushed is not believed).
-- "Push all FFL images to registry 127.0.0.1:5000"
function M.pushed(c, name, address)
  if project.beyond(c, name) then return false, project.beyond(c, name) end
  local addr, aerr = values.address(address)
  if not addr then return false, aerr end
  if addr ~= registry.address() then
    return false, ("the criterion names registry %s but infraexec.yaml has %s"):format(
      addr, tostring(registry.address()))
  end
  local images, v, from = images_of(c, name)
  if not images then return false, v end
  local ok, why = build.push{ project = name, version = v }
  if not ok then return false, why .. " (" .. from .. ")" end
  local done, msg, obs = ev.verdict(reg.images{ images = images, version = v })
  return done, (done and ("registry lists " .. table.concat(images, ", ") .. " at " .. v)
    or ("the push exited 0 but " .. msg)) .. " (" .. from .. ")", obs
end

-- For `infraexec verify`: are project NAME's images still in the registry?
-- Observes: registry.images, changes nothing.
function M.still_pushed(c, name)
  if project.beyond(c, name) then return false, project.beyond(c, name) end
  local images, v, from = images_of(c, name)
  if not images then return false, v end
  local done, msg, obs = ev.verdict(reg.images{ images = images, version = v })
  return done, msg and (msg .. " (" .. from .. ")") or from, obs
end

return M
