-- act/archive.lua - retiring a directory (or file) of the GitOps repository
-- the way `git mv DIR ARCHIVE/NAME-YYYYMMDD` does: moved into the folder
-- gitops.archive names, validated with gitops.validate (moved back when
-- validation fails), then the old and the new paths committed together.
local ix = require "infraexec"
local diagnose = require "infraexec.diagnose"
local ev = require "infraexec.core.evidence"
local gitops = require "infraexec.act.gitops"

local M = {}

local function climbs(p) return p:sub(1, 1) == "/" or p:sub(1, 1) == "~" or ("/" .. p .. "/"):find("/%.%.?/") ~= nil end

local function under(r, dir) return r == dir or r:sub(1, #dir + 1) == dir .. "/" end

-- The archive folder (gitops.archive, relative to the repository) and the
-- gitops settings, or nil and why.
function M.folder()
  local g, err = gitops.settings()
  if not g then return nil, err end
  local a = g.archive
  if not a or a == "" then
    return nil, "needs a person: no gitops.archive in infraexec.yaml (the folder of the GitOps repository retired directories move to)"
  end
  if climbs(a) then
    return nil, ("gitops.archive in infraexec.yaml must be a folder inside the GitOps repository (relative, no '.' or '..'), not %s"):format(a)
  end
  return (a:gsub("/+$", "")), g
end

-- Where move{path = P [, group = G]} puts P: ARCHIVE/NAME-YYYYMMDD, or
-- with G ARCHIVE/G-YYYYMMDD/NAME (what retires with the directory G goes
-- beside it); {from, to, rfrom, rto} (absolute, and relative to the
-- repository), or nil and why.  P is criterion text.
function M.plan(a)
  local folder, g = M.folder()
  if not folder then return nil, g end
  if climbs(a.path) then return nil, a.path .. ": not a path inside the GitOps repository; refused" end
  local from = gitops.path(a.path)
  local rfrom = under(from, g.path) and from:sub(#g.path + 2) or ""
  if rfrom == "" then return nil, a.path .. " is not inside the GitOps repository " .. g.path .. "; refused" end
  if under(rfrom, folder) then return nil, rfrom .. " is in the archive folder " .. folder .. " already" end
  local date, base = (ix.today():gsub("-", "")), rfrom:match("([^/]+)$")
  local rto = a.group and ("%s/%s-%s/%s"):format(folder, a.group, date, base) or ("%s/%s-%s"):format(folder, base, date)
  return { from = from, to = g.path .. "/" .. rto, rfrom = rfrom, rto = rto, repo = g.path }
end

-- move{path = P [, group = G]}: P moved where plan says (the run's
-- date), validated, committed.  The plan with the commit id, or nil and why.
function M.move(a)
  local p, err = M.plan(a)
  if not p then return nil, err end
  if not ix.exists(p.from) then
    if ix.exists(p.to) then p.note = "already archived"; return p end
    return nil, ("%s does not exist in %s"):format(p.rfrom, p.repo)
  end
  if ix.exists(p.to) then return nil, p.rto .. " exists already; not overwriting it" end
  for _, d in ipairs(assert(ix.git_status(p.repo))) do
    if under(d, p.rfrom) then
      return nil, ("needs a person: %s has uncommitted changes (%s); not archived"):format(p.rfrom, d)
    end
  end
  local files = assert(ix.git_files(p.repo, p.rfrom))
  if #files == 0 then return nil, p.rfrom .. " holds no committed file; nothing to archive" end
  ev.acted()
  assert(ix.rename(p.from, p.to))
  local ok, r = gitops.validate()
  if not ok then
    assert(ix.rename(p.to, p.from, p.repo)) -- and the archive folder, if it was made for this
    return nil, ("%s (moving %s to %s; moved back)"):format(
      type(r) == "table" and diagnose.validation(r) or r, p.rfrom, p.rto)
  end
  local paths = {}
  for _, f in ipairs(files) do
    paths[#paths + 1] = p.repo .. "/" .. f
    paths[#paths + 1] = p.repo .. "/" .. p.rto .. f:sub(#p.rfrom + 1)
  end
  p.id = assert(ix.git_commit(p.repo, paths, ("%s: archive %s to %s"):format(ix.task().id or "infraexec", p.rfrom, p.rto)))
  p.files = #files
  return p
end

M.SEARCH_MAX = 1000

-- The files of the GitOps repository (outside the archive folder) whose
-- documents are SealedSecrets of namespace NS, as repository paths; or
-- nil and why when a file holds other documents too (archiving it would
-- retire them with it).
function M.sealed_secrets(ns)
  local folder, g = M.folder()
  if not folder then return nil, g end
  local files, seen = {}, {}
  -- A full answer is the search's cap: files past it would stay unseen, unarchived.
  local hits = assert(ix.search(g.path, "SealedSecret", M.SEARCH_MAX))
  if #hits >= M.SEARCH_MAX then
    return nil, ("needs a person: %d or more lines of %s name SealedSecret; infraexec reads %d, so a file of %s could be missed"):format(
      M.SEARCH_MAX, g.path, M.SEARCH_MAX, ns)
  end
  for _, hit in ipairs(hits) do
    local r = hit.file:sub(#g.path + 2)
    if not seen[hit.file] and not under(r, folder) and r:match("%.ya?ml$") then
      seen[hit.file] = true
      local text = ix.read_file(hit.file) or ""
      local mine, other = 0, 0
      for i = 0, 255 do
        local kind, kerr = ix.yaml_get(text, "kind", i)
        if not kind and kerr:find(": no document %d+") then break end -- past the last one
        local n = ix.yaml_get(text, "metadata.namespace", i)
        if kind == "SealedSecret" and n == ns then mine = mine + 1 else other = other + 1 end
      end
      if mine > 0 and other > 0 then
        return nil, ("needs a person: %s holds SealedSecrets of %s and other documents; not archived"):format(r, ns)
      end
      if mine > 0 then files[#files + 1] = r end
    end
  end
  table.sort(files)
  return files
end

return M
