/* luahttp.h - `ix.http`: one HTTP(S) request through http.h (request;
 * docs/lua-api.md).  The family table is callable: `ix.http{...}` is
 * `ix.http.request{...}` (luaapi.c).  Bad options raise; a request that
 * gets no answer gives nil, message; any answer is a response. */
#ifndef INFRAEXEC_LUAHTTP_H
#define INFRAEXEC_LUAHTTP_H

#include <lua.h>

/* Fills the table on top of the stack with request. */
void ix_luahttp_open(lua_State *L);

#endif
