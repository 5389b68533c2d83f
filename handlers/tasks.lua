-- tasks.lua - criteria about task files: a task that points at another
-- ("... (see TASK-005)" is done when TASK-005 is), one that updates
-- another's Progress Log with what this run observed, one that writes its
-- own table of the versions it confirmed, and retiring a directory of the
-- GitOps repository into its archive folder.  Task ids from criteria are
-- untrusted: the {task} placeholder and ix.task_read both check them.
-- What each rule does: lua/infraexec/rules/tasks.lua.
local lazy = require "infraexec.core.lazy"
local rules = lazy.fns "infraexec.rules.tasks" -- loaded when one of its rules runs

return {
  description = "tasks that point at tasks, update them, document their versions; archiving directories",
  rules = {
    { wording = { "Debug and fix {what:text} see {ref:task}", "Fix {what:text} see {ref:task}" },
      description = "done when the task it points at is completed",
      examples = { "Debug and fix triager build failure (see TASK-005)" },
      kind = "assertion", observe = "tasks.status",
      run = rules.referenced, check = rules.referenced },
    { wording = { "Update {ref:task} with [the] {what:text}", "Update {ref:task} to reflect [the] {what:text}" },
      description = "log what this run observed into another task",
      examples = { "Update TASK-002 with triager build status",
                   "Update TASK-002 to reflect MTG Dev Agents removal decision" },
      kind = "action", observe = "tasks.log_entry",
      run = rules.update_other },
    { wording = "Document [the] final versions in this task",
      description = "write the versions this run confirmed into the task",
      examples = { "Document final versions in this task" },
      kind = "action", observe = { "registry.tags", "tasks.section" },
      run = rules.final_versions },
    { wording = { "Remove or archive [the] {dir:path} directory", "Archive [the] {dir:path} directory" },
      description = "move a directory into gitops.archive, validate, commit",
      examples = { "Remove or archive beckerkube/apps/mtg-agents directory" },
      kind = "action", observe = "archive.moved",
      run = rules.archived, check = rules.still_archived },
    { wording = "Archive [the] {ns:namespace} sealed secret[s]",
      description = "move the namespace's SealedSecret files into gitops.archive, validate, commit",
      examples = { "Archive mtg-agents sealed secret" },
      kind = "action", observe = "archive.moved",
      run = rules.secrets_archived },
  },
}
