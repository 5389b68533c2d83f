-- handlers.lua - handler files on the search path, merged by name.
--
-- Every NAME.lua on the path counts: the farthest (the installed one) first,
-- then each nearer file adds its rules ahead of them (so a nearer rule wins
-- a tie) and changes farther rules only through its `override` table,
-- premake.override style:
--
--   override = { ["RULE NAME"] = function(base) return { ...a rule... } end,
--                ["OTHER NAME"] = false }       -- takes that rule out
--
-- The function gets the farther rule and returns the rule that takes its
-- place (it may call base.run).  A rule's name is its `name`, else its
-- description.  A nearer rule in `rules` with the name of a farther rule is
-- an error naming both files: a copy of an installed file, or an accident;
-- either way nothing is replaced silently.  types.lua files merge the same
-- way, by label (M.types).
local ix = require "infraexec"
local wording = require "infraexec.lib.wording"

local M = {}

-- What an error about a rule names: WHERE, or "WHERE: rule I" when I is
-- given (made only for an error: most rules are sound).
local function named(where, i) return i and (where .. ": rule " .. i) or where end

local function check_rule(where, rule, i)
  if type(rule) ~= "table" then error(named(where, i) .. " is not a table", 0) end
  if type(rule.pattern) ~= "string" and type(rule.match) ~= "function" and rule.wording == nil then
    error(named(where, i) .. " needs a wording (template or list), a pattern (string) or a match (function)", 0)
  end
  if rule.wording ~= nil then
    local ok, err = pcall(wording.check, rule.wording)
    if not ok then error(named(where, i) .. ": " .. tostring(err), 0) end
  end
  if type(rule.run) ~= "function" then error(named(where, i) .. " has no run function", 0) end
  if rule.description ~= nil and type(rule.description) ~= "string" then
    error(named(where, i) .. ": description must be a string", 0)
  end
  if rule.name ~= nil and (type(rule.name) ~= "string" or rule.name == "") then
    error(named(where, i) .. ": name must be a non-empty string", 0)
  end
  if rule.kind ~= nil and rule.kind ~= "action" and rule.kind ~= "assertion" then
    error(named(where, i) .. ": kind must be \"action\" or \"assertion\"", 0)
  end
end

-- A rule's name (what an override names), or nil.
function M.rule_name(rule)
  return rule.name or rule.description
end

-- One handler file: its table, rules checked.
function M.load_file(path, name)
  local chunk, err = loadfile(path, "t")
  if not chunk then error(err, 0) end
  local h = chunk()
  if type(h) ~= "table" or type(h.rules) ~= "table" then
    error(path .. ": a handler must return a table with a rules list", 0)
  end
  for i, rule in ipairs(h.rules) do check_rule(path, rule, i) end
  if h.override ~= nil and type(h.override) ~= "table" then
    error(path .. ": override must map rule names to functions (or false)", 0)
  end
  for key, fn in pairs(h.override or {}) do
    if type(key) ~= "string" or (fn ~= false and type(fn) ~= "function") then
      error(("%s: override %s must map a rule name to function(base) or false"):format(path, tostring(key)), 0)
    end
  end
  h.name = h.name or name
  h.path = path
  return h
end

-- Whether PATH is a file not SEEN yet (by its real path: one directory
-- reached twice, as --handlers and as the workspace's, is one file, not
-- two whose rules collide).
local function new_file(path, seen)
  local what, _, real = ix.exists(path)
  if what ~= "file" or seen[real or path] then return false end
  seen[real or path] = true
  return true
end

-- Every handler file on the path, by name: files[NAME] = { paths = {...} },
-- nearest first; ORDER is the names, sorted.
function M.files(dirs)
  local files, order, seen = {}, {}, {} -- seen[NAME][real path]
  for _, dir in ipairs(dirs) do
    for _, entry in ipairs(ix.list_dir(dir) or {}) do
      local base = entry:match("^(.+)%.lua$")
      if base then seen[base] = seen[base] or {} end
      if base and new_file(dir .. "/" .. entry, seen[base]) then
        if not files[base] then
          files[base] = { paths = {} }
          order[#order + 1] = base
        end
        table.insert(files[base].paths, dir .. "/" .. entry)
      end
    end
  end
  table.sort(order)
  return files, order
end

-- The NAME.lua files on DIRS, nearest first.
local function paths_of(dirs, name)
  local paths, seen = {}, {}
  for _, dir in ipairs(dirs) do
    local path = dir .. "/" .. name .. ".lua"
    if new_file(path, seen) then paths[#paths + 1] = path end
  end
  return paths
end

-- The position of the rule named NAME in H, and how many rules have it.
local function index_of(h, name)
  local at, n = nil, 0
  for j, rule in ipairs(h.rules) do
    if M.rule_name(rule) == name then at, n = at or j, n + 1 end
  end
  return at, n
end

-- PATHS (nearest first) merged into one handler: { name, path (the
-- nearest), files (nearest first), description, rules (in the order they
-- are tried), from[rule] (its file), where[rule] ("FILE: rule I" or
-- "FILE: override NAME"), readonly[rule] (its file's readonly flag) }.
function M.merge(paths, name)
  local h = { name = name, files = {}, rules = {}, from = {}, where = {}, readonly = {} }
  for i = #paths, 1, -1 do
    local f = M.load_file(paths[i], name)
    h.name, h.path = f.name, f.path
    h.description = f.description or h.description
    table.insert(h.files, 1, f.path)
    local keys = {}
    for key in pairs(f.override or {}) do keys[#keys + 1] = key end
    table.sort(keys)
    if #keys > 0 and i == #paths then
      error(("%s: override %q: no farther %s.lua on the handler path to override"):format(f.path, keys[1], name), 0)
    end
    for _, key in ipairs(keys) do
      local fn = f.override[key]
      local j, n = index_of(h, key)
      if n > 1 then
        error(("%s: override %q: %d rules of %s have that name; give them distinct names"):format(
          f.path, key, n, table.concat(h.files, ", ", 2)), 0)
      end
      if not j then
        local known = {}
        for _, rule in ipairs(h.rules) do known[#known + 1] = ("%q"):format(M.rule_name(rule) or "?") end
        error(("%s: override %q: no rule of that name in %s (its rules: %s)"):format(
          f.path, key, table.concat(h.files, ", ", 2), table.concat(known, ", ")), 0)
      end
      if fn == false then
        table.remove(h.rules, j)
      else
        local where = f.path .. ": override " .. ("%q"):format(key)
        local base = h.rules[j]
        local rule = fn(base)
        check_rule(where, rule)
        if rule.name ~= nil and rule.name ~= key then
          error(where .. ": the rule it returns must keep the name (or leave name out)", 0)
        end
        rule.name = key
        h.rules[j], h.from[rule], h.where[rule], h.readonly[rule] = rule, f.path, where, f.readonly == true
      end
    end
    local added = {}
    for k, rule in ipairs(f.rules) do
      local rname = M.rule_name(rule)
      local j = rname and index_of(h, rname)
      if j then
        local other = h.rules[j]
        error(("%s: rule %d (%q) has the name of %s: rename it, or replace that rule through override"):format(
          f.path, k, rname, h.where[other]), 0)
      end
      added[#added + 1] = rule
      h.from[rule], h.where[rule], h.readonly[rule] = f.path, f.path .. ": rule " .. k, f.readonly == true
    end
    table.move(h.rules, 1, #h.rules, #added + 1, added)
    h.rules = added
  end
  return h
end

-- The handler NAME: every NAME.lua on DIRS, merged.
function M.load(dirs, name)
  local paths = paths_of(dirs, name)
  if #paths == 0 then
    error("handler '" .. name .. "' not found on the handler path: " .. table.concat(dirs, ":"), 0)
  end
  return M.merge(paths, name)
end

-- A list of handler names, or nil.
local function names(v)
  if type(v) == "string" then return { v } end
  if type(v) ~= "table" then return nil end
  for k, n in pairs(v) do
    if math.type(k) ~= "integer" or type(n) ~= "string" then return nil end
  end
  return v
end

-- Every types.lua on the path, merged: the nearer file (earlier on the path)
-- adds labels and overrides a label's handlers (`false` removes the label),
-- adds names to `always` (after the farther files' names), and takes names
-- out of it with `not_always`.  So a workspace file adding one label keeps
-- the installed `always` list (verify, generic).  No file naming `always`
-- means { "generic" }.
function M.types(dirs)
  local found = paths_of(dirs, "types")
  if #found == 0 then M.load(dirs, "types") end -- raises "not found", naming the path
  local labels, always, any_always = {}, {}, false
  for i = #found, 1, -1 do
    local t = M.load_file(found[i], "types")
    local function list(key)
      local v = t[key] == nil and {} or names(t[key])
      if type(t[key]) == "string" or not v then error(t.path .. ": " .. key .. " must be a list of handler names", 0) end
      return v
    end
    if t.labels ~= nil and type(t.labels) ~= "table" then error(t.path .. ": labels must be a table", 0) end
    for label, v in pairs(t.labels or {}) do
      if v ~= false and not names(v) then
        error(t.path .. ": labels." .. tostring(label) .. " must be a handler name, a list of them, or false", 0)
      end
      labels[label] = names(v)
    end
    local drop = {}
    for _, n in ipairs(list("not_always")) do drop[n] = true end
    local kept = {}
    for _, n in ipairs(always) do
      if not drop[n] then kept[#kept + 1] = n end
    end
    always = kept
    for _, n in ipairs(list("always")) do
      local has = false
      for _, m in ipairs(always) do has = has or m == n end
      if not has then always[#always + 1] = n end
    end
    any_always = any_always or t.always ~= nil
  end
  if not any_always then always = { "generic" } end
  return { labels = labels, always = always }
end

return M
