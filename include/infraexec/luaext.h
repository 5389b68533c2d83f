/* luaext.h - the data primitives of the `infraexec` Lua module: YAML
 * editing, JSON decoding, tree search, HTTP and git.  luahost.c owns the
 * state and the process and file primitives; this file adds the rest to the
 * module table on top of the stack.  Documented in docs/lua-api.md. */
#ifndef INFRAEXEC_LUAEXT_H
#define INFRAEXEC_LUAEXT_H

#include <jansson.h>
#include <lua.h>

void ix_luaext_register(lua_State *L);

/* Raise an error unless the arguments are git_commit's (dir, non-empty
 * list of path strings, message); returns the number of paths.  Shared
 * with the dry-run stand-in. */
lua_Integer ix_luaext_check_commit(lua_State *L);

/* The Lua value at IDX as JSON: sequences become arrays, other tables
 * objects (string keys only), functions and userdata null. */
json_t *ix_luaext_to_json(lua_State *L, int idx, int depth);

#endif
