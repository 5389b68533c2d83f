-- act/files.lua - replacing an address across files, one atomic write per
-- file, and recording a line in a document.
local ix = require "infraexec"
local ev = require "infraexec.core.evidence"

local M = {}

local function count_plain(text, s)
  local n, at = 0, 1
  while true do
    local i, j = text:find(s, at, true)
    if not i then return n end
    n, at = n + 1, j + 1
  end
end

-- replace{paths = {...}, old = O, new = N}: every O becomes N.  Returns
-- {path = count} for the files changed, and the total.
function M.replace(a)
  local counts, total = {}, 0
  for _, path in ipairs(a.paths) do
    local text = ix.read_file(path)
    local n = text and count_plain(text, a.old) or 0
    if n > 0 then
      ev.acted()
      local escaped = a.old:gsub("%p", "%%%0")
      local replaced = text:gsub(escaped, (a.new:gsub("%%", "%%%%")))
      assert(ix.write_file(path, replaced, ("%s -> %s (%d)"):format(a.old, a.new, n)))
      counts[path], total = n, total + n
    end
  end
  return counts, total
end

-- replace_address{paths = {...}, old = {...}, new = N}: each old address
-- replaced in the paths; a note with counts per file.
function M.replace_address(a)
  local notes = {}
  for _, old in ipairs(a.old) do
    local counts = M.replace{ paths = a.paths, old = old, new = a.new }
    for path, n in pairs(counts) do notes[#notes + 1] = ("%s: %d x %s"):format(path, n, old) end
  end
  table.sort(notes)
  return #notes > 0 and ("replaced " .. table.concat(notes, "; ")) or "no old address to replace"
end

-- record{path = DOC, line = L, replaces = LUA_PATTERN}: L replaces the
-- line matching the pattern, or is appended.
function M.record(a)
  local text = ix.read_file(a.path) or "# Architecture\n"
  local new, n = text:gsub(a.replaces, (a.line:gsub("%%", "%%%%")))
  if n == 0 then new = text .. (text:sub(-1) == "\n" and "" or "\n") .. "\n" .. a.line .. "\n" end
  if new ~= text then ev.acted() end
  assert(ix.write_file(a.path, new, a.summary or a.line))
end

return M
