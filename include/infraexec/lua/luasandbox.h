/* luasandbox.h - the Lua environment handlers run in: an allow-list.
 *
 * Only the names listed in luasandbox.c exist (in the style of Redis's
 * libraries_allow_list): the base functions that cannot reach outside the
 * state, string (without dump), table, math, utf8 and coroutine.  No io, os,
 * debug or package.  `load` compiles text only, whatever mode the caller
 * asks; `loadfile` and `require` read only files under the directories given
 * here (the handler and Lua search paths, held in C), through the bytecode
 * cache of luacache.h (which C alone reads); `setmetatable` refuses
 * a `__gc` field, because Lua runs finalizers with hooks off, so the
 * CPU limit and the cancel check could not stop one.  The exact list
 * is documented in docs/lua-api.md. */
#ifndef INFRAEXEC_LUASANDBOX_H
#define INFRAEXEC_LUASANDBOX_H

#include <lua.h>

/* What the sandbox's protected calls consult.  Once STOPPING is set (by
 * the count hook, as it raises for the CPU limit, the
 * deadline or an interrupt), an error reaching pcall, xpcall,
 * coroutine.resume, coroutine.close or load is raised again instead of
 * returned, unless fewer than CATCHABLE protected calls are still running
 * around it.  So a handler cannot catch the stop and loop on, while the
 * engine's own xpcall around a rule (CATCHABLE 1 during a dispatch) still
 * makes it that rule's reason. */
typedef struct ix_lua_stop {
    int stopping;
    int depth;      /* sandbox protected calls running now */
    int catchable;
} ix_lua_stop;

/* Open the allowed libraries in L and remove everything else.  CODE_DIRS
 * (handler and Lua directories) bound loadfile; LUA_DIRS, in priority
 * order, are where require looks (NAME.lua, NAME/init.lua).  Both are
 * NULL-terminated and copied; STOP must outlive L. */
void ix_luasandbox_open(lua_State *L, ix_lua_stop *stop, const char *const *code_dirs,
                        const char *const *lua_dirs);

/* A message handler (also exported as infraexec.error_text): the error
 * object at index 1 as a string of at most IX_LUA_ERRTEXT_MAX bytes.  A
 * string stays as it is (cut at a UTF-8 boundary); any other value becomes
 * "file:line: error object is a T value" (a number its digits) at the first
 * Lua frame that raised it.  No __tostring is called: one that fails,
 * loops or catches the stop below could otherwise escape or hang here. */
#define IX_LUA_ERRTEXT_MAX 4096
int ix_luasandbox_error_text(lua_State *L);

/* infraexec.where(f): "file:line" where the Lua function F is defined. */
int ix_luasandbox_where(lua_State *L);

#endif
