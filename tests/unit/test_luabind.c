/* test_luabind.c - the families of the `infraexec` module (src/lua/luaapi.c)
 * in a bare Lua state (no sandbox, no luahost): Lua values as JSON, JSON as
 * Lua values, the failure rule (a misuse raises naming the function by its
 * family; invalid JSON, YAML without the path, a missing directory are nil,
 * message), the flat aliases, and no C memory left behind when Lua runs out
 * of memory half-way (the leak checker of the asan build sees it). */
#include "infraexec/lua/luaapi.h"
#include "infraexec/lua/luajson.h"
#include "tap.h"

#include <jansson.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>

/* An allocator that fails once LIMIT bytes are in use (0: no limit). */
typedef struct budget {
    size_t used, limit;
} budget;

static void *alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    budget *b = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        b->used -= old;
        return NULL;
    }
    if (b->limit && nsize > old && b->used + (nsize - old) > b->limit)
        return NULL;
    void *p = realloc(ptr, nsize);
    if (p)
        b->used = b->used - old + nsize;
    return p;
}

static lua_State *open_state(budget *b)
{
    lua_State *L = lua_newstate(alloc, b);
    luaL_openlibs(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_newtable(L);
    ix_luaapi_open(L, NULL, NULL, 0);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "infraexec");
    lua_pop(L, 2);
    return L;
}

/* Run CHUNK: NULL when it ran (its results on the stack), else its error. */
static const char *run(lua_State *L, const char *chunk)
{
    lua_settop(L, 0);
    /* ix a local, as in a handler (a misuse then names the field called:
     * 'json_decode'; called through pcall, 'infraexec.json.decode') */
    lua_pushfstring(L, "local ix = require 'infraexec' %s", chunk);
    int rc = luaL_loadstring(L, lua_tostring(L, 1));
    lua_remove(L, 1);
    if (rc != LUA_OK || lua_pcall(L, 0, LUA_MULTRET, 0) != LUA_OK)
        return lua_tostring(L, -1) ? lua_tostring(L, -1) : "(non-string error)";
    return NULL;
}

/* The JSON text of the value CHUNK returns. */
static char *json_of(lua_State *L, const char *chunk)
{
    if (run(L, chunk))
        return strdup("(error)");
    json_t *j = ix_luajson_to_json(L, 1, 0);
    char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(j);
    return s;
}

static void json_is(lua_State *L, const char *chunk, const char *want, const char *what)
{
    char *got = json_of(L, chunk);
    is_str(got, want, "to_json: %s", what);
    free(got);
}

static void raises(lua_State *L, const char *chunk, const char *want, const char *what)
{
    const char *err = run(L, chunk);
    ok(err && strstr(err, want), "%s: raises \"%s\"", what, want);
    if (!err || !strstr(err, want))
        printf("#   got: %s\n", err ? err : "(no error)");
}

int main(void)
{
    budget b = {0, 0};
    lua_State *L = open_state(&b);

    json_is(L, "return {1, 'two', true, 2.5}", "[1,\"two\",true,2.5]", "a sequence is an array");
    json_is(L, "return {b = {c = 1}, a = false}", "{\"a\":false,\"b\":{\"c\":1}}",
            "a map is an object");
    json_is(L, "return {}", "{}", "an empty table is an object");
    json_is(L, "return {x = 1, [7] = 'n', [true] = 'b'}", "{\"x\":1}", "only string keys are kept");
    json_is(L, "return {f = print, u = ix.null}", "{\"f\":null,\"u\":null}",
            "functions and userdata are null");
    json_is(L, "return 'a\\0b'", "\"a\\u0000b\"", "a string keeps its NUL byte");
    char deep[51 * 6 + 8] = "";
    for (int i = 0; i <= 50; i++)
        strcat(deep, "{\"n\":");
    strcat(deep, "null");
    for (int i = 0; i <= 50; i++)
        strcat(deep, "}");
    json_is(L, "local t = {} local c = t for i = 1, 60 do c.n = {} c = c.n end return t", deep,
            "a table nested past 50 levels is null there (a cycle cannot loop)");

    ok(!run(L, "local v = ix.json_decode('{\"a\": [1, 2.5, null, \"s\"]}') "
               "return math.type(v.a[1]), math.type(v.a[2]), v.a[3] == ix.null, v.a[4]") &&
           !strcmp(lua_tostring(L, 1), "integer") && !strcmp(lua_tostring(L, 2), "float") &&
           lua_toboolean(L, 3) && !strcmp(lua_tostring(L, 4), "s"),
       "json_decode: integers, floats, null as ix.null, strings");
    ok(!run(L, "return ix.json_decode('[1,')") && lua_isnil(L, 1) &&
           strstr(lua_tostring(L, 2), "invalid JSON at line 1 column"),
       "json_decode: invalid JSON is nil and where");
    ok(!run(L, "return ix.list_dir('/no/such/dir')") && lua_isnil(L, 1) &&
           strstr(lua_tostring(L, 2), "/no/such/dir: No such file or directory"),
       "list_dir: a missing directory is nil and why");
    raises(L, "return ix.json_decode(('['):rep(250) .. (']'):rep(250))",
           "infraexec.json.decode: nested deeper than 200 levels", "json_decode of deep nesting");
    raises(L, "return ix.json.decode({})",
           "bad argument #1 to 'decode'", "json.decode of a table");
    ok(!run(L, "local ok, e = pcall(ix.fs.read, {}) return e") &&
           strstr(lua_tostring(L, 1), "bad argument #1 to 'infraexec.fs.read'"),
       "a misuse through pcall names the family and the function (%s)", lua_tostring(L, 1));
    ok(!run(L, "return ix.read_file == ix.fs.read, ix.git_head == ix.git.head, "
               "ix.run == ix.proc.run, ix.task_read == ix.task.read, rawget(ix, 'read_file')") &&
           lua_toboolean(L, 1) && lua_toboolean(L, 2) && lua_toboolean(L, 3) &&
           lua_toboolean(L, 4) && lua_isnil(L, 5),
       "the flat names are the families' functions, found through the metatable");
    raises(L, "return ix.json_decode({})", "bad argument #1 to 'json_decode'",
           "json_decode of a table");
    ok(!run(L, "return ix.yaml_get('a: 1', 'b')") && lua_isnil(L, 1) && lua_isstring(L, 2),
       "yaml_get of a missing key: nil, message");
    raises(L, "return ix.yaml_set('a: 1', 'a')", "bad argument #3 to 'yaml_set'",
           "yaml_set without a value");
    ok(!run(L, "return ix.search('/no/such/dir', 'x')") && lua_isnil(L, 1) &&
           strstr(lua_tostring(L, 2), "/no/such/dir: No such file or directory"),
       "search of a missing root: nil, message");
    raises(L, "return ix.search('.', '')", "bad argument #2 to 'search' (empty search string)",
           "search for nothing");
    raises(L, "return ix.git_commit('.', {}, 'm')",
           "bad argument #2 to 'git_commit' (a non-empty list of paths)",
           "git_commit of no paths");
    raises(L, "return ix.git_commit('.', {'a', 3}, 'm')",
           "infraexec.git.commit: paths must be strings",
           "git_commit of a number");
    raises(L, "return ix.http{url = 'http://127.0.0.1:1/', headers = {'x: y', 1}}",
           "infraexec.http: headers must be strings", "http with a number header");
    raises(L, "local h = {} for i = 1, 17 do h[i] = 'x: y' end "
              "return ix.http{url = 'http://127.0.0.1:1/', headers = h}",
           "infraexec.http: at most 16 headers", "http with 17 headers");
    lua_close(L);

    /* Out of Lua memory while the decoded tables are built: an error, and
     * the json_t freed (else the leak checker fails this program). */
    budget small = {0, 0};
    L = open_state(&small);
    ok(!run(L, "local parts = {} for i = 1, 20000 do parts[i] = '{\"k\": [1, 2, 3]}' end "
               "text = '[' .. table.concat(parts, ',') .. ']' return #text"),
       "a large JSON text is made");
    small.limit = small.used + 256 * 1024;
    const char *err = run(L, "return ix.json_decode(text)");
    ok(err && strstr(err, "not enough memory"), "json_decode past the memory limit: an error (%s)",
       err ? err : "none");
    small.limit = 0;
    lua_close(L);
    return tap_done();
}
