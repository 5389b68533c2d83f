/* luayaml.c - see include/infraexec/lua/luayaml.h */
#include "infraexec/lua/luayaml.h"

#include "infraexec/base/buf.h"
#include "infraexec/lua/luafs.h"
#include "infraexec/model/yamledit.h"

#include <lauxlib.h>
#include <stdlib.h>

/* yaml.get(text, path [, doc]) -> value | nil, message */
static int l_get(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    const char *path = luaL_checkstring(L, 2);
    int doc = (int)luaL_optinteger(L, 3, 0);
    char *value;
    ix_err err;
    if (ix_yaml_get(text, len, doc, path, &value, &err) < 0)
        return ix_luafs_fail(L, err.msg);
    lua_pushstring(L, value);
    free(value);
    return 1;
}

/* yaml.set(text, path, value [, doc]) -> new text, only that scalar
 * changed | nil, message */
static int l_set(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    const char *path = luaL_checkstring(L, 2);
    const char *value = luaL_checkstring(L, 3);
    int doc = (int)luaL_optinteger(L, 4, 0);
    ix_buf out = IX_BUF_INIT;
    ix_err err;
    if (ix_yaml_set(text, len, doc, path, value, &out, &err) < 0) {
        ix_buf_free(&out);
        return ix_luafs_fail(L, err.msg);
    }
    lua_pushlstring(L, out.data ? out.data : "", out.len);
    ix_buf_free(&out);
    return 1;
}

void ix_luayaml_open(lua_State *L)
{
    static const luaL_Reg funcs[] = {{"get", l_get}, {"set", l_set}, {NULL, NULL}};
    luaL_setfuncs(L, funcs, 0);
}
