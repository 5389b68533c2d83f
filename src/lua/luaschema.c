/* luaschema.c - see include/infraexec/lua/luaschema.h */
#include "infraexec/lua/luaschema.h"

#include "infraexec/base/buf.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 16

static void *keep(ix_luaschema *s, void *p)
{
    s->blocks = ix_xrealloc(s->blocks, (s->nblocks + 1) * sizeof *s->blocks);
    s->blocks[s->nblocks++] = p;
    return p;
}

/* The entry's fields that are not 1 and 2, each of the right Lua type. */
static void check_entry_keys(lua_State *L, int idx, const char *where)
{
    static const char *const known[] = {"fields", "write", "dir", "warn", "preflight", NULL};
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_isinteger(L, -1) && (lua_tointeger(L, -1) == 1 || lua_tointeger(L, -1) == 2))
            continue;
        const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        int i = 0;
        while (k && known[i] && strcmp(known[i], k) != 0)
            i++;
        if (!k || !known[i])
            luaL_error(L, "infraexec.config: %s: unknown declaration field %s (known: NAME, TYPE, "
                       "fields, write, dir, warn, preflight)", where,
                       k ? k : luaL_typename(L, -1));
    }
}

static int flag(lua_State *L, int idx, const char *name, const char *where, int allowed)
{
    int t = lua_getfield(L, idx, name);
    int on = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (t != LUA_TNIL && t != LUA_TBOOLEAN)
        luaL_error(L, "infraexec.config: %s: %s must be true or false", where, name);
    if (on && !allowed)
        luaL_error(L, "infraexec.config: %s: %s does not fit its type", where, name);
    return on;
}

static void read_list(lua_State *L, int idx, ix_luaschema *s, const char *where, int depth,
                      ix_config_field **out);

/* The declaration at IDX into F; PARENT names where it is. */
static void read_entry(lua_State *L, int idx, ix_luaschema *s, const char *parent, int depth,
                       ix_config_field *f)
{
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "infraexec.config: %s: a key is a table { name, type, ... }",
                   *parent ? parent : "declare");
    if (lua_rawgeti(L, idx, 1) != LUA_TSTRING || !*lua_tostring(L, -1))
        luaL_error(L, "infraexec.config: %s: a key needs a name (a string) first",
                   *parent ? parent : "declare");
    char where[256];
    snprintf(where, sizeof where, "%s%s%s", parent, *parent ? "." : "", lua_tostring(L, -1));
    f->key = keep(s, ix_xstrdup(lua_tostring(L, -1)));
    lua_pop(L, 1);
    lua_rawgeti(L, idx, 2);
    int t = ix_config_type_named(lua_tostring(L, -1));
    if (lua_type(L, -1) != LUA_TSTRING || t < 0)
        luaL_error(L, "infraexec.config: %s: unknown type %s (types: %s)", where,
                   lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1),
                   ix_config_type_names());
    lua_pop(L, 1);
    f->type = (ix_config_type)t;
    check_entry_keys(L, idx, where);
    f->write = flag(L, idx, "write", where, t == IX_CONFIG_PATH || t == IX_CONFIG_PATHS);
    f->dir = flag(L, idx, "dir", where, t == IX_CONFIG_PATH);
    int wt = lua_getfield(L, idx, "warn");
    if (wt != LUA_TNIL && (wt != LUA_TSTRING || t != IX_CONFIG_BOOL))
        luaL_error(L, "infraexec.config: %s: warn is a text, for a bool", where);
    if (wt == LUA_TSTRING)
        f->warn = keep(s, ix_xstrdup(lua_tostring(L, -1)));
    lua_pop(L, 1);
    int nested = t == IX_CONFIG_MAP || t == IX_CONFIG_NAMED || t == IX_CONFIG_LIST;
    int ft = lua_getfield(L, idx, "fields");
    if (nested != (ft == LUA_TTABLE))
        luaL_error(L, "infraexec.config: %s: %s", where,
                   nested ? "a map, named or list needs fields = { ... }"
                          : "only a map, named or list has fields");
    if (nested) {
        if (depth >= MAX_DEPTH)
            luaL_error(L, "infraexec.config: %s: nested too deeply", where);
        ix_config_field *sub;
        read_list(L, lua_gettop(L), s, where, depth + 1, &sub);
        f->fields = sub;
    }
    lua_pop(L, 1);
}

/* The list of declarations at IDX into *OUT (NULL-key terminated). */
static void read_list(lua_State *L, int idx, ix_luaschema *s, const char *where, int depth,
                      ix_config_field **out)
{
    luaL_checkstack(L, 8, "infraexec.config: nested too deeply");
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    if (depth > 0 && n == 0)
        luaL_error(L, "infraexec.config: %s: fields is an empty list", where);
    ix_config_field *v = keep(s, ix_xcalloc((size_t)n + 1, sizeof *v));
    *out = v;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        read_entry(L, -1, s, where, depth, &v[i - 1]);
        lua_pop(L, 1);
        for (lua_Integer j = 0; j < i - 1; j++)
            if (strcmp(v[j].key, v[i - 1].key) == 0)
                luaL_error(L, "infraexec.config: %s%s%s: declared twice", where,
                           *where ? "." : "", v[j].key);
    }
}

int ix_luaschema_read(lua_State *L)
{
    ix_luaschema *s = lua_touserdata(L, 1);
    lua_getglobal(L, "require");
    lua_pushstring(L, "infraexec.core.config");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "declared");
    lua_call(L, 0, 1);
    luaL_checktype(L, -1, LUA_TTABLE);
    read_list(L, lua_gettop(L), s, "", 0, &s->fields);
    return 0;
}

void ix_luaschema_free(ix_luaschema *s)
{
    for (size_t i = 0; i < s->nblocks; i++)
        free(s->blocks[i]);
    free(s->blocks);
    memset(s, 0, sizeof *s);
}
