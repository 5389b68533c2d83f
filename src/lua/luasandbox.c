/* luasandbox.c - see include/infraexec/lua/luasandbox.h */
#include "infraexec/lua/luasandbox.h"

#include "infraexec/lua/luacache.h"
#include "infraexec/sys/realpath.h"

#include <lauxlib.h>
#include <limits.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Everything a handler can reach besides the infraexec module and print.
 * A name not listed here does not exist, so a library that grows a
 * function in a later Lua release stays closed until someone vets it.
 * load, loadfile, require, setmetatable, pcall and xpcall are replaced by
 * the versions below. */
static const char *const base_names[] = {
    "_G", "_VERSION", "assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall",
    "rawequal", "rawget", "rawlen", "rawset", "select", "tonumber", "tostring", "type", "xpcall",
    "load", "loadfile", "require", "setmetatable",
    "string", "table", "math", "utf8", "coroutine", NULL};
static const char *const string_names[] = {
    "byte", "char", "find", "format", "gmatch", "gsub", "len", "lower", "match", "pack",
    "packsize", "rep", "reverse", "sub", "unpack", "upper", NULL}; /* no dump */
static const char *const table_names[] = {
    "concat", "insert", "move", "pack", "remove", "sort", "unpack", NULL};
static const char *const math_names[] = {
    "abs", "acos", "asin", "atan", "ceil", "cos", "deg", "exp", "floor", "fmod", "huge", "log",
    "max", "maxinteger", "min", "mininteger", "modf", "pi", "rad", "random", "randomseed",
    "sin", "sqrt", "tan", "tointeger", "type", "ult", NULL};
static const char *const utf8_names[] = {
    "char", "charpattern", "codepoint", "codes", "len", "offset", NULL};
static const char *const coroutine_names[] = {
    "close", "create", "isyieldable", "resume", "running", "status", "wrap", "yield", NULL};

static const struct {
    const char *name;
    lua_CFunction open;
    const char *const *keep;
} libs[] = {
    {LUA_GNAME, luaopen_base, base_names},           {LUA_STRLIBNAME, luaopen_string, string_names},
    {LUA_TABLIBNAME, luaopen_table, table_names},    {LUA_MATHLIBNAME, luaopen_math, math_names},
    {LUA_UTF8LIBNAME, luaopen_utf8, utf8_names},     {LUA_COLIBNAME, luaopen_coroutine, coroutine_names},
};

static int listed(const char *const *names, const char *name)
{
    for (; *names; names++)
        if (strcmp(*names, name) == 0)
            return 1;
    return 0;
}

/* Clear every field of the table on top that KEEP does not list. */
static void keep_only(lua_State *L, const char *const *keep)
{
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING || !listed(keep, lua_tostring(L, -1))) {
            lua_pushvalue(L, -1);
            lua_pushnil(L);
            lua_rawset(L, -4); /* clearing a field during lua_next is allowed */
        }
    }
}

/* ---- the replaced functions ---- */

/* Whether an error caught here must go on (see ix_lua_stop); the stop
 * state is upvalue 1 of every protected call. */
static int must_rethrow(lua_State *L)
{
    const ix_lua_stop *st = lua_touserdata(L, lua_upvalueindex(1));
    return st->stopping && st->depth >= st->catchable;
}

/* Lua's finishpcall, with the stop rule. */
static int finish_pcall(lua_State *L, int status, lua_KContext extra)
{
    ix_lua_stop *st = lua_touserdata(L, lua_upvalueindex(1));
    st->depth--;
    if (status != LUA_OK && status != LUA_YIELD) {
        if (must_rethrow(L))
            return lua_error(L);
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    return lua_gettop(L) - (int)extra;
}

static int l_pcall(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    ((ix_lua_stop *)lua_touserdata(L, lua_upvalueindex(1)))->depth++;
    int status = lua_pcallk(L, lua_gettop(L) - 2, LUA_MULTRET, 0, 0, finish_pcall);
    return finish_pcall(L, status, 0);
}

static int l_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2);
    ((ix_lua_stop *)lua_touserdata(L, lua_upvalueindex(1)))->depth++;
    int status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, finish_pcall);
    return finish_pcall(L, status, 2);
}

/* The original function (upvalue 2) on the N arguments; a failure it
 * returns as (false or nil, message) is raised instead when stopping. */
static int call_original(lua_State *L, int n)
{
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    if (!lua_toboolean(L, 1) && lua_gettop(L) >= 2 && must_rethrow(L)) {
        lua_settop(L, 2);
        return lua_error(L);
    }
    return lua_gettop(L);
}

/* coroutine.resume and coroutine.close: they catch errors too. */
static int l_catching(lua_State *L)
{
    return call_original(L, lua_gettop(L));
}

/* load(chunk [, name [, mode [, env]]]): the mode is always "t", so a
 * binary chunk (which can crash the VM) is refused with nil, message. */
static int l_load(lua_State *L)
{
    int n = lua_gettop(L);
    if (n < 3) {
        lua_settop(L, 3);
        n = 3;
    }
    lua_pushliteral(L, "t");
    lua_replace(L, 3);
    return call_original(L, n); /* a reader function's errors are caught by load */
}

/* Whether PATH is a regular file under one of the directories in the table
 * at upvalue 1 (real paths), symlinks resolved; its stat in ST. */
static int on_code_path(lua_State *L, const char *path, struct stat *st)
{
    char real[PATH_MAX];
    if (ix_realpath(path, real, st) < 0 || !S_ISREG(st->st_mode))
        return 0;
    int found = 0;
    lua_Integer n = (lua_Integer)lua_rawlen(L, lua_upvalueindex(1));
    for (lua_Integer i = 1; i <= n && !found; i++) {
        lua_rawgeti(L, lua_upvalueindex(1), i);
        size_t len;
        const char *dir = lua_tolstring(L, -1, &len);
        found = strncmp(real, dir, len) == 0 && real[len] == '/';
        lua_pop(L, 1);
    }
    return found;
}

/* loadfile(path [, mode [, env]]): text only, and only handler and Lua
 * files; anything else is nil, message.  Through the bytecode cache
 * (upvalue 2): C alone reads its entries. */
static int l_loadfile(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int env = !lua_isnone(L, 3);
    struct stat st;
    if (!on_code_path(L, path, &st)) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: not a file on the handler or Lua search path; loadfile reads "
                           "only those", path);
        return 2;
    }
    if (ix_luacache_loadfile(L, lua_upvalueindex(2), path, &st) != LUA_OK) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    if (env) {
        lua_pushvalue(L, 3);
        if (!lua_setupvalue(L, -2, 1)) /* the chunk's _ENV */
            lua_pop(L, 1);
    }
    return 1;
}

/* Dotted words: no path separators, no "..", nothing absolute. */
static int module_name_ok(const char *name)
{
    if (!*name || *name == '.')
        return 0;
    for (const char *p = name; *p; p++) {
        int c = (unsigned char)*p;
        if (c == '.' ? p[1] == '.' || p[1] == '\0'
                     : !(c == '_' || c == '-' || (c >= '0' && c <= '9') ||
                         ((c | 32) >= 'a' && (c | 32) <= 'z')))
            return 0;
    }
    return 1;
}

static int is_file(const char *path, struct stat *st)
{
    return stat(path, st) == 0 && S_ISREG(st->st_mode);
}

/* require(name): NAME.lua or NAME/init.lua (dots as directories) in the
 * first Lua directory (upvalue 1) that has one; text only (or its bytecode
 * from the cache, upvalue 2), no C modules.
 * Like Lua's require it returns the module and the file it came from. */
static int l_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE); /* 2 */
    if (lua_getfield(L, 2, name) != LUA_TNIL && lua_toboolean(L, -1))
        return 1;
    lua_pop(L, 1);
    if (!module_name_ok(name))
        return luaL_error(L, "module '%s': a module name is dot-separated words", name);
    char rel[PATH_MAX];
    snprintf(rel, sizeof rel, "%s", name);
    for (char *p = rel; *p; p++)
        if (*p == '.')
            *p = '/';
    const char *path = NULL;
    struct stat st;
    lua_Integer n = (lua_Integer)lua_rawlen(L, lua_upvalueindex(1));
    for (lua_Integer i = 1; i <= n && !path; i++) {
        lua_rawgeti(L, lua_upvalueindex(1), i);
        const char *dir = lua_tostring(L, -1);
        path = lua_pushfstring(L, "%s/%s.lua", dir, rel);
        if (!is_file(path, &st)) {
            lua_pop(L, 1);
            path = lua_pushfstring(L, "%s/%s/init.lua", dir, rel);
            if (!is_file(path, &st)) {
                lua_pop(L, 1);
                path = NULL;
            }
        }
        if (path)
            lua_remove(L, -2); /* the dir */
        else
            lua_pop(L, 1);
    }
    if (!path)
        return luaL_error(L, "module '%s' not found in the Lua directories (no C modules)", name);
    /* Stack: 1 name, 2 loaded, 3 path. */
    if (ix_luacache_loadfile(L, lua_upvalueindex(2), path, &st) != LUA_OK)
        return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s", name, path,
                          lua_tostring(L, -1));
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 3);
    lua_call(L, 2, 1);
    if (!lua_isnil(L, -1))
        lua_setfield(L, 2, name);
    else
        lua_pop(L, 1);
    if (lua_getfield(L, 2, name) == LUA_TNIL) {
        lua_pushboolean(L, 1);
        lua_copy(L, -1, -2);
        lua_setfield(L, 2, name);
    }
    lua_pushvalue(L, 3);
    return 2;
}

/* Lua's setmetatable, refusing a __gc field: finalizers run with hooks
 * off, where no limit can stop them (lgc.c GCTM). */
static int l_setmetatable(lua_State *L)
{
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (t == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "setmetatable: __gc finalizers are not available to handlers "
                                 "(Lua runs them where the CPU limit cannot stop them)");
        lua_pop(L, 1);
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

static void push_dirs(lua_State *L, const char *const *dirs, int resolve)
{
    lua_newtable(L);
    lua_Integer n = 0;
    for (const char *const *d = dirs; *d; d++) {
        char real[PATH_MAX];
        if (resolve && ix_realpath(*d, real, NULL) < 0)
            continue;
        lua_pushstring(L, resolve ? real : *d);
        lua_rawseti(L, -2, ++n);
    }
}

/* Replace FIELD of the table on top by FN with upvalues STOP and the
 * original. */
static void wrap(lua_State *L, ix_lua_stop *stop, const char *field, lua_CFunction fn)
{
    lua_pushlightuserdata(L, stop);
    lua_getfield(L, -2, field);
    lua_pushcclosure(L, fn, 2);
    lua_setfield(L, -2, field);
}

void ix_luasandbox_open(lua_State *L, ix_lua_stop *stop, const char *const *code_dirs,
                        const char *const *lua_dirs)
{
    for (size_t i = 0; i < sizeof libs / sizeof *libs; i++) {
        luaL_requiref(L, libs[i].name, libs[i].open, 1);
        if (libs[i].open == luaopen_coroutine) {
            wrap(L, stop, "resume", l_catching);
            wrap(L, stop, "close", l_catching);
        }
        if (libs[i].open == luaopen_base)
            wrap(L, stop, "load", l_load);
        keep_only(L, libs[i].keep);
        lua_pop(L, 1);
    }
    lua_pushglobaltable(L);
    lua_pushlightuserdata(L, stop);
    lua_pushcclosure(L, l_pcall, 1);
    lua_setfield(L, -2, "pcall");
    lua_pushlightuserdata(L, stop);
    lua_pushcclosure(L, l_xpcall, 1);
    lua_setfield(L, -2, "xpcall");
    ix_luacache_push(L);
    push_dirs(L, code_dirs, 1);
    lua_pushvalue(L, -2);
    lua_pushcclosure(L, l_loadfile, 2);
    lua_setfield(L, -3, "loadfile");
    push_dirs(L, lua_dirs, 0);
    lua_pushvalue(L, -2);
    lua_pushcclosure(L, l_require, 2);
    lua_setfield(L, -3, "require");
    lua_pop(L, 1); /* the cache handle */
    lua_pushcfunction(L, l_setmetatable);
    lua_setfield(L, -2, "setmetatable");
    lua_pop(L, 1);
}

/* ---- error objects ---- */

/* "file:line: " of the innermost Lua frame from LEVEL up: C functions
 * (error itself, a message handler) have no line. */
static void push_where(lua_State *L, int level)
{
    lua_Debug ar;
    for (; lua_getstack(L, level, &ar); level++) {
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
            lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
            return;
        }
    }
    lua_pushliteral(L, "");
}

/* Cut the string on top to IX_LUA_ERRTEXT_MAX bytes, at a UTF-8 boundary. */
static void cut_top(lua_State *L)
{
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (len <= IX_LUA_ERRTEXT_MAX)
        return;
    size_t n = IX_LUA_ERRTEXT_MAX - 64;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    lua_pushlstring(L, s, n);
    lua_pushfstring(L, "... (%I more bytes)", (lua_Integer)(len - n));
    lua_concat(L, 2);
    lua_remove(L, -2);
}

int ix_luasandbox_error_text(lua_State *L)
{
    lua_settop(L, 1);
    if (lua_type(L, 1) == LUA_TSTRING) {
        cut_top(L);
        return 1;
    }
    push_where(L, 1);
    if (lua_type(L, 1) == LUA_TNUMBER) {
        lua_pushvalue(L, 1);
        lua_tostring(L, -1);
    } else {
        lua_pushfstring(L, "error object is a %s value", luaL_typename(L, 1));
    }
    lua_concat(L, 2);
    return 1;
}

int ix_luasandbox_where(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_Debug ar;
    lua_pushvalue(L, 1);
    lua_getinfo(L, ">S", &ar);
    lua_pushfstring(L, "%s:%d", ar.short_src, ar.linedefined);
    return 1;
}
