/* luajson.h - `ix.json`: JSON text as Lua values (decode; docs/lua-api.md)
 * and Lua values as JSON for the C side (the engine's results).  JSON null
 * is `ix.null`, a light userdata equal only to itself. */
#ifndef INFRAEXEC_LUAJSON_H
#define INFRAEXEC_LUAJSON_H

#include <jansson.h>
#include <lua.h>

/* Fills the table on top of the stack with decode; makes the null value. */
void ix_luajson_open(lua_State *L);
/* Push ix.null (after ix_luajson_open). */
void ix_luajson_push_null(lua_State *L);

/* The Lua value at IDX as JSON: sequences become arrays, other tables
 * objects (string keys only), functions and userdata null. */
json_t *ix_luajson_to_json(lua_State *L, int idx, int depth);

#endif
