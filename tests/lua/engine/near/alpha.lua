-- Fixture for tests/lua/test_engine.lua: a nearer alpha.lua, merged with
-- ../alpha.lua by rule name: one rule added, one replaced, one taken out.
local function seen(v) return { ok = true, looked_at = "near", expected = v, seen = v } end
return {
  rules = {
    { pattern = "^Near only$", description = "near only", run = function() return true, "near", seen("n") end },
  },
  override = {
    ["deploy at a version"] = function(base)
      return { wording = base.wording, description = "near deploy",
               run = function(c, a) local _, msg = base.run(c, a) return true, "near " .. msg, seen(a.version) end }
    end,
    ["say done"] = false,
  },
}
