-- observe/command.lua - a command's own result as evidence.  Only for an
-- action ("Build ...", "Create ..."): exit 0 says the action ran.  An assertion
-- needs an observer of the world instead.
local ev = require "infraexec.core.evidence"
local shell = require "infraexec.lib.shell"

local M = {}

-- result{result = R, command = TEXT}: R (from ix.run) exited 0; the seen
-- text is "exit 0" only: it goes into the shared task file, and the output
-- (which may hold anything) stays in the report's commands.  A dry run's
-- unrun command is marked "after the action".
function M.result(a)
  local where = "`" .. a.command .. "`"
  if a.result.dry_run then
    return { { ok = false, after_action = true, looked_at = where, expected = "exit 0",
               seen = "after the action" } }
  end
  local seen = a.result.ok and "exit 0" or shell.failure(a.result)
  return { ev.observation(a.result.ok, where, "exit 0", seen) }
end

return M
