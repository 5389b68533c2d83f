-- project.lua - the projects of infraexec.yaml, looked up by the names
-- criteria use ("FFL" finds projects.ffl), and the version a task asks for.
local ix = require "infraexec"
local values = require "infraexec.values"

local M = {}

-- The project settings for NAME, or nil and why.
function M.get(name)
  local ok, err = values.name(name)
  if not ok then return nil, err end
  local projects = ix.config().projects or {}
  local p = projects[name] or projects[name:lower()]
  if not p then
    return nil, ("no project '%s' in %s (add projects.%s with path, build and images)"):format(
      name, ix.config().path or "infraexec.yaml", name:lower())
  end
  p.name = p.name or name:lower()
  return p
end

-- The version the task names for project NAME in another criterion
-- ("Build all FFL containers with version 0.1.18").
function M.version_for(name)
  local lname = name:lower()
  for _, c in ipairs(ix.task().criteria) do
    local n, v = c.text:match("(%S+) containers with version (%S+)")
    if not n then n, v = c.text:match("(%S+) %S+ to version (%S+)") end
    if n and n:lower() == lname then return values.version(v) end
  end
  return nil, ("the task names no version for %s (e.g. \"Build all %s containers with version X\")"):format(name, name)
end

-- The task's code block for a project: the first bash block whose section
-- names it (the task's own "Build Commands").
function M.code_block(name)
  local lname = name:lower()
  for _, b in ipairs(ix.task().code_blocks) do
    if (b.lang == "bash" or b.lang == "sh") and b.section:lower():find(lname, 1, true) then
      return b
    end
  end
  return nil
end

return M
