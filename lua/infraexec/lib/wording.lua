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
-- unknown project is refused with the choices instead of guessed.  Pure Lua
-- (no infraexec primitives): the config is an argument.
local values = require "infraexec.lib.values"

local M = {}

-- ---- the text as words ----

local LEAD = "^[%*_`'\"%(%[{<]+"     -- a leading "." "/" "~" belongs to a path
local TRAIL = "[%*_`'\"%.,;:!?%)%]}>]+$"

-- The words of TEXT: {raw, low, code} with emphasis and punctuation trimmed
-- (code: inside a code span), and {boundary = true} where a note may begin.
function M.words(text)
  text = text:gsub("^%s*%*%*[^*\n]-%*%*%s*:%s*", "") -- a bold label: "**secret**: ..."
  text = text:gsub("~~", "")
  local toks, code = {}, false
  local function boundary()
    if #toks > 0 and not toks[#toks].boundary then toks[#toks + 1] = { boundary = true } end
  end
  for raw in text:gmatch("%S+") do
    if raw:match("^[%-–—]+$") then
      boundary()
    else
      if raw:match("^[%(`]") then boundary() end
      local w = raw:gsub(LEAD, ""):gsub(TRAIL, "")
      local in_code = code or raw:find("`", 1, true) ~= nil
      if select(2, raw:gsub("`", "")) % 2 == 1 then code = not code end
      if w:find("%w") then toks[#toks + 1] = { raw = w, low = w:lower(), code = in_code or nil } end
      if raw:match("[:;][%*_`'\"%)]*$") then boundary() end
    end
  end
  return toks
end

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

local compiled = {} -- template string -> list of item sequences

-- "a [b] c" -> { "a b c", "a c" }: each optional group with and without.
local function expand(s)
  local i, j = s:find("%b[]")
  if not i then return { s } end
  local out = {}
  for _, rest in ipairs(expand(s:sub(j + 1))) do
    for _, inner in ipairs(expand(s:sub(i + 1, j - 1))) do -- groups nest
      out[#out + 1] = s:sub(1, i - 1) .. inner .. rest
    end
    out[#out + 1] = s:sub(1, i - 1) .. rest
  end
  return out
end

-- The literal words of one piece of a template: the same few pieces recur
-- in every variant of every template (456 sequences from 37 rules), and
-- splitting each anew was most of the handlers' load time.  Kept while
-- M.words is the function that made them.
local lits, lits_by = {}, nil
local function literals(raw)
  if lits_by ~= M.words then lits, lits_by = {}, M.words end
  local l = lits[raw]
  if not l then
    l = {}
    for _, t in ipairs(M.words(raw)) do
      if not t.boundary then l[#l + 1] = t.low end
    end
    lits[raw] = l
  end
  return l
end

local function compile_one(template)
  if compiled[template] then return compiled[template] end
  if type(template) ~= "string" or not template:find("%w") then
    error(("a wording must be a non-empty string, not %s"):format(tostring(template)), 0)
  end
  local seqs = {}
  for _, variant in ipairs(expand(template)) do
    local seq = {}
    for raw in variant:gmatch("%S+") do
      local name, kind = raw:match("^`?{([%w_]+):?([%w_]*)}`?$")
      if name then
        kind = kind ~= "" and kind or name
        if not M.types[kind] then
          local known = {}
          for k in pairs(M.types) do known[#known + 1] = k end
          table.sort(known)
          error(("wording %q: unknown placeholder type '%s' (types: %s)"):format(
            template, kind, table.concat(known, ", ")), 0)
        end
        seq[#seq + 1] = { name = name, kind = kind }
      elseif raw:find("[{}]") then
        error(("wording %q: '%s' is not a placeholder ({type} or {name:type})"):format(template, raw), 0)
      else
        for _, low in ipairs(literals(raw)) do seq[#seq + 1] = { lit = low } end
      end
    end
    if #seq == 0 then error(("wording %q has no words"):format(template), 0) end
    -- The first literal word after one-word placeholders only: the text's
    -- word at that position must be it (cannot_fit).
    local at = 1
    while seq[at] and seq[at].kind and seq[at].kind ~= "text" do at = at + 1 end
    if at > 1 and seq[at] and seq[at].lit then seq.at, seq.word = at, seq[at].lit end
    seqs[#seqs + 1] = seq
  end
  compiled[template] = seqs
  return seqs
end

-- Every item sequence of a wording (a string or a list of alternatives);
-- raises an error naming the template when one is malformed.
function M.compile(wording)
  if type(wording) == "table" then
    local all = {}
    for _, t in ipairs(wording) do
      for _, seq in ipairs(compile_one(t)) do all[#all + 1] = seq end
    end
    if #all == 0 then error("a wording list must not be empty", 0) end
    return all
  end
  return compile_one(wording)
end

-- ---- matching ----

-- The engine tries every rule's wording on each criterion and ranks each
-- match by trying it again: what depends only on the text (its words) or
-- only on the wording (its sequences, and which of them a text's first two
-- words leave possible) is computed once, not per try.

-- The types defined here: each takes one word, and none raises.
local BUILTIN = {}
for k, fn in pairs(M.types) do BUILTIN[k] = fn end
local VALUES = { name = values.name, version = values.version, address = values.address, ip = values.ip }

-- Whether the type KIND is the one defined here, and so is what it calls.
local function intact(kind)
  return M.types[kind] == BUILTIN[kind] and (kind ~= "kustomization" or M.types.path == BUILTIN.path)
    and values.name == VALUES.name and values.version == VALUES.version
    and values.address == VALUES.address and values.ip == VALUES.ip
end

-- The words of TEXT, and the same without the note boundaries as a list of
-- lower-case words, kept for the text matched last.
local last_text, last_toks, last_plain
local function words_of(text)
  if text ~= last_text then
    local toks, plain = M.words(text), {}
    for _, t in ipairs(toks) do
      if not t.boundary then plain[#plain + 1] = t.low end
    end
    last_text, last_toks, last_plain = text, toks, plain
  end
  return last_toks, last_plain
end

-- A wording list's sequences, kept while the list holds the same templates.
local lists = setmetatable({}, { __mode = "k" })
local function seqs_of(wording)
  local seqs = compiled[wording] -- a template compiled before
  if seqs then return seqs end
  if type(wording) ~= "table" then return compile_one(wording) end
  local kept = lists[wording]
  if kept and kept.n == #wording then
    local same = true
    for i = 1, kept.n do
      if kept[i] ~= wording[i] then same = false break end
    end
    if same then return kept.seqs end
  end
  kept = table.move(wording, 1, #wording, 1, { n = #wording })
  kept.seqs = M.compile(wording)
  lists[wording] = kept
  return kept.seqs
end

-- Whether SEQ cannot fit a text of the words PLAIN: its first literal
-- word after one-word placeholders (seq.word, at seq.at) is not the text's
-- word there, and the placeholders' types are the ones defined here (intact: try
-- would check those words' values, which raises nothing, then return nil
-- at the literal).
local function cannot_fit(seq, plain)
  local at = seq.at
  if not at or plain[at] == seq.word then return false end
  for i = 1, at - 1 do
    if not intact(seq[i].kind) then return false end
  end
  return true
end

-- The sequences of LIST (in order) by the second word they can fit
-- (cannot_fit, for the sequences whose literal is the second word).
local function by_second(list)
  local g = { all = list, kinds = {}, by = {}, none = {} } -- kinds: the placeholders' types, once each
  local seen = {}
  for _, seq in ipairs(list) do
    if seq.at == 2 then
      local kind = seq[1].kind
      if not seen[kind] then seen[kind] = true; g.kinds[#g.kinds + 1] = kind end
      g.by[seq.word] = true
    end
  end
  for lit in pairs(g.by) do
    local sub = {}
    for _, seq in ipairs(list) do
      if seq.at ~= 2 or seq.word == lit then sub[#sub + 1] = seq end
    end
    g.by[lit] = sub
  end
  for _, seq in ipairs(list) do
    if seq.at ~= 2 then g.none[#g.none + 1] = seq end
  end
  return g
end

-- The sequences of SEQS that may fit a text of the words PLAIN, in order;
-- the caller still tests each with cannot_fit.  A match is anchored at the
-- first word, so a sequence opening with another literal word cannot (try
-- returns nil at once).  Groups are keyed by the first word, or by IX
-- itself for a first word no sequence opens with; a group is taken whole
-- when a type its second words decide has been replaced since.
local openings = setmetatable({}, { __mode = "k" }) -- seqs -> { lits, by = {word -> group}, rest = group }
local function fitting(seqs, plain)
  local first = plain[1]
  if not first then return {} end
  local ix = openings[seqs]
  if not ix then
    ix = { lits = {}, by = {} }
    for _, seq in ipairs(seqs) do
      if seq[1].lit then ix.lits[seq[1].lit] = true end
    end
    openings[seqs] = ix
  end
  local key = ix.lits[first] and first or nil -- nil: a first word no sequence opens with
  local g = ix.by[key or ix]
  if not g then -- made on first use: a run sees few first words
    local list = {}
    for _, seq in ipairs(seqs) do
      if not seq[1].lit or seq[1].lit == key then list[#list + 1] = seq end
    end
    g = by_second(list)
    ix.by[key or ix] = g
  end
  for i = 1, #g.kinds do
    if not intact(g.kinds[i]) then return g.all end
  end
  return g.by[plain[2]] or g.none
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

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- Match SEQ from item K against TOKS from word J.  A clean match returns
-- the args; one that fits in shape but whose placeholder values were
-- refused is recorded in STATE.refusal and the search goes on.
local function try(seq, k, toks, j, args, errs, config, state)
  if k > #seq then
    if j > #toks or toks[j].boundary then
      local added = #errs == 0 and j <= #toks and added_claim(toks, j)
      if added then
        state.refusal, state.added = state.refusal or added, state.added or added
        return nil
      end
      if #errs == 0 then return args end
      state.refusal = state.refusal or errs[1]
    elseif errs.loud then
      -- A value with shell syntax runs on into the rest: say why it is
      -- refused rather than "no rule" (an injection attempt is named).
      state.refusal = state.refusal or errs[1]
    end
    return nil
  end
  while toks[j] and toks[j].boundary do j = j + 1 end
  local it, tok = seq[k], toks[j]
  if not tok then return nil end
  if it.lit then
    if tok.low ~= it.lit then return nil end
    return try(seq, k + 1, toks, j + 1, args, errs, config, state)
  end
  if it.kind == "text" then
    local words = {}
    for e = j, #toks do
      if toks[e].boundary then return nil end
      words[#words + 1] = toks[e].raw
      local a = copy(args)
      a[it.name] = table.concat(words, " ")
      local r = try(seq, k + 1, toks, e + 1, a, errs, config, state)
      if r then return r end
    end
    return nil
  end
  local v, why = M.types[it.kind](tok.raw, config)
  local a, e = args, errs
  if v == nil then
    e = copy(errs)
    e[#e + 1] = why or ("%q is not a valid %s"):format(tok.raw, it.kind)
    e.loud = e.loud or tok.raw:find("[;|&$`<>]") ~= nil
  else
    a = copy(args)
    a[it.name] = v
  end
  return try(seq, k + 1, toks, j + 1, a, e, config, state)
end

-- The args ({placeholder = value}) when TEXT says WORDING (a template or a
-- list of alternatives), else nil and, when the wording fits but a value
-- does not (an unknown project, a malformed version), the refusal; third,
-- the refusal of a trailing note that adds a claim, when one fit so.
function M.match(wording, text, config)
  config = config or {}
  local toks, plain = words_of(text)
  local seqs = fitting(seqs_of(wording), plain)
  if not seqs[1] then return nil, nil end -- most rules, for most criteria
  local state = {}
  for _, seq in ipairs(seqs) do
    if not cannot_fit(seq, plain) then
      local args = try(seq, 1, toks, 1, {}, {}, config, state)
      if args then return args end
    end
  end
  return nil, state.refusal, state.added
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
  local seqs, toks, plain = seqs_of(rule.wording), nil, nil
  if text then
    toks, plain = words_of(text)
    seqs = fitting(seqs, plain)
  end
  for _, seq in ipairs(seqs) do
    if not text or not cannot_fit(seq, plain) and try(seq, 1, toks, 1, {}, {}, config or {}, {}) then
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
