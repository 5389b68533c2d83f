-- files.lua - replacing a string across files, one atomic write per file,
-- with a count per file for the report.
local ix = require "infraexec"

local M = {}

local function count_plain(text, s)
  local n, at = 0, 1
  while true do
    local i, j = text:find(s, at, true)
    if not i then return n end
    n, at = n + 1, j + 1
  end
end

-- Replace every OLD with NEW in each of PATHS.  Returns {path = count} for
-- the files changed, and the total.
function M.replace_all(paths, old, new)
  local counts, total = {}, 0
  for _, path in ipairs(paths) do
    local text = ix.read_file(path)
    local n = text and count_plain(text, old) or 0
    if n > 0 then
      local escaped = old:gsub("%p", "%%%0")
      local replaced = text:gsub(escaped, (new:gsub("%%", "%%%%")))
      ix.write_file(path, replaced, ("%s -> %s (%d)"):format(old, new, n))
      counts[path], total = n, total + n
    end
  end
  return counts, total
end

return M
