-- wording.lua - a criterion's wording as a template with typed
-- placeholders, instead of a Lua pattern:
--
--   "Build all [remaining] {project} containers with version {version}"
--
-- Matched word by word, case-insensitively, ignoring Markdown emphasis,
-- code marks and punctuation; `[words]` are optional; what follows a note
-- boundary (": ", " - ", " — ", "(", a code span) once the template is used
-- up is a trailing note and ignored ("— see TASK-005", "(COMPLETED ✅)",
-- ": `curl ...`"), unless it adds a claim ("- also ...", "(ffl too)"):
-- then the wording refuses the text as a person's (M.additive).  A placeholder is `{type}` or `{name:type}`; its value is
-- checked against the config and the text, so a wording that names an
-- unknown project is refused with the choices instead of guessed.  The
-- config is an argument; the one primitive used is ix.template, which
-- reads a template and splits a text into words.
local values = require "infraexec.lib.values"
local template = require "infraexec.template"

local M = {}

-- ---- the text as words ----

-- The words of TEXT: {raw, low, code} with emphasis and punctuation trimmed
-- (code: inside a code span), and {boundary = true} where a note may begin.
-- Read in C (ix.template.words: src/model/wording.c ix_wording_words): a
-- bold label at the start ("**secret**: ...") and
-- every "~~" go; each whitespace-separated piece loses its leading
-- * _ ` ' " ( [ { < and trailing * _ ` ' " . , ; : ! ? ) ] } > (a leading
-- "." "/" "~" belongs to a path) and is a word when it holds an ASCII
-- letter or digit, inside a code span when it or an earlier piece opened
-- one; a note may begin at a piece of dashes, before one opening with "("
-- or "`", after one ending with ":" or ";".  Workspace code may replace
-- M.words; the template reading and matching follow it.
M.words = template.words
local WORDS = M.words

-- ---- placeholder types: value, config -> the value to pass, or nil, why ----

local function where(config) return config.path or "infraexec.yaml" end

local function norm_key(s) return (s:lower():gsub("_", "-")) end

-- The key of MAP that V names (case and -/_ aside), exact spelling first.
local function key_of(map, v)
  if map[v] ~= nil then return v end
  local keys = {}
  for k in pairs(map) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    if norm_key(k) == norm_key(v) then return k end
  end
  return nil, keys
end

local function named(what, section, map_of)
  return function(v, config)
    local ok, err = values.name(v)
    if not ok then return nil, err end
    local map = map_of(config) or {}
    local k, keys = key_of(map, v)
    if k then return k end
    return nil, ("no %s '%s' in %s (%s)"):format(what, v, where(config),
      #keys > 0 and (section .. ": " .. table.concat(keys, ", ")) or ("it has no " .. section))
  end
end

-- Directories a {path} may name when absolute.
local function roots(config)
  local list = {}
  local function add(p) if type(p) == "string" then list[#list + 1] = p end end
  add((config.gitops or {}).path)
  for _, p in pairs(config.projects or {}) do add(type(p) == "table" and p.path) end
  for _, p in ipairs(config.search_roots or {}) do add(p) end
  for _, p in ipairs(config.registry_files or {}) do add(p) end
  add(config.architecture_doc)
  table.sort(list)
  return list
end

M.types = {
  project = named("project", "projects", function(c) return c.projects end),
  app = named("app", "gitops.apps", function(c) return (c.gitops or {}).apps end),
  version = function(v) return values.version(v) end,
  address = function(v) return values.address(v) end,
  ip = function(v) return values.ip(v) end,
  name = function(v) return values.name(v) end,
  count = function(v)
    if v:match("^%d+$") and #v <= 9 then return math.tointeger(tonumber(v)) end
    return nil, ("%q is not a count (expected a whole number)"):format(v)
  end,
  namespace = function(v)
    if #v <= 63 and (v:match("^[a-z0-9]$") or v:match("^[a-z0-9][a-z0-9%-]*[a-z0-9]$")) then return v end
    return nil, ("%q is not a namespace (lower-case letters, digits and '-')"):format(v)
  end,
  url = function(v)
    if v:match("^https?://[%w%.%-]+[:/]?[^%s]*$") then return v end
    return nil, ("%q is not a URL (expected http:// or https://)"):format(v)
  end,
  path = function(v, config)
    if not (v:find("/", 1, true) or v:match("%.%w+$")) then
      return nil, ("%q is not a path"):format(v)
    end
    if v:sub(1, 1) == "~" or ("/" .. v .. "/"):find("/../", 1, true) then
      return nil, ("%s is outside the directories %s names"):format(v, where(config))
    end
    if v:sub(1, 1) == "/" then
      for _, r in ipairs(roots(config)) do
        if v == r or v:sub(1, #r + 1) == r .. "/" then return v end
      end
      return nil, ("%s is outside the directories %s names"):format(v, where(config))
    end
    return v
  end,
  key = function(v)
    if v:match("^[%w_%-]+$") or v:match("^[%w_%-]+[%w_%.%-]*[%w_%-]$") and not v:find("..", 1, true) then
      return v
    end
    return nil, ("%q is not a YAML key path (keys.joined.by.dots)"):format(v)
  end,
  reason = function(v) -- a container's waiting reason
    if v:match("^%u%a+BackOff$") or v:match("^%u%a+Err$") or v:match("^%u%a+Error$") then return v end
    return nil, ("%q is not a pod waiting reason (...BackOff, ...Error)"):format(v)
  end,
  task = function(v) -- a task id: it names a file (the id rules of task.h)
    if #v <= 128 and v:match("^%w[%w%._%-]*$") and not v:find("..", 1, true) and v:find("%d") then
      return v
    end
    return nil, ("%q is not a task id (letters, digits, '.', '_' and '-', with a digit, no '..'); refused"):format(v)
  end,
  word = function(v) return v end, -- any one word
  text = true, -- free text: one or more words, never across a note boundary
}

-- A kustomization file: a {path} named kustomization.yaml.
M.types.kustomization = function(v, config)
  local p, why = M.types.path(v, config)
  if not p then return nil, why end
  if not (p:match("^kustomization%.ya?ml$") or p:match("/kustomization%.ya?ml$")) then
    return nil, ("%s is not a kustomization.yaml"):format(p)
  end
  return p
end

-- ---- templates ----

-- A template once read (compile_one): the literals its variants may open
-- with (first) and whether one may open with a placeholder (open), the
-- types of its placeholders (kinds, once each); its item sequences (seqs)
-- are made the first time a text may fit them, or compile() is asked for
-- them.  The reading is C's (ix.template, src/lua/luawording.c): each
-- optional group with and without, the words split as M.words splits them.
local compiled = {} -- template string -> its record

-- The items of each piece (its bytes -> item, false for none): the same
-- pieces recur in every template, and their items are shared by every
-- sequence holding them (nothing writes to an item).  A replaced M.words's
-- (lits: a literal piece -> its items) are kept while it is that function.
local shared = {}
local lits, lits_by = {}, nil

-- The template T read and checked: raises an error naming it when it is
-- malformed.
local function compile_one(t)
  local r = compiled[t]
  if r then return r end
  if type(t) ~= "string" or not t:find("%w") then
    error(("a wording must be a non-empty string, not %s"):format(tostring(t)), 0)
  end
  local words = M.words ~= WORDS and M.words or nil
  if words and lits_by ~= words then lits, lits_by = {}, words end
  local why, what
  r, why, what = template.read(t, M.types, words and lits or shared, words)
  if not r then
    if why == "type" then
      local known = {}
      for k in pairs(M.types) do known[#known + 1] = k end
      table.sort(known)
      error(("wording %q: unknown placeholder type '%s' (types: %s)"):format(t, what, table.concat(known, ", ")), 0)
    elseif why == "brace" then
      error(("wording %q: '%s' is not a placeholder ({type} or {name:type})"):format(t, what), 0)
    elseif why == "empty" then
      error(("wording %q has no words"):format(t), 0)
    end
    error(("wording %q: %s"):format(t, what), 0)
  end
  r[1] = r -- the template as a wording of one, its own list (records_of)
  compiled[t] = r
  return r
end

-- The item sequences of the template R, made on first use (the built-in
-- M.words's: a replaced one's were made when R was read, and R has no
-- reader); the reader is kept for fitting_one.
local function seqs_of(r)
  if not r.seqs then r.seqs = template.sequences(r.reader, shared) end
  return r.seqs
end

-- Raises an error naming the template when one of WORDING (a template or a
-- list of alternatives) is malformed, as compile would; makes no sequence.
function M.check(wording)
  if type(wording) == "table" then
    for _, t in ipairs(wording) do compile_one(t) end
    if wording[1] == nil then error("a wording list must not be empty", 0) end
  else
    compile_one(wording)
  end
end

-- Every item sequence of a wording (a string or a list of alternatives);
-- raises an error naming the template when one is malformed.
function M.compile(wording)
  if type(wording) == "table" then
    local all = {}
    for _, t in ipairs(wording) do
      for _, seq in ipairs(seqs_of(compile_one(t))) do all[#all + 1] = seq end
    end
    if #all == 0 then error("a wording list must not be empty", 0) end
    return all
  end
  return seqs_of(compile_one(wording))
end

-- ---- matching ----

-- The engine tries every rule's wording on each criterion and ranks each
-- match by trying it again: what depends only on the text (its words) or
-- only on the wording (its sequences, and which of them a text's first
-- words leave possible) is computed once, not per try.

-- The types defined here: each takes one word, and none raises.
local BUILTIN = {}
for k, fn in pairs(M.types) do BUILTIN[k] = fn end
local VALUES = { name = values.name, version = values.version, address = values.address, ip = values.ip }

-- Whether the types KINDS (a list) are the ones defined here, and so is
-- what they call.
local function intact(kinds)
  if not kinds[1] then return true end
  if values.name ~= VALUES.name or values.version ~= VALUES.version
    or values.address ~= VALUES.address or values.ip ~= VALUES.ip then
    return false
  end
  local types = M.types
  for i = 1, #kinds do
    local kind = kinds[i]
    if types[kind] ~= BUILTIN[kind] or kind == "kustomization" and types.path ~= BUILTIN.path then
      return false
    end
  end
  return true
end

-- The words of TEXT, and the same without the note boundaries as a list of
-- lower-case words, kept for the text matched last (while M.words is the
-- function that split it).
local last_text, last_toks, last_plain, last_words
local function words_of(text)
  if text ~= last_text or M.words ~= last_words then
    local toks, plain = M.words(text), {}
    local i, t = 1, toks[1]
    while t ~= nil do -- as ipairs would, at a third of its cost
      if not t.boundary then plain[#plain + 1] = t.low end
      i = i + 1; t = toks[i]
    end
    last_text, last_toks, last_plain, last_words = text, toks, plain, M.words
  end
  return last_toks, last_plain
end

-- The lower-case words of TEXT, note boundaries left out, as matching reads
-- them (read only: the list is the one the next match of TEXT uses).
-- infraexec.lib.classify reads a criterion's words just before the engine
-- matches it: one split serves both.
function M.plain_words(text)
  local _, plain = words_of(text)
  return plain
end

-- The records of a wording's templates (compile_one), in order; a list's
-- kept while the list holds the same templates, and a new list of the same
-- templates (readers.lua makes one per call) gets the one made for the
-- first.  Kinds: the types of the templates' placeholders; open: whether
-- a variant opens with a placeholder (each template's first: the literals
-- its variants open with).
local lists = setmetatable({}, { __mode = "k" })
local by_content = {} -- the templates joined by newlines -> a kept list

local function holds(kept, wording)
  if kept.n ~= #wording then return false end
  for i = 1, kept.n do
    if kept[i] ~= wording[i] then return false end
  end
  return true
end

-- The records of the templates of the list WORDING, in order, and whether
-- one opens with a placeholder; raises naming a malformed template, or
-- when the list is empty.
local function read_list(wording)
  local list = { open = false }
  for _, t in ipairs(wording) do
    local r = compile_one(t)
    list[#list + 1] = r
    list.open = list.open or r.open
  end
  if not list[1] then error("a wording list must not be empty", 0) end
  return list
end

-- The types of KS not yet in KINDS appended to it (a few types: a scan is
-- cheaper than a set).
local function add_kinds(kinds, ks)
  for k = 1, #ks do
    local kind, m = ks[k], #kinds
    while m > 0 and kinds[m] ~= kind do m = m - 1 end
    if m == 0 then kinds[#kinds + 1] = kind end
  end
end

local function records_of(wording)
  local r = compiled[wording] -- a template read before
  if r then return r end
  if type(wording) ~= "table" then return compile_one(wording) end
  local kept = lists[wording]
  if kept and holds(kept, wording) then return kept.list end
  local key = true
  for i = 1, #wording do
    if type(wording[i]) ~= "string" then key = nil break end
  end
  key = key and table.concat(wording, "\n")
  kept = key and by_content[key]
  if not (kept and holds(kept, wording)) then
    local list, kinds = read_list(wording), {}
    for m = 1, #list do add_kinds(kinds, list[m].kinds) end
    list.kinds, list.plain, list.fit = kinds, false, false
    local n = #wording
    kept = { n = n, list = list, table.unpack(wording, 1, n) }
    if key then by_content[key] = kept end
  end
  lists[wording] = kept
  return kept.list
end

-- A sequence's fixed prefix is its items before a {text}: item K of it
-- takes the text's K-th word (try skips the note boundaries), so one whose
-- prefix has a literal other than the text's word there, or is longer
-- than the text, cannot fit: try returns nil at that literal, having asked
-- only the types of the placeholders before it.

-- Whether try on SEQ would return nil at a literal (or for want of a word)
-- of its prefix with only intact types asked before it.
local function cannot_fit(seq, plain)
  for k = 1, #seq do
    local it = seq[k]
    if it.kind == "text" then return false end
    local w = plain[k]
    if not w or it.lit and it.lit ~= w then return true end
    if it.kind and not intact({ it.kind }) then return false end
  end
  return false
end

-- The sequences of SEQS that cannot_fit does not drop, added to OUT.
local function untried(seqs, plain, out)
  for _, seq in ipairs(seqs) do
    if not cannot_fit(seq, plain) then out[#out + 1] = seq end
  end
  return out
end

-- The sequences of the template R that may fit a text of the words PLAIN,
-- in order, while its types are the ones defined here: none when no
-- variant opens with the text's first word or a placeholder (most
-- templates, for most texts: their sequences are not even made), else the
-- ones whose fixed prefix the reader finds fits (template.fitting: what
-- cannot_fit leaves with intact types), or with a replaced M.words's items
-- the ones cannot_fit leaves; kept for the text matched last, for
-- specificity to rank a match.  The sequences are made once a variant's
-- prefix fits a text (asked of the reader with no sequences: nil for none).
local NONE = {}
local function fitting_one(r, plain)
  if r.plain == plain then return r.fit end
  local fit, w = NONE, plain[1]
  if w and (r.open or r.first[w]) then
    if r.reader then
      if r.seqs or template.fitting(r.reader, NONE, plain) then
        fit = template.fitting(r.reader, seqs_of(r), plain) or NONE
      end
    else
      fit = untried(r.seqs, plain, {})
    end
  end
  r.plain, r.fit = plain, fit
  return fit
end

-- Whether a variant of LIST's templates may open with the word W.
local function opens(list, w)
  if list.open then return true end
  if not w then return false end
  for m = 1, #list do
    if list[m].first[w] then return true end
  end
  return false
end

-- The sequences of the templates of LIST (records_of) that may fit a text
-- of the words PLAIN, in order: all but those cannot_fit drops.  A type
-- replaced since (or a value check it calls): each sequence is tested, so
-- it is asked about every word it could take, as try would.  None when
-- no variant opens with a placeholder or the text's first word, whatever
-- the types: cannot_fit drops each at its first item, asking no type.
local function fitting(list, plain)
  if not opens(list, plain[1]) then return NONE end
  if not intact(list.kinds) then
    local out = {}
    for _, r in ipairs(list) do untried(seqs_of(r), plain, out) end
    return out
  end
  if not list[2] then return fitting_one(list[1], plain) end
  if list.plain == plain then return list.fit end
  local fit = NONE
  for _, r in ipairs(list) do
    local f = fitting_one(r, plain)
    if f[1] then
      if fit == NONE then fit = {} end
      table.move(f, 1, #f, #fit + 1, fit)
    end
  end
  list.plain, list.fit = plain, fit
  return fit
end

-- Which rules of a handler a text leaves possible, for the engine, which
-- offers every criterion to every rule: M.index(RULES) reads each rule's
-- wording once, and M.may(INDEX, TEXT) is the list (the index's own or
-- made for TEXT: read it, do not change it) of the positions of RULES, in
-- order, that the engine asks.  A rule left out would get nil, nil, nil
-- from M.match, so asking it changes nothing:
--   - a wording no variant of which opens with a placeholder, none with the
--     text's first word (fitting finds nothing, whatever the types);
--   - one whose every sequence has a literal in its fixed prefix, the first
--     of which is not the text's word there ("{name} service exists": the
--     second word is not "service"), while the types of the placeholders
--     before it are the ones defined here (try asks nothing else before
--     that literal refuses the text).
-- Always asked: a rule without a wording, with a group, whose wording does
-- not read, or with a sequence opening with {text} or all placeholders.
-- M.indexes(INDEX, RULES) says whether RULES still hold the wordings INDEX
-- read (the same list, the same wording at each position): a wording
-- replaced, a rule added or removed needs a new index.  A wording list
-- changed in place is not seen.

-- The (position, literal) pairs of a read wording LIST (records_of) that
-- a text must have one of to fit it, and the types asked before each, or
-- nil when a sequence has none: M.index's keys for a rule whose variants
-- may open with a placeholder.  A template's are the reader's
-- (template.keys: no item made), or with a replaced M.words (no reader)
-- read from its sequences.
local function seq_keys(seqs)
  local keys, kinds, seen = {}, {}, {}
  for _, seq in ipairs(seqs) do
    local k, it = 1, seq[1]
    while it and not it.lit do
      if it.kind == "text" then return nil end
      if not seen[it.kind] then seen[it.kind] = true; kinds[#kinds + 1] = it.kind end
      k = k + 1; it = seq[k]
    end
    if not it then return nil end
    keys[#keys + 1] = k
    keys[#keys + 1] = it.lit
  end
  return keys, kinds
end

-- What M.index reads of WORDING: the records_of list when one is kept,
-- else the templates' records in a new list with whether one opens with a
-- placeholder, raising as records_of would (the rest of a list's record is
-- made when a text is matched against it: most rules never are).
local function index_records(wording)
  local r = compiled[wording]
  if r then return r end
  if type(wording) ~= "table" then return compile_one(wording) end
  local kept = lists[wording]
  if kept and holds(kept, wording) then return kept.list end
  return read_list(wording)
end

local function template_keys(r)
  if r.reader then return template.keys(r.reader) end
  return seq_keys(r.seqs)
end

local function keys_of(list)
  if not list[2] then return template_keys(list[1]) end
  local keys, kinds, seen = {}, {}, {}
  for _, r in ipairs(list) do
    local ks, ts = template_keys(r)
    if not ks then return nil end
    table.move(ks, 1, #ks, #keys + 1, keys)
    for _, kind in ipairs(ts) do
      if not seen[kind] then seen[kind] = true; kinds[#kinds + 1] = kind end
    end
  end
  return keys, kinds
end

-- The index: LISTS[W], the positions in order of the rules the first word
-- W opens and of those always asked (LISTS[false]: those alone), KEYED
-- the positions of the rules keyed by literals, AT[k][literal] the set of
-- those that literal at word k lets fit, KINDS the types asked before them.
function M.index(rules)
  local always, keyed, at, kinds = {}, {}, {}, {}
  local lists = { [false] = always }
  local idx = { wording = {}, lists = lists, keyed = keyed, at = at, kinds = kinds, n = 0 }
  for i, rule in ipairs(rules) do
    idx.n = i
    local w = rule.wording
    idx.wording[i] = w
    local ok, list = w ~= nil and rule.group == nil, nil
    if ok then ok, list = pcall(index_records, w) end
    local keys, ks
    if ok and list.open then ok, keys, ks = pcall(keys_of, list) end
    if ok and not list.open then
      for m = 1, #list do
        for word in pairs(list[m].first) do
          local opened = lists[word]
          if not opened then opened = table.move(always, 1, #always, 1, {}); lists[word] = opened end
          if opened[#opened] ~= i then opened[#opened + 1] = i end
        end
      end
    elseif ok and keys then
      keyed[#keyed + 1] = i
      for m = 1, #keys, 2 do
        local k, lit = keys[m], keys[m + 1]
        at[k] = at[k] or {}
        at[k][lit] = at[k][lit] or {}
        at[k][lit][i] = true
      end
      add_kinds(kinds, ks)
    else
      for _, opened in pairs(lists) do opened[#opened + 1] = i end
    end
  end
  return idx
end

function M.indexes(idx, rules)
  local wordings = idx.wording
  for i = 1, idx.n do
    local rule = rules[i]
    if rule == nil or rule.wording ~= wordings[i] then return false end
  end
  return rules[idx.n + 1] == nil
end

-- The list for the first word, with the keyed rules whose literal the
-- text has where it stands (all of them when a type asked before one is
-- replaced), merged in order: made per call.
function M.may(idx, text)
  local _, plain = words_of(text)
  local lists, keyed = idx.lists, idx.keyed
  local base = lists[plain[1] or false] or lists[false]
  if not keyed[1] then return base end
  local fit = true
  if intact(idx.kinds) then
    fit = nil
    for k, lits in pairs(idx.at) do
      local set = plain[k] and lits[plain[k]]
      if set then
        fit = fit or {}
        for i in pairs(set) do fit[i] = true end
      end
    end
    if not fit then return base end
  end
  local out, b, nb = {}, 1, #base
  for m = 1, #keyed do
    local i = keyed[m]
    if fit == true or fit[i] then
      while b <= nb and base[b] < i do out[#out + 1] = base[b]; b = b + 1 end
      out[#out + 1] = i
    end
  end
  return table.move(base, b, nb, #out + 1, out)
end

-- Words that make a trailing note add a claim of its own ("- also
-- spec.timeout to 5m", "(ffl too)", "plus the frontend"): the rule checks
-- only what its wording says, so the criterion is a person's (an action
-- does not run).  Code spans in the note are commands, not claims.
M.additive = { "also", "too", "plus", "additionally", "as well", "in addition" }

-- The refusal of the note TOKS[J..] when it adds a claim, else nil.
local function added_claim(toks, j)
  local words, shown = {}, {}
  for e = j, #toks do
    local t = toks[e]
    if not t.boundary then
      shown[#shown + 1] = t.raw
      if not t.code then words[#words + 1] = t.low end
    end
  end
  local p = " " .. table.concat(words, " ") .. " "
  for _, a in ipairs(M.additive) do
    if p:find(" " .. a .. " ", 1, true) then
      local note = table.concat(shown, " ")
      if #note > 80 then note = note:sub(1, 77) .. "..." end
      return ("needs a person: the note %q adds a claim ('%s') the rule does not check"):format(note, a)
    end
  end
  return nil
end

-- Match SEQ from item K against TOKS (N words) from word J, the values
-- so far in ARGS (one table per sequence: a way that fits sets every
-- placeholder of SEQ, in order, so what a way given up set is overwritten),
-- the first refusal of a value so far ERR (LOUD: a refused value has shell
-- syntax).  Returns the args when the way fits cleanly, else nil and the
-- first refusal met on the ways tried (second: a note's that adds a claim).
-- Only a {text} tries several ways; it ends only where the next item can
-- begin, so a literal after it is compared before the rest is tried, and
-- its words are joined only for a way tried; for every way with a
-- replaced M.words (EAGER): table.concat may refuse its words.
local function try(seq, k, toks, n, j, args, err, loud, config, eager)
  local it = seq[k]
  while it do
    local tok = toks[j]
    while tok and tok.boundary do j = j + 1; tok = toks[j] end
    if not tok then return nil end
    local lit = it.lit
    if lit then
      if tok.low ~= lit then return nil end
    elseif it.kind == "text" then
      local name, after = it.name, seq[k + 1]
      after = after and after.lit
      local words, refusal, added = {}, nil, nil
      for e = j, n do
        tok = toks[e]
        if tok.boundary then break end
        words[#words + 1] = tok.raw
        local value, next_ = eager and table.concat(words, " "), toks[e + 1]
        if after then
          local q = e + 1
          while next_ and next_.boundary do q = q + 1; next_ = toks[q] end
        end
        if not after or next_ and next_.low == after then
          args[name] = value or table.concat(words, " ")
          local r, why, note = try(seq, k + 1, toks, n, e + 1, args, err, loud, config, eager)
          if r then return r end
          refusal, added = refusal or why, added or note
        end
      end
      return nil, refusal, added
    else
      local v, why = M.types[it.kind](tok.raw, config)
      if v == nil then
        why = why or ("%q is not a valid %s"):format(tok.raw, it.kind)
        err = err or why
        loud = loud or tok.raw:find("[;|&$`<>]") ~= nil
      else
        args[it.name] = v
      end
    end
    k, j = k + 1, j + 1
    it = seq[k]
  end
  if j > n or toks[j].boundary then
    if err then return nil, err end
    local added = j <= n and added_claim(toks, j)
    if added then return nil, added, added end
    return args
  end
  -- A value with shell syntax runs on into the rest: say why it is
  -- refused rather than "no rule" (an injection attempt is named).
  if loud then return nil, err end
  return nil
end

-- The args ({placeholder = value}) when TEXT says WORDING (a template or a
-- list of alternatives), else nil and, when the wording fits but a value
-- does not (an unknown project, a malformed version), the refusal; third,
-- the refusal of a trailing note that adds a claim, when one fit so.
function M.match(wording, text, config)
  config = config or {}
  local toks, plain = words_of(text)
  local seqs = fitting(records_of(wording), plain)
  if not seqs[1] then return nil, nil end -- most rules, for most criteria
  local n, eager, refusal, added = #toks, M.words ~= WORDS, nil, nil
  for i = 1, #seqs do
    local args, why, note = try(seqs[i], 1, toks, n, 1, {}, nil, false, config, eager)
    if args then return args end
    refusal, added = refusal or why, added or note
  end
  return nil, refusal, added
end

-- A run/check function taking the args table, made from FN taking the
-- named placeholders' values in order: fn(c, args[NAME1], args[NAME2], ...).
function M.unpack(fn, ...)
  local names = table.pack(...)
  return function(c, args)
    local vals = {}
    for i = 1, names.n do vals[i] = args[names[i]] end
    return fn(c, table.unpack(vals, 1, names.n))
  end
end

-- How much a rule's wording pins down (higher is more specific), for the
-- engine to prefer one rule over another that takes the same text: a typed
-- placeholder beats a literal word, which beats free text.  With TEXT, the
-- alternative that matches it; else the best one.  Patterns and match
-- functions say nothing of their structure and rank below any wording.
M.weights = { literal = 2, typed = 3, text = 0 }

function M.specificity(rule, text, config)
  if not rule.wording then return rule.pattern and 1 or 0 end
  local best = 1
  local list, seqs, toks, plain = records_of(rule.wording), {}, nil, nil
  if text then
    toks, plain = words_of(text)
    seqs = fitting(list, plain)
  else
    for _, r in ipairs(list) do table.move(seqs_of(r), 1, #seqs_of(r), #seqs + 1, seqs) end
  end
  for _, seq in ipairs(seqs) do
    if not text or try(seq, 1, toks, #toks, 1, {}, nil, false, config or {}, M.words ~= WORDS) then
      local score = 1
      for _, it in ipairs(seq) do
        score = score + (it.lit and M.weights.literal or it.kind == "text" and M.weights.text or M.weights.typed)
      end
      if score > best then best = score end
    end
  end
  return best
end

return M
