/* luaext.c - see include/infraexec/lua/luaext.h */
#include "infraexec/lua/luaext.h"

#include "infraexec/base/buf.h"
#include "infraexec/sys/git.h"
#include "infraexec/sys/http.h"
#include "infraexec/sys/secrets.h"
#include "infraexec/model/yamledit.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The registry slot of infraexec.null (JSON null), by address. */
static const char null_key = 0;

/* ---- YAML ---- */

/* yaml_get(text, path [, doc]) -> value */
static int l_yaml_get(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    const char *path = luaL_checkstring(L, 2);
    int doc = (int)luaL_optinteger(L, 3, 0);
    char *value;
    ix_err err;
    if (ix_yaml_get(text, len, doc, path, &value, &err) < 0)
        return luaL_error(L, "infraexec.yaml_get: %s", err.msg);
    lua_pushstring(L, value);
    free(value);
    return 1;
}

/* yaml_set(text, path, value [, doc]) -> new text, only that scalar changed */
static int l_yaml_set(lua_State *L)
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
        return luaL_error(L, "infraexec.yaml_set: %s", err.msg);
    }
    lua_pushlstring(L, out.data ? out.data : "", out.len);
    ix_buf_free(&out);
    return 1;
}

/* ---- JSON ---- */

static void push_json(lua_State *L, json_t *j, int depth)
{
    luaL_checkstack(L, 4, "JSON nested too deeply");
    if (depth > 200)
        luaL_error(L, "infraexec.json_decode: nested deeper than 200 levels");
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

/* json_decode(text) -> value | nil, message   (JSON null is infraexec.null) */
static int l_json_decode(lua_State *L)
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

/* ---- search ---- */

typedef struct hit {
    char *file, *text;
    long line;
} hit;

typedef struct search {
    const char *needle;
    size_t nlen;
    hit *hits;
    size_t nhits, max_hits;
    int files;
} search;

/* Binary files and huge files are skipped: addresses live in text. */
static void search_file(search *s, const char *path, off_t size)
{
    if (size > 8 << 20)
        return;
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    s->files++;
    while ((n = getline(&line, &cap, f)) > 0 && s->nhits < s->max_hits) {
        lineno++;
        if (memchr(line, '\0', (size_t)n))
            break; /* binary */
        if (!memmem(line, (size_t)n, s->needle, s->nlen))
            continue;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        s->hits = ix_xrealloc(s->hits, (s->nhits + 1) * sizeof *s->hits);
        s->hits[s->nhits++] = (hit){ix_xstrdup(path), ix_xstrndup(line, (size_t)n), lineno};
    }
    free(line);
    fclose(f);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Calls VISIT for every regular file under DIR in name order, skipping .git
 * and .infraexec, never following links out of the tree, until VISIT
 * returns nonzero. */
typedef int (*visit_fn)(void *ctx, const char *path, const struct stat *st);

static int walk_tree(const char *dir, int depth, visit_fn visit, void *ctx)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, by_name), stop = 0;
    if (n < 0)
        return 0;
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        if (!stop && strcmp(name, ".") && strcmp(name, "..") && strcmp(name, ".git") &&
            strcmp(name, ".infraexec") && depth < 64) {
            ix_buf p = IX_BUF_INIT;
            ix_buf_printf(&p, "%s/%s", dir, name);
            struct stat st;
            if (lstat(p.data, &st) == 0) {
                if (S_ISDIR(st.st_mode))
                    stop = walk_tree(p.data, depth + 1, visit, ctx);
                else if (S_ISREG(st.st_mode))
                    stop = visit(ctx, p.data, &st);
            }
            ix_buf_free(&p);
        }
        free(ents[i]);
    }
    free(ents);
    return stop;
}

static int search_visit(void *ctx, const char *path, const struct stat *st)
{
    search *s = ctx;
    search_file(s, path, st->st_size);
    return s->nhits >= s->max_hits;
}

/* search(root, needle [, max]) -> {{file, line, text}...}, files_searched
 * ROOT may be a file or a directory; .git and .infraexec are skipped, links
 * are not followed. */
static int l_search(lua_State *L)
{
    const char *root = luaL_checkstring(L, 1);
    size_t nlen;
    const char *needle = luaL_checklstring(L, 2, &nlen);
    luaL_argcheck(L, nlen > 0, 2, "empty search string");
    lua_Integer max = luaL_optinteger(L, 3, 1000);
    luaL_argcheck(L, max > 0, 3, "must be positive");
    struct stat st;
    if (stat(root, &st) < 0)
        return luaL_error(L, "infraexec.search: %s: %s", root, strerror(errno));
    search s = {needle, nlen, NULL, 0, (size_t)max, 0};
    if (S_ISDIR(st.st_mode))
        walk_tree(root, 0, search_visit, &s);
    else
        search_file(&s, root, st.st_size);
    /* Pushed only now: a Lua error half-way must not leak C memory. */
    lua_createtable(L, (int)s.nhits, 0);
    for (size_t i = 0; i < s.nhits; i++) {
        lua_createtable(L, 0, 3);
        lua_pushstring(L, s.hits[i].file), lua_setfield(L, -2, "file");
        lua_pushinteger(L, s.hits[i].line), lua_setfield(L, -2, "line");
        lua_pushstring(L, s.hits[i].text), lua_setfield(L, -2, "text");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
        free(s.hits[i].file);
        free(s.hits[i].text);
    }
    free(s.hits);
    lua_pushinteger(L, s.files);
    return 2;
}

/* ---- HTTP ---- */

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

/* http{url, method, ca, insecure, no_redirects, timeout, headers = {"Name: v"}, what, ca_setting}
 *   -> {status, body, headers = {name = value}} | nil, message */
static int l_http(lua_State *L)
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

/* ---- git ---- */

/* Each call opens the repository containing DIR, does one thing, closes it:
 * handlers name repositories by directory, and libgit2 handles are cheap. */
static ix_git *open_repo(lua_State *L, const char *fn)
{
    ix_git *g;
    ix_err err;
    if (ix_git_open(luaL_checkstring(L, 1), &g, &err) < 0)
        luaL_error(L, "infraexec.%s: %s", fn, err.msg);
    return g;
}

/* git_branch(dir) -> "main" */
static int l_git_branch(lua_State *L)
{
    ix_git *g = open_repo(L, "git_branch");
    char *name;
    ix_err err;
    int rc = ix_git_branch(g, &name, &err);
    ix_git_close(g);
    if (rc < 0)
        return luaL_error(L, "infraexec.git_branch: %s", err.msg);
    lua_pushstring(L, name);
    free(name);
    return 1;
}

/* git_head(dir) -> commit id */
static int l_git_head(lua_State *L)
{
    ix_git *g = open_repo(L, "git_head");
    char id[41];
    ix_err err;
    int rc = ix_git_head(g, id, &err);
    ix_git_close(g);
    if (rc < 0)
        return luaL_error(L, "infraexec.git_head: %s", err.msg);
    lua_pushstring(L, id);
    return 1;
}

/* git_status(dir) -> list of changed paths relative to the work tree */
static int l_git_status(lua_State *L)
{
    ix_git *g = open_repo(L, "git_status");
    char **paths;
    size_t n;
    ix_err err;
    int rc = ix_git_status(g, &paths, &n, &err);
    ix_git_close(g);
    if (rc < 0)
        return luaL_error(L, "infraexec.git_status: %s", err.msg);
    ix_luaext_push_paths(L, paths, n);
    return 1;
}

void ix_luaext_push_paths(lua_State *L, char **paths, size_t n)
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, paths[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    ix_git_free_paths(paths, n);
}

/* git_commit(dir, paths, message) -> commit id; exactly those paths.  In a
 * dry run luahost registers its stand-in instead, which lists the commit
 * among the criterion's commands and returns "(dry run)". */
lua_Integer ix_luaext_check_commit(lua_State *L)
{
    luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checkstring(L, 3);
    lua_Integer n = luaL_len(L, 2);
    luaL_argcheck(L, n > 0 && n < 10000, 2, "a non-empty list of paths");
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_geti(L, 2, i) != LUA_TSTRING)
            luaL_error(L, "infraexec.git_commit: paths must be strings");
        lua_pop(L, 1);
    }
    return n;
}

static int l_git_commit(lua_State *L)
{
    lua_Integer n = ix_luaext_check_commit(L);
    const char *message = lua_tostring(L, 3);
    const char **paths = ix_xcalloc((size_t)n, sizeof *paths);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 2, i);
        paths[i - 1] = lua_tostring(L, -1); /* kept alive by the table */
        lua_pop(L, 1);
    }
    const ix_luaext_git *git = lua_touserdata(L, lua_upvalueindex(1));
    ix_git_identity id = {git ? git->author_name : NULL, git ? git->author_email : NULL};
    /* The message is history for good: no secret goes into it. */
    char *masked = ix_secrets_mask_owned(git ? git->secrets : NULL, ix_xstrdup(message));
    ix_git *g;
    ix_err err;
    char out[41];
    int rc = ix_git_open(lua_tostring(L, 1), &g, &err);
    if (rc == 0) {
        rc = ix_git_commit_paths(g, paths, (size_t)n, masked, id.name ? &id : NULL, out, &err);
        ix_git_close(g);
    }
    free(masked);
    free(paths);
    if (rc < 0)
        return luaL_error(L, "infraexec.git_commit: %s", err.msg);
    lua_pushstring(L, out);
    return 1;
}

/* git_push(dir, remote, branch) -> the commit the remote branch was seen at
 * after the push (HEAD): a fast-forward or an error, never forced.  In a dry
 * run luahost registers its stand-in instead (see git_commit). */
static int l_git_push(lua_State *L)
{
    ix_git *g = open_repo(L, "git_push");
    char out[41];
    ix_err err;
    int rc = ix_git_push_head(g, luaL_checkstring(L, 2), luaL_checkstring(L, 3), out, &err);
    ix_git_close(g);
    if (rc < 0)
        return luaL_error(L, "infraexec.git_push: %s", err.msg);
    lua_pushstring(L, out);
    return 1;
}

/* git_remote_head(dir, remote, branch) -> the commit the remote's branch is
 * at, read from the remote (read-only), or nil when it has no such branch. */
static int l_git_remote_head(lua_State *L)
{
    ix_git *g = open_repo(L, "git_remote_head");
    char out[41];
    int missing;
    ix_err err;
    int rc = ix_git_remote_tip(g, luaL_checkstring(L, 2), luaL_checkstring(L, 3), out, &missing,
                               &err);
    ix_git_close(g);
    if (rc < 0)
        return luaL_error(L, "infraexec.git_remote_head: %s", err.msg);
    if (missing)
        lua_pushnil(L);
    else
        lua_pushstring(L, out);
    return 1;
}

/* git_contains(dir, commit, ancestor) -> whether COMMIT is ANCESTOR or
 * descends from it, or nil when the repository lacks either (read-only). */
static int l_git_contains(lua_State *L)
{
    ix_git *g = open_repo(L, "git_contains");
    int answer;
    ix_err err;
    int rc = ix_git_contains(g, luaL_checkstring(L, 2), luaL_checkstring(L, 3), &answer, &err);
    ix_git_close(g);
    if (rc < 0)
        return luaL_error(L, "infraexec.git_contains: %s", err.msg);
    if (answer < 0)
        lua_pushnil(L);
    else
        lua_pushboolean(L, answer);
    return 1;
}

/* git_show(dir, commit, path) -> PATH's content at COMMIT, or nil when the
 * commit has no such file (read-only). */
static int l_git_show(lua_State *L)
{
    ix_git *g = open_repo(L, "git_show");
    ix_buf text = IX_BUF_INIT;
    int missing;
    ix_err err;
    int rc = ix_git_show(g, luaL_checkstring(L, 2), luaL_checkstring(L, 3), &text, &missing, &err);
    ix_git_close(g);
    if (rc < 0) {
        ix_buf_free(&text);
        return luaL_error(L, "infraexec.git_show: %s", err.msg);
    }
    if (missing)
        lua_pushnil(L);
    else
        lua_pushlstring(L, text.data ? text.data : "", text.len);
    ix_buf_free(&text);
    return 1;
}

/* ---- files by name ---- */

typedef struct found {
    const char *name;
    char **paths;
    size_t n;
} found;

static int find_visit(void *ctx, const char *path, const struct stat *st)
{
    (void)st;
    found *f = ctx;
    const char *base = strrchr(path, '/');
    if (strcmp(base ? base + 1 : path, f->name) == 0) {
        f->paths = ix_xrealloc(f->paths, (f->n + 1) * sizeof *f->paths);
        f->paths[f->n++] = ix_xstrdup(path);
    }
    return f->n >= 10000;
}

/* list_dir(dir) -> sorted names of the entries of DIR (no . and ..), or
 * nil, message */
static int l_list_dir(lua_State *L)
{
    const char *dir = luaL_checkstring(L, 1);
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, by_name);
    if (n < 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: %s", dir, strerror(errno));
        return 2;
    }
    /* Names copied to C strings first: no Lua error while ents is live. */
    char **names = ix_xcalloc((size_t)n + 1, sizeof *names);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, ".."))
            names[k++] = ix_xstrdup(ents[i]->d_name);
        free(ents[i]);
    }
    free(ents);
    lua_createtable(L, k, 0);
    for (int i = 0; i < k; i++) {
        lua_pushstring(L, names[i]);
        lua_rawseti(L, -2, i + 1);
        free(names[i]);
    }
    free(names);
    return 1;
}

/* find(root, name) -> list of files under ROOT whose name is NAME */
static int l_find(lua_State *L)
{
    const char *root = luaL_checkstring(L, 1);
    found f = {luaL_checkstring(L, 2), NULL, 0};
    walk_tree(root, 0, find_visit, &f);
    lua_createtable(L, (int)f.n, 0);
    for (size_t i = 0; i < f.n; i++) {
        lua_pushstring(L, f.paths[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
        free(f.paths[i]);
    }
    free(f.paths);
    return 1;
}

json_t *ix_luaext_to_json(lua_State *L, int idx, int depth)
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
                json_array_append_new(a, ix_luaext_to_json(L, -1, depth + 1));
                lua_pop(L, 1);
            }
            return a;
        }
        json_t *o = json_object();
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            if (lua_type(L, -2) == LUA_TSTRING)
                json_object_set_new(o, lua_tostring(L, -2), ix_luaext_to_json(L, -1, depth + 1));
            lua_pop(L, 1);
        }
        return o;
    }
    default:
        return json_null();
    }
}

void ix_luaext_register(lua_State *L, const ix_luaext_git *git)
{
    static const luaL_Reg funcs[] = {
        {"yaml_get", l_yaml_get}, {"yaml_set", l_yaml_set}, {"json_decode", l_json_decode},
        {"search", l_search},     {"http", l_http},           {"find", l_find},
        {"git_branch", l_git_branch}, {"git_head", l_git_head}, {"git_status", l_git_status},
        {"git_push", l_git_push},
        {"git_remote_head", l_git_remote_head}, {"git_contains", l_git_contains},
        {"git_show", l_git_show}, {"list_dir", l_list_dir}, {NULL, NULL},
    };
    luaL_setfuncs(L, funcs, 0);
    lua_pushlightuserdata(L, (void *)git);
    lua_pushcclosure(L, l_git_commit, 1), lua_setfield(L, -2, "git_commit");
    lua_pushlightuserdata(L, (void *)&funcs);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &null_key);
    lua_setfield(L, -2, "null");
}
