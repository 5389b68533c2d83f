-- mentions.lua - what a criterion's prose names, outside its code spans
-- and URLs: versions, and how many images it speaks of.  The rules read
-- these without loading readers.lua (the generic rule's inline commands);
-- readers gives the same functions.
--   prose(text)      the text without code spans and URLs
--   versions(text)   the versions the text names (outside code and URLs)
--   images_beyond(text, images)  why the text claims more images than IMAGES, or nil
local ix = require "infraexec"

local M = {}

-- The prose of TEXT: without code spans and URLs (an address such as
-- 127.0.0.1:5000 is no version, and the command is not the claim).
function M.prose(text)
  return (text:gsub("`[^`]*`", " "):gsub("%a[%w+.-]*://%S+", " "))
end

-- The versions TEXT names ("0.1.18", "v1.2.3"), outside code and URLs.
function M.versions(text)
  local out = {}
  for raw in M.prose(text):gmatch("%S+") do
    local w = raw:gsub("^[%(%[\"'*_]+", ""):gsub("[%)%]\"'*_.,;:!?]+$", "")
    if (w:match("^v?%d+%.%d+%.%d+[%w.+-]*$") or w:match("^v%d+%.%d+$")) and not w:match("^%d+%.%d+%.%d+%.%d+") then
      out[#out + 1] = w
    end
  end
  return out
end

local NUMBERS = { one = 1, two = 2, both = 2, three = 3, four = 4, five = 5, six = 6, seven = 7, eight = 8,
                  nine = 9, ten = 10, eleven = 11, twelve = 12 }

-- Why TEXT claims more images than IMAGES (the repositories a command
-- reads), as "needs a person: ...", or nil: a count its prose gives ("- all
-- 5 images", "both images") that is not theirs, or "all/every/each ...
-- images" while a configured image of their projects is not among them.
function M.images_beyond(text, images)
  local words = {}
  for w in M.prose(text):lower():gmatch("[%w_%-]+") do words[#words + 1] = w end
  local claimed
  for i, w in ipairs(words) do
    for back = 1, (w == "image" or w == "images") and 2 or 0 do
      local b = words[i - back] or ""
      claimed = claimed or tonumber(b) or NUMBERS[b] or ((b == "all" or b == "every" or b == "each") and "all" or nil)
    end
  end
  if not claimed then return nil end
  local read, missing = {}, {}
  for _, image in ipairs(images) do read[image] = true end
  for _, p in pairs(ix.config().projects or {}) do
    local list = type(p) == "table" and type(p.images) == "table" and p.images or {}
    local mine = false
    for _, image in ipairs(list) do mine = mine or read[image] == true end
    for _, image in ipairs(mine and list or {}) do
      if not read[image] then missing[#missing + 1] = image end
    end
  end
  table.sort(missing)
  if claimed ~= "all" and claimed ~= #images then
    return ("needs a person: the criterion speaks of %d images; the command reads %d (%s)"):format(
      claimed, #images, table.concat(images, ", "))
  end
  if claimed == "all" and #missing > 0 then
    return ("needs a person: the criterion speaks of all images; the command reads only %s (not %s)"):format(
      table.concat(images, ", "), table.concat(missing, ", "))
  end
  return nil
end

return M
