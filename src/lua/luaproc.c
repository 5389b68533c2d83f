/* luaproc.c - see include/infraexec/lua/luaproc.h */
#include "infraexec/lua/luaproc.h"

#include "infraexec/lua/luafs.h"
#include "infraexec/base/pathjoin.h"
#include "infraexec/sys/proc.h"
#include "infraexec/lua/watchdog.h"

#include <ctype.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Raise an error unless IDX is a non-empty list of strings.  Validation
 * comes before any allocation: luaL_error longjmps past C cleanup. */
static void check_strv(lua_State *L, int idx, const char *what)
{
    lua_Integer n = luaL_len(L, idx);
    if (n < 1)
        luaL_error(L, "infraexec.proc.run: %s must be a non-empty list of strings", what);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_geti(L, idx, i) != LUA_TSTRING)
            luaL_error(L, "infraexec.proc.run: %s[%d] must be a string, not %s", what, (int)i,
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
            luaL_error(L, "infraexec.proc.run: env must map variable names to strings");
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
        luaL_error(L, "infraexec.proc.run: %s must be a number >= 0", key);
    lua_pop(L, 1);
    return v;
}

/* ---- ix.proc.run ---- */

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

/* The command running now, as its progress callbacks see it. */
typedef struct running {
    ix_luahost_ctx *ctx;
    ix_watchdog *wd;        /* NULL when nothing can cancel (handler tooling) */
    ix_cmd_record *log_rec; /* the running command, whose log opens on demand */
    int log_fd;
} running;

/* Progress callbacks pass through here, which also tells the watchdog
 * which process group is running. */
static void host_on_line(void *vh, int stream, const char *line, size_t len)
{
    running *h = vh;
    if (h->ctx->on_line)
        h->ctx->on_line(h->ctx->ui, stream, line, len);
}

static void host_on_tick(void *vh)
{
    running *h = vh;
    if (h->ctx->on_tick)
        h->ctx->on_tick(h->ctx->ui);
}

static int host_open_log(void *vh)
{
    running *h = vh;
    h->log_fd = open_log(h->ctx, h->log_rec);
    return h->log_fd;
}

static void host_on_group(void *vh, pid_t pgid)
{
    running *h = vh;
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
    ix_luahost_ctx *ctx = ix_luahost_ctx_of(L);
    ix_crit_report *c = ix_luahost_current(L, "proc.run");
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    reject_unknown_keys(L, 1, "proc.run", keys);
    int has_argv = lua_getfield(L, 1, "argv") != LUA_TNIL;
    int has_script = lua_getfield(L, 1, "script") != LUA_TNIL;
    lua_pop(L, 2);
    if (has_argv == has_script)
        return luaL_error(L, "infraexec.proc.run: give exactly one of argv (a list) or script");

    double timeout = opt_number_field(L, 1, "timeout", ctx->timeout);
    double backoff = opt_number_field(L, 1, "backoff", ctx->backoff);
    double retries = opt_number_field(L, 1, "retries", ctx->retries);
    lua_getfield(L, 1, "starts_service");
    int starts_service = lua_toboolean(L, -1);
    lua_pop(L, 1);
    /* Stack: 2 argv/script, 3 env, 4 cwd -- all checked before allocating. */
    int kind = lua_getfield(L, 1, has_argv ? "argv" : "script");
    if (has_argv && kind != LUA_TTABLE)
        return luaL_error(L, "infraexec.proc.run: argv must be a list of strings");
    if (has_argv)
        check_strv(L, 2, "argv");
    else if (kind != LUA_TSTRING)
        return luaL_error(L, "infraexec.proc.run: script must be a string");
    int env_kind = lua_getfield(L, 1, "env");
    if (env_kind == LUA_TTABLE)
        check_env(L, 3);
    else if (env_kind != LUA_TNIL)
        return luaL_error(L, "infraexec.proc.run: env must be a table");
    if (lua_getfield(L, 1, "cwd") != LUA_TNIL)
        ix_luafs_push_path(L, 4);
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
    running cmd = {ctx, ix_luahost_watchdog(L), rec, -1}, *h = &cmd;
    p.ctx = h;
    p.open_log = host_open_log; /* at its first output line or failure */
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
        return luaL_error(L, "infraexec.proc.run: %s", err.msg);
    push_result(L, rec, spawn_error);
    return 1;
}

static int l_run(lua_State *L)
{
    return run_command(L, 1);
}

int ix_luaproc_run_dry(lua_State *L)
{
    return run_command(L, 0);
}

void ix_luaproc_open(lua_State *L)
{
    static const luaL_Reg funcs[] = {{"run", l_run}, {NULL, NULL}};
    luaL_setfuncs(L, funcs, 0);
}
