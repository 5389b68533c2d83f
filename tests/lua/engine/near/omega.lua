-- Fixture for tests/lua/test_engine.lua: a nearer omega.lua, not marked
-- readonly: its rule has no check, while ../omega.lua's rules keep theirs.
return { rules = {
  { pattern = "^Near observe$", run = function() return true, "near observed",
      { ok = true, looked_at = "near", expected = "o", seen = "o" } end },
} }
