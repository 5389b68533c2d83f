-- strict.lua - undeclared globals are errors.
--
-- Handlers keep their state in locals; a typo such as `verison` would
-- otherwise read as nil and a rule would quietly do the wrong thing.
local mt = getmetatable(_G) or {}
setmetatable(_G, mt)

mt.__newindex = function(_, name)
  error("assignment to undeclared global '" .. tostring(name) .. "' (use local)", 2)
end

mt.__index = function(_, name)
  error("undeclared global '" .. tostring(name) .. "'", 2)
end
