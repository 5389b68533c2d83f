-- Fixture for tests/lua/test_engine.lua: an override naming no farther rule.
return { rules = {}, override = { ["no such rule"] = function(base) return base end } }
