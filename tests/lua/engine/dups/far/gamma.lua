-- Fixture for tests/lua/test_engine.lua: two rules of one name.
return { rules = {
  { pattern = "^One$", description = "same", run = function() return false, "one" end },
  { pattern = "^Two$", description = "same", run = function() return false, "two" end },
} }
