-- build.lua - building container images and pushing them to the registry.
-- A push counts only when the registry lists every image at the version.
-- What each rule does: lua/infraexec/rules/build.lua.
local lazy = require "infraexec.core.lazy"
local rules = lazy.fns "infraexec.rules.build" -- loaded when one of its rules runs
local wording = require "infraexec.lib.wording"

return {
  description = "builds container images and pushes them to the registry",
  rules = {
    {
      wording = { "Build all [remaining] {project} containers [with version {version}]",
                  "[Successfully] build all [remaining] {project} images [with version {version}]" },
      description = "build a project's images at a version",
      examples = { "Build all FFL containers with version 0.1.18", "Successfully build all triager images",
                   "Build all remaining mtg_dev_agents containers" },
      kind = "action", observe = "command.result",
      run = wording.unpack(rules.built, "project", "version"),
    },
    {
      wording = "Push all [remaining] {project} images to [the] registry {address}",
      description = "push a project's images and confirm them in the registry",
      examples = { "Push all FFL images to registry 127.0.0.1:5000",
                   "Push all mtg_dev_agents images to registry 127.0.0.1:5000" },
      kind = "action", observe = "registry.images",
      run = wording.unpack(rules.pushed, "project", "address"),
      check = wording.unpack(rules.still_pushed, "project"),
    },
  },
}
