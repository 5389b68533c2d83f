/* run.h - `infraexec run`: the engine that works through a task.
 *
 * It resolves and parses the task, finds its workspace (the directory above
 * the tasks/ folder) and handler path (searchpath.h), checks what it needs
 * before touching anything (preflight.h), takes the task's run lock
 * (runlock.h), and offers each unchecked criterion to the Lua handlers.  The moment a rule reports success the box
 * is ticked and a Progress Log entry written, in one atomic update, so an
 * interrupted run loses nothing.  It never ticks what a rule did not report
 * as observed done. */
#ifndef INFRAEXEC_RUN_H
#define INFRAEXEC_RUN_H

#include "infraexec/base/err.h"
#include "infraexec/engine/report.h"

#include <stddef.h>

typedef struct ix_run_opts {
    const char *tasks_dir;     /* --tasks-dir, or NULL */
    const char *handlers_dir;  /* --handlers, or NULL */
    const char *config;        /* --config, or NULL to look for infraexec.yaml */
    int dry_run;
    int verify;                /* check the checked criteria instead of running */
    const int *only;           /* --only: criteria to consider, or NULL for all */
    size_t nonly;
    double timeout;            /* per command, seconds; 0 = none */
    double task_timeout;       /* whole run, seconds; 0 = none */
    int retries;               /* extra attempts per command */
    double backoff;
    int quiet;                 /* no progress on stderr */
    int events_fd;             /* --events: NDJSON events go here; -1 = none */
    int confirm;               /* --confirm: ask the person on stdin/stdout (terminals) */
    int last;                  /* the process exits after this run (luahost.h ctx.last) */
    /* Called after each edit of the task file (FINAL 0) and once before the
     * run's last look at it (FINAL 1): claim.h's commit-and-push of a
     * claimed task.  A failure becomes a warning of the report. */
    int (*sync)(void *ctx, int final, ix_err *err);
    /* Called often while a command of the run works (with sync_ctx):
     * claim.h's heartbeat, which pushes at most every third of the lease.
     * A failure becomes a warning of the report. */
    int (*heartbeat)(void *ctx, ix_err *err);
    void *sync_ctx;
} ix_run_opts;

/* Run the task named by ARG.  On success (the run happened, whatever its
 * outcome) returns 0, fills REP and sets *EXIT to 0 (all checked), 1
 * (criteria remain) or 130 (interrupted) (exitcode.h).  With o->verify, the checked
 * criteria are offered to their rules' checks instead; nothing is ticked or
 * logged, and *EXIT is 1 when a check fails.  Returns -1 with ERR set when the
 * run could not start (bad input, failed preflight, lock held): nothing
 * was changed. */
int ix_run_task(const char *arg, const ix_run_opts *o, ix_report *rep, int *exit, ix_err *err);

#endif
