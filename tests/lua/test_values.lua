-- values.lua: a value taken from task text keeps its exact spelling when
-- its shape is right, and is refused with a reason naming it otherwise.
local values = require "infraexec.lib.values"
local t = ...

local cases = {
  version = {
    good = { "0.1.18", "1.2.3-rc.1", "v2.0.2", "1.0.0+build.5", "417e41b", ("a"):rep(40) },
    bad = { "0.1", "1.2.3;touch /tmp/x", "1.2.3 4", "v1.2.3$(id)", "417e41", ("a"):rep(41), "latest", "" },
  },
  ip = {
    good = { "192.168.7.21", "0.0.0.0", "255.255.255.255", "127.0.0.1" },
    bad = { "256.1.1.1", "1.2.3", "01.2.3.4", "1.2.3.4.5", "1.2.3.4 ", "a.b.c.d", "" },
  },
  address = {
    good = { "127.0.0.1:5000", "registry.local:443", "my-host:1", "h:65535" },
    bad = { "127.0.0.1", "h:0", "h:65536", "h:80/x", "h:80;id", "[::1]:5000", ":5000", "" },
  },
  name = {
    good = { "ffl", "FFL", "midwest-mtg", "a_b", "x1" },
    bad = { "-x", "_x", "a b", "a/b", "a;b", "a.b", "" },
  },
}
for _, kind in ipairs{ "version", "ip", "address", "name" } do
  for _, v in ipairs(cases[kind].good) do
    local got, why = values[kind](v)
    t.ok(got == v and why == nil, ("%s: %q accepted as written"):format(kind, v), tostring(why))
  end
  for _, v in ipairs(cases[kind].bad) do
    local got, why = values[kind](v)
    t.ok(got == nil and type(why) == "string" and why:find(("%q"):format(v), 1, true) == 1,
      ("%s: %q refused, the reason naming it"):format(kind, v), tostring(why))
  end
end
local _, why = values.version("0.1")
t.is(why, '"0.1" is not a valid version (expected MAJOR.MINOR.PATCH or a commit id)', "the reason says what was expected")
_, why = values.ip("1.2.3.4\n")
t.is(why, '"1.2.3.4\\\n" is not a valid IP address (expected a.b.c.d)', "a newline is shown quoted, not raw")
