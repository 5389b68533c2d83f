-- diagnose.lua - what the seed agent looked at when something failed, as
-- small functions whose findings become the criterion's reason.  Extend a
-- table below to teach infraexec a new check; each returns a finding or nil.
local ix = require "infraexec"
local registry = require "infraexec.registry"
local shell = require "infraexec.lib.shell"

local M = {}

local function run_quiet(argv, cwd)
  return ix.run{ argv = argv, cwd = cwd, retries = 0, timeout = 20 }
end

M.build_checks = {
  function() -- is the builder usable?
    local r = run_quiet{ "buildah", "--version" }
    if not r.ok then return "the image builder (buildah) does not run: " .. shell.failure(r) end
  end,
  function(p) -- is there disk space?
    local r = run_quiet({ "df", "-Pk", "." }, p.path)
    local avail = r.ok and tonumber(r.output:match("\n%S+%s+%d+%s+%d+%s+(%d+)"))
    if avail and avail < 1024 * 1024 then
      return ("only %d MiB free on the build disk"):format(avail // 1024)
    end
  end,
  function(p) -- is there a Containerfile or Dockerfile?
    if #(ix.find(p.path, "Containerfile") or {}) + #(ix.find(p.path, "Dockerfile") or {}) == 0 then
      return "no Containerfile or Dockerfile under " .. p.path
    end
  end,
  function() -- does the registry answer?
    local resp, err = registry.request("/v2/")
    if not resp then return err end
  end,
}

M.push_checks = {
  function(p) -- does .env.build.local point at the configured registry?
    local env = ix.read_file(p.path .. "/.env.build.local")
    local url = env and env:match("REGISTRY_URL=([^\n]*)")
    if url and url ~= registry.address() then
      return ("%s/.env.build.local has REGISTRY_URL=%s, infraexec.yaml says %s"):format(
        p.path, url, registry.address())
    end
  end,
  function() -- certificate trusted and for this address? authentication?
    local resp, err = registry.request("/v2/")
    if not resp then return err end
    if resp.status == 401 then return "the registry wants authentication (401)" end
  end,
}

-- The findings of CHECKS for project P after failed result R, as one reason.
local function findings(what, checks, p, r)
  local out = { what .. " " .. shell.failure(r) }
  if (r.output or ""):lower():find("permission denied", 1, true) then
    out[#out + 1] = "permission denied: " .. (r.output:match("([^\n]*[Pp]ermission denied[^\n]*)") or "")
  end
  for _, check in ipairs(checks) do
    local finding = check(p, r)
    if finding then out[#out + 1] = finding end
  end
  return table.concat(out, "; ")
end

function M.build(p, r) return findings("build failed:", M.build_checks, p, r) end
function M.push(p, r) return findings("push failed:", M.push_checks, p, r) end

-- The line of a validator's output that names the file or resource.
function M.validation(r)
  local out = r.output or ""
  local line = out:match("([^\n]*[Ee]rror[^\n]*)") or out:match("([^\n]+)%s*$") or ""
  return "validation failed: " .. shell.failure(r):gsub(":.*", "") .. (line ~= "" and (": " .. line) or "")
end

return M
