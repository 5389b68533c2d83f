-- project.lua - the projects of infraexec.yaml, looked up by the names
-- criteria use ("FFL" finds projects.ffl), and the version a task asks for.
local ix = require "infraexec"
local classify = require "infraexec.lib.classify"
local values = require "infraexec.lib.values"
require "infraexec.sections" -- its section of infraexec.yaml is declared there

local M = {}

local function norm(s) return (s:lower():gsub("_", "-")) end

-- The key of projects that NAME names (case and -/_ aside, as wordings
-- match {project}), or nil.
local function key(name)
  local projects = ix.config().projects or {}
  if projects[name] then return name end
  local keys = {}
  for k in pairs(projects) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do if norm(k) == norm(name) then return k end end
  return nil
end

-- The project settings for NAME, or nil and why.
function M.get(name)
  local ok, err = values.name(name)
  if not ok then return nil, err end
  local projects = ix.config().projects or {}
  local k = key(name)
  local p = k and projects[k]
  if not p then
    return nil, ("no project '%s' in %s (add projects.%s with path, build and images)"):format(
      name, ix.config().path or "infraexec.yaml", name:lower())
  end
  p.name = p.name or k
  return p
end

-- ---- which configured projects a text names ----

-- A Lua pattern for a configured name: its words ("mtg_dev_agents") with
-- any one separator or none between them ("MTG Dev Agents", "mtg-dev-agents").
local function name_pattern(n)
  local words = {}
  for w in n:lower():gmatch("[^_%-%s]+") do words[#words + 1] = (w:gsub("%p", "%%%0")) end
  return "%f[%w]" .. table.concat(words, "[%s_%-]?") .. "%f[^%w]"
end

-- Every name that stands for each project: its key, and the apps deploying it.
local function project_names()
  local cfg = ix.config()
  local names = {}
  for k in pairs(cfg.projects or {}) do names[#names + 1] = { project = k, name = k } end
  for a, app in pairs((cfg.gitops or {}).apps or {}) do
    local p = type(app) == "table" and app.project and key(app.project)
    if p then names[#names + 1] = { project = p, name = a } end
  end
  table.sort(names, function(x, y) return x.name < y.name end)
  return names
end

-- The set of projects TEXT names ({key = true}), by configured names only:
-- a name inside a longer configured name ("mtg" in "mtg_dev_agents") is
-- that longer one.  With PREFIX, only a name the text begins with (a table
-- row's "MidwestMTG Backend").
local function named_in(text, prefix)
  local low = text:lower()
  local spans = {}
  for _, n in ipairs(project_names()) do
    local pat = name_pattern(n.name)
    local init = 1
    while true do
      local s, e = low:find(pat, init)
      if not s then break end
      if not prefix or not low:sub(1, s - 1):find("%w") then
        spans[#spans + 1] = { s = s, e = e, project = n.project }
      end
      init = e + 1
    end
  end
  local out = {}
  for _, a in ipairs(spans) do
    local inner = false
    for _, b in ipairs(spans) do
      if b.s <= a.s and b.e >= a.e and (b.e - b.s) > (a.e - a.s) then inner = true end
    end
    if not inner then out[a.project] = true end
  end
  return out
end

local function count(set)
  local n, keys = 0, {}
  for k in pairs(set) do n = n + 1; keys[#keys + 1] = k end
  table.sort(keys)
  return n, keys
end

-- Text as it reads without struck-through parts and emphasis marks.
local function plain(text)
  return (text:gsub("~~.-~~", ""):gsub("[*`]", ""))
end

-- A version token as written, without the punctuation that ends a sentence.
local function token(v)
  return (v:gsub("[%.,:%)]+$", ""))
end

-- Why criterion C claims more than project NAME (a build or push of it):
-- another configured project, or an app deploying one, that its prose
-- names ("Build all FFL containers - and midwestmtg's too"); or nil.
function M.beyond(c, name)
  local k = key(name) or name
  local _, keys = count(named_in((c.text:gsub("`[^`]*`", " "):gsub("%a[%w+.-]*://%S+", " "))))
  local others = {}
  for _, o in ipairs(keys) do if o ~= k then others[#others + 1] = o end end
  if #others == 0 then return nil end
  return ("needs a person: the criterion names project %s too; the rule reads only %s"):format(
    table.concat(others, ", "), k)
end

-- ---- the sources of a version, in the order they are believed ----

-- Words before "version X" that make X another than the target ("Update
-- ffl from version 0.1.11 to ...", "... except version 0.1.11").
local NOT_TARGET = { from = true, old = true, previous = true, current = true, except = true,
                     ["not"] = true, than = true, without = true, replacing = true, replaces = true,
                     over = true, prior = true, last = true, existing = true, broken = true }

-- The versions TEXT names as the target: "version X" (also "with/to
-- version X", "Version: X") not after a word of NOT_TARGET, and with
-- PAREN "(vX)", which reads as version X.
local function versions_in(text, paren)
  local out = {}
  text = plain(text)
  for at, v in text:gmatch("()%f[%a][Vv][Ee][Rr][Ss][Ii][Oo][Nn]:?%s+(%S+)") do
    local before = text:sub(1, at - 1):match("(%w+)%W*$") or ""
    if not NOT_TARGET[before:lower()]
        and (v:match("^v?%d") or v:match("^%x+$") and v:match("%d") and v:match("%a")) then
      out[#out + 1] = token(v)
    end
  end
  if paren then
    for v in text:gmatch("%(v(%d[^%s%)]*)%)") do out[#out + 1] = v end
  end
  return out
end

-- The note of TEXT (a "(...)" group, or what follows " - ", " — ", ": ")
-- that names a version among other words ("— version 0.1.11 is broken",
-- "(version 0.1.11 was the last good one)"), or nil.  A rule whose wording
-- names no version reads the criterion's version from its notes only when
-- the note is just the version ("(v0.1.18)", "- version 0.1.18").
local function wordy_version_note(text)
  local notes = {}
  local rest = plain(text):gsub("%b()", function(g) notes[#notes + 1] = g:sub(2, -2) return " " end)
  rest = rest:gsub(":%s", " - ")
  local first = true -- the text before the first boundary is the wording's, no note
  for part in (rest .. " - "):gmatch("(.-)%s[%-–—]+%s") do
    if not first then notes[#notes + 1] = part end
    first = false
  end
  for _, n in ipairs(notes) do
    if #versions_in(n, true) > 0 or #versions_in("(" .. n .. ")", true) > 0 then
      local words = n:gsub("%f[%a][Vv]ersion:?", " "):gsub("%f[%w]v?%d[%w%.%+%-]*", " ")
        :gsub("%f[%a]with%f[%A]", " "):gsub("%f[%a]at%f[%A]", " "):gsub("%f[%a]to%f[%A]", " ")
      if words:find("%a") then return n end
    end
  end
  return nil
end

-- Candidates {version, line} one source gave for the project, checked: one
-- version, or nil and why (several different ones need a person; one that
-- is not a version is refused).
local function settle(name, found, source)
  if #found == 0 then return nil end
  local distinct, seen = {}, {}
  for _, f in ipairs(found) do
    local v, err = values.version(f.version)
    if not v then return nil, ("%s names %s for %s (line %d): %s"):format(source, f.version, name, f.line, err) end
    if not seen[v] then seen[v] = f; distinct[#distinct + 1] = f end
  end
  if #distinct > 1 then
    local list = {}
    for _, f in ipairs(distinct) do list[#list + 1] = ("%s (line %d)"):format(f.version, f.line) end
    return nil, ("needs a person: %s gives %s %d different versions: %s"):format(
      source, name, #distinct, table.concat(list, ", "))
  end
  return distinct[1]
end

-- Other criteria that set the project's version ("Build all FFL
-- containers with version 0.1.18", "Roll out ffl to version 0.1.18"): an
-- action of the build/roll-out/update family (classify.targets) naming
-- only this project, not blocked; a negated, struck, conditional one, or
-- one that deletes or tests a version, sets nothing.
local function from_criteria(k, name, current)
  local found, shared = {}, nil
  local family = {}
  for _, v in ipairs(classify.targets) do family[v] = true end
  for _, c in ipairs(ix.task().criteria) do
    if not (current and c.line == current.line) then
      local vs = versions_in(c.text)
      local kind, _, verb = classify.kind(c.text)
      if #vs > 0 and kind == "action" and family[verb] and not c.text:lower():find("%f[%a]blocked%f[%A]") then
        local note = wordy_version_note(c.text)
        if note and named_in(plain(c.text))[k] then
          return nil, ("needs a person: criterion %d (line %d) names a version in a note that says more about it (%q)"):format(
            c.index, c.line, note:match("^%s*(.-)%s*$"))
        end
        local set = named_in(plain(c.text))
        local n, keys = count(set)
        if n > 1 and set[k] then shared = shared or { c = c, keys = keys } end
        if n == 1 and set[k] then
          for _, v in ipairs(vs) do found[#found + 1] = { version = v, line = c.line, index = c.index } end
        end
      end
    end
  end
  if shared then
    return nil, ("needs a person: criterion %d (line %d) names a version for several projects (%s)"):format(
      shared.c.index, shared.c.line, table.concat(shared.keys, ", "))
  end
  local f, err = settle(name, found, "the task's criteria")
  if not f then return nil, err end
  return f.version, ("criterion %d (line %d)"):format(f.index, f.line)
end

-- The cells of a Markdown table row, or nil when LINE is not one.
local function cells(line)
  if not line:match("^%s*|") then return nil end
  local row = line:gsub("^%s*|", ""):gsub("|%s*$", "")
  local out = {}
  for cell in (row .. "|"):gmatch("([^|]*)|") do out[#out + 1] = plain(cell):match("^%s*(.-)%s*$") end
  return out
end

-- The lines of the task file outside fenced code blocks, as {n, text}, and
-- whether each lies in the Progress Log.
local function prose_lines()
  local text, err = ix.read_file(ix.task().path)
  -- Unread, the task would seem to name no version: never a check without one.
  if not text then return nil, "cannot read the task file " .. ix.task().path .. ": " .. tostring(err) end
  local out, fence, log, comment = {}, nil, false, false
  local n, front = 0, text:sub(1, 3) == "---"
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    local f = line:match("^%s*(```+)") or line:match("^%s*(~~~+)")
    if front then -- the frontmatter is not the task's prose
      front = n == 1 or not line:match("^%-%-%-%s*$")
    elseif fence then
      if f and f:sub(1, 1) == fence:sub(1, 1) and #f >= #fence then fence = nil end
    elseif comment then
      comment = not line:find("-->", 1, true)
    elseif f then
      fence = f
    elseif not line:match("^%s*>") then -- a quote is someone else's words, a comment is not shown
      line = line:gsub("<!%-%-.-%-%->", "")
      local open = line:find("<!--", 1, true)
      if open then comment, line = true, line:sub(1, open - 1) end
      local h = line:match("^##%s+(.-)%s*$")
      if h then log = h:lower():find("^progress log") ~= nil end
      out[#out + 1] = { n = n, text = line, log = log }
    end
  end
  return out
end

-- The version column of a table's header: one whose heading says version
-- or tag and not current, old, previous or chart; nil when none or several.
local function version_column(header)
  local col, n = nil, 0
  for i, h in ipairs(header) do
    local l = h:lower()
    if (l:find("version") or l:find("%f[%a]tag")) and not (l:find("current") or l:find("old")
        or l:find("previous") or l:find("chart") or l:find("from")) then
      col, n = i, n + 1
    end
  end
  return n == 1 and col or nil, n
end

-- The task's version table(s): rows whose first cell begins with a name
-- of the project ("MidwestMTG Backend | ... | 0.1.12").
local function from_table(k, name, lines)
  local found = {}
  local i = 1
  while i <= #lines do
    local header = cells(lines[i].text)
    local sep = lines[i + 1] and lines[i + 1].text:match("^%s*|?%s*:?%-%-%-*:?%s*|")
    if header and sep then
      local col, ncols = version_column(header)
      i = i + 2
      while lines[i] and cells(lines[i].text) do
        local row = cells(lines[i].text)
        if row[1] and named_in(row[1], true)[k] then
          if not col then
            if ncols > 1 then
              return nil, ("needs a person: the table at line %d has %d version columns; which one %s runs at is not clear"):format(
                lines[i].n, ncols, name)
            end
          elseif row[col] and row[col] ~= "" then
            found[#found + 1] = { version = row[col], line = lines[i].n }
          end
        end
        i = i + 1
      end
    else
      i = i + 1
    end
  end
  local f, err = settle(name, found, "the task's version table")
  if not f then return nil, err end
  return f.version, ("the task's version table (line %d)"):format(f.line)
end

-- VERSION= in the task's code blocks for the project.
local function from_code(k, name)
  local found = {}
  for _, b in ipairs(M.code_blocks(k)) do
    local n = b.line
    for line in (b.text .. "\n"):gmatch("([^\n]*)\n") do
      n = n + 1
      for v in line:gmatch("%f[%w_]VERSION=([^%s;&|]+)") do
        found[#found + 1] = { version = (v:gsub("^([\"'])(.*)%1$", "%2")), line = n }
      end
    end
  end
  local f, err = settle(name, found, "VERSION= in the task's code block")
  if not f then return nil, err end
  return f.version, ("VERSION= in the task's code block for %s (line %d)"):format(k, f.line)
end

-- Words allowed between a project's name and its commit id: "FFL
-- version: 1a2b3c4", "ffl: commit 1a2b3c4d", "MTG Dev Agents at 417e41b".
local COMMIT_LABELS = { commit = true, version = true, tag = true, sha = true, id = true,
                        image = true, images = true, at = true, is = true }

-- The commit id LINE gives project K: the line (a list item's marker aside)
-- is the project's name, label words and the id, nothing else; a commit id
-- in a sentence ("should follow the plan from 1a2b3c4d") is about
-- something else.  nil when it is not such a line.
local function commit_of(k, line)
  local body = plain(line):gsub("^%s*[%-%*%+]%s+", ""):gsub("^%s*%d+[%.%)]%s+", ""):lower()
  local best, owner = 0, nil -- the longest configured name the line begins with
  for _, n in ipairs(project_names()) do
    local _, e = body:find("^" .. name_pattern(n.name))
    if e and e > best then best, owner = e, n.project end
  end
  if owner ~= k then return nil end
  local rest = body:sub(best + 1)
  while true do
    rest = rest:gsub("^[%s:=]+", "")
    local w = rest:match("^(%a+)")
    if not (w and COMMIT_LABELS[w]) then break end
    rest = rest:sub(#w + 1)
  end
  local id = rest:match("^(%x+)[%s%.,;]*$")
  if id and #id >= 7 and #id <= 40 and id:match("%d") and id:match("%a") then return id end
  return nil
end

-- A commit id on a line of its own for the project, outside the Progress
-- Log, tables and code ("- MTG Dev Agents: 417e41b").
local function from_commit(k, name, lines)
  local found = {}
  for _, l in ipairs(lines) do
    local id = not l.log and not cells(l.text) and commit_of(k, l.text)
    if id then found[#found + 1] = { version = id, line = l.n } end
  end
  local f, err = settle(name, found, "the task's text")
  if not f then return nil, err end
  return f.version, ("a commit id named for %s (line %d)"):format(k, f.line)
end

-- The version the task asks for project NAME, and where it was found: the
-- criterion C itself ("... with version 0.1.18", "(v0.1.18)"), else the
-- one version that other criteria setting it, the task's version table and
-- VERSION= in the task's code block for it agree on (two of them giving
-- different versions need a person), else a commit id named for it.
-- Returns version, source (e.g. "the task's version table (line 37)"), or
-- nil and why ("needs a person: ..." when one source gives two versions).
function M.version_for(name, c)
  local k = key(name)
  if not k then return nil, ("no project '%s' in %s"):format(name, ix.config().path or "infraexec.yaml") end
  if c then
    local found = {}
    for _, v in ipairs(versions_in(c.text, true)) do found[#found + 1] = { version = v, line = c.line } end
    local f, err = settle(k, found, "the criterion")
    if err then return nil, err end
    local note = f and wordy_version_note(c.text)
    if note then
      return nil, ("needs a person: the criterion names a version in a note that says more about it (%q); "
        .. "give the version in the wording (\"with version X\") or alone (\"(vX)\")"):format(note:match("^%s*(.-)%s*$"))
    end
    if f then return f.version, "the criterion" end
  end
  local lines, lerr = prose_lines()
  if not lines then return nil, lerr end
  local got = {}
  for _, from in ipairs({ function() return from_criteria(k, name, c) end,
                          function() return from_table(k, name, lines) end,
                          function() return from_code(k, name) end }) do
    local v, src = from()
    if not v and src then return nil, src end
    if v then got[#got + 1] = { version = v, source = src } end
  end
  for _, g in ipairs(got) do
    if g.version ~= got[1].version then
      return nil, ("needs a person: the task gives %s %s in %s but %s in %s"):format(
        name, got[1].version, got[1].source, g.version, g.source)
    end
  end
  if got[1] then return got[1].version, got[1].source end
  local v, src = from_commit(k, name, lines)
  if v or src then return v, src end
  return nil, ("the task names no version for %s (in a criterion, a version table, VERSION= in its code block or a commit id)"):format(name)
end

-- The task's bash blocks for a project: those whose heading names it
-- (configured names only, so "MTG Dev Agents" is mtg_dev_agents).
function M.code_blocks(name)
  local k = key(name) or name
  local out = {}
  for _, b in ipairs(ix.task().code_blocks) do
    if (b.lang == "bash" or b.lang == "sh") and named_in(plain(b.section))[k] then out[#out + 1] = b end
  end
  return out
end

-- The first of them: the task's own "Build Commands" for the project.
function M.code_block(name)
  return M.code_blocks(name)[1]
end

return M
