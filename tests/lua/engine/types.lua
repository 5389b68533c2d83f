-- Fixture for tests/lua/test_engine.lua: the task's label luatest puts beta
-- first; omega is tried last for every task.
return { rules = {}, labels = { luatest = "beta" }, always = { "omega" } }
