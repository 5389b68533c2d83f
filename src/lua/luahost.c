/* luahost.c - see include/infraexec/lua/luahost.h */
#include "infraexec/lua/luahost.h"

#include "infraexec/lua/luaapi.h"
#include "infraexec/lua/luafs.h"
#include "infraexec/lua/luajson.h"
#include "infraexec/lua/luamodel.h"
#include "infraexec/lua/luaschema.h"
#include "infraexec/lua/luasandbox.h"
#include "infraexec/lua/luastop.h"
#include "infraexec/lua/watchdog.h"

#include "infraexec/base/clock.h"
#include "infraexec/base/exitcode.h"
#include "infraexec/base/safetext.h"
#include "infraexec/sys/secrets.h"

#include <stdio.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A handler may not use more than this much memory or this much CPU per
 * criterion (about 1,000 million VM instructions here): a runaway rule is
 * stopped and reported, and the run goes on. */
#define LUA_MEM_LIMIT ((size_t)256 << 20)
#define LUA_CPU_LIMIT 3 /* seconds */
/* The collector's pause (percent: a cycle starts when the heap reaches that
 * much of what the last one left) while the state loads, and Lua's default
 * after.  Loading builds what stays live for the whole run (modules,
 * handlers, the wording index), so cycles during it mark live data in vain:
 * 600 takes ~0.75 M instructions (~0.19 ms) off a 5 ms dry run.  The
 * default comes back for the dispatch, whose garbage grows with the task
 * (a 10,000-criterion dry run: 31 MiB peak either way, 51 MiB with 600
 * throughout).  Neither bends the memory limit: past it limited_alloc
 * fails, and Lua collects in full and retries before it gives up. */
#define LUA_LOAD_GCPAUSE 600
#define LUA_GCPAUSE 200
/* How often the hook runs once set: while stopping, and in coroutines. */
#define LUA_HOOK_EVERY 10000
/* How long a call into Lua may outlast the deadline or an interrupt before
 * the watchdog ends the process: longer than ix.run needs to stop its
 * command (SIGTERM, 2 s, SIGKILL). */
#define LUA_WATCHDOG_GRACE 5.0

struct ix_luahost {
    lua_State *L;
    ix_luahost_ctx *ctx;
    ix_luafs_roots roots; /* where handlers may write: what the config names */
    ix_luagit_ctx git; /* what git.commit needs from the run (its upvalue) */
    size_t mem, mem_limit;
    int last;          /* ctx->last: lua_close is left to the exit */
    ix_watchdog *wd;
    volatile sig_atomic_t never; /* the watchdog's cancel when nothing can cancel */
    ix_lua_stop stop;  /* set as the hook raises: handler code cannot catch it */
};

/* Registry slots, by address: no string a handler could guess. */
static const char engine_key = 0;

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

/* Set when the watchdog says Lua must stop (luastop.h), always on in
 * coroutines: stops Lua once the run is cancelled, past its deadline or
 * over the call's CPU budget (only Lua and the C it calls count, not the
 * commands it waits on).  Nothing in the sandbox can remove it (no debug
 * library); finalizers, where Lua turns hooks off, are refused
 * (luasandbox.c). */
static void count_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    ix_luahost *h = host_of(L);
    volatile sig_atomic_t *cancel = h->ctx->cancel;
    if (cancel && !*cancel && h->ctx->deadline > 0 && ix_clock_mono() > h->ctx->deadline)
        *cancel = 2; /* as the run does between commands */
    int stop = cancel && *cancel;
    if (!stop && !(h->wd && ix_watchdog_over_budget(h->wd))) {
        if (L == h->L)
            ix_luastop_set(L, 0); /* a stray signal, or one for a call now over */
        return;
    }
    h->stop.stopping = 1;
    if (h->wd)
        ix_watchdog_stopping(h->wd);
    /* It raises again, as the stop is caught, until the call ends; in the
     * main thread too when this is a coroutine. */
    ix_luastop_set(h->L, LUA_HOOK_EVERY);
    luaL_where(L, 0); /* the running function: where the loop is */
    if (stop)
        lua_pushstring(L, *cancel == 2 ? "stopped by --task-timeout" : "interrupted");
    else
        lua_pushfstring(L, "handler ran more than %d s of CPU time (endless loop?)",
                        LUA_CPU_LIMIT);
    lua_concat(L, 2);
    lua_error(L);
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
    ix_watchdog_enter(h->wd, h->ctx->deadline, what);
    int rc = lua_pcall(L, nargs, nres, base);
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

/* For the binding's other files (luahost.h). */
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
    return ix_luafs_roots_inside(&host_of(L)->roots, real);
}

ix_watchdog *ix_luahost_watchdog(lua_State *L)
{
    return host_of(L)->wd;
}

static char *xdup(const char *s)
{
    return s ? ix_xstrdup(s) : NULL;
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

static int l_now(lua_State *L)
{
    ix_now now;
    ix_err err;
    if (ix_clock_now(&now, &err) < 0)
        return luaL_error(L, "%s", err.msg);
    lua_pushstring(L, lua_toboolean(L, lua_upvalueindex(1)) ? now.date : now.stamp);
    return 1;
}

/* ix.epoch(): seconds since 1970 UTC from the real clock, never
 * INFRAEXEC_NOW: cluster timestamps (a container's startedAt) are compared
 * with it, and they come from the real clock too. */
static int l_epoch(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)time(NULL));
    return 1;
}

static int l_dry_run(lua_State *L)
{
    lua_pushboolean(L, ctx_of(L)->dry_run);
    return 1;
}

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


/* What git.commit needs from the run (luagit.h): the secrets it masks its
 * message with, and the configured author. */
static void git_settings(ix_luahost *h)
{
    const ix_luahost_ctx *ctx = h->ctx;
    h->git.secrets = ctx->secrets;
    const char *name = ctx->config ? ix_config_str(ctx->config, "git.author_name") : NULL;
    const char *email = ctx->config ? ix_config_str(ctx->config, "git.author_email") : NULL;
    if (name && email) {
        h->git.author_name = name;
        h->git.author_email = email;
    }
}

static int open_module(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"log", l_log},           {"dry_run", l_dry_run},      {"config", ix_luamodel_config},
        {"debug", l_debug},       {"getenv", l_getenv},        {"epoch", l_epoch},
        {NULL, NULL},
    };
    luaL_newlib(L, funcs);
    lua_pushboolean(L, 0);
    lua_pushcclosure(L, l_now, 1), lua_setfield(L, -2, "now");
    lua_pushboolean(L, 1);
    lua_pushcclosure(L, l_now, 1), lua_setfield(L, -2, "today");
    lua_pushcfunction(L, ix_luasandbox_error_text), lua_setfield(L, -2, "error_text");
    lua_pushcfunction(L, ix_luasandbox_where), lua_setfield(L, -2, "where");
    /* The families; in a dry run with the stand-ins (luadry.h). */
    ix_luaapi_open(L, ctx_of(L)->workspace, &host_of(L)->git, ctx_of(L)->dry_run);
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

/* CFG against the sections the loaded modules declared (luaschema.h,
 * config.h); ix.config() is built again from the checked tree. */
static int check_config(ix_luahost *h, ix_config *cfg, ix_err *err)
{
    ix_luaschema s = {0};
    lua_pushcfunction(h->L, ix_luaschema_read);
    lua_pushlightuserdata(h->L, &s);
    int rc = pcall(h, 1, 0, "reading the config schema", err);
    if (rc == 0)
        rc = ix_config_validate(cfg, s.fields, err);
    ix_luaschema_free(&s);
    ix_luamodel_forget_config(h->L);
    return rc;
}

int ix_luahost_check_schema(ix_luahost *h, ix_err *err)
{
    ix_config none = {0};
    return check_config(h, &none, err);
}

int ix_luahost_preflight(ix_luahost *h, ix_err *err)
{
    lua_State *L = h->L;
    ix_luahost_ctx *ctx = h->ctx, saved = *ctx;
    /* Its commands are checks, not the task's work: recorded nowhere, shown
     * nowhere (as the core's own checks). */
    ix_report scratch = {.crit = ix_xcalloc(1, sizeof *scratch.crit), .ncrit = 1};
    ctx->current = scratch.crit;
    ctx->on_command = NULL, ctx->on_line = NULL, ctx->on_tick = NULL, ctx->on_group = NULL;
    lua_getglobal(L, "require");
    lua_pushstring(L, "infraexec.core.config");
    int rc = pcall(h, 1, 1, "preflight", err);
    if (rc == 0) {
        lua_getfield(L, -1, "preflight");
        lua_remove(L, -2);
        rc = pcall(h, 0, 1, "preflight", err);
    }
    if (rc == 0) {
        if (lua_type(L, -1) == LUA_TSTRING)
            rc = ix_err_set(err, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    ctx->current = saved.current;
    ctx->on_command = saved.on_command, ctx->on_line = saved.on_line;
    ctx->on_tick = saved.on_tick, ctx->on_group = saved.on_group;
    ix_report_free(&scratch);
    return rc;
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
    h->last = ctx->last;
    h->mem_limit = LUA_MEM_LIMIT;
    git_settings(h);
    lua_State *L = h->L = lua_newstate(limited_alloc, h);
    if (!L) {
        ix_luahost_close(h);
        return ix_err_set(err, "cannot create a Lua state");
    }
    lua_gc(L, LUA_GCINC, LUA_LOAD_GCPAUSE, 0, 0);
    open_libs(L, handler_dirs, lua_dirs);
    ix_luamodel_store_task(L, ctx->task, ctx->workspace);
    ix_luastop_open(L, count_hook, LUA_HOOK_EVERY);
    /* Handler tooling, which nothing cancels, has the CPU budget too. */
    if (ix_watchdog_start(&h->wd, ctx->cancel ? ctx->cancel : &h->never, LUA_WATCHDOG_GRACE,
                          LUA_CPU_LIMIT, IX_LUASTOP_SIGNAL, IX_EXIT_INTERRUPTED,
                          IX_EXIT_TIMEOUT, err) < 0) {
        ix_luahost_close(h);
        return -1;
    }

    /* engine = require "infraexec.core.engine"; engine.load(handler_dirs) */
    lua_getglobal(L, "require");
    lua_pushstring(L, "infraexec.core.engine");
    if (pcall(h, 1, 1, "loading the engine", err) < 0) {
        ix_luahost_close(h);
        return -1;
    }
    if (ctx->task) {
        lua_getfield(L, -1, "load");
        push_dirs(L, handler_dirs);
        ix_config none = {0};
        if (pcall(h, 1, 0, "loading the handlers", err) < 0 ||
            check_config(h, ctx->config ? ctx->config : &none, err) < 0) {
            ix_luahost_close(h);
            return -1;
        }
    }
    ix_luafs_roots_collect(&h->roots, ctx); /* the declared write roots, now known */
    lua_rawsetp(L, LUA_REGISTRYINDEX, &engine_key);
    lua_gc(L, LUA_GCINC, LUA_GCPAUSE, 0, 0);
    *out = h;
    return 0;
}

int ix_luahost_call(ix_luahost *h, const char *name, const char *const *handler_dirs,
                    json_t **out, ix_err *err)
{
    lua_State *L = h->L;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &engine_key);
    lua_getfield(L, -1, name);
    lua_remove(L, -2);
    push_dirs(L, handler_dirs);
    h->stop = (ix_lua_stop){.catchable = 1}; /* the engine's xpcall around each file */
    int rc = pcall(h, 1, 1, name, err);
    h->stop.catchable = 0;
    if (rc < 0)
        return -1;
    *out = ix_luajson_to_json(L, -1, 0);
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
    lua_rawgetp(L, LUA_REGISTRYINDEX, &engine_key);
    lua_getfield(L, -1, "dispatch");
    lua_remove(L, -2);
    ix_luamodel_push_task(L);
    lua_getfield(L, -1, "criteria");
    lua_remove(L, -2);
    lua_geti(L, -1, c->index);
    lua_remove(L, -2);
    lua_pushstring(L, mode);
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
    lua_getfield(L, -2, "person");
    if (checkable)
        *checkable = !lua_toboolean(L, -2) ? 1 : lua_toboolean(L, -1) ? -1 : 0;
    lua_pop(L, 2);
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
    ix_luafs_roots_free(&h->roots);
    ix_watchdog_stop(h->wd, h->last);
    if (h->L) {
        ix_luastop_close(h->L);
        /* Nothing in the state needs closing (no __gc of a handler; the C
         * ones free memory and an fd), and closing it is ~7 % of a dry run. */
        if (h->last)
            ix_unleak(h->L);
        else
            lua_close(h->L);
    }
    free(h);
}
