/* luajson.c - see include/infraexec/lua/luajson.h */
#include "infraexec/lua/luajson.h"

#include <lauxlib.h>

/* The registry slot of ix.null (JSON null), by address. */
static const char null_key = 0;

static void push_json(lua_State *L, json_t *j, int depth)
{
    luaL_checkstack(L, 4, "JSON nested too deeply");
    if (depth > 200)
        luaL_error(L, "infraexec.json.decode: nested deeper than 200 levels");
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *v;
        lua_createtable(L, 0, (int)json_object_size(j));
        json_object_foreach(j, key, v) {
            push_json(L, v, depth + 1);
            lua_setfield(L, -2, key);
        }
        return;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *v;
        lua_createtable(L, (int)json_array_size(j), 0);
        json_array_foreach(j, i, v) {
            push_json(L, v, depth + 1);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        return;
    }
    case JSON_STRING:
        lua_pushlstring(L, json_string_value(j), json_string_length(j));
        return;
    case JSON_INTEGER:
        lua_pushinteger(L, (lua_Integer)json_integer_value(j));
        return;
    case JSON_REAL:
        lua_pushnumber(L, json_real_value(j));
        return;
    case JSON_TRUE:
    case JSON_FALSE:
        lua_pushboolean(L, json_is_true(j));
        return;
    case JSON_NULL:
        lua_rawgetp(L, LUA_REGISTRYINDEX, &null_key);
        return;
    }
}

static int push_protected(lua_State *L)
{
    push_json(L, lua_touserdata(L, 1), 0);
    return 1;
}

/* json.decode(text) -> value | nil, message   (JSON null is ix.null) */
static int l_decode(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    json_error_t jerr;
    json_t *j = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!j) {
        lua_pushnil(L);
        lua_pushfstring(L, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
                        jerr.text);
        return 2;
    }
    /* Build the tables under a protected call so the json_t is freed even
     * when Lua runs out of memory half-way. */
    lua_pushcfunction(L, push_protected);
    lua_pushlightuserdata(L, j);
    int rc = lua_pcall(L, 1, 1, 0);
    json_decref(j);
    if (rc != LUA_OK)
        return lua_error(L);
    return 1;
}

json_t *ix_luajson_to_json(lua_State *L, int idx, int depth)
{
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN:
        return json_boolean(lua_toboolean(L, idx));
    case LUA_TNUMBER:
        return lua_isinteger(L, idx) ? json_integer(lua_tointeger(L, idx))
                                     : json_real(lua_tonumber(L, idx));
    case LUA_TSTRING:
        return json_stringn(lua_tostring(L, idx), lua_rawlen(L, idx));
    case LUA_TTABLE: {
        /* a level takes two slots (key, value) of a stack that is only
         * LUA_MINSTACK deep unless grown: without room, null */
        if (depth > 50 || !lua_checkstack(L, 3))
            return json_null();
        lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
        if (n > 0) {
            json_t *a = json_array();
            for (lua_Integer i = 1; i <= n; i++) {
                lua_rawgeti(L, idx, i);
                json_array_append_new(a, ix_luajson_to_json(L, -1, depth + 1));
                lua_pop(L, 1);
            }
            return a;
        }
        json_t *o = json_object();
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            if (lua_type(L, -2) == LUA_TSTRING)
                json_object_set_new(o, lua_tostring(L, -2), ix_luajson_to_json(L, -1, depth + 1));
            lua_pop(L, 1);
        }
        return o;
    }
    default:
        return json_null();
    }
}

void ix_luajson_open(lua_State *L)
{
    static const luaL_Reg funcs[] = {{"decode", l_decode}, {NULL, NULL}};
    luaL_setfuncs(L, funcs, 0);
    /* null is the address of this table: unique, and no handler can make it */
    lua_pushlightuserdata(L, (void *)&funcs);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &null_key);
}

void ix_luajson_push_null(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &null_key);
}
