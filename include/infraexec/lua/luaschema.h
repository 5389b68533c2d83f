/* luaschema.h - the config sections Lua modules declare
 * (lua/infraexec/config.lua), read into the C schema that config.h
 * validates infraexec.yaml with.
 *
 * Each declaration is a Lua table { NAME, TYPE [, fields = {...}]
 * [, write = true] [, dir = true] [, warn = TEXT] [, preflight = fn] };
 * a wrong shape, an unknown type or a flag on a type it does not fit is an
 * error naming the key ("infraexec.config: terraform.dir: ...").  The
 * schema owns every array and string it holds. */
#ifndef INFRAEXEC_LUASCHEMA_H
#define INFRAEXEC_LUASCHEMA_H

#include "infraexec/model/config.h"

#include <lua.h>

typedef struct ix_luaschema {
    ix_config_field *fields;    /* the top-level sections, NULL-key terminated */
    void **blocks;              /* everything allocated, freed together */
    size_t nblocks;
} ix_luaschema;

/* A lua_CFunction, to be called under lua_pcall with an ix_luaschema * as
 * light userdata: fills it from require("infraexec.config").declared().
 * Raises on a malformed declaration; what it allocated before is still
 * freed by ix_luaschema_free. */
int ix_luaschema_read(lua_State *L);
void ix_luaschema_free(ix_luaschema *s);

#endif
