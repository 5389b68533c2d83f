-- classify.kind over every criterion of the shared corpus and the wordings
-- of issue 10 (tests/fixtures/criteria-kinds.txt).
local ix = require "infraexec"
local classify = require "infraexec.classify"
local t, root = ...

local fixture = assert(ix.read_file(root .. "/tests/fixtures/criteria-kinds.txt"))
local n = 0
for line in fixture:gmatch("[^\n]+") do
  if not line:match("^#") then
    local want, text = line:match("^(%a+)\t(.+)$")
    if not want then t.ok(false, "fixture line has KIND<TAB>TEXT: " .. line) end
    if want then
      n = n + 1
      local got, why = classify.kind(text)
      t.ok(got == want and type(why) == "string" and why ~= "", want .. ": " .. text,
        ("got %s (%s)"):format(tostring(got), tostring(why)))
    end
  end
end
t.ok(n >= 130, "the fixture lists the corpus and the issue's wordings (" .. n .. ")")

-- The reason names the words that decided.
local _, why = classify.kind("Make sure nobody runs `touch X`")
t.like(why, "make sure nobody", "a negation's reason names its opening")
_, why = classify.kind("Build passes")
t.like(why, "build passes", "a claim's reason names subject and verb")
_, why = classify.kind("~~Commit and push updated HelmReleases~~ (No updates needed)")
t.like(why, "struck through", "a struck-through criterion says so")
