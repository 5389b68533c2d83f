/* luafs.c - see include/infraexec/lua/luafs.h */
#include "infraexec/lua/luafs.h"

#include "infraexec/sys/fileio.h"
#include "infraexec/sys/git.h"
#include "infraexec/base/pathjoin.h"

#include <lauxlib.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A path relative to the workspace made absolute, pushed on the stack. */
const char *ix_luafs_push_path(lua_State *L, int arg)
{
    const char *p = luaL_checkstring(L, arg);
    if (!*p)
        luaL_argerror(L, arg, "empty path");
    if (p[0] == '/')
        return lua_pushstring(L, p);
    return lua_pushfstring(L, "%s/%s", ix_luahost_ctx_of(L)->workspace, p);
}

/* ---- where handlers may write ---- */

static void add_root(ix_luafs_roots *h, const char *path)
{
    char real[PATH_MAX];
    if (!path || !realpath(path, real))
        return; /* a root that does not exist yet cannot contain anything */
    h->v = ix_xrealloc(h->v, (h->n + 1) * sizeof *h->v);
    h->v[h->n++] = ix_xstrdup(real);
}

/* The tasks, .infraexec/ and the paths of every key a module declared
 * write (config.lua); the workspace when there is no config. */
void ix_luafs_roots_collect(ix_luafs_roots *h, const ix_luahost_ctx *ctx)
{
    static const char *const own[] = {".infraexec", "tasks"};
    for (int i = 0; i < 2; i++) {
        ix_buf b = IX_BUF_INIT;
        ix_path_join(&b, ctx->workspace, (const char *const[]){own[i], NULL}, NULL);
        /* A symlinked .infraexec/ is refused by run; it adds no root. */
        struct stat st;
        if (i > 0 || lstat(b.data, &st) < 0 || !S_ISLNK(st.st_mode))
            add_root(h, b.data);
        ix_buf_free(&b);
    }
    if (!ctx->config || !ctx->config->root) {
        add_root(h, ctx->workspace);
        return;
    }
    for (size_t i = 0; i < ctx->config->nwrite_roots; i++)
        add_root(h, ctx->config->write_roots[i].path);
}

/* Whether REAL, a path with no symlink in it, is inside one of the roots. */
int ix_luafs_roots_inside(const ix_luafs_roots *h, const char *real)
{
    for (size_t i = 0; i < h->n; i++) {
        size_t n = strlen(h->v[i]);
        if (strncmp(real, h->v[i], n) == 0 && (real[n] == '\0' || real[n] == '/'))
            return 1;
    }
    return 0;
}

void ix_luafs_roots_free(ix_luafs_roots *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->v[i]);
    free(h->v);
    h->v = NULL;
    h->n = 0;
}

/* ---- the primitives ---- */

static int l_read_file(lua_State *L)
{
    const char *path = ix_luafs_push_path(L, 1);
    ix_buf b = IX_BUF_INIT;
    ix_err err;
    if (ix_file_read(path, (size_t)64 << 20, &b, &err) < 0) {
        ix_buf_free(&b);
        lua_pushnil(L);
        lua_pushstring(L, err.msg);
        return 2;
    }
    lua_pushlstring(L, b.data ? b.data : "", b.len);
    ix_buf_free(&b);
    return 1;
}

/* ix.write_file, or with ACT 0 its dry-run stand-in, which records the
 * diff instead of writing. */
static int write_file(lua_State *L, int act)
{
    ix_crit_report *c = ix_luahost_current(L, "write_file");
    const char *path = ix_luafs_push_path(L, 1);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    const char *summary = luaL_optstring(L, 3, "written");
    /* The confinement is checked on the directory as opened, and the write
     * goes through that same open directory, the file name not followed: a
     * link swapped in between cannot send it elsewhere. */
    ix_err err;
    int dfd = -1, confined = 0, changed = 0;
    char *rdir = NULL;
    const char *name;
    ix_buf where = IX_BUF_INIT, old = IX_BUF_INIT, diff = IX_BUF_INIT;
    if (ix_file_open_dir(path, &dfd, &rdir, &name, &err) == 0) {
        ix_buf_printf(&where, "%s/%s", strcmp(rdir, "/") ? rdir : "", name);
        confined = ix_luahost_inside_roots(L, where.data);
    }
    int rc = dfd < 0 ? -1 : 0;
    if (confined) {
        int existed = ix_file_read_at(dfd, name, path, (size_t)64 << 20, &old, &err) == 0;
        /* a missing file counts as empty, as in the diff a dry run shows */
        size_t olen = existed ? old.len : 0;
        changed = olen != len || (len && memcmp(old.data, data, len) != 0);
        /* only a dry run shows the diff: a real one needs no libgit2 for it */
        if (changed && act)
            rc = ix_file_write_at(dfd, name, path, data, len, &err);
        else if (changed)
            rc = ix_git_diff(path, existed ? old.data : "", existed ? old.len : 0, data, len,
                             &diff, &err);
    }
    if (dfd >= 0)
        close(dfd);
    free(rdir);
    ix_buf_free(&where);
    ix_buf_free(&old);
    if (rc < 0 || !confined) {
        ix_buf_free(&diff);
        if (rc == 0)
            return luaL_error(L, "infraexec.write_file: %s: outside the directories "
                                 "infraexec.yaml names (the tasks, and the keys declared "
                                 "write = true); refused", path);
        return luaL_error(L, "infraexec.write_file: %s", err.msg);
    }
    if (!changed) {
        lua_pushboolean(L, 0); /* unchanged */
        return 1;
    }
    c->files = ix_xrealloc(c->files, (c->nfiles + 1) * sizeof *c->files);
    c->files[c->nfiles++] = (ix_file_change){ix_xstrdup(path), ix_xstrdup(summary),
                                             act ? NULL : ix_buf_detach(&diff)};
    ix_buf_free(&diff);
    lua_pushboolean(L, 1);
    return 1;
}

static int l_write_file(lua_State *L)
{
    return write_file(L, 1);
}

int ix_luafs_write_file_dry(lua_State *L)
{
    return write_file(L, 0);
}

/* "file", "directory", "other" or nil; whether we may execute it; and its
 * real path (links resolved). */
static int l_exists(lua_State *L)
{
    const char *path = ix_luafs_push_path(L, 1);
    struct stat st;
    char real[PATH_MAX];
    if (stat(path, &st) < 0 || !realpath(path, real)) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushstring(L, S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "directory" : "other");
    lua_pushboolean(L, access(path, X_OK) == 0);
    lua_pushstring(L, real);
    return 3;
}

void ix_luafs_register(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"read_file", l_read_file}, {"write_file", l_write_file}, {"exists", l_exists},
        {NULL, NULL},
    };
    luaL_setfuncs(L, funcs, 0);
}
