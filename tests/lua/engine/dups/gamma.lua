-- Fixture for tests/lua/test_engine.lua: an override of a name two farther rules have.
return { rules = {}, override = { same = false } }
