-- types.lua - which handlers a task uses, from its labels (the seed agent's
-- table).  A label maps to one handler or a list; a task's handlers are tried
-- in the order of its labels, then the `always` ones (read-only checks, and
-- the generic rule that runs a criterion's single inline command).
return {
  rules = {},
  labels = {
    builds = "build",
    registry = { "build", "registry_ip" },
    deployment = "deploy",
    flux = "deploy",
    infrastructure = "config",
    networking = "config",
    verification = "verify",
    ["registry-ip"] = "registry_ip",
  },
  always = { "verify", "generic" },
}
