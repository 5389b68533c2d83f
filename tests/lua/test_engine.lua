-- engine.lua: which rule takes a criterion (labels first, then by name,
-- then `always`; the most specific wins), and what a rule's results come to
-- (judge: no tick without evidence, all of it ok).  A fresh copy of the
-- engine is loaded on the fixture handlers of tests/lua/engine/, so the
-- running engine's own handler list is left alone.
local ix = require "infraexec"
local t, root = ...

local fixture = ix.task().workspace .. "/handlers/luatest/engine"
local E = assert(loadfile(root .. "/lua/infraexec/core/engine.lua", "t"))()
E.load({ fixture })

local n = 0
local function crit(text, group)
  n = n + 1
  return { index = n, line = n, text = text, checked = false, code = {}, group = group }
end
local function run(text, group) return E.dispatch(crit(text, group), "run") end
local function check(text) return E.dispatch(crit(text), "check") end

-- order and specificity
local r = run("Tie one")
t.is(r.rule, "beta: ^Tie (%w+)$", "a tie goes to the first in order: the label's handler")
t.is(r.reason, "beta one", "... whose run got the captures")
t.is(r.done, true, "... and its ok evidence ticks")
r = run("Deploy web at version 1.2.3")
t.is(r.rule, "alpha: deploy at a version", "a wording with typed placeholders beats an earlier pattern")
t.is(r.reason, "alpha web 1.2.3", "... its run gets the values as one table")
r = run("Observe")
t.is(r.rule, "omega: ^Observe$", "an always handler is a candidate too")
-- A wording replaced once the engine has indexed its handler is read anew
-- (wording.indexes): the rule takes what it now says, not what it said.
t.is(run("Rename the ledger").rule, "omega: rename", "a wording rule of the index")
t.is(run("Rewire").reason, "rewired", "a rule replaces its wording")
t.is(run("Archive the ledger").rule, "omega: rename", "the replaced wording is asked")
t.is(run("Rename the ledger").rule, nil, "the old one no longer")

-- what a criterion cannot be done by
r = run("Deploy web (blocked: waiting for approval)")
t.ok(r.blocked and r.reason == "Blocked: waiting for approval", "a blocked marker: reported, no rule runs",
  tostring(r.reason))
-- Each marker in each spelling: the shortcut for texts that hold neither
-- "blocked" nor "hold" must not skip one.
for text, why in pairs({
  ["Deploy web - BLOCKED"] = "Blocked: Deploy web - BLOCKED",
  ["Deploy web — blocked on the registry"] = "Blocked: on the registry",
  ["Deploy web – Blocked"] = "Blocked: Deploy web – Blocked",
  ["Deploy web (Blocked)"] = "Blocked: Deploy web (Blocked)",
  ["Deploy web: ON  HOLD until Monday"] = "Blocked: on hold until Monday",
}) do
  r = run(text)
  t.ok(r.blocked and r.reason == why, "a blocked marker: " .. text, tostring(r.reason))
end
r = run("Deploy web with blocked_by and holdings")
t.ok(not r.blocked, "'blocked_by' and 'holdings' are no markers", tostring(r.reason))
r = run("Make sure nobody runs `rm -rf /`")
t.ok(r.done == false and r.kind == "negation" and r.reason:find("^needs a person: ") ~= nil,
  "a negation is never run: it needs a person", tostring(r.reason))
r = run("Nothing here matches xyzzy")
t.is(r.reason, "needs a person: no rule matches", "no match: needs a person")
t.is(r.done, false, "... not done")
r = check("Nothing here matches xyzzy")
t.ok(r.unverifiable and r.person and r.reason == "needs a person: no rule matches",
  "no match in check mode: a person's, not a pass", tostring(r.reason))
r = check("Make sure nobody runs `rm -rf /`")
t.ok(r.unverifiable and r.person and r.reason:find("^needs a person: ") ~= nil,
  "a negation in check mode: a person's", tostring(r.reason))
r = check("Release banana")
t.ok(r.unverifiable and r.person and r.reason:find('"banana" is not a valid version', 1, true) ~= nil,
  "a refusal in check mode: a person's", tostring(r.reason))
r = run("Release banana")
t.is(r.rule, "alpha: Release {version}", "a wording that fits with a bad value takes it only to refuse")
t.like(r.reason, '"banana" is not a valid version', "... the refusal is the reason")
t.is(r.done, false, "... not done")

-- failures and evidence
r = run("Raise")
t.like(r.reason, "alpha.lua:", "a rule's error is the reason, with its file")
t.like(r.reason, "boom", "... and its message")
r = run("Say done")
t.ok(r.done == false and r.reason == "the rule observed nothing (it said: said so)",
  "done without evidence ticks nothing", tostring(r.reason))
r = run("Fail seen")
t.ok(r.done == false and r.reason == "the file: expected 1, saw 2", "a failed observation is the reason",
  tostring(r.reason))
r = run("Malformed")
t.ok(r.done == false and r.reason:find("malformed evidence: observation 1 has no boolean ok", 1, true),
  "malformed evidence is named", tostring(r.reason))

-- groups, kinds, check mode
t.is(run("Grouped").reason, "needs a person: no rule matches", "a grouped rule outside its group: no match")
t.is(run("Grouped", "Phase 2: rollout").rule, "alpha: ^Grouped$", "... inside its group it takes the criterion")
r = check("Checked")
t.ok(r.done and r.reason == "checked" and r.kind == "assertion", "check mode runs the rule's check; its kind is kept",
  tostring(r.reason))
r = check("No check")
t.ok(r.unverifiable and not r.person and r.reason == "the rule has no check: it can only be redone",
  "check mode without a check: unverifiable, not a person's (an action infraexec would redo)", tostring(r.reason))
r = check("Observe")
t.ok(r.done and r.reason == "observed", "a read-only handler's run is its check", tostring(r.reason))

-- judge: the evidence contract
local ok1 = { ok = true, looked_at = "a", expected = "1", seen = "1" }
t.is(E.judge(true, "m", ok1).done, true, "judge: done with one ok observation ticks")
t.is(E.judge(true, "m", {}).done, false, "judge: done with no observations does not")
t.is(E.judge(false, nil, ok1).reason, "the rule did not complete it", "judge: not done, nothing said")
t.is(E.judge("yes", nil, ok1).done, false, "judge: only true is done")
t.is(E.judge(true, { "not a string" }, ok1).reason, nil, "judge: a message that is no string is dropped")
t.is(E.judge(true, nil, "evidence").reason,
  "the rule returned malformed evidence: evidence must be an observation or a list of them",
  "judge: evidence of the wrong type")
local multi = E.judge(true, nil, { ok = true, looked_at = "a\nb", expected = "x\r\n y", seen = "z" })
t.ok(multi.evidence[1].looked_at == "a b" and multi.evidence[1].expected == "x y",
  "judge: an observation's lines are joined (it goes beside a tick)")
local later = { ok = false, after_action = true, looked_at = "tag", expected = "0.1.18", seen = "after the action" }
t.is(E.judge(true, nil, later).done, ix.dry_run(),
  "judge: an after_action observation counts only in a dry run")

-- handler files merge by rule name along the path (infraexec.core.handlers):
-- a nearer alpha.lua adds a rule, replaces one through override and takes
-- one out; the farther file's other rules stay.
local near = fixture .. "/near"
local M2 = assert(loadfile(root .. "/lua/infraexec/core/engine.lua", "t"))()
M2.load({ near, fixture })
local function run2(text) return M2.dispatch(crit(text), "run") end
r = run2("Near only")
t.is(r.rule, "alpha: near only (" .. near .. "/alpha.lua)", "merge: the nearer file's new rule, named with its file")
t.is(r.done, true, "... ticks on its evidence")
r = run2("Deploy web at version 1.2.3")
t.is(r.rule, "alpha: near deploy (" .. near .. "/alpha.lua)", "merge: an override takes the farther rule's place")
t.is(r.reason, "near alpha web 1.2.3", "... and may call the farther rule's run (base.run)")
r = run2("Raise")
t.like(r.rule, "(" .. fixture .. "/alpha.lua)", "merge: a farther rule the nearer file does not mention stays")
t.like(r.reason, "boom", "... and runs as before")
r = run2("Say done")
t.is(r.reason, "needs a person: no rule matches", "merge: override = false takes the farther rule out")
t.is(run("Say done").rule, "alpha: ^Say done$", "... only in the merged handler: the farther file alone still has it")
r = M2.dispatch(crit("Observe"), "check")
t.ok(r.done and r.reason == "observed", "merge: a farther readonly file's run is still its check", tostring(r.reason))
r = M2.dispatch(crit("Near observe"), "check")
t.ok(r.unverifiable and r.reason == "the rule has no check: it can only be redone",
  "... a nearer file not marked readonly lends its rules no check", tostring(r.reason))

local H = require "infraexec.core.handlers"
local ok, err = pcall(H.load, { fixture .. "/clash", fixture }, "alpha")
t.ok(not ok, "merge: a nearer rule with a farther rule's name and no override is an error")
t.like(tostring(err), fixture .. "/clash/alpha.lua: rule 1 (\"deploy at a version\") has the name of " ..
  fixture .. "/alpha.lua: rule 2", "... naming both files and rules")
ok, err = pcall(H.load, { fixture .. "/clash", fixture }, "beta")
t.ok(not ok, "merge: an override naming no farther rule is an error")
t.like(tostring(err), fixture .. "/clash/beta.lua: override \"no such rule\": no rule of that name in " ..
  fixture .. "/beta.lua", "... naming the file and the rule name")
ok, err = pcall(H.load, { fixture .. "/dups", fixture .. "/dups/far" }, "gamma")
t.ok(not ok, "merge: an override of a name two farther rules have is an error, not a guess")
t.like(tostring(err), "override \"same\": 2 rules of " .. fixture .. "/dups/far/gamma.lua have that name", "... saying so")

-- the module names from before core/ and lib/ still load the same modules
t.ok(require "infraexec.evidence" == require "infraexec.core.evidence", "old name infraexec.evidence: the same module")
t.ok(require "infraexec.values" == require "infraexec.lib.values", "old name infraexec.values: the same module")
