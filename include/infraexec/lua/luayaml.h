/* luayaml.h - `ix.yaml`: read and edit one scalar of a YAML text (get,
 * set; docs/lua-api.md), through yamledit.h, which keeps every other byte.
 * A wrong argument raises; a text that is not YAML or lacks the path (task
 * files and repositories supply both) gives nil, message. */
#ifndef INFRAEXEC_LUAYAML_H
#define INFRAEXEC_LUAYAML_H

#include <lua.h>

/* Fills the table on top of the stack with get and set. */
void ix_luayaml_open(lua_State *L);

#endif
