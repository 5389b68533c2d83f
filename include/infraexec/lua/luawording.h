/* luawording.h - `ix.template`: a wording template read in C (read,
 * sequences, keys, fitting, words; docs/lua-api.md), through
 * model/wording.h and model/wordshape.h, for lib/wording.lua: the
 * variants' item sequences, the keys wording.index files a rule under, and
 * what a malformed template has wrong, which lib/wording.lua words as its
 * errors.  The reader read returns owns the template read (its variants,
 * or until they are first asked for, the template's string as its user
 * value; freed at collection).  A wrong argument raises. */
#ifndef INFRAEXEC_LUAWORDING_H
#define INFRAEXEC_LUAWORDING_H

#include <lua.h>

/* Fills the table on top of the stack with those functions. */
void ix_luawording_open(lua_State *L);

#endif
