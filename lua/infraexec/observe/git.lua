-- observe/git.lua - the state of a git repository (libgit2): what is
-- committed, what HEAD is.
local ix = require "infraexec"
local ev = require "infraexec.core.evidence"

local M = {}

-- committed{repo = DIR, paths = {...}}: each path (absolute) is at HEAD as
-- it is in the work tree: no uncommitted change, and HEAD's blob is the
-- file's text (an ignored file is in no status and in no commit).
function M.committed(a)
  local out = {}
  local dirty, head
  for _, path in ipairs(a.paths) do
    local where = path .. " in " .. a.repo
    local p = ev.pending(where, "committed")
    if p then
      out[#out + 1] = p
    else
      if not dirty then
        dirty = {}
        for _, d in ipairs(assert(ix.git_status(a.repo))) do dirty[a.repo .. "/" .. d] = true end
        head = ix.git_head(a.repo)
      end
      local seen
      if dirty[path] then seen = "uncommitted changes"
      elseif not head then seen = "no HEAD commit in " .. a.repo
      else
        local at, err = ix.git_show(a.repo, head, path)
        local text = ix.read_file(path)
        if err then seen = (tostring(err):gsub("^infraexec%.git%.show: ", ""))
        elseif at ~= text then
          seen = at == nil and ("not in HEAD " .. head:sub(1, 12) .. " (untracked or ignored)")
            or ("differs from HEAD " .. head:sub(1, 12))
        end
      end
      out[#out + 1] = ev.observation(seen == nil, where, "committed", seen or "as at HEAD")
    end
  end
  return out
end

-- head{repo = DIR, id = ID}: HEAD is the commit ID (a prefix will do).
function M.head(a)
  local where = "HEAD of " .. a.repo
  local p = ev.pending(where, a.id)
  if p then return { p } end
  local head, err = ix.git_head(a.repo)
  if not head then return { ev.observation(false, where, a.id, err) } end
  return { ev.observation(head:sub(1, #a.id) == a.id, where, a.id, head) }
end

-- pushed{repo = DIR, remote = R, branch = B [, id = ID]}: the branch as
-- the remote itself has it (read from the remote, not the local tracking
-- ref) is at ID (default HEAD of DIR).
function M.pushed(a)
  local where = ("branch %s of remote %s (%s)"):format(a.branch, a.remote, a.repo)
  local p = ev.pending(where, a.id or "HEAD")
  if p then return { p } end
  local want = a.id
  if not want then
    local head, err = ix.git_head(a.repo)
    if not head then return { ev.observation(false, where, "HEAD", err) } end
    want = head
  end
  local tip, err = ix.git_remote_head(a.repo, a.remote, a.branch)
  if err then return { ev.observation(false, where, want, err) } end
  return { ev.observation(tip == want, where, want, tip or "no such branch on the remote") }
end

return M
