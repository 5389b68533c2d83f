-- Fixture for tests/lua/test_engine.lua: in `always`, read-only (its run is
-- its check).  "Rewire" replaces the wording of the rule "Rename the ledger"
-- once the engine has indexed the handler.
local rules = {
  { pattern = "^Tie (%w+)$", run = function(_, w) return true, "omega " .. w,
      { ok = true, looked_at = "omega", expected = w, seen = w } end },
  { pattern = "^Observe$", run = function() return true, "observed",
      { ok = true, looked_at = "omega", expected = "o", seen = "o" } end },
  { wording = "Rename the ledger", description = "rename", run = function() return true, "renamed",
      { ok = true, looked_at = "omega", expected = "r", seen = "r" } end },
}
rules[#rules + 1] = { pattern = "^Rewire$", run = function()
  rules[3].wording = "Archive the ledger"
  return true, "rewired", { ok = true, looked_at = "omega", expected = "w", seen = "w" }
end }
return { readonly = true, rules = rules }
