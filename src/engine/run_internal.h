/* run_internal.h - private to src/engine/run.c, runview.c and runloop.c: what
 * the files of the run (include/infraexec/engine/run.h) share and nobody else
 * may use.
 *
 *   run.c      ix_run_task: the run's setup (task, config, handlers,
 *              preflight, lock, logs), its signals and deadline, the report
 *              skeleton, the exit code, the teardown
 *   runview.c  the run's view of the task file: re-read only when its stat
 *              moved, adopt the bytes it wrote, reconcile the report's ticks
 *              with the file; ticks and entries written through it
 *   runloop.c  the two loops (run and verify) over the criteria, --confirm,
 *              and what watchers see of them (progress, events) */
#ifndef INFRAEXEC_RUN_INTERNAL_H
#define INFRAEXEC_RUN_INTERNAL_H

#include "infraexec/engine/run.h"

#include "infraexec/engine/events.h"
#include "infraexec/engine/progress.h"
#include "infraexec/lua/luahost.h"
#include "infraexec/model/config.h"
#include "infraexec/model/task.h"
#include "infraexec/sys/secrets.h"

#include <signal.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* One run of a task. */
typedef struct run {
    const ix_run_opts *o;
    ix_task *task;
    char *workspace;
    ix_config cfg;
    ix_secrets secrets;
    ix_report *rep;
    ix_progress ui;
    ix_events events;
    int lock_fd;                /* the run lock; notes the running command's group */
    struct stat seen;           /* the task file as last read or written by us */
    ix_task *latest;            /* its content as read then (NULL: not read since loaded) */
    unsigned view, walked;      /* LATEST's version (bumped by each parse), and reconcile's */
    int current;                /* index of the criterion being worked on */
    double deadline;            /* monotonic seconds, 0 = none */
    size_t would_not;           /* dry run: selected criteria that would not complete */
    char *who;                  /* --confirm: the person answering */
} run;

/* ---- run.c ---- */

/* Set by SIGINT/SIGTERM (1) or the task deadline (2); stops the child. */
extern volatile sig_atomic_t ix_run_cancel;
double ix_run_now_mono(void);
/* S appended to *V (of *N) unless it is there already. */
void ix_run_add_string(char ***v, size_t *n, const char *s);

/* ---- runview.c ---- */

/* The task file as it is now (NULL with ERR when it cannot be read). */
const ix_task *ix_run_reread(run *r, ix_err *err);
/* T, the parse of the bytes the run wrote, becomes its view if the file
 * still holds exactly them (T is taken). */
void ix_run_adopt_written(run *r, ix_task *t);
/* What the file does not show ticked is reported remaining, with the reason. */
void ix_run_reconcile(run *r);
/* A claimed task's edits pushed (run.h's sync); a failure is a warning. */
void ix_run_sync_task(run *r, int final);
/* Tick criterion TICK (0: none; EXPECT: its text) and log TEXT (NULL:
 * none) in one atomic update of the task file. */
int ix_run_update_task(run *r, int tick, const char *expect, const char *text, ix_err *err);
/* The run's closing entry (streak.h may block the task). */
void ix_run_record(run *r);
/* ix_luahost_ctx's append_log: VR is the run. */
int ix_run_append_log(void *vr, const char *text, ix_err *err);

/* ---- runloop.c ---- */

/* `infraexec verify`: the checked criteria's checks. */
int ix_run_verify(run *r, ix_luahost *host, ix_luahost_ctx *ctx, ix_err *err);
/* `infraexec run`: the unchecked criteria's rules. */
int ix_run_work(run *r, ix_luahost *host, ix_luahost_ctx *ctx, ix_err *err);
/* ix_luahost_ctx's watchers: VR is the run. */
void ix_run_on_tick(void *vr);
void ix_run_on_line(void *vr, int stream, const char *line, size_t len);
void ix_run_on_command(void *vr, const ix_cmd_record *cmd, int finished);
void ix_run_on_group(void *vr, pid_t pgid);

#endif
