/* luasandbox.h - the Lua environment handlers run in: an allow-list.
 *
 * Only the names listed in luasandbox.c exist (in the style of Redis's
 * libraries_allow_list): the base functions that cannot reach outside the
 * state, string (without dump), table, math, utf8 and coroutine.  No io, os,
 * debug or package.  `load` compiles text only, whatever mode the caller
 * asks; `loadfile` and `require` read only files under the directories given
 * here (the handler and Lua search paths, held in C); `setmetatable` refuses
 * a `__gc` field, because Lua runs finalizers with hooks off, so the
 * instruction limit and the cancel check could not stop one.  The exact list
 * is documented in docs/lua-api.md. */
#ifndef INFRAEXEC_LUASANDBOX_H
#define INFRAEXEC_LUASANDBOX_H

#include <lua.h>

/* Open the allowed libraries in L and remove everything else.  CODE_DIRS
 * (handler and Lua directories) bound loadfile; LUA_DIRS, in priority
 * order, are where require looks (NAME.lua, NAME/init.lua).  Both are
 * NULL-terminated and copied. */
void ix_luasandbox_open(lua_State *L, const char *const *code_dirs, const char *const *lua_dirs);

/* A message handler (also exported as infraexec.error_text): the error
 * object at index 1 as a string of at most IX_LUA_ERRTEXT_MAX bytes.  A
 * string stays as it is (cut at a UTF-8 boundary); any other value becomes
 * "file:line: error object is a T value" at the first Lua frame that raised
 * it, with its __tostring's text when that runs without error (it is
 * called protected, so a misbehaving one cannot escape). */
#define IX_LUA_ERRTEXT_MAX 4096
int ix_luasandbox_error_text(lua_State *L);

/* infraexec.where(f): "file:line" where the Lua function F is defined. */
int ix_luasandbox_where(lua_State *L);

#endif
