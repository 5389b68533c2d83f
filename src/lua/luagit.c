/* luagit.c - see include/infraexec/lua/luagit.h */
#include "infraexec/lua/luagit.h"

#include "infraexec/base/buf.h"
#include "infraexec/lua/luafs.h"
#include "infraexec/sys/git.h"
#include "infraexec/sys/secrets.h"

#include <lauxlib.h>
#include <stdlib.h>

/* The repository around argument 1 (a directory, relative to the
 * workspace), or NULL with ERR.  Every argument is checked before: a Lua
 * error must not leave the handle open. */
static ix_git *open_repo(lua_State *L, ix_err *err)
{
    ix_git *g;
    return ix_git_open(ix_luafs_push_path(L, 1), &g, err) < 0 ? NULL : g;
}

/* The paths (N of them) as a Lua array, freed (ix_git_free_paths). */
static void push_paths(lua_State *L, char **paths, size_t n)
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, paths[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    ix_git_free_paths(paths, n);
}

/* git.branch(dir) -> "main" | nil, message */
static int l_branch(lua_State *L)
{
    ix_err err;
    ix_git *g = open_repo(L, &err);
    char *name;
    int rc = g ? ix_git_branch(g, &name, &err) : -1;
    ix_git_close(g);
    if (rc < 0)
        return ix_luafs_fail(L, err.msg);
    lua_pushstring(L, name);
    free(name);
    return 1;
}

/* git.head(dir) -> commit id | nil, message */
static int l_head(lua_State *L)
{
    ix_err err;
    ix_git *g = open_repo(L, &err);
    char id[41];
    int rc = g ? ix_git_head(g, id, &err) : -1;
    ix_git_close(g);
    if (rc < 0)
        return ix_luafs_fail(L, err.msg);
    lua_pushstring(L, id);
    return 1;
}

/* git.status(dir) -> changed paths relative to the work tree | nil, message */
static int l_status(lua_State *L)
{
    ix_err err;
    ix_git *g = open_repo(L, &err);
    char **paths;
    size_t n;
    int rc = g ? ix_git_status(g, &paths, &n, &err) : -1;
    ix_git_close(g);
    if (rc < 0)
        return ix_luafs_fail(L, err.msg);
    push_paths(L, paths, n);
    return 1;
}

/* git.commit(dir, paths, message) -> commit id | nil, message; exactly
 * those paths.  In a dry run luadry.c registers its stand-in instead,
 * which lists the commit among the criterion's commands and returns
 * "(dry run)". */
lua_Integer ix_luagit_check_commit(lua_State *L)
{
    luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checkstring(L, 3);
    lua_Integer n = luaL_len(L, 2);
    luaL_argcheck(L, n > 0 && n < 10000, 2, "a non-empty list of paths");
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_geti(L, 2, i) != LUA_TSTRING)
            luaL_error(L, "infraexec.git.commit: paths must be strings");
        lua_pop(L, 1);
    }
    return n;
}

static int l_commit(lua_State *L)
{
    lua_Integer n = ix_luagit_check_commit(L);
    const char *dir = ix_luafs_push_path(L, 1);
    const char *message = lua_tostring(L, 3);
    const char **paths = ix_xcalloc((size_t)n, sizeof *paths);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 2, i);
        paths[i - 1] = lua_tostring(L, -1); /* kept alive by the table */
        lua_pop(L, 1);
    }
    const ix_luagit_ctx *git = lua_touserdata(L, lua_upvalueindex(1));
    ix_git_identity id = {git ? git->author_name : NULL, git ? git->author_email : NULL};
    /* The message is history for good: no secret goes into it. */
    char *masked = ix_secrets_mask_owned(git ? git->secrets : NULL, ix_xstrdup(message));
    ix_git *g;
    ix_err err;
    char out[41];
    int rc = ix_git_open(dir, &g, &err);
    if (rc == 0) {
        rc = ix_git_commit_paths(g, paths, (size_t)n, masked, id.name ? &id : NULL, out, &err);
        ix_git_close(g);
    }
    free(masked);
    free(paths);
    if (rc < 0)
        return ix_luafs_fail(L, err.msg);
    lua_pushstring(L, out);
    return 1;
}

/* git.push(dir, remote, branch) -> the commit the remote branch was seen
 * at after the push (HEAD) | nil, message: a fast-forward or a failure,
 * never forced.  In a dry run luadry.c registers its stand-in instead. */
static int l_push(lua_State *L)
{
    const char *remote = luaL_checkstring(L, 2), *branch = luaL_checkstring(L, 3);
    ix_err err;
    ix_git *g = open_repo(L, &err);
    char out[41];
    int rc = g ? ix_git_push_head(g, remote, branch, out, &err) : -1;
    ix_git_close(g);
    if (rc < 0)
        return ix_luafs_fail(L, err.msg);
    lua_pushstring(L, out);
    return 1;
}

/* git.remote_head(dir, remote, branch) -> the commit the remote's branch
 * is at, read from the remote (read-only); nil (no message) when it has no
 * such branch; nil, message when it cannot be asked. */
static int l_remote_head(lua_State *L)
{
    const char *remote = luaL_checkstring(L, 2), *branch = luaL_checkstring(L, 3);
    ix_err err;
    ix_git *g = open_repo(L, &err);
    char out[41];
    int missing;
    int rc = g ? ix_git_remote_tip(g, remote, branch, out, &missing, &err) : -1;
    ix_git_close(g);
    if (rc < 0)
        return ix_luafs_fail(L, err.msg);
    if (missing)
        lua_pushnil(L);
    else
        lua_pushstring(L, out);
    return 1;
}

/* git.contains(dir, commit, ancestor) -> whether COMMIT is ANCESTOR or
 * descends from it; nil (no message) when the repository lacks either;
 * nil, message on failure (read-only). */
static int l_contains(lua_State *L)
{
    const char *commit = luaL_checkstring(L, 2), *ancestor = luaL_checkstring(L, 3);
    ix_err err;
    ix_git *g = open_repo(L, &err);
    int answer;
    int rc = g ? ix_git_contains(g, commit, ancestor, &answer, &err) : -1;
    ix_git_close(g);
    if (rc < 0)
        return ix_luafs_fail(L, err.msg);
    if (answer < 0)
        lua_pushnil(L);
    else
        lua_pushboolean(L, answer);
    return 1;
}

/* git.show(dir, commit, path) -> PATH's content at COMMIT; nil (no
 * message) when the commit has no such file; nil, message on failure
 * (read-only). */
static int l_show(lua_State *L)
{
    const char *commit = luaL_checkstring(L, 2), *path = luaL_checkstring(L, 3);
    ix_err err;
    ix_git *g = open_repo(L, &err);
    ix_buf text = IX_BUF_INIT;
    int missing;
    int rc = g ? ix_git_show(g, commit, path, &text, &missing, &err) : -1;
    ix_git_close(g);
    if (rc < 0) {
        ix_buf_free(&text);
        return ix_luafs_fail(L, err.msg);
    }
    if (missing)
        lua_pushnil(L);
    else
        lua_pushlstring(L, text.data ? text.data : "", text.len);
    ix_buf_free(&text);
    return 1;
}

/* git.files(dir, path) -> the files HEAD holds at PATH (relative to the
 * work tree of the repository around DIR), sorted; {} when none; nil,
 * message on failure. */
static int l_files(lua_State *L)
{
    const char *path = luaL_checkstring(L, 2);
    ix_err err;
    ix_git *g = open_repo(L, &err);
    char **paths = NULL;
    size_t n = 0;
    int rc = g ? ix_git_tree_files(g, path, &paths, &n, &err) : -1;
    ix_git_close(g);
    if (rc < 0)
        return ix_luafs_fail(L, err.msg);
    push_paths(L, paths, n);
    return 1;
}

void ix_luagit_open(lua_State *L, const ix_luagit_ctx *git)
{
    static const luaL_Reg funcs[] = {
        {"branch", l_branch},     {"head", l_head},         {"status", l_status},
        {"push", l_push},         {"remote_head", l_remote_head},
        {"contains", l_contains}, {"show", l_show},         {"files", l_files},
        {NULL, NULL},
    };
    luaL_setfuncs(L, funcs, 0);
    lua_pushlightuserdata(L, (void *)git);
    lua_pushcclosure(L, l_commit, 1), lua_setfield(L, -2, "commit");
}
