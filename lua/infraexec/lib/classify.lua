-- classify.lua - what a criterion asks for, read from its wording:
--   "action"    a change to make ("Build ...", "Re-encrypt ...");
--   "assertion" how the world must be ("Verify ...", "All pods running");
--   "negation"  something forbidden ("Make sure nobody ...", "Do not ...")
--               or struck through: never run, a person decides.
-- The tables below are the whole judgement; extend them, and add the new
-- wording to tests/fixtures/criteria-kinds.txt.
local wording = require "infraexec.lib.wording"
local ixtext = require "infraexec.text"

local M = {}

-- Openings that forbid something.
M.negations = {
  "make sure nobody", "make sure no one", "ensure nobody", "ensure no one",
  "do not", "don't", "don’t", "dont", "never", "nobody", "no one", "must not", "avoid",
}

-- Phrases that forbid wherever they stand, the bold label included
-- ("Please do not run ...", "**Never**: ...").  Those marked `true` forbid
-- only with a word after them ("... others don't" reports, not forbids).
M.forbidding = {
  ["do not"] = true, ["don't"] = true, ["dont"] = true, ["donot"] = true, ["never"] = true,
  ["must not"] = true, ["mustn't"] = true, ["should not"] = true, ["shouldn't"] = true,
  ["shall not"] = true, ["shan't"] = true,
  ["under no circumstances"] = false, ["refrain from"] = false, ["forbidden"] = false,
  ["prohibited"] = false, ["avoid running"] = false, ["nothing should"] = false,
  ["make sure nothing"] = false, ["make sure nobody"] = false, ["make sure no one"] = false,
  ["ensure nobody"] = false, ["ensure nothing"] = false, ["ensure no one"] = false,
  ["ensure never"] = false, ["not be run"] = false, ["not be executed"] = false,
  ["not be applied"] = false,
}

-- Openings that make the criterion wait on something a person judges:
-- never run, whatever follows ("If the backup failed, restore it: ...").
M.conditions = {
  "if", "only if", "only in", "only when", "only after", "only once", "unless", "when",
  "blocked on", "blocked by", "on hold", "waiting for", "waiting on", "pending",
}

-- Conditions wherever they stand: "Run ... only if approved".
M.conditions_anywhere = {
  "only if", "only when", "only after", "only once", "unless", "on hold", "pending approval",
  "waiting for approval", "after approval", "once approved", "if approved",
  -- The writer's note that it is not (to be) done: an action with it is
  -- never run, an assertion with it claims less than its words.
  "postponed", "deferred", "not needed", "not in scope", "out of scope", "skipped", "n/a",
  "not applicable", "not deployed", "not done", "won't do", "wont do",
  "cancelled", "canceled", "abandoned", "obsolete", "superseded", "wontfix", "won't fix",
  "no longer needed", "not required", "unnecessary", "needs approval", "requires approval",
  "approval needed", "awaiting approval", "awaiting review", "pending review", "paused",
}

-- "After ... approval, run ...", "Once ... approved, ...".
M.approvals = { after = true, once = true }
M.approval_words = { "approval", "approved", "approves", "sign-off", "signoff", "signed", "ok'd" }

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

-- Action verbs whose "version X" sets the version the task wants for the
-- project they name ("Build all FFL containers with version 0.1.18",
-- "Roll out ffl to version 0.1.18"); other verbs name a version for
-- another purpose ("Delete the FFL version 0.1.11 images").
M.targets = {
  "build", "rebuild", "bump", "deploy", "publish", "push", "release", "roll out", "tag",
  "update", "upgrade",
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

-- Words stating a result or state wherever they stand after the verb:
-- "Build and tests pass", "Backup verified", "Run verification: all pods
-- healthy" claim, they do not ask.  Notes in parentheses and after a dash
-- are the writer's status ("(COMPLETED ✅)") and do not count.
M.states = {
  "pass", "passes", "passing", "passed", "complete", "completed", "verified", "deployed",
  "healthy", "ready", "running", "succeeded", "succeeds", "works", "done", "green", "available",
  "up to date", "up-to-date",
}

-- The tables are read afresh on every call, an entry added or replaced
-- later counting from the next criterion: the lists as ipairs walks them,
-- M.forbidding as pairs does.  The byte work is C's (ix.text,
-- src/lua/luatext.c); an entry not a string raises, naming the table.
-- has(list, w): whether LIST holds the word W (compared only: an entry not
-- a string is no word).
local flat, opening, first_phrase, least_phrase, has, ascii =
  ixtext.flat, ixtext.opening, ixtext.first_phrase, ixtext.least_phrase, ixtext.has, ixtext.ascii

-- ---- the text as a careful reader sees it ----

-- Look-alike letters (Cyrillic, Greek) to their Latin twins.
local LOOKALIKE = {
  [0x0430] = "a", [0x0435] = "e", [0x043E] = "o", [0x0440] = "p", [0x0441] = "c", [0x0443] = "y",
  [0x0445] = "x", [0x0456] = "i", [0x0458] = "j", [0x0455] = "s", [0x04BB] = "h", [0x0501] = "d",
  [0x0410] = "A", [0x0412] = "B", [0x0415] = "E", [0x041A] = "K", [0x041C] = "M", [0x041D] = "H",
  [0x041E] = "O", [0x0420] = "P", [0x0421] = "C", [0x0422] = "T", [0x0425] = "X", [0x0406] = "I",
  [0x0408] = "J", [0x0405] = "S",
  [0x03BF] = "o", [0x03B1] = "a", [0x03B5] = "e", [0x03B9] = "i", [0x03BD] = "v", [0x03C1] = "p",
  [0x0391] = "A", [0x0392] = "B", [0x0395] = "E", [0x0397] = "H", [0x0399] = "I", [0x039A] = "K",
  [0x039C] = "M", [0x039D] = "N", [0x039F] = "O", [0x03A1] = "P", [0x03A4] = "T", [0x03A7] = "X",
  [0x03A5] = "Y", [0x0396] = "Z",
  [0x2018] = "'", [0x2019] = "'", [0x201B] = "'", [0x02BC] = "'", [0x2032] = "'", [0xFF07] = "'",
}

-- TEXT folded the way NFKC and the eye do: look-alikes to Latin, odd
-- spaces to a space, invisible characters and combining marks dropped,
-- full-width and mathematical letters to ASCII.  nil for invalid UTF-8.
local function fold(text)
  if ascii(text) then return text end -- ASCII folds to itself
  if not utf8.len(text) then return nil end
  local out = {}
  for _, cp in utf8.codes(text) do
    local ch
    if cp < 0x80 then ch = string.char(cp)
    elseif LOOKALIKE[cp] then ch = LOOKALIKE[cp]
    elseif cp == 0xA0 or cp == 0x1680 or (cp >= 0x2000 and cp <= 0x200A) or cp == 0x2028
      or cp == 0x2029 or cp == 0x202F or cp == 0x205F or cp == 0x3000 then ch = " "
    elseif cp == 0xAD or cp == 0x34F or cp == 0x180E or (cp >= 0x200B and cp <= 0x200F)
      or (cp >= 0x2060 and cp <= 0x2064) or cp == 0xFEFF or (cp >= 0x0300 and cp <= 0x036F)
      or (cp >= 0xFE00 and cp <= 0xFE0F) then ch = ""
    elseif cp >= 0xFF01 and cp <= 0xFF5E then ch = string.char(cp - 0xFEE0)
    elseif cp >= 0x1D400 and cp <= 0x1D6A3 then
      local k = (cp - 0x1D400) % 52
      ch = string.char(k < 26 and 65 + k or 97 + k - 26)
    else ch = utf8.char(cp) end
    out[#out + 1] = ch
  end
  return table.concat(out)
end

-- The forbidding phrase in F (flat(): the words of a text as one
-- lower-case string " a b c ", markup and punctuation gone, an apostrophe
-- kept: "don't"), if any; of several, the least in sorted order, whatever
-- order pairs() gives.
local function forbidding(f)
  return least_phrase(f, M.forbidding, "classify.forbidding")
end

-- Struck-through text anywhere: GFM ~~..~~ or ~..~ (not inside a code
-- span: "~/.secrets" is a path), or HTML <del>, <s>, <strike>.
local function struck(text)
  if text:find("~", 1, true) then -- each mark below needs its "~" or "<"
    local bare = text:gsub("`[^`]*`", "x")
    if bare:find("~~.-~~") or bare:find("~[^~%s]~") or bare:find("~[^~%s][^~]-[^~%s]~") then return true end
  end
  if not text:find("<", 1, true) then return false end
  local low = text:lower()
  return low:find("<%s*del[%s>]") or low:find("<%s*s%s*>") or low:find("<%s*strike[%s>]") or false
end

-- Character references as the renderer shows them ("Do&nbsp;not").
local NAMED = { nbsp = " ", amp = "&", lt = "<", gt = ">", quot = '"', apos = "'", shy = "" }
local function ref(n) return utf8.char(n and n <= 0x10FFFF and n or 0xFFFD) end
local function hex_ref(h) return ref(tonumber(h, 16)) end
local function dec_ref(d) return ref(tonumber(d)) end
local function named_ref(n) return NAMED[n:lower()] end

local function fold_text(text)
  local t = fold(text)
  if not t then return nil end
  if t:find("[", 1, true) then t = t:gsub("%[([^%]]*)%]%b()", "%1") end -- a link reads as its text
  if t:find("&", 1, true) then
    t = t:gsub("&#[xX](%x%x?%x?%x?%x?%x?);", hex_ref)
    t = t:gsub("&#(%d%d?%d?%d?%d?%d?%d?);", dec_ref)
    t = t:gsub("&(%a+);", named_ref)
    return fold(t) -- a reference can spell a character again ("&#1086;")
  end
  return t -- folded already: a link's text is some of its characters
end

-- The kind of criterion TEXT and a short reason naming the words that
-- decided it; for an action also its verb ("roll out").
function M.kind(text)
  local t = fold_text(text)
  if not t then return "negation", "not valid UTF-8: a person reads it, never run" end
  if struck(t) then
    return "negation", "struck through: removed from scope, never run"
  end
  -- A comment's text is read both ways: hidden (the reader skips it) and
  -- shown (the source's reader sees it).
  local hidden, shown = t, t
  if t:find("<!--", 1, true) then
    hidden, shown = (t:gsub("<!%-%-.-%-%->", "")), (t:gsub("<!%-%-(.-)%-%->", " %1 "))
  end
  local fh = flat(hidden)
  local f = forbidding(fh)
  if not f and hidden ~= shown then f = forbidding(flat(shown)) end -- no comment: one reading
  if f then return "negation", "'" .. f .. " ...' forbids something: never run" end
  text = hidden
  local words = wording.plain_words(text) -- read only: matching reads it next
  local phrase = table.concat(words, " ")
  local o = opening(phrase, M.negations, "classify.negations")
  if o then return "negation", "'" .. o .. " ...' forbids something: never run" end
  o = opening(phrase, M.conditions, "classify.conditions")
  if not o and M.approvals[words[1]] then
    local p = " " .. phrase .. " "
    local list = M.approval_words
    local j, a = 1, list[1]
    while a ~= nil do
      if p:find(" " .. a .. " ", 1, true) then o = words[1] .. " ... " .. a end
      j = j + 1; a = list[j]
    end
  end
  if not o then o = first_phrase(fh, M.conditions_anywhere, true, "classify.conditions_anywhere") end
  if o then return "negation", "'" .. o .. " ...' is a condition a person must judge: never run" end
  o = opening(phrase, M.assertions, "classify.assertions")
  if o then return "assertion", "'" .. o .. " ...' checks how the world is" end
  local i = 1
  while words[i] and has(M.adverbs, words[i]) do i = i + 1 end
  o = opening(i > 1 and table.concat(words, " ", i) or phrase, M.actions, "classify.actions")
  if o then
    local n = select(2, o:gsub(" ", "")) + 1
    local after = words[i + n]
    if after and has(M.claims, after) then
      return "assertion", "'" .. o .. " " .. after .. "' states a result"
    end
    -- The words after the verb, notes aside: code, "(...)", "- ..." / "— ...".
    -- Each gsub only where its mark is: a code span's "`", a note's "(",
    -- a dash's "-" or the first byte of "–" / "—" (the class matches each
    -- byte, but the text is valid UTF-8 (fold_text) and their other bytes
    -- never follow a space there).  Without any, the words are fh's.
    local body = text
    if body:find("`", 1, true) then body = body:gsub("`[^`]*`", " ") end
    if body:find("(", 1, true) then body = body:gsub("%b()", " ") end
    if body:find("-", 1, true) or body:find("\226", 1, true) then
      body = (" " .. body .. " "):gsub("%s[%-–—]+%s.*$", " ")
    end
    local fb, fo = body == text and fh or flat(body), flat(o)
    local _, e = fb:find(fo, 1, true)
    local tail = e and fb:sub(e) or fb
    local s = first_phrase(tail, M.states, false, "classify.states")
    if s then return "assertion", "'" .. o .. " ... " .. s .. "' states a result" end
    return "action", "'" .. o .. " ...' asks for a change", o
  end
  return "assertion", "a statement of how the world must be (no action verb first)"
end

-- Words that make a criterion conditional wherever they stand, for rules
-- whose wording takes the rest as free text ("Fix triager build failure
-- if it recurs (see TASK-005)"): M.kind does not look for a bare "if"
-- inside, "Check if pods are failing" being a check.
M.conditionals = { "whenever", "in case", "as needed", "if needed" }

-- The condition word TEXT holds anywhere (M.conditions,
-- M.conditions_anywhere, M.conditionals), or nil.
function M.condition_in(text)
  local f = flat(fold_text(text) or text)
  return first_phrase(f, M.conditions, true, "classify.conditions")
    or first_phrase(f, M.conditions_anywhere, true, "classify.conditions_anywhere")
    or first_phrase(f, M.conditionals, true, "classify.conditionals")
end

return M
