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
 * An entry is named after a hash of the chunk name ("@" and the path as
 * given: one entry per path, which an edit replaces); its header holds the
 * whole key, compared in full: the Lua release, number sizes and the
 * library file's identity (the bytecode format), infraexec's version, the
 * source's st_dev, st_ino, st_size, st_mtim and st_ctim (ns) as stat(2)
 * gives them for the path (links followed), and the chunk name; then the
 * length and a checksum of the bytecode.  That suffices: the bytecode is a
 * function of the source's bytes and the chunk name (the debug info's
 * "@PATH") alone, and the bytes are pinned by the file's identity and
 * times.  A different file at the path (replaced, renamed over, a symlink
 * or a directory on the way changed) is another st_dev/st_ino; an edit in
 * place changes the ctime, which cannot be set back (touch -d hides an edit
 * from the mtime only).  A file changed within the current second is
 * compiled but not stored (a later same-size write could carry the same
 * timestamps on a filesystem with coarse ones), nor is one that changed
 * while it was read, so a stored ctime is always older than any later
 * change.  The file's real path would add nothing: it identifies no bytes
 * that st_dev/st_ino do not.  A hit reads only the entry: the source is
 * stat'ed, not opened, when its mode lets the effective user read it
 * whatever groups the process is in (root; the owner with u+r; anyone with
 * g+r and o+r): the mode, owner and ACL are those the entry was stored
 * under, by the same user, since a change to them changes the ctime (an
 * ACL entry denying a group the process has joined since is the one case
 * this misses).  Otherwise it is opened, so that a file we may not read is
 * refused as without the cache.  Entries are written to a temp file in the
 * directory and renamed over.
 *
 * The cache is an optimisation: any problem (no usable directory, no entry,
 * a stale, truncated or corrupt one, a failed write) means the source is
 * compiled, exactly as luaL_loadfilex would, with no message.
 * INFRAEXEC_CACHE_DEBUG=1 prints one line per decision to stderr
 * ("infraexec: lua cache: hit PATH", "... miss PATH (why)", ...). */
#ifndef INFRAEXEC_LUACACHE_H
#define INFRAEXEC_LUACACHE_H

#include <lua.h>
#include <sys/stat.h>

/* Push a cache handle (a full userdata) onto L.  The directory is looked up
 * at the first load through it and held open until the handle is
 * collected. */
void ix_luacache_push(lua_State *L);

/* luaL_loadfilex(L, PATH, "t"), through the handle at index IDX (an upvalue
 * index works): the same status and the same chunk or error message on
 * top, from the cache when it holds PATH's current bytecode.  ST: PATH's
 * stat(2) the caller has just taken (the cache's key), or NULL: taken
 * here. */
int ix_luacache_loadfile(lua_State *L, int idx, const char *path, const struct stat *st);

#endif
