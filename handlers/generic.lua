-- generic.lua - the last resort: a criterion that carries exactly one inline
-- command.  It runs only what is a command (never a data or secrets file,
-- lua/infraexec/readers.lua).  For an action, exit 0 completes it with the
-- command's last lines as evidence:
--   - [ ] Create marker: `touch /tmp/marker`
-- For an assertion exit 0 proves nothing: a known reader (`kubectl get`,
-- `flux get`, `curl URL`, whatever the wording) is read by infraexec itself
-- and the claim checked on what it returns; any other command is never run
-- and goes to a person.  What the rule does: lua/infraexec/rules/generic.lua.
local lazy = require "infraexec.core.lazy"
local rules = lazy.fns "infraexec.rules.generic" -- loaded when one of its rules runs

return {
  description = "runs the single inline command of a criterion (actions); reads known readers (assertions)",
  rules = {
    {
      description = "criterion with exactly one inline command",
      examples = { "Create marker: `touch marker`" },
      observe = { "command.result", "objects.claim", "http.health" },
      match = function(c)
        if #c.code == 1 then return c.code[1] end
      end,
      run = rules.inline_command,
    },
  },
}
