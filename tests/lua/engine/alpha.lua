-- Fixture for tests/lua/test_engine.lua (second in handler order: by name).
local function seen(v) return { ok = true, looked_at = "alpha", expected = v, seen = v } end
return { rules = {
  { pattern = "^Tie (%w+)$", run = function(_, w) return true, "alpha " .. w, seen(w) end },
  { wording = "Deploy {name} at version {version}", description = "deploy at a version",
    run = function(_, a) return true, "alpha " .. a.name .. " " .. a.version, seen(a.version) end },
  { wording = "Release {version}", run = function() return true, "released", seen("x") end },
  { pattern = "^Raise$", run = function() error("boom") end },
  { pattern = "^Say done$", name = "say done", run = function() return true, "said so" end },
  { pattern = "^Fail seen$", run = function()
      return true, nil, { ok = false, looked_at = "the file", expected = "1", seen = "2" } end },
  { pattern = "^Malformed$", run = function() return true, nil, { { ok = "yes" } } end },
  { pattern = "^Grouped$", group = "^Phase 2", run = function() return true, "grouped", seen("g") end },
  { pattern = "^Checked$", kind = "assertion", run = function() return true, "ran", seen("r") end,
    check = function() return true, "checked", seen("c") end },
  { pattern = "^No check$", run = function() return true, "ran", seen("r") end },
} }
