-- The sandbox's allow-list as docs/lua-api.md documents it: every global,
-- every function of string, table, utf8, coroutine and math, and every
-- primitive of the infraexec module is there, and nothing else is.  The
-- expected names are read from the page, so code and documentation cannot
-- drift apart (a new primitive needs its "### `ix.NAME(...)`" section).
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

-- the infraexec module: a function for every "### `ix.NAME" section, and ix.null
local prims = {}
for line in doc:gmatch("[^\n]+") do
  if line:match("^### ") then
    for name in line:gmatch("`ix%.([%w_]+)") do prims[#prims + 1] = name end
  end
end
prims[#prims + 1] = "null"
t.is(keys(ix), set(prims), "the infraexec module has exactly the documented primitives")
local funcs = true
for k, v in pairs(ix) do funcs = funcs and (type(v) == "function" or k == "null") end
t.ok(funcs, "every primitive is a function")
t.is(type(ix.null), "userdata", "ix.null is a light userdata, equal only to itself")
