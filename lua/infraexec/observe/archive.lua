-- observe/archive.lua - a directory (or file) of a git repository moved
-- elsewhere in it, committed: gone from the work tree and from HEAD at the
-- old path, at HEAD and unchanged in the work tree at the new one.
local ix = require "infraexec"
local ev = require "infraexec.core.evidence"

local M = {}

local function rel(repo, path) return path:sub(1, #repo + 1) == repo .. "/" and path:sub(#repo + 2) or path end

-- moved{repo = DIR, from = ABS, to = ABS}
function M.moved(a)
  local from, to = rel(a.repo, a.from), rel(a.repo, a.to)
  local p = ev.pending(from .. " and " .. to .. " in " .. a.repo, "moved and committed")
  if p then return { p } end
  local dirty = {}
  for _, d in ipairs(assert(ix.git_status(a.repo))) do dirty[#dirty + 1] = d end
  local function changed_under(r)
    local n = 0
    for _, d in ipairs(dirty) do if d == r or d:sub(1, #r + 1) == r .. "/" then n = n + 1 end end
    return n
  end
  local old_at_head, new_at_head = assert(ix.git_files(a.repo, from)), assert(ix.git_files(a.repo, to))
  local old_here, new_here = ix.exists(a.from), ix.exists(a.to)
  local out = {}
  out[1] = ev.observation(not old_here and #old_at_head == 0, from .. " in the work tree and at HEAD of " .. a.repo,
    "absent", (old_here and ("a " .. old_here .. " in the work tree") or "not in the work tree") ..
      (#old_at_head > 0 and ("; " .. #old_at_head .. " files at HEAD") or "; not at HEAD"))
  local n = changed_under(to)
  out[2] = ev.observation(new_here ~= nil and #new_at_head > 0 and n == 0, to .. " in the work tree and at HEAD of " .. a.repo,
    "present and committed", (new_here and ("a " .. new_here) or "nothing") .. "; " .. #new_at_head ..
      " files at HEAD" .. (n > 0 and ("; " .. n .. " uncommitted changes under it") or ""))
  return out
end

return M
