/* luahttp.c - see include/infraexec/lua/luahttp.h */
#include "infraexec/lua/luahttp.h"

#include "infraexec/sys/http.h"

#include <lauxlib.h>
#include <string.h>

static int opt_bool_field(lua_State *L, int idx, const char *key)
{
    lua_getfield(L, idx, key);
    int v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

static const char *opt_string_field(lua_State *L, int idx, const char *key)
{
    int t = lua_getfield(L, idx, key);
    if (t != LUA_TNIL && t != LUA_TSTRING)
        luaL_error(L, "infraexec.http: %s must be a string", key);
    const char *s = lua_tostring(L, -1);
    lua_pop(L, 1); /* the table still holds the string */
    return s;
}

static int push_resp(lua_State *L);

/* http.request{url, method, ca, insecure, no_redirects, timeout, headers = {"Name: v"}, what, ca_setting}
 *   -> {status, body, headers = {name = value}} | nil, message */
static int l_request(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    ix_http_req req = {0};
    req.url = opt_string_field(L, 1, "url");
    if (!req.url)
        return luaL_error(L, "infraexec.http: url is required");
    req.method = opt_string_field(L, 1, "method");
    req.ca_file = opt_string_field(L, 1, "ca");
    req.insecure = opt_bool_field(L, 1, "insecure");
    req.no_redirects = opt_bool_field(L, 1, "no_redirects");
    /* For messages: what answers and which setting names its CA (http.h's
     * defaults, "server" and "ca_file", when the caller does not say). */
    req.what = opt_string_field(L, 1, "what");
    req.ca_setting = opt_string_field(L, 1, "ca_setting");
    lua_getfield(L, 1, "timeout");
    req.timeout = luaL_optnumber(L, -1, 0);
    lua_pop(L, 1);
    const char *headers[17] = {NULL};
    if (lua_getfield(L, 1, "headers") == LUA_TTABLE) {
        lua_Integer n = luaL_len(L, 2);
        if (n > 16)
            return luaL_error(L, "infraexec.http: at most 16 headers");
        for (lua_Integer i = 1; i <= n; i++) {
            if (lua_geti(L, 2, i) != LUA_TSTRING)
                return luaL_error(L, "infraexec.http: headers must be strings \"Name: value\"");
            headers[i - 1] = lua_tostring(L, -1);
            lua_pop(L, 1);
        }
        req.headers = headers;
    }
    ix_http_resp resp = {0};
    ix_err err;
    if (ix_http_request(&req, &resp, &err) < 0) {
        lua_pushnil(L);
        lua_pushstring(L, err.msg);
        return 2;
    }
    /* Copied under a protected call so resp is freed even if Lua runs out
     * of memory half-way. */
    lua_pushcfunction(L, push_resp);
    lua_pushlightuserdata(L, &resp);
    int rc = lua_pcall(L, 1, 1, 0);
    ix_http_resp_free(&resp);
    return rc == LUA_OK ? 1 : lua_error(L);
}

static int push_resp(lua_State *L)
{
    const ix_http_resp *resp_ = lua_touserdata(L, 1);
    const ix_http_resp resp = *resp_;
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, resp.status);
    lua_setfield(L, -2, "status");
    lua_pushlstring(L, resp.body, resp.body_len);
    lua_setfield(L, -2, "body");
    lua_createtable(L, 0, (int)resp.nheaders);
    for (size_t i = 0; i < resp.nheaders; i++) {
        const char *colon = strchr(resp.headers[i], ':');
        if (!colon)
            continue;
        lua_pushlstring(L, resp.headers[i], (size_t)(colon - resp.headers[i]));
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        lua_pushstring(L, v);
        lua_rawset(L, -3);
    }
    lua_setfield(L, -2, "headers");
    return 1;
}

void ix_luahttp_open(lua_State *L)
{
    static const luaL_Reg funcs[] = {{"request", l_request}, {NULL, NULL}};
    luaL_setfuncs(L, funcs, 0);
}
