/* luahost.c - see include/infraexec/luahost.h */
#include "infraexec/luahost.h"

#include "infraexec/luaext.h"
#include "infraexec/luasandbox.h"
#include "infraexec/luatask.h"
#include "infraexec/watchdog.h"

#include "infraexec/clock.h"
#include "infraexec/exitcode.h"
#include "infraexec/fileio.h"
#include "infraexec/git.h"
#include "infraexec/pathjoin.h"
#include "infraexec/proc.h"
#include "infraexec/safetext.h"
#include "infraexec/secrets.h"

#include <ctype.h>
#include <libgen.h>
#include <limits.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A handler may not use more than this much memory or this many
 * instructions per criterion: a runaway rule is stopped and reported, and
 * the run goes on. */
#define LUA_MEM_LIMIT ((size_t)256 << 20)
#define LUA_HOOK_EVERY 10000
#define LUA_INSN_LIMIT 1000000000L
/* How long a call into Lua may outlast the deadline or an interrupt before
 * the watchdog ends the process: longer than ix.run needs to stop its
 * command (SIGTERM, 2 s, SIGKILL). */
#define LUA_WATCHDOG_GRACE 5.0

struct ix_luahost {
    lua_State *L;
    ix_luahost_ctx *ctx;
    char **roots;      /* where handlers may write: what the config names */
    size_t nroots;
    size_t mem, mem_limit;
    long insn, insn_limit;
    ix_watchdog *wd;   /* NULL when nothing can cancel (handler tooling) */
    ix_lua_stop stop;  /* set as the hook raises: handler code cannot catch it */
    ix_cmd_record *log_rec; /* the running command, whose log opens on demand */
    int log_fd;
};

/* ---- limits ---- */

static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    ix_luahost *h = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        h->mem -= old;
        return NULL;
    }
    if (nsize > old && h->mem + (nsize - old) > h->mem_limit)
        return NULL; /* Lua raises "not enough memory" */
    void *p = realloc(ptr, nsize);
    if (p)
        h->mem = h->mem - old + nsize;
    return p;
}

static ix_luahost *host_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

/* Counts instructions (only Lua code counts, not the commands it waits on)
 * and stops Lua once the run is cancelled or past its deadline.  Nothing in
 * the sandbox can remove it (no debug library); finalizers, where Lua turns
 * hooks off, are refused (luasandbox.c). */
static void count_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    ix_luahost *h = host_of(L);
    volatile sig_atomic_t *cancel = h->ctx->cancel;
    if (cancel && !*cancel && h->ctx->deadline > 0 && ix_clock_mono() > h->ctx->deadline)
        *cancel = 2; /* as the run does between commands */
    if (cancel && *cancel) {
        h->stop.stopping = 1;
        luaL_where(L, 0);
        lua_pushstring(L, *cancel == 2 ? "stopped by --task-timeout" : "interrupted");
        lua_concat(L, 2);
        lua_error(L);
    }
    h->insn += LUA_HOOK_EVERY;
    if (h->insn > h->insn_limit) {
        h->stop.stopping = 1;
        luaL_where(L, 0); /* the running function: where the loop is */
        lua_pushfstring(L, "handler ran more than %d million Lua instructions (endless loop?)",
                        (int)(h->insn_limit / 1000000));
        lua_concat(L, 2);
        lua_error(L);
    }
}

/* The message handler of every call from C: never reachable from Lua.
 * The error object becomes a bounded string without an unprotected
 * __tostring (ix_luasandbox_error_text), then gets the traceback. */
static int traceback(lua_State *L)
{
    lua_pushcfunction(L, ix_luasandbox_error_text);
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    luaL_traceback(L, L, lua_tostring(L, -1), 1);
    return 1;
}

/* lua_pcall with the traceback handler, watched by the watchdog; on error
 * the message (first line: "file:line: what") goes to ERR. */
static int pcall(ix_luahost *h, int nargs, int nres, const char *what, ix_err *err)
{
    lua_State *L = h->L;
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, traceback);
    lua_insert(L, base);
    if (h->wd)
        ix_watchdog_enter(h->wd, h->ctx->deadline, what);
    int rc = lua_pcall(L, nargs, nres, base);
    if (h->wd)
        ix_watchdog_leave(h->wd);
    lua_remove(L, base);
    if (rc != LUA_OK) {
        /* One line for people; the traceback only with INFRAEXEC_DEBUG. */
        const char *msg = lua_tostring(L, -1);
        const char *tb = msg ? strstr(msg, "\nstack traceback:") : NULL;
        if (tb && getenv("INFRAEXEC_DEBUG"))
            fprintf(stderr, "%s\n", msg);
        ix_err_set(err, "%.*s", tb ? (int)(tb - msg) : (int)strlen(msg ? msg : ""),
                   msg ? msg : "Lua error");
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

/* ---- argument helpers ---- */

static ix_luahost_ctx *ctx_of(lua_State *L)
{
    return host_of(L)->ctx;
}

static ix_crit_report *current(lua_State *L, const char *fn)
{
    ix_crit_report *c = ctx_of(L)->current;
    if (!c)
        luaL_error(L, "infraexec.%s: only a rule may call this (not while loading)", fn);
    return c;
}

/* A path relative to the workspace made absolute, pushed on the stack. */
static const char *push_path(lua_State *L, int arg)
{
    const char *p = luaL_checkstring(L, arg);
    if (!*p)
        luaL_argerror(L, arg, "empty path");
    if (p[0] == '/')
        return lua_pushstring(L, p);
    return lua_pushfstring(L, "%s/%s", ctx_of(L)->workspace, p);
}

static char *xdup(const char *s)
{
    return s ? ix_xstrdup(s) : NULL;
}

/* Raise an error unless IDX is a non-empty list of strings.  Validation
 * comes before any allocation: luaL_error longjmps past C cleanup. */
static void check_strv(lua_State *L, int idx, const char *what)
{
    lua_Integer n = luaL_len(L, idx);
    if (n < 1)
        luaL_error(L, "infraexec.run: %s must be a non-empty list of strings", what);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_geti(L, idx, i) != LUA_TSTRING)
            luaL_error(L, "infraexec.run: %s[%d] must be a string, not %s", what, (int)i,
                       luaL_typename(L, -1));
        lua_pop(L, 1);
    }
}

/* The validated list at IDX as a NULL-terminated array. */
static char **copy_strv(lua_State *L, int idx)
{
    lua_Integer n = luaL_len(L, idx);
    char **v = ix_xcalloc((size_t)n + 1, sizeof *v);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, idx, i);
        v[i - 1] = ix_xstrdup(lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    return v;
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Raise an error unless IDX maps variable names to strings or numbers. */
static void check_env(lua_State *L, int idx)
{
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        int ok = name && (isalpha((unsigned char)name[0]) || name[0] == '_');
        for (const char *p = name; ok && *p; p++)
            ok = isalnum((unsigned char)*p) || *p == '_';
        if (!ok || (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER))
            luaL_error(L, "infraexec.run: env must map variable names to strings");
        lua_pop(L, 1);
    }
}

/* The validated env table at IDX as sorted "NAME=value" strings. */
static char **copy_env(lua_State *L, int idx)
{
    size_t n = 0;
    char **v = ix_xcalloc(1, sizeof *v);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        v = ix_xrealloc(v, (n + 2) * sizeof *v);
        ix_buf b = IX_BUF_INIT;
        lua_pushvalue(L, -1); /* lua_tostring on the copy: a number value stays a number */
        ix_buf_printf(&b, "%s=%s", lua_tostring(L, -3), lua_tostring(L, -1));
        lua_pop(L, 2);
        v[n++] = ix_buf_detach(&b);
        v[n] = NULL;
    }
    qsort(v, n, sizeof *v, by_str);
    return v;
}

static void reject_unknown_keys(lua_State *L, int idx, const char *fn, const char *const *keys)
{
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        int known = 0;
        if (lua_type(L, -1) == LUA_TSTRING)
            for (const char *const *k = keys; *k && !known; k++)
                known = strcmp(*k, lua_tostring(L, -1)) == 0;
        if (!known)
            luaL_error(L, "infraexec.%s: unknown field '%s'", fn, luaL_tolstring(L, -1, NULL));
    }
}

static double opt_number_field(lua_State *L, int idx, const char *key, double def)
{
    int t = lua_getfield(L, idx, key);
    double v = def;
    if (t == LUA_TNUMBER && lua_tonumber(L, -1) >= 0)
        v = lua_tonumber(L, -1);
    else if (t != LUA_TNIL)
        luaL_error(L, "infraexec.run: %s must be a number >= 0", key);
    lua_pop(L, 1);
    return v;
}

/* ---- infraexec.run ---- */

static void push_result(lua_State *L, const ix_cmd_record *r, const char *spawn_error)
{
    lua_createtable(L, 0, 10);
    int ok = r->executed ? r->exit_code == 0 && !r->timed_out && !r->interrupted : 1;
    lua_pushboolean(L, ok), lua_setfield(L, -2, "ok");
    lua_pushinteger(L, r->exit_code), lua_setfield(L, -2, "exit");
    if (r->term_signal)
        lua_pushinteger(L, r->term_signal), lua_setfield(L, -2, "signal");
    lua_pushboolean(L, r->timed_out), lua_setfield(L, -2, "timed_out");
    lua_pushboolean(L, r->interrupted), lua_setfield(L, -2, "interrupted");
    lua_pushinteger(L, r->attempts), lua_setfield(L, -2, "attempts");
    lua_pushnumber(L, r->duration), lua_setfield(L, -2, "duration");
    lua_pushstring(L, r->tail ? r->tail : ""), lua_setfield(L, -2, "output");
    lua_pushboolean(L, !r->executed), lua_setfield(L, -2, "dry_run");
    if (r->log_path)
        lua_pushstring(L, r->log_path), lua_setfield(L, -2, "log");
    if (spawn_error && *spawn_error)
        lua_pushstring(L, spawn_error), lua_setfield(L, -2, "error");
}

static int open_log(ix_luahost_ctx *ctx, ix_cmd_record *r)
{
    if (!ctx->log_dir)
        return -1;
    char name[64];
    snprintf(name, sizeof name, "%02d-criterion-%d.log", ctx->ncommands, ctx->current->index);
    ix_buf b = IX_BUF_INIT;
    /* A fresh name in the run's own log directory: never an existing file. */
    int fd = ix_path_join(&b, ctx->log_dir, (const char *const[]){name, NULL}, NULL) < 0 ? -1
             : open(b.data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0)
        r->log_path = ix_buf_detach(&b);
    ix_buf_free(&b);
    return fd;
}

/* Progress callbacks pass through the host, which also tells the watchdog
 * which process group is running. */
static void host_on_line(void *vh, int stream, const char *line, size_t len)
{
    ix_luahost *h = vh;
    if (h->ctx->on_line)
        h->ctx->on_line(h->ctx->ui, stream, line, len);
}

static void host_on_tick(void *vh)
{
    ix_luahost *h = vh;
    if (h->ctx->on_tick)
        h->ctx->on_tick(h->ctx->ui);
}

static int host_open_log(void *vh)
{
    ix_luahost *h = vh;
    h->log_fd = open_log(h->ctx, h->log_rec);
    return h->log_fd;
}

static void host_on_group(void *vh, pid_t pgid)
{
    ix_luahost *h = vh;
    if (h->wd)
        ix_watchdog_group(h->wd, pgid);
    if (h->ctx->on_group)
        h->ctx->on_group(h->ctx->ui, pgid);
}

/* ix.run, or with ACT 0 its dry-run stand-in: the same checks, the
 * command recorded, nothing spawned but what says it only reads. */
static int run_command(lua_State *L, int act)
{
    static const char *const keys[] = {"argv", "script", "cwd", "env", "timeout",
                                       "retries", "backoff", "starts_service", "read_only",
                                       NULL};
    ix_luahost_ctx *ctx = ctx_of(L);
    ix_crit_report *c = current(L, "run");
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    reject_unknown_keys(L, 1, "run", keys);
    int has_argv = lua_getfield(L, 1, "argv") != LUA_TNIL;
    int has_script = lua_getfield(L, 1, "script") != LUA_TNIL;
    lua_pop(L, 2);
    if (has_argv == has_script)
        return luaL_error(L, "infraexec.run: give exactly one of argv (a list) or script");

    double timeout = opt_number_field(L, 1, "timeout", ctx->timeout);
    double backoff = opt_number_field(L, 1, "backoff", ctx->backoff);
    double retries = opt_number_field(L, 1, "retries", ctx->retries);
    lua_getfield(L, 1, "starts_service");
    int starts_service = lua_toboolean(L, -1);
    lua_pop(L, 1);
    /* Stack: 2 argv/script, 3 env, 4 cwd -- all checked before allocating. */
    int kind = lua_getfield(L, 1, has_argv ? "argv" : "script");
    if (has_argv && kind != LUA_TTABLE)
        return luaL_error(L, "infraexec.run: argv must be a list of strings");
    if (has_argv)
        check_strv(L, 2, "argv");
    else if (kind != LUA_TSTRING)
        return luaL_error(L, "infraexec.run: script must be a string");
    int env_kind = lua_getfield(L, 1, "env");
    if (env_kind == LUA_TTABLE)
        check_env(L, 3);
    else if (env_kind != LUA_TNIL)
        return luaL_error(L, "infraexec.run: env must be a table");
    if (lua_getfield(L, 1, "cwd") != LUA_TNIL)
        push_path(L, 4);
    else
        lua_pushstring(L, ctx->workspace);

    ix_cmd_record r = {0};
    r.cwd = ix_xstrdup(lua_tostring(L, -1));
    r.env = env_kind == LUA_TTABLE ? copy_env(L, 3) : NULL;
    if (has_argv)
        r.argv = copy_strv(L, 2);
    else
        r.script = ix_xstrdup(lua_tostring(L, 2));

    /* Recorded before it runs, so an interrupted run still reports it. */
    c->cmds = ix_xrealloc(c->cmds, (c->ncmds + 1) * sizeof *c->cmds);
    ix_cmd_record *rec = &c->cmds[c->ncmds++];
    *rec = r;
    /* A command that only observes (read_only = true: kubectl get, openssl
     * x509) runs in a dry run too, so the dry run reports what is true; the
     * handler that says so is trusted to mean it. */
    lua_getfield(L, 1, "read_only");
    int run_now = act || lua_toboolean(L, -1);
    lua_pop(L, 1);
    rec->exit_code = run_now ? -1 : 0;
    if (!run_now) {
        push_result(L, rec, NULL);
        return 1;
    }
    ctx->ncommands++;
    ix_proc p = IX_PROC_INIT;
    p.argv = (const char *const *)rec->argv;
    p.script = rec->script;
    p.cwd = rec->cwd;
    p.env = (const char *const *)rec->env;
    p.timeout = timeout;
    p.retries = (int)retries;
    p.backoff = backoff;
    p.leave_running = starts_service;
    p.cancel = ctx->cancel;
    p.secrets = ctx->secrets;
    const char *log_max = ctx->config ? ix_config_str(ctx->config, "command_log_max") : NULL;
    p.log_max = log_max ? (size_t)strtod(log_max, NULL) : 0;
    p.on_line = host_on_line;
    p.on_tick = host_on_tick;
    p.on_group = host_on_group;
    ix_luahost *h = host_of(L);
    p.ctx = h;
    p.open_log = host_open_log; /* at its first output line or failure */
    h->log_rec = rec;
    h->log_fd = -1;
    if (ctx->on_command)
        ctx->on_command(ctx->ui, rec, 0);
    ix_err err;
    int rc = ix_proc_run(&p, &err);
    if (h->log_fd >= 0)
        close(h->log_fd);
    rec->executed = 1;
    rec->exit_code = p.exit_code;
    rec->term_signal = p.term_signal;
    rec->timed_out = p.timed_out;
    rec->interrupted = p.interrupted;
    rec->attempts = p.attempts;
    rec->duration = p.duration;
    rec->tail = ix_xstrdup(p.spawn_error[0] ? p.spawn_error : (p.tail ? p.tail : ""));
    if (ctx->on_command)
        ctx->on_command(ctx->ui, rec, 1);
    char spawn_error[sizeof p.spawn_error];
    memcpy(spawn_error, p.spawn_error, sizeof spawn_error);
    ix_proc_clear(&p);
    if (rc < 0)
        return luaL_error(L, "infraexec.run: %s", err.msg);
    push_result(L, rec, spawn_error);
    return 1;
}

static int l_run(lua_State *L)
{
    return run_command(L, 1);
}

static int l_run_dry(lua_State *L)
{
    return run_command(L, 0);
}

/* ---- files ---- */

static void add_root(ix_luahost *h, const char *path)
{
    char real[PATH_MAX];
    if (!path || !realpath(path, real))
        return; /* a root that does not exist yet cannot contain anything */
    h->roots = ix_xrealloc(h->roots, (h->nroots + 1) * sizeof *h->roots);
    h->roots[h->nroots++] = ix_xstrdup(real);
}

/* The roots the config names: the tasks, the projects, the GitOps
 * repository, the registry's certificate files, the architecture doc and
 * the files that carry the registry address; the workspace when there is
 * no config. */
static void collect_roots(ix_luahost *h)
{
    const ix_luahost_ctx *ctx = h->ctx;
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
    const ix_fm_node *root = ctx->config ? ctx->config->root : NULL;
    if (!root) {
        add_root(h, ctx->workspace);
        return;
    }
    static const char *const files[] = {"gitops.path", "registry.certificate", "registry.key",
                                        "registry.ca", "architecture_doc", NULL};
    for (const char *const *f = files; *f; f++)
        add_root(h, ix_config_str(ctx->config, *f));
    const ix_fm_node *projects = ix_fm_get(root, "projects");
    for (size_t i = 0; projects && i < projects->nchild; i++)
        add_root(h, ix_fm_str(&projects->child[i], "path"));
    const ix_fm_node *list = ix_fm_get(root, "registry_files");
    for (size_t i = 0; list && i < list->nchild; i++)
        add_root(h, list->child[i].value);
}

/* Whether REAL, a path with no symlink in it, is inside one of the roots. */
static int inside_roots(const ix_luahost *h, const char *real)
{
    for (size_t i = 0; i < h->nroots; i++) {
        size_t n = strlen(h->roots[i]);
        if (strncmp(real, h->roots[i], n) == 0 && (real[n] == '\0' || real[n] == '/'))
            return 1;
    }
    return 0;
}

/* For luatask.c's primitives (luatask.h). */
ix_luahost_ctx *ix_luahost_ctx_of(lua_State *L)
{
    return ctx_of(L);
}

ix_crit_report *ix_luahost_current(lua_State *L, const char *fn)
{
    return current(L, fn);
}

int ix_luahost_inside_roots(lua_State *L, const char *real)
{
    return inside_roots(host_of(L), real);
}

static int l_read_file(lua_State *L)
{
    const char *path = push_path(L, 1);
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
    ix_crit_report *c = current(L, "write_file");
    const char *path = push_path(L, 1);
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
        confined = inside_roots(host_of(L), where.data);
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
                                 "infraexec.yaml names (tasks, projects, gitops, registry files); "
                                 "refused", path);
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

static int l_write_file_dry(lua_State *L)
{
    return write_file(L, 0);
}

/* ---- the rest ---- */

static int l_log(lua_State *L)
{
    ix_luahost_ctx *ctx = ctx_of(L);
    const char *text = luaL_checkstring(L, 1);
    if (!ctx->append_log)
        return 0;
    ix_err err;
    if (ctx->append_log(ctx->run, text, &err) < 0)
        return luaL_error(L, "infraexec.log: %s", err.msg);
    return 0;
}

static int l_log_dry(lua_State *L)
{
    luaL_checkstring(L, 1);
    return 0;
}

static int l_now(lua_State *L)
{
    ix_now now;
    ix_err err;
    if (ix_clock_now(&now, &err) < 0)
        return luaL_error(L, "%s", err.msg);
    lua_pushstring(L, lua_toboolean(L, lua_upvalueindex(1)) ? now.date : now.stamp);
    return 1;
}

static int l_dry_run(lua_State *L)
{
    lua_pushboolean(L, ctx_of(L)->dry_run);
    return 1;
}

static int l_task(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, "infraexec.task");
    return 1;
}


/* "file", "directory", "other" or nil; whether we may execute it; and its
 * real path (links resolved). */
/* ix.getenv(NAME): the environment infraexec runs in (HOME, PATH...), read
 * only; the sandbox has no os library. */
static int l_getenv(lua_State *L)
{
    const char *v = getenv(luaL_checkstring(L, 1));
    if (v)
        lua_pushstring(L, v);
    else
        lua_pushnil(L);
    return 1;
}

static int l_exists(lua_State *L)
{
    const char *path = push_path(L, 1);
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

static int l_debug(lua_State *L)
{
    size_t n;
    const char *msg = luaL_tolstring(L, 1, &n);
    ix_buf m = IX_BUF_INIT, shown = IX_BUF_INIT;
    ix_buf_append(&m, msg, n);
    ix_secrets_mask(ctx_of(L)->secrets, &m);
    ix_safe_append(&shown, m.data, m.len, 0);
    fprintf(stderr, "infraexec: lua: %s\n", shown.data);
    ix_buf_free(&m);
    ix_buf_free(&shown);
    return 0;
}

static void push_strv(lua_State *L, char *const *v, size_t n)
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, v[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

/* A YAML tree as Lua tables: the scalars the config's schema types as
 * booleans become booleans, everything else stays a string. */
static void push_fm(lua_State *L, const ix_fm_node *n)
{
    /* A level holds two slots (its table, a child); the stack has only
     * LUA_MINSTACK unless grown, and the parser allows 64 levels. */
    luaL_checkstack(L, 3, "YAML nested too deeply");
    switch (n->kind) {
    case IX_FM_SCALAR:
    case IX_FM_ALIAS:
        if (n->boolean)
            lua_pushboolean(L, n->value[0] == 't');
        else
            lua_pushstring(L, n->value);
        return;
    case IX_FM_SEQ:
    case IX_FM_MAP:
        lua_createtable(L, 0, (int)n->nchild);
        for (size_t i = 0; i < n->nchild; i++) {
            push_fm(L, &n->child[i]);
            if (n->kind == IX_FM_MAP)
                lua_setfield(L, -2, n->child[i].key);
            else
                lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
    }
}

static void push_criterion(lua_State *L, const ix_criterion *c)
{
    lua_createtable(L, 0, 7);
    lua_pushinteger(L, c->index), lua_setfield(L, -2, "index");
    lua_pushinteger(L, c->line), lua_setfield(L, -2, "line");
    lua_pushstring(L, c->text), lua_setfield(L, -2, "text");
    lua_pushboolean(L, c->checked), lua_setfield(L, -2, "checked");
    if (c->group)
        lua_pushstring(L, c->group), lua_setfield(L, -2, "group");
    push_strv(L, c->code, c->ncode), lua_setfield(L, -2, "code");
}

/* The task as a Lua table, built once and kept in the registry. */
static void store_task(lua_State *L, const ix_task *t, const char *workspace)
{
    lua_createtable(L, 0, 12);
    static const struct { const char *key; size_t off; } fields[] = {
        {"id", offsetof(ix_task, id)}, {"title", offsetof(ix_task, title)},
        {"status", offsetof(ix_task, status)}, {"priority", offsetof(ix_task, priority)},
        {"created", offsetof(ix_task, created)}, {"updated", offsetof(ix_task, updated)},
    };
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        const char *v = *(const char *const *)((const char *)t + fields[i].off);
        if (v)
            lua_pushstring(L, v), lua_setfield(L, -2, fields[i].key);
    }
    lua_pushstring(L, t->path), lua_setfield(L, -2, "path");
    lua_pushstring(L, workspace), lua_setfield(L, -2, "workspace");
    push_strv(L, (char *const *)t->labels, t->nlabels), lua_setfield(L, -2, "labels");
    push_fm(L, t->fm), lua_setfield(L, -2, "frontmatter");
    lua_createtable(L, (int)t->ncriteria, 0);
    for (size_t i = 0; i < t->ncriteria; i++) {
        push_criterion(L, &t->criteria[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "criteria");
    lua_createtable(L, (int)t->ncode, 0);
    for (size_t i = 0; i < t->ncode; i++) {
        const ix_code_block *b = &t->code[i];
        lua_createtable(L, 0, 4);
        lua_pushinteger(L, b->line), lua_setfield(L, -2, "line");
        lua_pushstring(L, b->lang), lua_setfield(L, -2, "lang");
        lua_pushstring(L, b->section), lua_setfield(L, -2, "section");
        lua_pushstring(L, b->text), lua_setfield(L, -2, "text");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "code_blocks");
    lua_setfield(L, LUA_REGISTRYINDEX, "infraexec.task");
}

/* A copy of the table at IDX, its tables copied too (a config tree: no
 * cycles, no metatables). */
static void copy_tree(lua_State *L, int idx)
{
    luaL_checkstack(L, 4, "infraexec.config: too deeply nested");
    idx = lua_absindex(L, idx);
    lua_createtable(L, (int)lua_rawlen(L, idx), 0);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            copy_tree(L, -1);
            lua_remove(L, -2);
        }
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
}

static const char config_key = 0; /* the registry's slot for the built config */

/* infraexec.yaml as a table (empty without one); `path` names the file.
 * Built from the YAML tree once per Lua state; each call returns a copy of
 * that, so a handler changing its table changes no other caller's. */
static int l_config(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &config_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        const ix_config *cfg = ctx_of(L)->config;
        if (cfg && cfg->root) {
            push_fm(L, cfg->root);
            lua_pushstring(L, cfg->path), lua_setfield(L, -2, "path");
        } else {
            lua_newtable(L);
        }
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &config_key);
    }
    copy_tree(L, -1);
    return 1;
}

/* In a dry run, git_commit is this: the commit is shown with the
 * criterion's commands (as the git command it amounts to), not made. */
static int l_dry_commit(lua_State *L)
{
    lua_Integer n = ix_luaext_check_commit(L);
    ix_crit_report *c = current(L, "git_commit");
    ix_cmd_record r = {0};
    r.argv = ix_xcalloc((size_t)n + 8, sizeof *r.argv); /* 7 words, the paths, NULL */
    size_t k = 0;
    r.argv[k++] = ix_xstrdup("git");
    r.argv[k++] = ix_xstrdup("-C");
    r.argv[k++] = ix_xstrdup(lua_tostring(L, 1));
    r.argv[k++] = ix_xstrdup("commit");
    r.argv[k++] = ix_xstrdup("-m");
    r.argv[k++] = ix_xstrdup(lua_tostring(L, 3));
    r.argv[k++] = ix_xstrdup("--");
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 2, i);
        r.argv[k++] = ix_xstrdup(lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    r.cwd = ix_xstrdup(lua_tostring(L, 1));
    c->cmds = ix_xrealloc(c->cmds, (c->ncmds + 1) * sizeof *c->cmds);
    c->cmds[c->ncmds++] = r;
    lua_pushstring(L, "(dry run)");
    return 1;
}

/* In a dry run, git_push is this: the push is shown as the git command it
 * amounts to, not made, and the remote is left as it is. */
static int l_dry_push(lua_State *L)
{
    const char *dir = luaL_checkstring(L, 1), *remote = luaL_checkstring(L, 2);
    const char *branch = luaL_checkstring(L, 3);
    ix_crit_report *c = current(L, "git_push");
    ix_cmd_record r = {0};
    r.argv = ix_xcalloc(7, sizeof *r.argv);
    r.argv[0] = ix_xstrdup("git");
    r.argv[1] = ix_xstrdup("-C");
    r.argv[2] = ix_xstrdup(dir);
    r.argv[3] = ix_xstrdup("push");
    r.argv[4] = ix_xstrdup(remote);
    r.argv[5] = ix_xstrdup(lua_pushfstring(L, "HEAD:refs/heads/%s", branch));
    lua_pop(L, 1);
    r.cwd = ix_xstrdup(dir);
    c->cmds = ix_xrealloc(c->cmds, (c->ncmds + 1) * sizeof *c->cmds);
    c->cmds[c->ncmds++] = r;
    lua_pushstring(L, "(dry run)");
    return 1;
}

/* Settings the git primitives read from the registry. */
static void store_git_settings(lua_State *L, const ix_luahost_ctx *ctx)
{
    /* git_commit masks its message with them */
    lua_pushlightuserdata(L, (void *)ctx->secrets);
    lua_setfield(L, LUA_REGISTRYINDEX, "infraexec.secrets");
    const char *name = ctx->config ? ix_config_str(ctx->config, "git.author_name") : NULL;
    const char *email = ctx->config ? ix_config_str(ctx->config, "git.author_email") : NULL;
    if (name && email) {
        lua_createtable(L, 0, 2);
        lua_pushstring(L, name), lua_setfield(L, -2, "name");
        lua_pushstring(L, email), lua_setfield(L, -2, "email");
        lua_setfield(L, LUA_REGISTRYINDEX, "infraexec.git_identity");
    }
}

static int open_module(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"run", l_run},           {"read_file", l_read_file}, {"write_file", l_write_file},
        {"log", l_log},           {"dry_run", l_dry_run},     {"task", l_task},
        {"exists", l_exists},     {"debug", l_debug},         {"config", l_config},
        {"getenv", l_getenv},
        {NULL, NULL},
    };
    /* Every primitive that spawns or writes, with what stands in for it in
     * a dry run: there the acting function never enters the state, so no
     * flag check can be forgotten.  A new such primitive belongs here (or
     * in luatask.c's table, for task files and moves). */
    static const luaL_Reg dry[] = {
        {"run", l_run_dry},       {"write_file", l_write_file_dry},
        {"log", l_log_dry},       {"git_commit", l_dry_commit},
        {"git_push", l_dry_push}, {NULL, NULL},
    };
    luaL_newlib(L, funcs);
    ix_luaext_register(L);
    lua_pushboolean(L, 0);
    lua_pushcclosure(L, l_now, 1), lua_setfield(L, -2, "now");
    lua_pushboolean(L, 1);
    lua_pushcclosure(L, l_now, 1), lua_setfield(L, -2, "today");
    lua_pushcfunction(L, ix_luasandbox_error_text), lua_setfield(L, -2, "error_text");
    lua_pushcfunction(L, ix_luasandbox_where), lua_setfield(L, -2, "where");
    if (ctx_of(L)->dry_run)
        luaL_setfuncs(L, dry, 0);
    ix_luatask_register(L, ctx_of(L)->dry_run);
    return 1;
}

/* The allow-listed standard libraries (luasandbox.c), print to stderr
 * (stdout belongs to the report) and the infraexec module. */
static void open_libs(lua_State *L, const char *const *handler_dirs, const char *const *lua_dirs)
{
    size_t nh = 0, nl = 0;
    while (handler_dirs[nh])
        nh++;
    while (lua_dirs[nl])
        nl++;
    const char **code = ix_xcalloc(nh + nl + 1, sizeof *code);
    memcpy(code, handler_dirs, nh * sizeof *code);
    memcpy(code + nh, lua_dirs, nl * sizeof *code);
    ix_luasandbox_open(L, &host_of(L)->stop, code, lua_dirs);
    free(code);
    lua_pushcfunction(L, l_debug);
    lua_setglobal(L, "print");
    luaL_requiref(L, "infraexec", open_module, 0);
    lua_pop(L, 1);
}

static void push_dirs(lua_State *L, const char *const *dirs)
{
    lua_newtable(L);
    for (lua_Integer i = 0; dirs[i]; i++) {
        lua_pushstring(L, dirs[i]);
        lua_rawseti(L, -2, i + 1);
    }
}

int ix_luahost_open(ix_luahost **out, ix_luahost_ctx *ctx, const char *const *handler_dirs,
                    const char *const *lua_dirs, ix_err *err)
{
    if (!lua_dirs[0] || !handler_dirs[0])
        return ix_err_set(err, "no %s directory found (looked beside the binary, in the "
                               "workspace %s and $INFRAEXEC_PATH); reinstall infraexec or pass "
                               "--handlers DIR", !lua_dirs[0] ? "lua" : "handlers",
                          ctx->workspace);
    ix_luahost *h = ix_xcalloc(1, sizeof *h);
    h->ctx = ctx;
    h->mem_limit = LUA_MEM_LIMIT;
    h->insn_limit = LUA_INSN_LIMIT;
    collect_roots(h);
    lua_State *L = h->L = lua_newstate(limited_alloc, h);
    if (!L) {
        ix_luahost_close(h);
        return ix_err_set(err, "cannot create a Lua state");
    }
    open_libs(L, handler_dirs, lua_dirs);
    if (ctx->task) {
        store_task(L, ctx->task, ctx->workspace);
    } else {
        lua_createtable(L, 0, 4);
        lua_newtable(L), lua_setfield(L, -2, "labels");
        lua_newtable(L), lua_setfield(L, -2, "criteria");
        lua_newtable(L), lua_setfield(L, -2, "code_blocks");
        lua_pushstring(L, ctx->workspace), lua_setfield(L, -2, "workspace");
        lua_setfield(L, LUA_REGISTRYINDEX, "infraexec.task");
    }
    store_git_settings(L, ctx);
    lua_sethook(L, count_hook, LUA_MASKCOUNT, LUA_HOOK_EVERY);
    if (ctx->cancel && ix_watchdog_start(&h->wd, ctx->cancel, LUA_WATCHDOG_GRACE,
                                         IX_EXIT_INTERRUPTED, IX_EXIT_TIMEOUT, err) < 0) {
        ix_luahost_close(h);
        return -1;
    }

    /* engine = require "infraexec.engine"; engine.load(handler_dirs) */
    lua_getglobal(L, "require");
    lua_pushstring(L, "infraexec.engine");
    if (pcall(h, 1, 1, "loading the engine", err) < 0) {
        ix_luahost_close(h);
        return -1;
    }
    if (ctx->task) {
        lua_getfield(L, -1, "load");
        push_dirs(L, handler_dirs);
        h->insn = 0;
        if (pcall(h, 1, 0, "loading the handlers", err) < 0) {
            ix_luahost_close(h);
            return -1;
        }
    }
    lua_setfield(L, LUA_REGISTRYINDEX, "infraexec.engine");
    *out = h;
    return 0;
}

int ix_luahost_call(ix_luahost *h, const char *name, const char *const *handler_dirs,
                    json_t **out, ix_err *err)
{
    lua_State *L = h->L;
    lua_getfield(L, LUA_REGISTRYINDEX, "infraexec.engine");
    lua_getfield(L, -1, name);
    lua_remove(L, -2);
    push_dirs(L, handler_dirs);
    h->insn = 0;
    h->stop = (ix_lua_stop){.catchable = 1}; /* the engine's xpcall around each file */
    int rc = pcall(h, 1, 1, name, err);
    h->stop.catchable = 0;
    if (rc < 0)
        return -1;
    *out = ix_luaext_to_json(L, -1, 0);
    lua_pop(L, 1);
    return 0;
}

static char *field_string(lua_State *L, const char *key)
{
    lua_getfield(L, -1, key);
    char *s = xdup(lua_tostring(L, -1));
    lua_pop(L, 1);
    return s;
}

/* The engine's evidence list (engine.judge checked its shape) into CR,
 * replacing what an earlier dispatch left. */
static void read_evidence(lua_State *L, ix_crit_report *cr)
{
    for (size_t i = 0; i < cr->nevidence; i++) {
        free(cr->evidence[i].looked_at);
        free(cr->evidence[i].expected);
        free(cr->evidence[i].seen);
    }
    free(cr->evidence);
    cr->evidence = NULL;
    cr->nevidence = 0;
    if (lua_getfield(L, -1, "evidence") == LUA_TTABLE) {
        lua_Integer n = luaL_len(L, -1);
        cr->evidence = ix_xcalloc(n > 0 ? (size_t)n : 1, sizeof *cr->evidence);
        for (lua_Integer i = 1; i <= n; i++) {
            if (lua_geti(L, -1, i) == LUA_TTABLE) {
                ix_observation *o = &cr->evidence[cr->nevidence++];
                lua_getfield(L, -1, "ok");
                o->ok = lua_toboolean(L, -1);
                lua_getfield(L, -2, "after_action");
                o->after_action = lua_toboolean(L, -1);
                lua_pop(L, 2);
                o->looked_at = field_string(L, "looked_at");
                o->expected = field_string(L, "expected");
                o->seen = field_string(L, "seen");
            }
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

int ix_luahost_dispatch(ix_luahost *h, const ix_criterion *c, const char *mode, int *done,
                        int *checkable, ix_err *err)
{
    lua_State *L = h->L;
    ix_crit_report *cr = h->ctx->current;
    lua_getfield(L, LUA_REGISTRYINDEX, "infraexec.engine");
    lua_getfield(L, -1, "dispatch");
    lua_remove(L, -2);
    lua_getfield(L, LUA_REGISTRYINDEX, "infraexec.task");
    lua_getfield(L, -1, "criteria");
    lua_remove(L, -2);
    lua_geti(L, -1, c->index);
    lua_remove(L, -2);
    lua_pushstring(L, mode);
    h->insn = 0;
    h->stop = (ix_lua_stop){.catchable = 1}; /* the engine's xpcall around the rule */
    char what[32];
    snprintf(what, sizeof what, "criterion %d", c->index);
    int rc = pcall(h, 2, 1, what, err);
    h->stop.catchable = 0;
    if (rc < 0 && h->stop.stopping) {
        /* A limit or the cancel went past the engine: the criterion's
         * failure, not the engine's. */
        *done = 0;
        cr->blocked = 0;
        if (checkable)
            *checkable = 1;
        free(cr->reason);
        cr->reason = ix_xstrdup(err->msg);
        return 0;
    }
    if (rc < 0)
        return -1;
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return ix_err_set(err, "engine.dispatch did not return a table");
    }
    lua_getfield(L, -1, "done");
    *done = lua_toboolean(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, -1, "blocked");
    cr->blocked = lua_toboolean(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, -1, "unverifiable");
    if (checkable)
        *checkable = !lua_toboolean(L, -1);
    lua_pop(L, 1);
    free(cr->rule);
    free(cr->reason);
    free(cr->kind);
    cr->rule = field_string(L, "rule");
    cr->reason = field_string(L, "reason");
    cr->kind = field_string(L, "kind");
    read_evidence(L, cr);
    lua_pop(L, 1);
    return 0;
}

void ix_luahost_close(ix_luahost *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->nroots; i++)
        free(h->roots[i]);
    free(h->roots);
    ix_watchdog_stop(h->wd);
    if (h->L)
        lua_close(h->L);
    free(h);
}
