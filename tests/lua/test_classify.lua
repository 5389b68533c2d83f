-- classify.kind over every criterion of the shared corpus and the wordings
-- of issue 10 (tests/fixtures/criteria-kinds.txt).
local ix = require "infraexec"
local classify = require "infraexec.lib.classify"
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
_, why = classify.kind("All HelmReleases reconcile successfully - 16/27 ready, 11 blocked by sealed secrets (out of scope)")
t.like(why, "out of scope", "an assertion's status note that leaves part out is a person's: the reason names it")

-- An action's verb, for the version sources (project.lua): a build sets one, a delete does not.
local kind, _, verb = classify.kind("Roll out ffl to version 0.1.18")
t.ok(kind == "action" and verb == "roll out", "an action's verb is its third result", tostring(verb))
t.ok(classify.targets and #classify.targets > 0, "the verbs setting a target version are listed")

-- A condition anywhere, for rules taking free text: a bare "if" too.
t.is(classify.condition_in("Fix triager build failure if it recurs (see TASK-005)"), "if", "'if it recurs' is a condition")
t.is(classify.condition_in("Fix triager build failure whenever it recurs"), "whenever", "'whenever' is one")
t.is(classify.condition_in("Debug and fix triager build failure (see TASK-005)"), nil, "no condition in the corpus shape")

-- The tables are read on every call, though their phrases are prepared
-- once: a phrase added (or removed) later counts from the next criterion.
t.is((classify.kind("Deploy it, never mind the rest")), "negation", "a forbidding phrase")
classify.forbidding["hold off on"] = false
t.is(select(2, classify.kind("Please hold off on deploying")), "'hold off on ...' forbids something: never run",
  "a forbidding phrase added to the table")
classify.forbidding["hold off on"] = nil
t.is((classify.kind("Please hold off on deploying")), "assertion", "and removed again")
table.insert(classify.adverbs, "quickly")
t.is(select(3, classify.kind("Quickly deploy the app")), "deploy", "an adverb added to the list")
table.remove(classify.adverbs)
t.is((classify.kind("Run step 1: `true`")), "action", "an ASCII action")
t.is((classify.kind("Run step 1: `tru\u{0435}`")), "action", "with a look-alike letter")
t.is((classify.kind("D\u{043E} not run `true`")), "negation", "a look-alike letter spelling a negation")

-- What each mark needs, spelled every way the shortcuts skip on: without
-- its "~", "<", "<!--", "[" or "&" a text is read as it was.
for text, want in pairs({
  ["Run `~/bin/x` now"] = "action", ["Run ~~step 1~~"] = "negation", ["Run ~x~ and ~y z~"] = "negation",
  ["Run step 1 <del>now</del>"] = "negation", ["Run step 1 < 2 >"] = "action",
  ["Run step 1 <!-- do not run it -->"] = "negation", ["Run step 1 <!-- do not -->"] = "action", ["Run step 1 <!-- later -->"] = "action",
  ["Run step 1 <!---->"] = "action", ["Do <!-- x -->not run it"] = "negation",
  ["[Do not](http://x) run it"] = "negation", ["Run [step 1] now"] = "action",
  ["Do&nbsp;not run it"] = "negation", ["D&#111;&#x20;not run it"] = "negation",
  ["Run it & more"] = "action", ["&amp;Run it"] = "assertion",
  ["  ...Do not!! run it..."] = "negation", ["'Run' it"] = "action", ["!!"] = "assertion", [""] = "assertion",
}) do
  t.is((classify.kind(text)), want, ("%q"):format(text))
end

-- Of several forbidding phrases the reason names the least in sorted
-- order, whatever order the table is walked in; one that needs a word
-- after it and has none does not count.
t.like(select(2, classify.kind("Should not, under no circumstances, ever run it: never")), "'should not ...'",
  "the least phrase found that forbids")
t.like(select(2, classify.kind("Under no circumstances deploy it; the others don't")), "'under no circumstances ...'",
  "a phrase needing a word after it, at the end, does not count")
classify.forbidding["a hold on"] = false
t.like(select(2, classify.kind("Should not deploy: a hold on it")), "'a hold on ...'", "an added phrase sorts first")
classify.forbidding["a hold on"] = nil

-- An opening of several words is one only as a whole: "roll out" opens
-- "Roll out ffl", not "Roll the dice" nor "Rollout".
t.is(select(3, classify.kind("Roll out ffl to version 0.1.18")), "roll out", "a verb of two words")
t.is(select(3, classify.kind("Roll back ffl")), "roll back", "another with the same first word")
t.is((classify.kind("Roll the dice")), "assertion", "its first word alone opens nothing")
table.insert(classify.actions, "hand over")
t.is(select(3, classify.kind("Hand over the keys")), "hand over", "a verb of two words added to the list")
t.is((classify.kind("Hand the keys over")), "assertion", "... only as a whole")
table.remove(classify.actions)
t.is((classify.kind("Hand over the keys")), "assertion", "and removed again")

-- A phrase is looked for only when its first word is one of the text's;
-- one without words (flat() gives "  ") is looked for in every text.
t.is(select(2, classify.kind("Deploy it, out of the scope")), "'deploy ...' asks for a change",
  "'out of scope' is not 'out of the scope'")
table.insert(classify.conditions_anywhere, "--")
t.is(select(2, classify.kind("!!")), "'-- ...' is a condition a person must judge: never run",
  "a phrase of no words is found in a text of none")
t.is((classify.kind("Deploy it")), "action", "... and in no text with words")
table.remove(classify.conditions_anywhere)

-- Every table as it is at each call: an entry replaced in place, one
-- appended, a whole list replaced; and back.
local function swap(list, i, v) local old = list[i]; list[i] = v; return old end
t.is((classify.kind("Hold off the rollout")), "assertion", "no table forbids holding off")
local was = swap(classify.negations, 5, "hold off")
t.is(select(2, classify.kind("Hold off the rollout")), "'hold off ...' forbids something: never run",
  "a negation replaced in place counts at the next call")
t.is((classify.kind("Do not run it")), "negation", "... the one it replaced still forbids elsewhere (forbidding)")
classify.negations[5] = was
t.is((classify.kind("Hold off the rollout")), "assertion", "and put back")
was = swap(classify.actions, 1, "hold off")
t.is(select(3, classify.kind("Hold off the rollout")), "hold off", "an action replaced in place")
t.is(select(3, classify.kind("Add a user")), nil, "... the verb it replaced no longer is one")
classify.actions[1] = was
was = swap(classify.conditions_anywhere, 1, "Rollout!")
t.is(select(2, classify.kind("Deploy the rollout now")), "'Rollout! ...' is a condition a person must judge: never run",
  "a condition replaced in place, read flat")
classify.conditions_anywhere[1] = was
was = swap(classify.states, 1, "rollout")
t.is(select(2, classify.kind("Deploy the rollout now")), "'deploy ... rollout' states a result", "a state replaced in place")
classify.states[1] = was
was = swap(classify.assertions, 1, "deploy")
t.is((classify.kind("Deploy the rollout now")), "assertion", "an assertion replaced in place")
classify.assertions[1] = was
was = swap(classify.conditions, 1, "deploy the")
t.is((classify.kind("Deploy the rollout now")), "negation", "a condition of two words replaced in place")
classify.conditions[1] = was
local whole = classify.negations
classify.negations = { "deploy" }
t.is((classify.kind("Deploy the rollout now")), "negation", "a whole list replaced")
classify.negations = whole
t.is((classify.kind("Deploy the rollout now")), "action", "and put back: the action it was")
local map = classify.forbidding
classify.forbidding = { ["the rollout"] = true }
t.is((classify.kind("Deploy the rollout now")), "negation", "a whole map replaced, a word after the phrase")
t.is((classify.kind("Deploy the rollout")), "action", "... and none after it")
classify.forbidding = map
t.is((classify.kind("Do not deploy")), "negation", "and put back")

-- An entry not a string raises, naming its table; the false world: no kind
-- comes back for a criterion while a table is broken.
was = swap(classify.negations, 5, 42)
local ok, err = pcall(classify.kind, "Deploy it")
t.ok(not ok and tostring(err):find("classify.negations[5]: a string expected, got number", 1, true),
  "a number among the negations is named", tostring(err))
classify.negations[5] = was
classify.forbidding[7] = true
ok, err = pcall(classify.kind, "Deploy it")
t.ok(not ok and tostring(err):find("classify.forbidding: a key not a string (number)", 1, true),
  "a key not a string among the forbidding phrases is named", tostring(err))
classify.forbidding[7] = nil
table.insert(classify.adverbs, 7)
t.is(select(3, classify.kind("Deploy it")), "deploy", "an adverb only compared with words: a number there is none")
table.remove(classify.adverbs)
t.is(classify.condition_in("Fix it in case of doubt"), "in case", "condition_in reads the lists too")
was = swap(classify.conditionals, 2, "of doubt")
t.is(classify.condition_in("Fix it in case of doubt"), "of doubt", "... as they are then")
classify.conditionals[2] = was
