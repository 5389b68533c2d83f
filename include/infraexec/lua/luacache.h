/* luacache.h - the bytecode cache for the Lua files infraexec loads.
 *
 * Compiling the installed Lua (handlers and lua/infraexec) costs more than
 * loading the same chunks as bytecode, so a file unchanged since it was last
 * compiled is loaded from its bytecode (lua_dump with debug info: error
 * messages and ix.where keep file:line, and the chunk name stays "@PATH").
 * Only C writes entries and only C loads them: the sandbox still refuses
 * binary chunks from Lua code (luasandbox.h).
 *
 * Where: $INFRAEXEC_CACHE_DIR, else $XDG_CACHE_HOME/infraexec/lua, else
 * $HOME/.cache/infraexec/lua (only absolute paths count; missing directories
 * are made 0700, for those two only inside a directory of the effective
 * user).  INFRAEXEC_CACHE_DIR=off or empty: no cache.  Lua's undump
 * does not verify bytecode, so the directory is used only when it is not a
 * symlink, is owned by the effective uid and is writable by nobody else; it
 * is opened once and every entry is opened beneath it with O_NOFOLLOW and
 * must be a regular file owned by the effective uid.
 *
 * An entry is named after a hash of the source's real path and the chunk
 * name (one entry per file: an edit replaces it); its header holds the whole
 * key, compared in full: the real path, the source's st_dev, st_ino, st_size,
 * st_mtim and st_ctim (ns; ctime cannot be set back, so an edit hidden by
 * touch -d is still seen), the Lua release, number sizes and the library
 * file's identity, infraexec's version and the chunk name; then the length
 * and a checksum of the bytecode.  A file changed within the current second
 * is compiled but not stored (a later same-size write could carry the same
 * timestamps on a filesystem with coarse ones), nor is one that changed while
 * it was read.  Entries are written to a temp file in the directory and
 * renamed over.
 *
 * The cache is an optimisation: any problem (no usable directory, no entry,
 * a stale, truncated or corrupt one, a failed write) means the source is
 * compiled, exactly as luaL_loadfilex would, with no message.
 * INFRAEXEC_CACHE_DEBUG=1 prints one line per decision to stderr
 * ("infraexec: lua cache: hit PATH", "... miss PATH (why)", ...). */
#ifndef INFRAEXEC_LUACACHE_H
#define INFRAEXEC_LUACACHE_H

#include <lua.h>

/* Push a cache handle (a full userdata) onto L.  The directory is looked up
 * at the first load through it and held open until the handle is
 * collected. */
void ix_luacache_push(lua_State *L);

/* luaL_loadfilex(L, PATH, "t"), through the handle at index IDX (an upvalue
 * index works): the same status and the same chunk or error message on
 * top, from the cache when it holds PATH's current bytecode. */
int ix_luacache_loadfile(lua_State *L, int idx, const char *path);

#endif
