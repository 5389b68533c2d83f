-- shell.lua - turning a command written in a task file into a run spec.
--
-- A command with no shell syntax is split on blanks and exec'd directly, as
-- make does; anything else runs under `bash -eo pipefail -c`.  The command
-- is the task author's own text, whole: nothing is spliced into it.
local M = {}

local SHELL_CHARS = "[|&;<>()$`\\\"'*?%[%]#~=%%!{}\n]"

function M.command(cmd)
  if cmd:find(SHELL_CHARS) then return { script = cmd } end
  local argv = {}
  for word in cmd:gmatch("%S+") do argv[#argv + 1] = word end
  if #argv == 0 then return { script = cmd } end
  return { argv = argv }
end

-- "exit 2 after 2 attempts: <last output line>" for a failed result.
function M.failure(r)
  local how
  if r.timed_out then how = "timed out"
  elseif r.signal then how = "killed by signal " .. r.signal
  else how = "exit " .. tostring(r.exit) end
  if r.attempts and r.attempts > 1 then how = how .. " after " .. r.attempts .. " attempts" end
  local last = (r.error or r.output or ""):gsub("%s+$", ""):match("([^\n]*)$") or ""
  if last ~= "" then how = how .. ": " .. last end
  return how
end

return M
