-- types.lua - which handlers a task uses, from its labels (the seed agent's
-- table).  A task's handlers are tried in the order of its labels; the
-- generic handler always comes last.
return {
  rules = {},
  labels = {
    builds = "build",
    registry = "build",
    deployment = "deploy",
    flux = "deploy",
    infrastructure = "config",
    networking = "config",
    verification = "verify",
    ["registry-ip"] = "registry_ip",
  },
}
