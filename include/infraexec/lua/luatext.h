/* luatext.h - `ix.text`: a text's words and the phrases of a list found
 * in them (flat, opening, first_phrase, least_phrase; docs/lua-api.md),
 * the byte work of lib/classify.lua.  The lists and maps stay Lua tables:
 * each call reads their entries as they are then (a list as ipairs walks
 * it, a map as pairs does), so an entry replaced, added or removed counts
 * from the next call.  A wrong argument or an entry that is not a string
 * raises. */
#ifndef INFRAEXEC_LUATEXT_H
#define INFRAEXEC_LUATEXT_H

#include <lua.h>

/* Fills the table on top of the stack with those functions. */
void ix_luatext_open(lua_State *L);

#endif
