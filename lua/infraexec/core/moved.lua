-- moved.lua - module names from before lua/infraexec/ had core/, lib/ and rules/,
-- and where those modules live now.  A workspace handler written against
-- an old name (`require "infraexec.evidence"`) keeps loading, and gets the
-- same module as the new name (one evidence state per run, not two).  The
-- engine installs this first; new code uses the new names
-- (docs/lua-api.md, "Module names").
local M = {
  ["infraexec.engine"] = "infraexec.core.engine",
  ["infraexec.strict"] = "infraexec.core.strict",
  ["infraexec.outcomes"] = "infraexec.core.outcomes",
  ["infraexec.evidence"] = "infraexec.core.evidence",
  ["infraexec.values"] = "infraexec.lib.values",
  ["infraexec.shell"] = "infraexec.lib.shell",
  ["infraexec.wording"] = "infraexec.lib.wording",
  ["infraexec.classify"] = "infraexec.lib.classify",
  ["infraexec.stamp"] = "infraexec.lib.stamp",
  ["infraexec.cluster"] = "infraexec.rules.cluster", -- verify.lua's cluster rules: a rules module
}

local require_ = require
-- rawset: the global exists, but strict.lua may already guard _G.
rawset(_G, "require", function(name, ...) return require_(M[name] or name, ...) end)

return M
