-- Fixture for tests/lua/test_engine.lua (first in handler order: the label).
local function seen(v) return { ok = true, looked_at = "beta", expected = v, seen = v } end
return { rules = {
  { pattern = "^Tie (%w+)$", run = function(_, w) return true, "beta " .. w, seen(w) end },
  { pattern = "^Deploy ", run = function() return true, "beta deploy", seen("d") end },
} }
