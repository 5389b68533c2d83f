-- observe/command.lua - a command's own result as evidence.  Only for an
-- action ("Build ...", "Create ..."): exit 0 and its last output lines say
-- the action ran.  An assertion needs an observer of the world instead.
local ev = require "infraexec.evidence"
local shell = require "infraexec.shell"

local M = {}

-- The last N non-empty lines of TEXT, joined with " | ".
local function last_lines(text, n)
  local lines = {}
  for line in (text or ""):gmatch("[^\n]+") do
    if line:match("%S") then lines[#lines + 1] = line end
  end
  local from = math.max(1, #lines - n + 1)
  return table.concat(lines, " | ", from)
end

-- result{result = R, command = TEXT}: R (from ix.run) exited 0; the seen
-- text is its exit and last output lines.  A dry run's unrun command is
-- marked "after the action".
function M.result(a)
  local where = "`" .. a.command .. "`"
  if a.result.dry_run then
    return { { ok = false, after_action = true, looked_at = where, expected = "exit 0",
               seen = "after the action" } }
  end
  local tail = last_lines(a.result.output, 2)
  local seen = a.result.ok and ("exit 0" .. (tail ~= "" and (": " .. tail) or "")) or shell.failure(a.result)
  return { ev.observation(a.result.ok, where, "exit 0", seen) }
end

return M
