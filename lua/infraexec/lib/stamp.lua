-- stamp.lua - the RFC 3339 timestamps the Kubernetes API writes
-- ("2026-12-01T13:55:42Z", "...T13:55:42.123456+01:00") as seconds since
-- 1970 UTC, and how old they are by the real clock (ix.epoch).
local ix = require "infraexec"

local M = {}

-- Days from 1970-01-01 to Y-M-D (the proleptic Gregorian calendar).
local function days(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

-- TEXT as seconds since 1970 UTC, or nil when it is no such timestamp.
function M.epoch(text)
  if type(text) ~= "string" then return nil end
  local y, mo, d, h, mi, s, zone = text:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt ](%d%d):(%d%d):(%d%d)%.?%d*(.*)$")
  if not y then return nil end
  local off = 0
  if zone ~= "Z" and zone ~= "z" then
    local sign, zh, zm = zone:match("^([+-])(%d%d):(%d%d)$")
    if not sign then return nil end
    off = (tonumber(zh) * 3600 + tonumber(zm) * 60) * (sign == "-" and -1 or 1)
  end
  return days(tonumber(y), tonumber(mo), tonumber(d)) * 86400
    + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(s) - off
end

-- How many seconds ago TEXT was (negative: in the future, a clock ahead
-- of ours), or nil when it is no timestamp.
function M.age(text)
  local t = M.epoch(text)
  return t and ix.epoch() - t or nil
end

-- "20s", "4m10s", "3h5m", "2d3h" for SECONDS.
function M.ago(seconds)
  local n = math.floor(seconds)
  if n < 0 then return ("%ds in the future"):format(-n) end
  if n < 60 then return n .. "s" end
  if n < 3600 then return (("%dm%02ds"):format(n // 60, n % 60):gsub("m00s$", "m")) end
  if n < 86400 then return (("%dh%02dm"):format(n // 3600, n % 3600 // 60):gsub("h00m$", "h")) end
  return (("%dd%02dh"):format(n // 86400, n % 86400 // 3600):gsub("d00h$", "d"))
end

return M
