/* luafs.c - see include/infraexec/lua/luafs.h */
#include "infraexec/lua/luafs.h"

#include "infraexec/base/buf.h"
#include "infraexec/sys/fileio.h"
#include "infraexec/sys/git.h"
#include "infraexec/sys/realpath.h"
#include "infraexec/base/pathjoin.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The registry slot of the workspace relative paths start at, by address. */
static const char workspace_key = 0;

/* The one path resolver of the binding: every primitive that takes a path
 * or a directory resolves it here.  A path relative to the workspace made
 * absolute (relative to the process's directory in a state opened without
 * a workspace: the unit tests), pushed on the stack. */
const char *ix_luafs_push_path(lua_State *L, int arg)
{
    const char *p = luaL_checkstring(L, arg);
    if (!*p)
        luaL_argerror(L, arg, "empty path");
    if (p[0] == '/' || lua_rawgetp(L, LUA_REGISTRYINDEX, &workspace_key) != LUA_TSTRING) {
        if (p[0] != '/')
            lua_pop(L, 1);
        return lua_pushstring(L, p);
    }
    const char *path = lua_pushfstring(L, "%s/%s", lua_tostring(L, -1), p);
    lua_remove(L, -2);
    return path;
}

int ix_luafs_fail(lua_State *L, const char *msg)
{
    lua_pushnil(L);
    lua_pushstring(L, msg);
    return 2;
}

/* ---- where handlers may write ---- */

static void add_root(ix_luafs_roots *h, const char *path)
{
    char real[PATH_MAX];
    if (!path || ix_realpath(path, real, NULL) < 0)
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

/* fs.read(path) -> content | nil, message */
static int l_read_file(lua_State *L)
{
    const char *path = ix_luafs_push_path(L, 1);
    ix_buf b = IX_BUF_INIT;
    ix_err err;
    if (ix_file_read(path, (size_t)64 << 20, &b, &err) < 0) {
        ix_buf_free(&b);
        return ix_luafs_fail(L, err.msg);
    }
    lua_pushlstring(L, b.data ? b.data : "", b.len);
    ix_buf_free(&b);
    return 1;
}

/* fs.write(path, content [, summary]) -> changed | nil, message; or with
 * ACT 0 its dry-run stand-in, which records the diff instead of writing.
 * A path outside the roots raises. */
static int write_file(lua_State *L, int act)
{
    ix_crit_report *c = ix_luahost_current(L, "fs.write");
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
        /* Confinement is the ops team's mistake, and must be loud. */
        if (rc == 0)
            return luaL_error(L, "infraexec.fs.write: %s: outside the directories "
                                 "infraexec.yaml names (the tasks, and the keys declared "
                                 "write = true); refused", path);
        return ix_luafs_fail(L, err.msg);
    }
    if (!changed) {
        lua_pushboolean(L, 0); /* unchanged */
        return 1;
    }
    ix_luafs_record(c, path, summary, act ? NULL : ix_buf_detach(&diff));
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

/* fs.exists(path): "file", "directory", "other" or nil; whether we may execute it; and its
 * real path (links resolved). */
static int l_exists(lua_State *L)
{
    const char *path = ix_luafs_push_path(L, 1);
    struct stat st;
    char real[PATH_MAX];
    if (ix_realpath(path, real, &st) < 0) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushstring(L, S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "directory" : "other");
    lua_pushboolean(L, access(path, X_OK) == 0);
    lua_pushstring(L, real);
    return 3;
}

void ix_luafs_record(ix_crit_report *c, const char *path, const char *summary, char *diff)
{
    c->files = ix_xrealloc(c->files, (c->nfiles + 1) * sizeof *c->files);
    c->files[c->nfiles++] = (ix_file_change){ix_xstrdup(path), ix_xstrdup(summary), diff};
}

int ix_luafs_confined(lua_State *L, const char *path)
{
    char *copy = ix_xstrdup(path), real[PATH_MAX];
    char *slash = strrchr(copy, '/');
    if (slash)
        *slash = '\0';
    int ok = ix_realpath(slash ? (*copy ? copy : "/") : ".", real, NULL) == 0 &&
             ix_luahost_inside_roots(L, real);
    free(copy);
    return ok;
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

/* fs.search(root, needle [, max]) -> {{file, line, text}...}, files_searched
 * | nil, message
 * ROOT may be a file or a directory; .git and .infraexec are skipped, links
 * are not followed. */
static int l_search(lua_State *L)
{
    size_t nlen;
    const char *needle = luaL_checklstring(L, 2, &nlen);
    luaL_argcheck(L, nlen > 0, 2, "empty search string");
    lua_Integer max = luaL_optinteger(L, 3, 1000);
    luaL_argcheck(L, max > 0, 3, "must be positive");
    const char *root = ix_luafs_push_path(L, 1);
    struct stat st;
    if (stat(root, &st) < 0)
        return ix_luafs_fail(L, lua_pushfstring(L, "%s: %s", root, strerror(errno)));
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

/* fs.list_dir(dir) -> sorted names of the entries of DIR (no . and ..),
 * or nil, message */
static int l_list_dir(lua_State *L)
{
    const char *dir = ix_luafs_push_path(L, 1);
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, by_name);
    if (n < 0)
        return ix_luafs_fail(L, lua_pushfstring(L, "%s: %s", dir, strerror(errno)));
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

/* fs.find(root, name) -> list of files under ROOT whose name is NAME |
 * nil, message */
static int l_find(lua_State *L)
{
    found f = {luaL_checkstring(L, 2), NULL, 0};
    const char *root = ix_luafs_push_path(L, 1);
    struct stat st;
    if (stat(root, &st) < 0)
        return ix_luafs_fail(L, lua_pushfstring(L, "%s: %s", root, strerror(errno)));
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

/* ---- rename ---- */

/* The parent directories of PATH that do not exist yet, created (ACT) or
 * only checked; the nearest existing one must lie inside the roots (else
 * -2, a refusal, where -1 is a failure). */
static int make_parents(lua_State *L, const char *path, int act, ix_err *err)
{
    char *dir = ix_xstrdup(path);
    char *slash = strrchr(dir, '/');
    int rc = 0;
    if (slash && slash != dir) {
        *slash = '\0';
        struct stat st;
        if (lstat(dir, &st) < 0) {
            rc = make_parents(L, dir, act, err);
            if (rc == 0 && act && mkdir(dir, 0755) < 0 && errno != EEXIST)
                rc = ix_err_sys(err, "%s: cannot create directory", dir);
        } else if (!S_ISDIR(st.st_mode)) {
            rc = ix_err_set(err, "%s: not a directory", dir);
        } else {
            char real[PATH_MAX];
            if (ix_realpath(dir, real, NULL) < 0 || !ix_luahost_inside_roots(L, real)) {
                ix_err_set(err, "%s: outside the directories infraexec.yaml names; refused", dir);
                rc = -2;
            }
        }
    }
    free(dir);
    return rc;
}

/* After FROM moved away: its parent directories left empty, removed up to
 * (not including) PRUNE, so that moving back leaves no trace. */
static void prune_parents(const char *from, const char *prune)
{
    size_t plen = strlen(prune);
    char *dir = ix_xstrdup(from);
    for (char *slash = strrchr(dir, '/'); slash && slash != dir; slash = strrchr(dir, '/')) {
        *slash = '\0';
        if (strlen(dir) <= plen || strncmp(dir, prune, plen) != 0 || dir[plen] != '/' ||
            rmdir(dir) < 0)
            break;
    }
    free(dir);
}

/* fs.rename(from, to [, prune]) -> true | nil, message: FROM (a file or
 * directory, not a symlink) moved to TO, which must not exist; TO's
 * missing parents are made, and with PRUNE (a directory above FROM) FROM's
 * parents left empty are removed up to it.  Both inside the roots: else,
 * as for a symlink, an error. */
static int do_rename(lua_State *L, int act)
{
    ix_crit_report *c = ix_luahost_current(L, "fs.rename");
    const char *from = ix_luafs_push_path(L, 1);
    const char *to = ix_luafs_push_path(L, 2);
    const char *prune = lua_isnoneornil(L, 3) ? NULL : ix_luafs_push_path(L, 3);
    struct stat st;
    ix_err err;
    if (lstat(from, &st) < 0)
        return ix_luafs_fail(L, lua_pushfstring(L, "%s: %s", from, strerror(errno)));
    if (S_ISLNK(st.st_mode))
        return luaL_error(L, "infraexec.fs.rename: %s: is a symbolic link; not moved", from);
    if (lstat(to, &st) == 0)
        return ix_luafs_fail(L, lua_pushfstring(L, "%s: exists already; not overwriting it", to));
    if (!ix_luafs_confined(L, from))
        return luaL_error(L, "infraexec.fs.rename: %s: outside the directories infraexec.yaml "
                             "names; refused", from);
    int rc = make_parents(L, to, 0, &err);
    if (rc == 0 && act)
        rc = make_parents(L, to, 1, &err);
    if (rc == -2)
        return luaL_error(L, "infraexec.fs.rename: %s", err.msg);
    if (rc < 0)
        return ix_luafs_fail(L, err.msg);
    /* Checked again on the directory as it now is: nothing may have moved
     * it out of the roots meanwhile (a dry run made none). */
    if (act && !ix_luafs_confined(L, to))
        return luaL_error(L, "infraexec.fs.rename: %s: outside the directories infraexec.yaml "
                             "names; refused", to);
    if (act && renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) < 0)
        return ix_luafs_fail(L, lua_pushfstring(L, "%s -> %s: %s", from, to, strerror(errno)));
    if (act && prune)
        prune_parents(from, prune);
    ix_buf summary = IX_BUF_INIT;
    ix_buf_printf(&summary, "moved to %s", to);
    ix_luafs_record(c, from, summary.data, act ? NULL : ix_xstrdup(""));
    ix_buf_free(&summary);
    lua_pushboolean(L, 1);
    return 1;
}

static int l_rename(lua_State *L)
{
    return do_rename(L, 1);
}

int ix_luafs_rename_dry(lua_State *L)
{
    return do_rename(L, 0);
}

void ix_luafs_open(lua_State *L, const char *workspace)
{
    static const luaL_Reg funcs[] = {
        {"read", l_read_file},   {"write", l_write_file}, {"exists", l_exists},
        {"rename", l_rename},    {"search", l_search},    {"find", l_find},
        {"list_dir", l_list_dir}, {NULL, NULL},
    };
    luaL_setfuncs(L, funcs, 0);
    if (workspace) {
        lua_pushstring(L, workspace);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &workspace_key);
    }
}
