/* luahost.h - the Lua 5.4 state a run uses, and the `infraexec` module it
 * exports to handlers (documented in docs/lua-api.md).
 *
 * One state per run (this file: the state, its limits, loading and
 * dispatch; the primitive families are assembled by luaapi.h, their
 * dry-run stand-ins in luadry.h).  C opens the allow-listed standard libraries
 * (luasandbox.h: no io, os, debug, package, binary chunks), makes
 * undeclared globals an error, bounds Lua memory, CPU time and (with
 * the watchdog, watchdog.h) wall-clock time past a deadline or an
 * interrupt (luastop.h); in a dry run the primitives that spawn or write are replaced
 * by stand-ins that record what they would do.  It loads
 * lua/infraexec/core/engine.lua, which finds the task's handlers on the search
 * path and matches rules.  Every call into Lua is a lua_pcall with a
 * traceback handler; an error in a rule becomes that criterion's reason. */
#ifndef INFRAEXEC_LUAHOST_H
#define INFRAEXEC_LUAHOST_H

#include "infraexec/model/config.h"
#include "infraexec/base/err.h"
#include "infraexec/engine/report.h"
#include "infraexec/model/task.h"

#include <jansson.h>
#include <lua.h>

#include <signal.h>

/* What the primitives need from the run that hosts them. */
typedef struct ix_luahost_ctx {
    const ix_task *task;
    ix_config *config;          /* infraexec.yaml (cfg->path NULL when there is none);
                                 * ix_luahost_open validates it against the declared schema */
    const char *workspace;      /* default cwd; relative paths start here */
    const char *log_dir;        /* per-command logs go here; NULL in a dry run */
    int dry_run;
    int last;                   /* the process exits after this run: ix_luahost_close
                                 * leaves the Lua state to the exit (ix_unleak) */
    double timeout;             /* default per-command timeout, seconds (0 = none) */
    int retries;                /* default extra attempts */
    double backoff;             /* default seconds between attempts */
    /* Nonzero stops Lua (the count hook raises) and commands: 1 for
     * SIGINT/SIGTERM, 2 once DEADLINE passed (the hook sets it then). */
    volatile sig_atomic_t *cancel;
    double deadline;            /* monotonic seconds (ix_clock_mono), 0 = none */
    const struct ix_secrets *secrets;  /* masked in command output */
    ix_crit_report *current;    /* the criterion being worked on */
    ix_report *report;
    /* Appends a Progress Log entry to the task file (not called in dry runs). */
    int (*append_log)(void *run, const char *text, ix_err *err);
    /* Progress display, all optional. */
    void (*on_command)(void *ui, const ix_cmd_record *cmd, int finished);
    void (*on_line)(void *ui, int stream, const char *line, size_t len);
    void (*on_tick)(void *ui);
    void (*on_group)(void *ui, pid_t pgid);
    void *run, *ui;
    int ncommands;              /* commands started, names the log files */
} ix_luahost_ctx;

typedef struct ix_luahost ix_luahost;

/* Create the state and load the engine and the task's handlers, then
 * validate ctx->config against the sections the loaded modules declared
 * (lua/infraexec/config.lua; an error names file:line:col) and take the
 * write roots they declared.  HANDLER_DIRS and LUA_DIRS are
 * NULL-terminated, highest priority first.  Without a task (ctx->task
 * NULL) only the engine is loaded: handler tooling then uses
 * ix_luahost_call. */
int ix_luahost_open(ix_luahost **out, ix_luahost_ctx *ctx, const char *const *handler_dirs,
                    const char *const *lua_dirs, ix_err *err);

/* The declared sections' preflight checks (config.lua), before the first
 * criterion of a real run: -1 with ERR the first problem one found.  Their
 * commands are neither reported nor shown. */
int ix_luahost_preflight(ix_luahost *h, ix_err *err);

/* Offer criterion C to the handlers.  MODE "run" achieves it; "check" only
 * observes whether it still holds (the rule's check, for `verify`).  Fills
 * ctx->current's rule, reason and blocked; *done is 1 when the rule reports
 * the criterion achieved (or holding); *checkable is 0 when its rule has
 * no check (it can only be redone), -1 when no machine can decide it (no
 * rule, a refusal: a person must), else 1.  A rule's error is not a failure of this call: it becomes the
 * reason.  Returns -1 only when the engine itself fails. */
int ix_luahost_dispatch(ix_luahost *h, const ix_criterion *c, const char *mode, int *done,
                        int *checkable, ix_err *err);

/* engine.NAME(handler_dirs) -> *OUT as JSON (handler listing and lint). */
int ix_luahost_call(ix_luahost *h, const char *name, const char *const *handler_dirs,
                    json_t **out, ix_err *err);

/* Whether the sections the modules loaded so far declared are well-formed
 * (`handlers check`, after engine.check loaded every handler file). */
int ix_luahost_check_schema(ix_luahost *h, ix_err *err);

void ix_luahost_close(ix_luahost *h);

/* For the binding's own files (luaproc.c, luafs.c, luamodel.c, luadry.c,
 * luatask.c), called from their primitives: the run's context; the
 * criterion being worked on (raises outside a rule); whether REAL (a path
 * without symlinks) lies inside the directories handlers may write
 * (luafs.h); the watchdog to tell a command's process group (NULL when
 * nothing can cancel). */
struct ix_watchdog;
ix_luahost_ctx *ix_luahost_ctx_of(lua_State *L);
ix_crit_report *ix_luahost_current(lua_State *L, const char *fn);
int ix_luahost_inside_roots(lua_State *L, const char *real);
struct ix_watchdog *ix_luahost_watchdog(lua_State *L);

#endif
