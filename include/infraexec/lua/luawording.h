/* luawording.h - `ix.template`: a wording template read in C (read,
 * sequences; docs/lua-api.md), through model/wording.h, for
 * lib/wording.lua: the variants' item sequences and what a malformed
 * template has wrong, which lib/wording.lua words as its errors.  A wrong
 * argument raises. */
#ifndef INFRAEXEC_LUAWORDING_H
#define INFRAEXEC_LUAWORDING_H

#include <lua.h>

/* Fills the table on top of the stack with read and sequences. */
void ix_luawording_open(lua_State *L);

#endif
