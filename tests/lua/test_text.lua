-- ix.text (src/lua/luatext.c) against the Lua it replaced in
-- lib/classify.lua, on fixed edge cases and on generated texts and lists;
-- the lists read afresh on every call; a wrong entry named.
local text = require "infraexec.text"
local t = ...

-- The Lua originals.
local function flat(s)
  local f = s:lower():gsub("[^%w']+", " ")
  if f:byte(1) == 32 then f = f:sub(2) end
  if f:byte(-1) == 32 then f = f:sub(1, -2) end
  return " " .. f .. " "
end
local function opening(phrase, list)
  local p = phrase .. " "
  local first = p:match("^[^ ]*")
  for _, o in ipairs(list) do
    local fw = o:find(" ", 1, true) and o:match("^[^ ]*") or o
    if fw == first and (o == first or p:byte(#o + 1) == 32 and p:sub(1, #o) == o) then return o end
  end
  return nil
end
local function first_phrase(f, list, flatten)
  for _, e in ipairs(list) do
    if f:find(flatten and flat(e) or " " .. e .. " ", 1, true) then return e end
  end
  return nil
end
local function least_phrase(f, map)
  local best
  for k, after in pairs(map) do
    if not best or k < best then
      local at = f:find(" " .. k .. " ", 1, true)
      if at and (not after or f:sub(at + #k + 2):find("%w")) then best = k end
    end
  end
  return best
end

-- Edge cases of flat: every byte class, runs at the ends, no word at all.
for _, s in ipairs({ "", " ", "'", "  a  ", "A-B", "don't", "Don’t", "x\0y", "\t\n", "é", "É-x",
  "...Do NOT!! run...", "a  b", "0.1.18", "[]{}", "ÀÖ@`{", "\255\128a" }) do
  t.is(text.flat(s), flat(s), ("flat(%q)"):format(s))
end
for b = 0, 255 do
  local s = "x" .. string.char(b) .. "Y"
  if text.flat(s) ~= flat(s) then t.ok(false, ("flat of byte %d"):format(b)) end
end
t.ok(true, "flat agrees on every byte between two letters")

-- Edge cases of the lists: empty entries, spaces at either end, two in a row.
local odd = { "", " ", "do", "do ", " do", "do  not", "do not", "d", "don't", "n/a", "A", "  " }
for _, phrase in ipairs({ "", " ", "do", "do not", "do  not run", " do it", "dont", "do ", "a", "n/a x" }) do
  t.is(text.opening(phrase, odd), opening(phrase, odd), ("opening(%q)"):format(phrase))
  for _, e in ipairs(odd) do
    t.is(text.opening(phrase, { e }), opening(phrase, { e }), ("opening(%q, {%q})"):format(phrase, e))
  end
end
for _, f in ipairs({ "  ", " do not ", " n a ", " do  not ", "", " ", " a ", " do " }) do
  for _, flatten in ipairs({ false, true }) do
    for _, e in ipairs(odd) do
      t.is(text.first_phrase(f, { e }, flatten), first_phrase(f, { e }, flatten),
        ("first_phrase(%q, {%q}, %s)"):format(f, e, tostring(flatten)))
    end
  end
end
local map = { ["do not"] = true, ["never"] = true, [""] = false, ["a"] = true, ["b c"] = false }
for _, f in ipairs({ "  ", " do not ", " do not run ", " never a ", " a ' ", " b c d ", " x do not y do not " }) do
  t.is(text.least_phrase(f, map), least_phrase(f, map), ("least_phrase(%q)"):format(f))
end
t.is(text.least_phrase(" do not x ", { ["do not"] = true }), "do not", "a word after the phrase")
t.is(text.least_phrase(" x do not ", { ["do not"] = true }), nil, "... and none")
t.is(text.least_phrase(" do not ' ", { ["do not"] = true }), nil, "an apostrophe is not a word")

-- Generated: texts of the classifier's words, odd bytes and case; lists of
-- phrases of those words, some entries long (a form made on the heap).
local words = { "do", "not", "don't", "never", "run", "if", "only", "out", "of", "scope", "n/a", "a",
  "build", "roll", "back", "up", "to", "date", "up-to-date", "x", "'", "0", "9" }
local seps = { " ", "  ", "-", ", ", "**", "\t", "é", "—", "'", "/", "\0", "" }
math.randomseed(15)
local function pick(l) return l[math.random(#l)] end
local function gen(n)
  local out = {}
  for i = 1, math.random(0, n) do
    local w = pick(words)
    if math.random(4) == 1 then w = w:upper() end
    out[#out + 1] = w
    if i < n then out[#out + 1] = pick(seps) end
  end
  return table.concat(out)
end
local bad = 0
for _ = 1, 2000 do
  local s, list, m = gen(12), {}, {}
  for i = 1, math.random(0, 8) do
    list[i] = math.random(10) == 1 and gen(3):rep(40) or gen(3)
    m[list[i]] = math.random(2) == 1
  end
  local f = flat(s)
  local phrase = table.concat(list, " ", 1, math.min(#list, 2))
  if text.flat(s) ~= f
    or text.opening(s, list) ~= opening(s, list) or text.opening(phrase, list) ~= opening(phrase, list)
    or text.first_phrase(f, list, true) ~= first_phrase(f, list, true)
    or text.first_phrase(f, list) ~= first_phrase(f, list)
    or text.first_phrase(s, list) ~= first_phrase(s, list)
    or text.least_phrase(f, m) ~= least_phrase(f, m) then
    bad = bad + 1
    if bad <= 3 then t.ok(false, ("differs on %q"):format(s)) end
  end
end
t.is(bad, 0, "the primitives agree with the Lua on 2000 generated texts and lists")

-- Every call reads the list as it is then.
local list = { "a", "b" }
t.is(text.opening("c d", list), nil, "not in the list")
list[2] = "c"
t.is(text.opening("c d", list), "c", "an entry replaced in place")
list[3] = "c d"
list[2] = "x"
t.is(text.opening("c d", list), "c d", "an entry added")
list[3] = nil
t.is(text.opening("c d", list), nil, "and removed")
local proxy = setmetatable({}, { __index = function(_, i) return ({ "p", "q" })[i] end })
t.is(text.opening("q r", proxy), "q", "a list read through __index, as ipairs reads it")
local seen = {}
local walked = setmetatable({}, { __pairs = function()
  return function(_, k)
    local nk = k == nil and "do not" or nil
    seen[#seen + 1] = nk
    return nk, nk and true
  end, nil, nil
end })
t.is(text.least_phrase(" do not run ", walked), "do not", "a map walked through __pairs, as pairs walks it")

-- A wrong entry raises, naming the table and the place.
local ok, err = pcall(text.opening, "x", { "a", 5 }, "classify.negations")
t.ok(not ok and err:find("classify.negations[2]: a string expected, got number", 1, true), "a number entry is named", tostring(err))
ok, err = pcall(text.first_phrase, " x ", { false }, true, "classify.states")
t.ok(not ok and err:find("classify.states[1]: a string expected, got boolean", 1, true), "false is an entry too (ipairs walks it)", tostring(err))
ok, err = pcall(text.first_phrase, " x ", { "x", {} })
t.is(ok, true, "an entry after the one found is not read")
ok, err = pcall(text.least_phrase, " x ", { [1] = false }, "classify.forbidding")
t.ok(not ok and err:find("classify.forbidding: a key not a string (number)", 1, true), "a key not a string is named", tostring(err))
ok = pcall(text.opening, "x", nil)
t.is(ok, false, "no list raises")
t.is(text.opening("x", "abc"), nil, "a string as a list has no entries (as (\"abc\")[1] is nil)")
