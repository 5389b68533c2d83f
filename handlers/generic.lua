-- generic.lua - the last resort: a criterion that carries exactly one inline
-- command runs it, and is done when it succeeds.
--   - [ ] Create marker: `touch /tmp/marker`
local ix = require "infraexec"
local shell = require "infraexec.shell"

return {
  description = "runs the single inline command of a criterion",
  rules = {
    {
      description = "criterion with exactly one inline command",
      examples = { "Create marker: `touch marker`" },
      match = function(c)
        if #c.code == 1 then return c.code[1] end
      end,
      run = function(_, cmd)
        local r = ix.run(shell.command(cmd))
        if r.ok then return true, "`" .. cmd .. "` succeeded" end
        return false, shell.failure(r)
      end,
    },
  },
}
