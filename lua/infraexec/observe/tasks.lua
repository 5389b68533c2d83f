-- observe/tasks.lua - other task files of the tasks directory, and the
-- running task as it is on disk now, read through the task model
-- (ix.task_read): a task's status, a Progress Log entry, a section.
local ix = require "infraexec"
local ev = require "infraexec.core.evidence"

local M = {}

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- status{id = ID}: the task ID is completed (status: completed, or filed
-- in completed/ without a status) and every criterion of it is checked (a
-- status its own open boxes contradict is only a word).
function M.status(a)
  local t, err = ix.task_read(a.id)
  if not t then return { ev.observation(false, "task " .. a.id, "status completed", err) } end
  local status = t.status and t.status:lower()
  local ok = status == "completed" or (status == nil and t.folder == "completed")
  local checked = 0
  for _, c in ipairs(t.criteria) do checked = checked + (c.checked and 1 or 0) end
  local open = ok and checked < #t.criteria -- a status not completed is the news
  return { ev.observation(ok and not open, t.path, "status completed",
    ("status %s (in %s/)"):format(t.status or "(none)", t.folder)
      .. (open and (", but %d of %d criteria checked"):format(checked, #t.criteria) or "")) }
end

-- log_entry{id = ID, stamp = S, text = T}: ID's Progress Log holds the
-- entry "S: T", read back from the file.
function M.log_entry(a)
  local where = "Progress Log of task " .. a.id
  local p = ev.pending(where, "an entry " .. a.stamp .. ": " .. a.text)
  if p then return { p } end
  local t, err = ix.task_read(a.id)
  if not t then return { ev.observation(false, where, "an entry " .. a.stamp, err) } end
  where = "Progress Log of " .. t.path
  for i = #t.log, 1, -1 do
    local e = t.log[i]
    if e.stamp == a.stamp and trim(e.text) == trim(a.text) then
      return { ev.observation(true, where, "an entry " .. a.stamp .. ": " .. a.text,
        ("line %d: %s: %s"):format(e.line, e.stamp, trim(e.text))) }
    end
  end
  local last = t.log[#t.log]
  return { ev.observation(false, where, "an entry " .. a.stamp .. ": " .. a.text,
    last and ("last entry line %d: %s: %s"):format(last.line, last.stamp, trim(last.text)) or "no entries") }
end

-- section{heading = H, text = T}: the running task's "## H" section holds
-- exactly T, read back from the file.
function M.section(a)
  local where = "section " .. a.heading .. " of " .. ix.task().path
  local p = ev.pending(where, a.text)
  if p then return { p } end
  local t, err = ix.task_read()
  if not t then return { ev.observation(false, where, a.text, err) } end
  for _, s in ipairs(t.sections) do
    if s.level == 2 and s.heading:lower() == a.heading:lower() then
      return { ev.observation(s.text == a.text, where .. " (line " .. s.line .. ")", a.text, s.text) }
    end
  end
  return { ev.observation(false, where, a.text, "no such section") }
end

return M
