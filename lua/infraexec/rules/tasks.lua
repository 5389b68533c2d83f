-- rules/tasks.lua - what handlers/tasks.lua's rules do with criteria about
-- task files (observe/tasks.lua, core/outcomes.lua: what this run saw) and
-- with archiving in the GitOps repository (act/archive.lua,
-- observe/archive.lua).  Task ids from criteria are untrusted: the {task}
-- placeholder and ix.task_read both check them.  Each function is a rule's
-- run: (criterion, captures) -> done, message, evidence.
local ix = require "infraexec"
local lazy = require "infraexec.core.lazy" -- observers, actions, domain: loaded when a rule runs
local archive = lazy "infraexec.act.archive"
local classify = require "infraexec.lib.classify"
local ev = require "infraexec.core.evidence"
local moved = lazy "infraexec.observe.archive"
local outcomes = require "infraexec.core.outcomes"
local project = lazy "infraexec.project"
local reg = lazy "infraexec.observe.registry"
local release = lazy "infraexec.observe.gitops"
local tasks = lazy "infraexec.observe.tasks"

local M = {}

-- "Debug and fix triager build failure (see TASK-005)": TASK-005 is completed.
-- A condition in it ("... if it recurs") is not settled by TASK-005 being done.
-- Observes: tasks.status (the task A.ref points at, completed).
function M.referenced(c, a)
  -- Its own status is the task's word about itself, not an observation.
  if a.ref:lower() == tostring(ix.task().id):lower() then
    return false, ("needs a person: the criterion points at %s, this task itself; its own status proves nothing"):format(a.ref)
  end
  local cond = classify.condition_in(c.text)
  if cond then
    return false, ("needs a person: '%s ...' makes it conditional; %s being completed does not say whether it applies"):format(cond, a.ref)
  end
  local done, msg, obs = ev.verdict(tasks.status{ id = a.ref })
  return done, done and (a.ref .. " is completed") or msg, obs
end

-- ---- what this run observed about a subject ----

local STOP = { the = true, ["and"] = true, ["for"] = true, with = true, status = true,
               state = true, result = true, results = true, this = true, run = true }

local function words(text)
  local out = {}
  for w in text:lower():gmatch("[%w]+") do out[#out + 1] = w end
  return out
end

-- "build" names "builds" and "building"; short words only themselves.
local function same_word(a, b)
  if a == b then return true end
  local s, l = a, b
  if #s > #l then s, l = b, a end
  return #s >= 4 and l:sub(1, #s) == s
end

-- The outcomes of this run whose criterion names every subject word.
local function observed_about(what)
  local subject = {}
  for _, w in ipairs(words(what)) do
    if #w >= 3 and not STOP[w] then subject[#subject + 1] = w end
  end
  local hits = {}
  for _, o in ipairs(#subject > 0 and outcomes.all() or {}) do
    local have, all = words(o.text), true
    for _, w in ipairs(subject) do
      local found = false
      for _, h in ipairs(have) do found = found or same_word(w, h) end
      all = all and found
    end
    if all then hits[#hits + 1] = o end
  end
  return hits, subject
end

local function cut(s, n) return #s > n and (s:sub(1, n) .. "...") or s end

-- One outcome as the entry says it: the criterion, and what was seen.
local function fact(o)
  local first = o.evidence[1]
  local seen = first and (" (" .. cut(first.looked_at, 80) .. ": " .. cut(first.seen, 80) .. ")") or ""
  if o.done then
    return ("criterion %d \"%s\" %s%s"):format(o.index, cut(o.text, 80),
      ix.dry_run() and "would complete" or "completed", seen)
  end
  return ("criterion %d \"%s\" not completed: %s"):format(o.index, cut(o.text, 80), cut(o.reason or "no reason", 120))
end

-- "Update TASK-002 with triager build status": an entry in TASK-002's
-- Progress Log saying what this run observed about the subject A.what
-- (core/outcomes.lua).  Observes: tasks.log_entry (the entry written).
function M.update_other(_, a)
  local hits, subject = observed_about(a.what)
  if #hits == 0 then
    return false, ("needs a person: this run observed nothing about %s to write into %s (no criterion run before this one names %s)"):format(
      a.what, a.ref, #subject > 0 and table.concat(subject, ", ") or "a subject")
  end
  local parts = {}
  for _, o in ipairs(hits) do parts[#parts + 1] = fact(o) end
  local text = ("%s: %s, as its run observed: %s"):format(ix.task().id or "infraexec", a.what, table.concat(parts, "; "))
  ev.acted()
  local stamp, written = ix.task_log(a.ref, text)
  if not stamp then return false, written end
  return ev.verdict(tasks.log_entry{ id = a.ref, stamp = stamp, text = written }, "logged in " .. a.ref)
end

-- ---- the versions this run confirmed ----

local HEADING = "Final Versions"

-- The apps of infraexec.yaml that deploy project NAME, sorted.
local function apps_of(name)
  local list = {}
  for app, cfg in pairs(((ix.config().gitops or {}).apps) or {}) do
    if type(cfg) == "table" and cfg.project and cfg.project:lower() == name then list[#list + 1] = app end
  end
  table.sort(list)
  return list
end

-- "Document final versions in this task": for each project the task names
-- a version for, every image's tag confirmed in the registry (and in the
-- HelmReleases of its apps), then the table written into this task.
-- Observes: registry.tags, gitops.helmrelease, tasks.section (the table).
function M.final_versions()
  local names = {}
  for name in pairs(ix.config().projects or {}) do names[#names + 1] = name end
  table.sort(names)
  local rows, obs = {}, {}
  for _, name in ipairs(names) do
    local v, why = project.version_for(name)
    -- A version the task gives unclearly is not one to leave out of the table.
    if not v and not why:find("^the task names no version") then return false, why end
    if v then
      local p = project.get(name)
      if not p.images or #p.images == 0 then
        return false, ("needs a person: projects.%s.images is not set in infraexec.yaml, so the %s images cannot be confirmed"):format(name, name)
      end
      for _, image in ipairs(p.images) do
        ev.add(obs, reg.tags{ image = image, version = v })
        rows[#rows + 1] = ("| %s | %s | %s |"):format(name, image, v)
      end
      for _, app in ipairs(apps_of(name)) do ev.add(obs, release.helmrelease{ app = app, version = v }) end
    end
  end
  if #rows == 0 then
    return false, "needs a person: the task names no version for any project of infraexec.yaml; nothing observed to document"
  end
  local f = ev.first_failure(obs)
  if f then return false, "not documented: " .. ev.describe(f), obs end
  local text = table.concat({ "| Project | Image | Version |", "|---|---|---|", table.concat(rows, "\n") }, "\n")
  ev.acted()
  local changed, err = ix.task_set_section(HEADING, text)
  if changed == nil then return false, err end
  return ev.verdict(ev.add(obs, tasks.section{ heading = HEADING, text = text }),
    ("%d image versions confirmed and written under ## %s"):format(#rows, HEADING))
end

-- Moves directory A.dir into gitops.archive, validated and committed
-- (act/archive.lua).  Observes: archive.moved.
-- "Remove or archive beckerkube/apps/mtg-agents directory"
function M.archived(_, a)
  local p, err = archive.move{ path = a.dir }
  if not p then return false, err end
  return ev.verdict(moved.moved{ repo = p.repo, from = p.from, to = p.to },
    ("%s moved to %s, validated, committed %s"):format(p.rfrom, p.rto, p.id and p.id:sub(1, 12) or "(before)"))
end

-- "Archive mtg-agents sealed secret": every file of SealedSecrets of
-- namespace NAME moves to ARCHIVE/NAME-YYYYMMDD/, each validated and
-- committed.  Observes: archive.moved, per file.
function M.secrets_archived(_, a)
  local files, err = archive.sealed_secrets(a.ns)
  if not files then return false, err end
  if #files == 0 then
    return false, ("no file of the GitOps repository holds a SealedSecret of namespace %s (outside the archive)"):format(a.ns)
  end
  local obs, done = {}, {}
  for _, f in ipairs(files) do
    local p, merr = archive.move{ path = f, group = a.ns }
    if not p then return false, merr, obs end
    ev.add(obs, moved.moved{ repo = p.repo, from = p.from, to = p.to })
    done[#done + 1] = p.rfrom .. " -> " .. p.rto
  end
  return ev.verdict(obs, "moved " .. table.concat(done, ", "))
end

-- For `infraexec verify`: A.dir is where archived would have moved it.
-- Observes: archive.moved, changes nothing.
function M.still_archived(_, a)
  local p, err = archive.plan{ path = a.dir }
  if not p then return false, err end
  return ev.verdict(moved.moved{ repo = p.repo, from = p.from, to = p.to })
end

return M
