-- Fixture for tests/lua/test_engine.lua: a nearer alpha.lua whose rule has
-- the name of a farther one without saying override (a copied rule).
return { rules = {
  { wording = "Deploy {name} at version {version}", description = "deploy at a version",
    run = function() return true, "clash" end },
} }
