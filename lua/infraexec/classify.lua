-- classify.lua - what a criterion asks for, read from its wording:
--   "action"    a change to make ("Build ...", "Re-encrypt ...");
--   "assertion" how the world must be ("Verify ...", "All pods running");
--   "negation"  something forbidden ("Make sure nobody ...", "Do not ...")
--               or struck through: never run, a person decides.
-- The tables below are the whole judgement; extend them, and add the new
-- wording to tests/fixtures/criteria-kinds.txt.
local wording = require "infraexec.wording"

local M = {}

-- Openings that forbid something.
M.negations = {
  "make sure nobody", "make sure no one", "ensure nobody", "ensure no one",
  "do not", "don't", "don’t", "dont", "never", "nobody", "no one", "must not", "avoid",
}

-- Openings of a check on the world (anything else without an action verb
-- first is a statement, which is an assertion too).
M.assertions = {
  "verify", "check", "ensure", "confirm", "validate", "make sure", "test that", "assert",
}

-- Verbs that ask for a change, as the first word.
M.actions = {
  "add", "append", "apply", "archive", "back up", "backup", "build", "bump", "change", "clean",
  "cleanup", "clone", "commit", "complete", "configure", "copy", "create", "debug", "delete",
  "deploy", "determine", "disable", "document", "download", "drop", "edit", "enable",
  "encrypt", "evaluate", "execute", "export", "extract", "fetch", "fix", "generate", "identify",
  "import", "increase", "install", "investigate", "kill", "launch", "list", "mark", "merge", "migrate",
  "move", "patch", "print", "prune", "publish", "pull", "push", "rebuild", "reconcile", "record", "re-encrypt",
  "reencrypt", "regenerate", "reissue", "release", "reload", "remove", "rename", "replace",
  "reset",
  "resolve", "restart", "restore", "review", "rollback", "roll back", "roll out",
  "rotate", "run", "scale", "seal", "send", "set", "start", "stop", "sync", "tag", "trigger", "update", "upgrade",
  "upload", "wait", "write",
}

-- Words allowed before the verb: "Successfully build all triager images".
M.adverbs = {
  "successfully", "also", "then", "manually", "securely", "automatically", "first",
  "finally", "please", "again", "now",
}

-- A second word that makes the first a subject: "Build passes", "Push
-- succeeds" state a result instead of asking for one.
M.claims = {
  "passes", "pass", "passed", "passing", "succeeds", "succeed", "succeeded", "works",
  "work", "is", "are", "was", "were", "has", "have", "completes", "completed", "finished",
  "exists", "exist", "shows", "show", "returns", "responds", "fails", "failed", "green",
  "ok",
}

local function set_of(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

-- The opening of PHRASE (space-separated words) found in LIST, if any.
local function opening(phrase, list)
  for _, o in ipairs(list) do
    if (phrase .. " "):sub(1, #o + 1) == o .. " " then return o end
  end
  return nil
end

-- The kind of criterion TEXT and a short reason naming the words that decided it.
function M.kind(text)
  if text:match("^%s*~~.-~~") then
    return "negation", "struck through: removed from scope, never run"
  end
  local words = {}
  for _, t in ipairs(wording.words(text)) do
    if not t.boundary then words[#words + 1] = t.low end
  end
  local phrase = table.concat(words, " ")
  local o = opening(phrase, M.negations)
  if o then return "negation", ("'%s ...' forbids something: never run"):format(o) end
  o = opening(phrase, M.assertions)
  if o then return "assertion", ("'%s ...' checks how the world is"):format(o) end
  local adverbs, claims = set_of(M.adverbs), set_of(M.claims)
  local i = 1
  while words[i] and adverbs[words[i]] do i = i + 1 end
  local rest = table.concat(words, " ", i)
  o = opening(rest, M.actions)
  if o then
    local after = words[i + select(2, o:gsub(" ", "")) + 1]
    if after and claims[after] then
      return "assertion", ("'%s %s' states a result"):format(o, after)
    end
    return "action", ("'%s ...' asks for a change"):format(o)
  end
  return "assertion", "a statement of how the world must be (no action verb first)"
end

return M
