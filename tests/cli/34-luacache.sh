#!/bin/bash
# The Lua bytecode cache (include/infraexec/lua/luacache.h): a second run
# loads the installed Lua and the workspace's handlers from it; an edit that
# keeps the size and the mtime is still seen (ctime); a truncated, corrupt,
# symlinked or foreign entry falls back to the source with the same output
# and is rewritten; a directory that is a symlink, group-writable or someone
# else's is not used; a failing write changes nothing; errors name the same
# file:line with the cache on and off; INFRAEXEC_CACHE_DIR=off (or empty)
# writes nothing.  INFRAEXEC_CACHE_DEBUG=1 shows each decision on stderr.
. "$(dirname "$0")/../lib.sh"

W=$T/ws
testing_label "$W"
H=$W/handlers/testing.lua
cat >"$H" <<'LUA'
local ix = require "infraexec"
local function here() end
return { rules = {
  { pattern = "^Say the version", run = function()
      return false, "version v1, defined at " .. ix.where(here)
    end },
  { pattern = "^Raise here", run = function() error("raised on purpose") end },
} }
LUA
task=$W/tasks/active/TASK-934.md
# (Criteria written by printf: not criterion texts for corpus scripts to grep.)
{
    printf -- '---\nid: TASK-934\ntitle: Cache\nlabels: [testing]\n---\n## Acceptance Criteria\n'
    printf -- '- [ ] %s\n' "Say the version" "Raise here" "Build the image"
} >"$task"
C=$T/cache
export INFRAEXEC_CACHE_DIR=$C
sleep 1.1 # a file changed within the current second is compiled, not stored

# run [-u NAME | NAME=VALUE...]: a dry run of the task with the decisions on stderr;
# $out the report, $err the rest, $notes the cache's lines.
run() {
    out=$(env "$@" INFRAEXEC_CACHE_DEBUG=1 "$IX_BIN" run "$task" --dry-run --json -q \
        2>"$T/.stderr") && rc=0 || rc=$?
    notes=$(grep '^infraexec: lua cache: ' "$T/.stderr")
    err=$(grep -v '^infraexec: lua cache: ' "$T/.stderr")
}
reasons() { jq -r '[.criteria[] | .reason // .state] | join(" | ")' <<<"$out"; }

run INFRAEXEC_CACHE_DIR=off
base_out=$out base_err=$err base_rc=$rc
like "$(reasons)" "version v1, defined at $H:2" "the handler ran (ix.where names file:line)"
like "$(reasons)" "$H:7: raised on purpose" "an error names the handler's file:line"
is "$notes" "infraexec: lua cache: off (INFRAEXEC_CACHE_DIR=off)" "off: the cache says so, once"
ok "off: no cache directory made" test ! -e "$C"

run
is "$out|$err|$rc" "$base_out|$base_err|$base_rc" "cold cache: the same report, stderr and exit code"
like "$notes" "wrote $H" "cold: the handler's entry is written"
like "$notes" "core/engine.lua" "cold: the installed engine's too"
unlike "$notes" "hit " "cold: nothing hits"
is "$(stat -c %a "$C")" 700 "the directory is made 0700"
entries=$(ls "$C" | grep -c '\.luac$')
is "$(grep -c '^infraexec: lua cache: wrote ' <<<"$notes")" "$entries" "one entry per file written"
is "$(find "$C" -name '*.luac' ! -perm 600 | wc -l)" 0 "entries are 0600"

run
is "$out|$err|$rc" "$base_out|$base_err|$base_rc" "warm cache: the same report, stderr and exit code"
like "$notes" "hit $H" "warm: the handler comes from the cache"
is "$(grep -c '^infraexec: lua cache: hit ' <<<"$notes")" "$entries" "warm: every file hits"
unlike "$notes" "miss" "warm: no miss"

# Same file, same size, mtime put back: only the ctime tells.
cp -p "$H" "$T/h.orig"
ino=$(stat -c %i "$H")
sed 's/version v1/version v2/' "$T/h.orig" >"$H"
touch -r "$T/h.orig" "$H"
is "$(stat -c '%i %s %y' "$H")" "$ino $(stat -c '%s %y' "$T/h.orig")" \
    "the edit keeps the inode, the size and the mtime (ns)"
run
like "$(reasons)" "version v2, defined at $H:2" "the edited handler runs"
like "$notes" "miss $H (stale)" "its entry is stale"
sleep 1.1
run
like "$notes" "wrote $H" "a second later the new version is stored"
run
like "$notes" "hit $H" "and then loaded from the cache"
like "$(reasons)" "version v2" "as the new version"
sed -i 's/version v2/version v1/' "$H"
sleep 1.1
run
base_out=$out

# An entry of the engine, damaged four ways.
EP=$(sed -n 's/^infraexec: lua cache: hit \(.*core\/engine\.lua\)$/\1/p' <<<"$notes")
like "$EP" "core/engine.lua" "the engine was loaded from the cache"
E=$(grep -l 'core/engine\.lua' "$C"/*.luac | head -1)
size=$(stat -c %s "$E")
truncate -s $((size / 2)) "$E"
run
is "$out|$err|$rc" "$base_out|$base_err|$base_rc" "truncated entry: the same result"
like "$notes" "miss $EP (corrupt entry)" "the truncated entry is refused"
like "$notes" "wrote $EP" "and rewritten"
is "$(stat -c %s "$E")" "$size" "to its full size"
byte=$(od -An -tu1 -j $((size - 100)) -N1 "$E" | tr -d ' ')
printf "\\$(printf %03o $(((byte + 1) % 256)))" | dd of="$E" bs=1 seek=$((size - 100)) conv=notrunc status=none
run
is "$out|$err|$rc" "$base_out|$base_err|$base_rc" "a changed byte in the bytecode: the same result"
like "$notes" "miss $EP (corrupt entry)" "the checksum catches it"
run
like "$notes" "hit $EP" "rewritten: it hits again"
unlike "$notes" "miss" "and nothing misses"
echo decoy >"$T/decoy"
rm "$E"
ln -s "$T/decoy" "$E"
run
is "$out|$err|$rc" "$base_out|$base_err|$base_rc" "an entry that is a symlink: the same result"
like "$notes" "miss $EP (Too many levels of symbolic links)" "the symlink is not followed"
ok "the entry is a file again" test ! -L "$E" -a -f "$E"
is "$(cat "$T/decoy")" decoy "the link's target untouched"
if [ "$(id -u)" = 0 ]; then
    chown nobody "$E"
    run
    like "$notes" "miss $EP (entry not a regular file of ours)" "an entry of another user is not used"
    is "$(stat -c %U "$E")" root "and is replaced by ours"
fi

# Directories not used.
mkdir -m 700 "$T/real"
ln -s "$T/real" "$T/link"
run INFRAEXEC_CACHE_DIR="$T/link"
is "$out|$err|$rc" "$base_out|$base_err|$base_rc" "a symlinked directory: the same result"
like "$notes" "not used: $T/link:" "a symlinked directory is not used"
is "$(ls -A "$T/real")" "" "nothing written through it"
run INFRAEXEC_CACHE_DIR="$T/link/"
like "$notes" "not used: $T/link:" "nor with a trailing slash"
is "$(ls -A "$T/real")" "" "nothing written through it either"
mkdir -m 770 "$T/gw"
run INFRAEXEC_CACHE_DIR="$T/gw"
like "$notes" "not used: $T/gw: writable by group or others" "a group-writable directory is not used"
is "$(ls -A "$T/gw")" "" "nothing written in it"
mkdir -m 707 "$T/ow"
run INFRAEXEC_CACHE_DIR="$T/ow"
like "$notes" "not used: $T/ow: writable by group or others" "an other-writable directory is not used"
if [ "$(id -u)" = 0 ]; then
    mkdir -m 700 "$T/nobody"
    chown nobody "$T/nobody"
    run INFRAEXEC_CACHE_DIR="$T/nobody"
    is "$out|$err|$rc" "$base_out|$base_err|$base_rc" "someone else's directory: the same result"
    like "$notes" "not used: $T/nobody: not owned by the effective user" "someone else's directory is not used"
    is "$(ls -A "$T/nobody")" "" "nothing written in it"
fi
cd "$T"
run INFRAEXEC_CACHE_DIR=relative/dir
cd - >/dev/null
like "$notes" "not used: relative/dir: not an absolute path" "a relative directory is not used"
ok "nothing made in the working directory" test ! -e "$T/relative"
run INFRAEXEC_CACHE_DIR=
is "$notes" "infraexec: lua cache: off (INFRAEXEC_CACHE_DIR=)" "an empty INFRAEXEC_CACHE_DIR is off"

# Writes that fail (a full disk: no byte may be written) change nothing.
mkdir -m 700 "$T/full"
# (RLIMIT_FSIZE covers stdout and stderr too when they are files: they
# go to cat through pipes.)
( (trap '' XFSZ; ulimit -f 0
    exec env INFRAEXEC_CACHE_DIR="$T/full" INFRAEXEC_CACHE_DEBUG=1 "$IX_BIN" run "$task" \
        --dry-run --json -q) 2>&1 >&3 | cat >"$T/.stderr"
    exit "${PIPESTATUS[0]}") 3>&1 | cat >"$T/.stdout"
rc=${PIPESTATUS[0]}
out=$(cat "$T/.stdout")
notes=$(grep '^infraexec: lua cache: ' "$T/.stderr")
err=$(grep -v '^infraexec: lua cache: ' "$T/.stderr")
is "$out|$err|$rc" "$base_out|$base_err|$base_rc" "failing writes: the same result"
like "$notes" "not stored $H (File too large)" "the write failed"
is "$(ls -A "$T/full")" "" "and left no temp file"
if [ "$(id -u)" != 0 ]; then
    chmod 500 "$T/full"
    run INFRAEXEC_CACHE_DIR="$T/full"
    is "$out|$err|$rc" "$base_out|$base_err|$base_rc" "a read-only directory: the same result"
fi

# The default places, and off making none of them.
mkdir -p "$T/home"
run -u INFRAEXEC_CACHE_DIR -u XDG_CACHE_HOME HOME="$T/home"
ok "HOME: entries in ~/.cache/infraexec/lua" test -n "$(ls "$T/home/.cache/infraexec/lua")"
is "$(stat -c %a "$T/home/.cache" "$T/home/.cache/infraexec")" "700
700" "the directories made are 0700"
run -u INFRAEXEC_CACHE_DIR XDG_CACHE_HOME="$T/xdg" HOME="$T/home2"
ok "XDG_CACHE_HOME: entries in it" test -n "$(ls "$T/xdg/infraexec/lua")"
ok "and none in HOME" test ! -e "$T/home2"
run -u INFRAEXEC_CACHE_DIR XDG_CACHE_HOME=relative HOME="$T/home4"
ok "a relative XDG_CACHE_HOME is ignored: HOME is used" test -n "$(ls "$T/home4/.cache/infraexec/lua")"
if [ "$(id -u)" = 0 ]; then
    mkdir -m 755 "$T/theirs"
    chown nobody "$T/theirs"
    run -u INFRAEXEC_CACHE_DIR -u XDG_CACHE_HOME HOME="$T/theirs"
    is "$out|$err|$rc" "$base_out|$base_err|$base_rc" "a HOME of another user (sudo -E): the same result"
    like "$notes" "not used: $T/theirs/.cache/infraexec/lua: the nearest existing directory above it is not the effective user's" \
        "no cache"
    is "$(ls -A "$T/theirs")" "" "and no directory made in that home"
fi
run INFRAEXEC_CACHE_DIR=off XDG_CACHE_HOME="$T/xdg3" HOME="$T/home3"
ok "off: nothing in XDG_CACHE_HOME" test ! -e "$T/xdg3"
ok "off: nothing in HOME" test ! -e "$T/home3"

# A syntax error reads the same with the cache on and off.
cp "$H" "$T/h.good"
printf 'local ix = require "infraexec"\nreturn { rules = {} }\nx = = 1\n' >"$H"
sleep 1.1
run INFRAEXEC_CACHE_DIR=off
off_err=$err off_rc=$rc
like "$off_err" "$H:3: <eof> expected near 'x'" "a syntax error names file:line"
run
is "$err|$rc" "$off_err|$off_rc" "the same message and exit code with the cache on"
like "$notes" "miss $H (stale)" "the cache had the file's older version"
unlike "$notes" "wrote $H" "a chunk that does not compile is not stored"

# Files luaL_loadfilex treats specially (a BOM, a first line "#...", a
# binary chunk, empty, a directory, missing) and a plain one raising at a
# line: loadfile gives the same chunk or message with the cache on, warm.
F=$W/handlers/files
mkdir -p "$F/dir.lua"
printf '\357\273\277return "bom"\n' >"$F/bom.lua"
printf '#!/usr/bin/lua\nlocal x = 1\nerror("line 3")\n' >"$F/hash.lua"
printf '\033Lua fake\n' >"$F/bin.lua"
: >"$F/empty.lua"
printf 'local t = {}\n\nreturn t.x.y\n' >"$F/plain.lua"
cat >"$H" <<LUA
local ix = require "infraexec"
local function try(name)
  local f, e = loadfile("$F/" .. name .. ".lua")
  if not f then return "load: " .. e end
  local ok, r = pcall(f)
  return "ran: " .. tostring(ok) .. " " .. tostring(r) .. " at " .. ix.where(f)
end
return { rules = {
  { pattern = "^Say the version", run = function()
      local out = {}
      for _, n in ipairs { "bom", "hash", "bin", "empty", "plain", "dir", "missing" } do
        out[#out + 1] = try(n)
      end
      return false, table.concat(out, " / ")
    end },
} }
LUA
sleep 1.1
run INFRAEXEC_CACHE_DIR=off
off_out=$out
like "$(reasons)" "ran: false $F/hash.lua:3: line 3" "a '#' first line keeps the line numbers"
like "$(reasons)" "load: attempt to load a binary chunk (mode is 't') / ran: true nil" \
    "a binary chunk is refused"
like "$(reasons)" "ran: false $F/plain.lua:3: attempt to index a nil value (field 'x')" \
    "a plain file raises at its line"
run
run
is "$out" "$off_out" "with the cache warm, every chunk and message is the same"
like "$notes" "hit $F/plain.lua" "the plain file came from the cache"
like "$notes" "hit $F/empty.lua" "the empty one too"
unlike "$notes" "wrote $F/hash.lua" "the '#' one is left to luaL_loadfilex, never stored"
unlike "$notes" "wrote $F/bom.lua" "so is the BOM one"
unlike "$notes" "wrote $F/bin.lua" "and the binary one"

# Lua code still cannot load the cache's bytes as a binary chunk: with the
# cache among the handlers, loadfile reads an entry as text.
run INFRAEXEC_CACHE_DIR="$W/handlers/cache"
E=$(grep -l 'core/engine\.lua' "$W"/handlers/cache/*.luac | head -1)
sed "s|^  { pattern = \"^Raise here\".*|  { pattern = \"^Raise here\", run = function() return false, select(2, loadfile(\"$E\")) end },|" \
    "$T/h.good" >"$H"
sleep 1.1
run INFRAEXEC_CACHE_DIR="$W/handlers/cache"
like "$(reasons)" "$E:1: syntax error" "loadfile of an entry compiles it as text (and fails)"


# The key is the file as stat(2) sees it through the path as given, not its
# real path: a file renamed over the source with the same size and mtime,
# or a symlinked handler directory pointed elsewhere, is another inode, so
# the entry is stale, never served.
W2=$T/ws2
testing_label "$W2"
mv "$W2/handlers" "$T/hA"
ln -s "$T/hA" "$W2/handlers"
mkdir "$T/hB"
cp "$T/hA/types.lua" "$T/hB/"
version_handler() {
    printf 'return { rules = { { pattern = "^Say the version", run = function() return false, "version %s" end } } }\n' "$1"
}
version_handler v1 >"$T/hA/testing.lua"
version_handler v2 >"$T/hA/.v2"
version_handler v3 >"$T/hB/testing.lua"
touch -r "$T/hA/testing.lua" "$T/hA/.v2" "$T/hB/testing.lua"
H2=$W2/handlers/testing.lua
task=$W2/tasks/active/TASK-935.md
printf -- '---\nid: TASK-935\ntitle: Cache\nlabels: [testing]\n---\n## Acceptance Criteria\n- [ ] %s\n' \
    "Say the version" >"$task"
sleep 1.1
run
run
like "$notes" "hit $H2" "a handler in a symlinked directory comes from the cache"
is "$(reasons)" "version v1" "and runs"
is "$(stat -c '%s %y' "$T/hA/.v2")" "$(stat -c '%s %y' "$T/hA/testing.lua")" \
    "the replacement has the same size and mtime"
mv "$T/hA/.v2" "$T/hA/testing.lua"
run
is "$(reasons)" "version v2" "a file renamed over the handler: the new one runs"
like "$notes" "miss $H2 (stale)" "the old entry is stale"
ln -sfn "$T/hB" "$W2/handlers"
run
is "$(reasons)" "version v3" "the directory link pointed elsewhere: that directory's file runs"
like "$notes" "miss $H2 (stale)" "the entry for the path is stale"
like "$notes" "wrote $H2" "and replaced"
run
like "$notes" "hit $H2" "then it hits"
is "$(reasons)" "version v3" "with the file the link points to now"

done_testing
