-- The sandbox's allow-list as docs/lua-api.md documents it: every global,
-- every function of string, table, utf8, coroutine and math, every family
-- and primitive of the infraexec module and every flat alias is there, and
-- nothing else is.  The
-- expected names are read from the page, so code and documentation cannot
-- drift apart (a new primitive needs its "### `ix.FAMILY.NAME(...)`" or
-- "### `ix.NAME(...)`" section, a new flat alias its row in the migration
-- table).
local ix = require "infraexec"
local t, root = ...

local doc = assert(ix.read_file(root .. "/docs/lua-api.md"))

local function keys(tbl)
  local names = {}
  for k in pairs(tbl) do names[#names + 1] = tostring(k) end
  table.sort(names)
  return table.concat(names, " ")
end
local function set(list)
  local seen, names = {}, {}
  for _, v in ipairs(list) do
    if not seen[v] then seen[v] = true; names[#names + 1] = v end
  end
  table.sort(names)
  return table.concat(names, " ")
end

-- The rows of the allow-list table: "| name | what is there |".
local allow = doc:match("%*%*An allow%-list, nothing else%*%*(.-)\n%s*Not there:")
t.ok(allow ~= nil, "the page has the allow-list")
local globals, libs = {}, {}
for line in (allow or ""):gmatch("[^\n]+") do
  local first, rest = line:match("^%s*| ([^|]+) | (.+) |$")
  if first then
    local lib = first:match("^`([%a%d]+)`$")
    if first == "base" then
      for name in rest:gmatch("`([%w_]+)`") do globals[#globals + 1] = name end
    elseif lib then
      globals[#globals + 1] = lib
      local words = rest:match("^`([^`]+)`")
      if words then
        libs[lib] = {}
        for w in words:gmatch("%S+") do libs[lib][#libs[lib] + 1] = w end
      end
    elseif first:match("^`([%a_]+)%(") then
      globals[#globals + 1] = first:match("^`([%a_]+)%(")
    end
  end
end
t.ok(#globals > 20, "the page lists the allowed globals (" .. #globals .. ")")
t.is(keys(_G), set(globals), "the globals are exactly the page's allow-list")
for _, lib in ipairs{ "string", "table", "utf8", "coroutine" } do
  t.ok(libs[lib] ~= nil, "the page lists " .. lib .. "'s functions")
  t.is(keys(_G[lib]), set(libs[lib] or {}), lib .. " has exactly the page's functions")
end
-- math: "every function and constant of Lua 5.4's math"
t.is(keys(math), "abs acos asin atan ceil cos deg exp floor fmod huge log max maxinteger min mininteger modf pi rad random randomseed sin sqrt tan tointeger type ult",
  "math has Lua 5.4's functions and constants")
t.is(getmetatable("").__index, string, "strings index the reduced string table (no (''):dump())")

-- the infraexec module: a family table for every "### `ix.FAMILY.NAME"
-- section holding exactly those functions, a function for every other
-- "### `ix.NAME" section, and ix.null; nothing else
local top, fams = {}, {}
for line in doc:gmatch("[^\n]+") do
  if line:match("^### ") then
    for name in line:gmatch("`ix%.([%w_%.]+)") do
      local fam, fn = name:match("^([%w_]+)%.([%w_]+)$")
      if fam then
        fams[fam] = fams[fam] or {}
        table.insert(fams[fam], fn)
      end
      top[#top + 1] = fam or name
    end
  end
end
top[#top + 1] = "null"
t.is(keys(ix), set(top), "the infraexec module has exactly the documented families and helpers")
local funcs = true
for k, v in pairs(ix) do funcs = funcs and (type(v) == "function" or fams[k] ~= nil or k == "null") end
t.ok(funcs, "every helper is a function")
t.is(type(ix.null), "userdata", "ix.null is a light userdata, equal only to itself")
local nfam = 0
for fam, names in pairs(fams) do
  nfam = nfam + 1
  t.is(type(ix[fam]), "table", "ix." .. fam .. " is a table")
  t.is(keys(ix[fam] or {}), set(names), "ix." .. fam .. " has exactly the documented primitives")
  local all = true
  for _, f in pairs(ix[fam] or {}) do all = all and type(f) == "function" end
  t.ok(all, "every primitive of ix." .. fam .. " is a function")
end
t.is(nfam, 9, "the page documents nine families")
t.is(ix.task(), ix.task.current(), "ix.task() is ix.task.current()")
t.is(getmetatable(ix.http).__call ~= nil, true, "ix.http is callable (ix.http{...})")

-- the flat names of the migration table: each the same function as its new
-- name, found through the metatable only, and no other alias exists
local table_text = doc:match("\n## Migrating from the flat names\n(.-)\n## ") or ""
local olds, same, hidden = {}, true, true
for old, fam, fn in table_text:gmatch("\n| `ix%.([%w_]+)` | `ix%.([%w_]+)%.([%w_]+)` |") do
  olds[#olds + 1] = old
  same = same and ix[old] ~= nil and ix[old] == (ix[fam] or {})[fn]
  hidden = hidden and rawget(ix, old) == nil
end
t.ok(#olds >= 20, "the page's migration table lists the flat names (" .. #olds .. ")")
t.ok(same, "every flat name is its family's function (ix.read_file == ix.fs.read)")
t.ok(hidden, "no flat name is a field of the module (pairs(ix) shows families and helpers)")
t.is(keys(getmetatable(ix).__index), set(olds), "the aliases are exactly the migration table's")
