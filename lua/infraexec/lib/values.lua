-- values.lua - values taken from task text are checked before they reach a
-- command.  They travel as argv elements or environment variables, never
-- spliced into a shell line; checking their shape as well means a criterion
-- such as "version 0.1.18;touch /tmp/pwned" is refused with a reason.
local M = {}

local function refuse(kind, value, shape)
  return nil, ("%q is not a valid %s (expected %s)"):format(value, kind, shape)
end

-- 0.1.18, 1.2.3-rc.1, v2.0.2, or a commit id such as 417e41b.
function M.version(v)
  if v:match("^v?%d+%.%d+%.%d+[%w%.%-+]*$") and not v:match("[^%w%.%-+]") then return v end
  if v:match("^%x%x%x%x%x%x%x+$") and #v <= 40 then return v end
  return refuse("version", v, "MAJOR.MINOR.PATCH or a commit id")
end

-- An IPv4 address, each part 0-255.
function M.ip(v)
  local parts = { v:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$") }
  if #parts ~= 4 then return refuse("IP address", v, "a.b.c.d") end
  for _, p in ipairs(parts) do
    if tonumber(p) > 255 or (#p > 1 and p:sub(1, 1) == "0") then
      return refuse("IP address", v, "a.b.c.d")
    end
  end
  return v
end

-- host:port with an IPv4 host or a DNS name.
function M.address(v)
  local host, port = v:match("^([%w%.%-]+):(%d+)$")
  if not host or tonumber(port) < 1 or tonumber(port) > 65535 then
    return refuse("registry address", v, "host:port")
  end
  return v
end

-- A project or app name as written in a criterion ("FFL", "midwestmtg").
function M.name(v)
  if v:match("^[%w][%w_%-]*$") then return v end
  return refuse("name", v, "letters, digits, '-' and '_'")
end

return M
