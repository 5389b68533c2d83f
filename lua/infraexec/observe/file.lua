-- observe/file.lua - what files say: text present or absent, a YAML value,
-- a kustomization's resources, an address left anywhere under some roots.
local ix = require "infraexec"
local ev = require "infraexec.core.evidence"

local M = {}

-- Whether TEXT holds S not followed by a character that continues a word
-- or an address: "=127.0.0.1:5000" is not in "=127.0.0.1:50001".
local function holds_whole(text, s)
  local from = 1
  while true do
    local i, j = text:find(s, from, true)
    if not i then return false end
    if not text:sub(j + 1, j + 1):match("[%w%.:_%-]") then return true end
    from = i + 1
  end
end

-- contains{path = P, text = T [, whole = true]}: P holds T (with WHOLE,
-- not as the start of a longer word or address).
function M.contains(a)
  local expected = "contains " .. a.text
  local p = ev.pending(a.path, expected)
  if p then return { p } end
  local text, err = ix.read_file(a.path)
  if not text then return { ev.observation(false, a.path, expected, err) } end
  local found
  if a.whole then found = holds_whole(text, a.text) else found = text:find(a.text, 1, true) ~= nil end
  return { ev.observation(found, a.path, expected, found and "it does" or "it does not") }
end

-- lacks{path = P, text = T}: P does not hold T.
function M.lacks(a)
  local expected = "no " .. a.text
  local p = ev.pending(a.path, expected)
  if p then return { p } end
  local text, err = ix.read_file(a.path)
  if not text then return { ev.observation(false, a.path, expected, err) } end
  local at = text:find(a.text, 1, true)
  local line = at and select(2, text:sub(1, at):gsub("\n", "")) + 1
  return { ev.observation(at == nil, a.path, expected, at and ("%s on line %d"):format(a.text, line) or "none") }
end

-- yaml_values{path = P, keys = {...}, value = V [, doc = N]}: each key of
-- the YAML file is V.
function M.yaml_values(a)
  local out = {}
  local text, err = nil, nil
  for _, key in ipairs(a.keys) do
    local where = a.path .. " " .. key
    local p = ev.pending(where, a.value)
    if p then
      out[#out + 1] = p
    else
      if not text and not err then text, err = ix.read_file(a.path) end
      if not text then
        out[#out + 1] = ev.observation(false, where, a.value, err)
      else
        local got, gerr = ix.yaml_get(text, key, a.doc)
        out[#out + 1] = ev.equal(where, a.value, got or ("unreadable: " .. gerr))
      end
    end
  end
  return out
end

-- The entries of a kustomization's lists that name NAME ("- ../../apps/x");
-- with LOOSE also its file ("- x.yaml", "- ./x.yml"), which a check that
-- NAME is gone must see.
function M.kustomization_entries(text, name, loose)
  local hits = {}
  local n = 0
  local esc = name:gsub("%p", "%%%0")
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    local entry = line:match("^%s*%-%s*(%S+)%s*$")
    local file = loose and entry and (entry:match("([^/]+)%.ya?ml$") == name or entry == name .. "/")
    if entry and (entry == name or entry:match("/" .. esc .. "/?$") or file) then
      hits[#hits + 1] = { line = n, entry = entry }
    end
  end
  return hits
end

-- kustomization_lacks{path = P, name = N}: the kustomization lists no N.
function M.kustomization_lacks(a)
  local expected = "no resource " .. a.name
  local p = ev.pending(a.path, expected)
  if p then return { p } end
  local text, err = ix.read_file(a.path)
  if not text then return { ev.observation(false, a.path, expected, err) } end
  local hits = M.kustomization_entries(text, a.name, true)
  local seen = {}
  for _, h in ipairs(hits) do seen[#seen + 1] = ("%s on line %d"):format(h.entry, h.line) end
  return { ev.observation(#hits == 0, a.path, expected, #hits == 0 and "none" or table.concat(seen, ", ")) }
end

-- absent_under{roots = {...}, needles = {...}}: no text file under the
-- roots holds any needle.
function M.absent_under(a)
  local where = table.concat(a.roots, ", ")
  local expected = "no " .. table.concat(a.needles, ", ")
  if #a.roots == 0 then return { ev.observation(false, "search_roots in infraexec.yaml", "at least one root", "none") } end
  -- Nothing to look for proves nothing absent.
  if #a.needles == 0 then
    return { ev.observation(false, "what to look for under " .. where, "at least one text", "none given") }
  end
  local p = ev.pending(where, expected)
  if p then return { p } end
  local hits, searched, empty = {}, 0, {}
  for i, needle in ipairs(a.needles) do
    for _, root in ipairs(a.roots) do
      local found, n = assert(ix.search(root, needle, 50))
      searched = searched + n
      -- A root with no text file in it (an empty checkout) shows nothing absent.
      if i == 1 and n == 0 then empty[#empty + 1] = root end
      for _, h in ipairs(found) do hits[#hits + 1] = ("%s:%d: %s"):format(h.file, h.line, needle) end
    end
  end
  if #hits == 0 and #empty > 0 then
    return { ev.observation(false, where, expected, "no text file to search under " .. table.concat(empty, ", ")) }
  end
  return { ev.observation(#hits == 0, where, expected,
    #hits == 0 and ("none in %d files"):format(searched) or table.concat(hits, "; ")) }
end

return M
