-- premake5.lua - the build, readable by Debian's premake4 and by premake5.
--
--   premake4 --file=premake5.lua gmake && make config=release   (or premake5 gmake)
--
-- Configurations: release (bin/infraexec), debug (bin/debug/), asan
-- (bin/asan/, AddressSanitizer + UBSan; the tests run against it).
-- premake4 lacks workspace/filter/symbols/optimize and recent premake5
-- drops configuration/flags{"Symbols"}, so the few calls that differ go
-- through the shims below.

local ws = workspace or solution
local function when(cfg)
  if filter then filter("configurations:" .. cfg) else configuration(cfg) end
end
local function always()
  if filter then filter {} else configuration "*" end
end
local function debug_symbols()
  if symbols then symbols "On" else flags { "Symbols" } end
end

local pkgs = "lua5.4 yaml-0.1 libcmark libgit2 libcurl jansson"
-- Named here rather than taken from pkg-config so they follow libixcore.a
-- on the link line (premake4 puts linkoptions before the libraries).
-- libgit2 and libcurl are not linked: src/sys/gitlib.c and src/sys/http.c dlopen them
-- on first use (src/base/dlib.c), so commands that need neither never load them.
local libs = { "ixcore", "lua5.4", "yaml", "cmark", "jansson", "m", "dl" }

ws "infraexec"
  configurations { "release", "debug", "asan" }
  language "C"
  location "build"
  includedirs { "include" }
  buildoptions { "-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror",
                 "$(shell pkg-config --cflags " .. pkgs .. ")" }

  when "release"
    buildoptions { "-O2" }
    defines { "NDEBUG" }
  when "debug"
    buildoptions { "-O0" }
    debug_symbols()
  when "asan"
    buildoptions { "-O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" }
    linkoptions { "-fsanitize=address,undefined" }
    debug_symbols()
  always()

local function outdirs()
  when "release"
    targetdir "bin"
    objdir "build/obj/release"
  when "debug"
    targetdir "bin/debug"
    objdir "build/obj/debug"
  when "asan"
    targetdir "bin/asan"
    objdir "build/obj/asan"
  always()
end

project "ixcore"
  kind "StaticLib"
  files { "src/**.c" }
  excludes { "src/cli/main.c" }
  outdirs()

project "infraexec"
  kind "ConsoleApp"
  files { "src/cli/main.c" }
  links(libs)
  outdirs()

-- One program per C unit test (tests/unit/test_*.c), run by prove.
for _, path in ipairs(os.matchfiles("tests/unit/test_*.c")) do
  local name = path:match("([^/]+)%.c$")
  project(name)
    kind "ConsoleApp"
    files { path }
    includedirs { "tests/unit" }
    links(libs)
    if name == "test_git" then
      links { "git2" } -- it sets a libgit2 option itself; dlopen finds the same copy
    end
    outdirs()
end

-- Test helpers: small programs the command-line tests drive.
for _, path in ipairs(os.matchfiles("tests/helpers/*.c")) do
  project(path:match("([^/]+)%.c$"))
    kind "ConsoleApp"
    files { path }
    outdirs()
end

-- `premake4 --file=premake5.lua install` (or premake5): tools/install.sh,
-- with PREFIX (default /usr/local) and DESTDIR taken from the environment.
local install_sh = path.getdirectory(_SCRIPT) .. "/tools/install.sh"
newaction {
  trigger = "install",
  description = "Install infraexec (tools/install.sh; honours PREFIX and DESTDIR)",
  execute = function ()
    local rc = os.execute("'" .. install_sh:gsub("'", "'\\''") .. "'")
    if rc ~= true and rc ~= 0 then
      error("tools/install.sh failed", 0)
    end
  end
}
