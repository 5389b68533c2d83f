-- Fixture for tests/lua/test_engine.lua: in `always`, read-only (its run is
-- its check).
return { readonly = true, rules = {
  { pattern = "^Tie (%w+)$", run = function(_, w) return true, "omega " .. w,
      { ok = true, looked_at = "omega", expected = w, seen = w } end },
  { pattern = "^Observe$", run = function() return true, "observed",
      { ok = true, looked_at = "omega", expected = "o", seen = "o" } end },
} }
