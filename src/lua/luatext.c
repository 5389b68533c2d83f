/* luatext.c - see include/infraexec/lua/luatext.h */
#include "infraexec/lua/luatext.h"

#include "infraexec/base/text.h"

#include <lauxlib.h>
#include <string.h>

/* Room on the C stack for a phrase's padded or flat form; a longer one is
 * made in a userdata. */
#define SMALL 256

/* A list's walk pops the entries it read BATCH at a time (a lua_settop
 * per entry was a third of what skipping one costs): with the arguments
 * and a form's userdata they stay within the LUA_MINSTACK (20) slots a C
 * function has. */
#define BATCH 8

/* Where S's form (" S ", or with FLATTEN ix_text_flat of S) first is in
 * F, or NULL (for find, once the form may be there). */
static const char *search(lua_State *L, const char *f, size_t flen, const char *s, size_t n, int flatten)
{
    char small[SMALL];
    char *out = n + 2 <= SMALL ? small : lua_newuserdatauv(L, n + 2, 0);
    size_t m;
    if (flatten) {
        m = ix_text_flat(s, n, out);
    } else {
        out[0] = ' ';
        memcpy(out + 1, s, n);
        out[n + 1] = ' ';
        m = n + 2;
    }
    const char *at = m <= flen ? memmem(f, flen, out, m) : NULL;
    if (out != small)
        lua_pop(L, 1);
    return at;
}

/* search, when the pairs FP of F do not rule the form out. */
static inline const char *find(lua_State *L, const char *f, size_t flen, const ix_text_pairs *fp,
                               const char *s, size_t n, int flatten)
{
    return ix_text_may_hold(fp, s, n, flatten) ? search(L, f, flen, s, n, flatten) : NULL;
}

/* Entry I of the list at LIST, pushed, read as LIST[I] reads it (lua_geti,
 * as ipairs does); NULL at the list's end (the nil popped).  Anything but
 * a string raises, naming the list by the string argument NAME. */
static const char *entry(lua_State *L, int list, lua_Integer i, size_t *len, int name)
{
    int t = lua_geti(L, list, i);
    if (t == LUA_TSTRING)
        return lua_tolstring(L, -1, len);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return NULL;
    }
    luaL_error(L, "%s[%I]: a string expected, got %s", luaL_optstring(L, name, "list"), (LUAI_UACINT)i,
               luaL_typename(L, -1));
    return NULL;
}

/* flat(s): the words of S, " a b c " (ix_text_flat). */
static int l_flat(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, n + 2);
    luaL_pushresultsize(&b, ix_text_flat(s, n, out));
    return 1;
}

/* ascii(s): whether every byte of S is ASCII. */
static int l_ascii(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    lua_pushboolean(L, ix_text_ascii(s, n));
    return 1;
}

/* opening(phrase, list [, name]): the first entry O of LIST that opens
 * PHRASE: PHRASE is O, or begins with O and a space. */
static int l_opening(lua_State *L)
{
    size_t n, m;
    const char *p = luaL_checklstring(L, 1, &n);
    lua_settop(L, 3);
    for (lua_Integer i = 1;; i++) {
        if (i % BATCH == 0)
            lua_settop(L, 3);
        const char *o = entry(L, 2, i, &m, 3);
        if (!o)
            break;
        /* the first byte before memcmp: most entries differ there */
        if (m <= n && (m == 0 || o[0] == p[0]) && memcmp(p, o, m) == 0 && (m == n || p[m] == ' '))
            return 1;
    }
    lua_pushnil(L);
    return 1;
}

/* has(list, v): whether an entry of LIST (read as ipairs reads it) is V,
 * compared raw (a string V is only ever equal to the same string); any
 * entry may be any value. */
static int l_has(lua_State *L)
{
    luaL_checkany(L, 2);
    lua_settop(L, 2);
    for (lua_Integer i = 1;; i++) {
        if (i % BATCH == 0)
            lua_settop(L, 2);
        if (lua_geti(L, 1, i) == LUA_TNIL)
            break;
        if (lua_rawequal(L, -1, 2)) {
            lua_pushboolean(L, 1);
            return 1;
        }
    }
    lua_pushboolean(L, 0);
    return 1;
}

/* first_phrase(f, list [, flatten [, name]]): the first entry E of LIST
 * whose " E " (with FLATTEN: flat(E)) occurs in F. */
static int l_first_phrase(lua_State *L)
{
    size_t flen, n;
    const char *f = luaL_checklstring(L, 1, &flen);
    int flatten = lua_toboolean(L, 3);
    ix_text_pairs fp;
    ix_text_pairs_of(&fp, f, flen);
    lua_settop(L, 4);
    for (lua_Integer i = 1;; i++) {
        if (i % BATCH == 0)
            lua_settop(L, 4);
        const char *e = entry(L, 2, i, &n, 4);
        if (!e)
            break;
        if (find(L, f, flen, &fp, e, n, flatten))
            return 1;
    }
    lua_pushnil(L);
    return 1;
}

/* The key at K of least_phrase's map (its value at V): the least one so
 * far (at 4) if " K " occurs in F and, when V is true, an ASCII letter or
 * digit follows where it first occurs. */
static void least(lua_State *L, int k, int v, const char *f, size_t flen, const ix_text_pairs *fp)
{
    if (lua_type(L, k) != LUA_TSTRING)
        luaL_error(L, "%s: a key not a string (%s)", luaL_optstring(L, 3, "map"), luaL_typename(L, k));
    size_t n;
    const char *key = lua_tolstring(L, k, &n);
    const char *at = find(L, f, flen, fp, key, n, 0);
    if (!at)
        return;
    if (lua_toboolean(L, v)) {
        const char *q = at + n + 2, *end = f + flen;
        while (q < end && !ix_ascii_alnum((unsigned char)*q))
            q++;
        if (q == end)
            return;
    }
    if (lua_isnil(L, 4) || lua_compare(L, k, 4, LUA_OPLT)) {
        lua_pushvalue(L, k);
        lua_replace(L, 4);
    }
}

/* least_phrase(f, map [, name]): of the keys K of MAP (walked as pairs
 * walks it, __pairs included) whose " K " occurs in F, the least in sorted
 * order (Lua's <); a key whose value is true counts only with a letter or
 * digit after the place it first occurs. */
static int l_least_phrase(lua_State *L)
{
    size_t flen;
    const char *f = luaL_checklstring(L, 1, &flen);
    luaL_checkany(L, 2);
    ix_text_pairs fp;
    ix_text_pairs_of(&fp, f, flen);
    lua_settop(L, 3);
    lua_pushnil(L); /* 4: the least key found */
    if (luaL_getmetafield(L, 2, "__pairs") != LUA_TNIL) {
        lua_pushvalue(L, 2);
        lua_call(L, 1, 3); /* 5 iterator, 6 state, 7 control */
        for (;;) {
            lua_pushvalue(L, 5);
            lua_pushvalue(L, 6);
            lua_pushvalue(L, 7);
            lua_call(L, 2, 2); /* 8 key, 9 value */
            if (lua_isnil(L, 8))
                break;
            least(L, 8, 9, f, flen, &fp);
            lua_pop(L, 1);
            lua_replace(L, 7);
        }
    } else {
        luaL_checktype(L, 2, LUA_TTABLE);
        lua_pushnil(L);
        while (lua_next(L, 2)) { /* 5 key, 6 value */
            least(L, 5, 6, f, flen, &fp);
            lua_pop(L, 1);
        }
    }
    lua_settop(L, 4);
    return 1;
}

void ix_luatext_open(lua_State *L)
{
    static const luaL_Reg funcs[] = {{"flat", l_flat},
                                     {"ascii", l_ascii},
                                     {"opening", l_opening},
                                     {"has", l_has},
                                     {"first_phrase", l_first_phrase},
                                     {"least_phrase", l_least_phrase},
                                     {NULL, NULL}};
    luaL_setfuncs(L, funcs, 0);
}
