-- observe/gitops.lua - what the GitOps repository says about an app: the
-- image tags of every one of its releases, as committed.
local ix = require "infraexec"
local apps = require "infraexec.apps"
local ev = require "infraexec.core.evidence"
local git = require "infraexec.observe.git"
local gitops = require "infraexec.act.gitops"

local M = {}

-- One release's observation: each of its tag paths holds V.
local function release(r, v)
  local expected = ("%s %s"):format(table.concat(r.tags, ", "), v)
  local p = ev.pending(apps.describe(r), expected)
  if p then return p end
  local text, err = ix.read_file(r.file)
  if not text then return ev.observation(false, apps.describe(r), expected, err) end
  local doc, derr = apps.document(r, text)
  if not doc then return ev.observation(false, apps.describe(r), expected, derr) end
  if #r.tags == 0 then return ev.observation(false, apps.describe(r, doc), expected, "no tags in infraexec.yaml") end
  local seen, ok = {}, true
  for _, key in ipairs(r.tags) do
    local got, gerr = ix.yaml_get(text, key, doc)
    ok = ok and got == v
    got = got or "unreadable (" .. gerr .. ")"
    seen[#seen + 1] = key .. " " .. got
  end
  return ev.observation(ok, apps.describe(r, doc), expected, table.concat(seen, ", "))
end

-- helmrelease{app = NAME, version = V}: every release of the app
-- (gitops.apps.NAME: each file and document) has V at each of its tag
-- paths, and every one of those files is committed.  One observation per
-- release, then one per file for the commit.
function M.helmrelease(a)
  local app, err = apps.get(a.app)
  if not app then
    return { ev.observation(false, "gitops.apps." .. a.app:lower() .. " in infraexec.yaml", "an app with releases", err) }
  end
  local out, files, seen = {}, {}, {}
  for _, r in ipairs(app.releases) do
    out[#out + 1] = release(r, a.version)
    if not seen[r.file] then seen[r.file] = true; files[#files + 1] = r.file end
  end
  return ev.add(out, git.committed{ repo = gitops.settings().path, paths = files })
end

return M
