-- observe/http.lua - a URL's answer through infraexec's own HTTP client
-- (libcurl, TLS verified against the given CA), never curl -k.
local ix = require "infraexec"
local ev = require "infraexec.core.evidence"

local M = {}

-- Whether BODY holds V as a whole token: 0.1.1 is not in "0.1.18", nor
-- 0.1.18 in "0.1.18-rc1".
local function holds(body, v)
  local from = 1
  while true do
    local i, j = body:find(v, from, true)
    if not i then return false end
    local before, after = body:sub(i - 1, i - 1), body:sub(j + 1, j + 1)
    if not before:match("[%w.+_-]") and not after:match("[%w.+_-]") then return true end
    from = i + 1
  end
end

local function bare(v) return (tostring(v):gsub("^v", "")) end

-- Whether BODY states V as the current version, and what it states: a JSON
-- object's top-level "version" field when it has one (a "tags" list: V
-- among them), else the versions the body names, which must all be V
-- ("previous 0.1.18, now 0.1.17" does not say which is current: a person
-- reads it).
local function states(body, v)
  -- pcall: a body nested deeper than the binding reads raises (misuse rule), and is no version field.
  local _, doc = pcall(ix.json.decode, body)
  if type(doc) == "table" then
    for k, field in pairs(doc) do
      if type(k) == "string" and k:lower() == "version" and type(field) == "string" then
        return bare(field) == bare(v), "version field " .. field
      end
    end
    -- A registry's tag list (/v2/IMAGE/tags/list) states each tag it lists.
    if type(doc.tags) == "table" then
      for _, t in ipairs(doc.tags) do
        if type(t) == "string" and bare(t) == bare(v) then return true, "tag " .. t .. " listed" end
      end
      return false
    end
  end
  if not holds(body, v) then return false end
  local others, seen = {}, {}
  for w in body:gmatch("v?%d+%.%d+%.%d+[%w.+-]*") do
    w = w:gsub("[.+-]+$", "")
    if bare(w) ~= bare(v) and not seen[w] then seen[w] = true; others[#others + 1] = w end
  end
  if #others == 0 then return true end
  return false, ("needs a person: the body names %s besides %s, which is current is not read"):format(
    table.concat(others, ", "), v)
end

-- health{url = U [, status = N] [, contains = {V...}] [, ca = FILE] [, insecure = true]
-- [, no_redirects = true] [, what = W, ca_setting = KEY]}: U answers N, or any 2xx when no status is
-- given, with a body that states each V (a version the criterion names) as
-- the current one (states() above); W
-- and KEY name the server and its CA's setting in errors (default: "server", "ca_file").
function M.health(a)
  local contains = a.contains or {}
  local expected = (a.status and ("HTTP " .. a.status) or "HTTP 2xx")
    .. (#contains > 0 and (" with " .. table.concat(contains, ", ") .. " in the body") or "")
  local p = ev.pending(a.url, expected)
  if p then return { p } end
  local resp, err = ix.http{ url = a.url, ca = a.ca, insecure = a.insecure == true, timeout = 15,
                               no_redirects = a.no_redirects == true, what = a.what, ca_setting = a.ca_setting }
  if not resp then return { ev.observation(false, a.url, expected, err) } end
  local ok = a.status and resp.status == a.status or (not a.status and resp.status >= 200 and resp.status < 300)
  local seen = ("HTTP %d"):format(resp.status)
  -- Not followed (no_redirects): the answer is the redirect, and where it points.
  local to = resp.status >= 300 and resp.status < 400 and resp.headers and resp.headers.location
  if to then seen = seen .. " to " .. tostring(to) end
  if #contains > 0 then
    local raw = tostring(resp.body or "")
    local body = raw:gsub("%s+", " ")
    local why = {}
    for _, v in ipairs(contains) do
      local yes, what = states(raw, v)
      ok = ok and yes
      if what then why[#why + 1] = what end
    end
    seen = seen .. (#why > 0 and (" (" .. table.concat(why, "; ") .. ")") or "")
      .. ": " .. (#body > 200 and (body:sub(1, 200) .. "...") or body)
  end
  return { ev.observation(ok, a.url, expected, seen) }
end

return M
