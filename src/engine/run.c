/* run.c - see include/infraexec/engine/run.h; the run's setup, signals,
 * exit code and teardown (run_internal.h). */
#include "run_internal.h"

#include "infraexec/base/exitcode.h"
#include "infraexec/base/pathjoin.h"
#include "infraexec/engine/confirm.h"
#include "infraexec/engine/preflight.h"
#include "infraexec/engine/runlock.h"
#include "infraexec/engine/searchpath.h"
#include "infraexec/model/taskdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Set by SIGINT/SIGTERM (1) or the task deadline (2); stops the child. */
volatile sig_atomic_t ix_run_cancel;

static void on_signal(int sig)
{
    (void)sig;
    ix_run_cancel = 1;
}

double ix_run_now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- preflight, lock, logs ---- */

static double config_timeout(const ix_config *cfg)
{
    const char *t = ix_config_str(cfg, "timeout");
    return t ? strtod(t, NULL) : 0;
}

static const char *task_key(const ix_task *t)
{
    return t->id ? t->id : "task";
}

void ix_run_add_string(char ***v, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i], s) == 0)
            return;
    *v = ix_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = ix_xstrdup(s);
}

/* The run lock (see runlock.h); a note left by a killed run names the
 * command it left running. */
static int take_run_lock(const run *r, int *fd_out, ix_err *err)
{
    int fd;
    if (ix_runlock_take(r->workspace, task_key(r->task), &fd, err) < 0)
        return -1;
    long pgid = ix_runlock_stop_orphan(fd);
    if (pgid > 0) {
        ix_buf w = IX_BUF_INIT;
        ix_buf_printf(&w, "stopped process group %ld, left running by a run that was killed", pgid);
        ix_run_add_string(&r->rep->warnings, &r->rep->nwarnings, w.data);
        ix_buf_free(&w);
    }
    *fd_out = fd;
    ix_runlock_note(fd, 0);
    return 0;
}

static char *make_log_dir(const run *r, ix_err *err)
{
    char stamp[32];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    ix_buf b = IX_BUF_INIT;
    ix_buf_printf(&b, "%s-%ld", stamp, (long)getpid());
    char *path = NULL;
    int dfd;
    if (ix_state_dir(r->workspace, (const char *const[]){"logs", task_key(r->task), b.data, NULL},
                     1, &dfd, &path, err) == 0)
        close(dfd);
    ix_buf_free(&b);
    return path;
}

/* ---- the report skeleton ---- */

static void start_report(run *r)
{
    ix_report *rep = r->rep;
    const ix_task *t = r->task;
    rep->id = ix_xstrdup(t->id ? t->id : "");
    rep->title = ix_xstrdup(t->title ? t->title : "");
    rep->priority = ix_xstrdup(t->priority ? t->priority : "");
    rep->status = ix_xstrdup(t->status ? t->status : "");
    rep->path = ix_xstrdup(t->path);
    rep->dry_run = r->o->dry_run;
    rep->ncrit = t->ncriteria;
    rep->crit = ix_xcalloc(t->ncriteria ? t->ncriteria : 1, sizeof *rep->crit);
    for (size_t i = 0; i < t->ncriteria; i++) {
        const ix_criterion *c = &t->criteria[i];
        ix_crit_report *cr = &rep->crit[i];
        cr->index = c->index;
        cr->text = ix_xstrdup(c->text);
        cr->group = c->group ? ix_xstrdup(c->group) : NULL;
        cr->state = c->checked ? IX_STATE_PREVIOUSLY_COMPLETED : IX_STATE_REMAINING;
    }
}

int ix_run_task(const char *arg, const ix_run_opts *o, ix_report *rep, int *exit_code, ix_err *err)
{
    run r = {.o = o, .rep = rep, .lock_fd = -1};
    char *path = NULL, **hdirs = NULL, **ldirs = NULL, *log_dir = NULL;
    ix_luahost *host = NULL;
    int rc = -1;
    memset(rep, 0, sizeof *rep);

    /* The stat before the read: a change after it, even during the read,
     * makes the next look at the file see another one, and parse it. */
    if (ix_taskdir_resolve(o->tasks_dir, arg, &path, err) < 0)
        goto out;
    if (stat(path, &r.seen) < 0)
        memset(&r.seen, 0, sizeof r.seen);
    if (ix_task_load(path, &r.task, err) < 0 || ix_task_check_id(r.task, err) < 0)
        goto out;
    if (r.seen.st_ino)
        r.latest = ix_task_dup(r.task); /* the run's view, edited by its updates */
    r.workspace = ix_taskdir_workspace(path);
    if (ix_config_load(o->config, r.workspace, &r.cfg, err) < 0)
        goto out;
    ix_secrets_from_config(&r.secrets, r.cfg.root);
    if (o->confirm && !(r.who = ix_confirm_who(path))) {
        ix_err_set(err, "--confirm: cannot tell who is answering: set git user.name or USER");
        goto out;
    }
    if (!r.task->has_criteria_section) {
        ix_err_set(err, "%s: no '## Acceptance Criteria' section: nothing to run", path);
        goto out;
    }

    start_report(&r);
    ix_progress_init(&r.ui, stderr, o->quiet);
    r.ui.secrets = &r.secrets;
    ix_events_open(&r.events, o->events_fd);
    r.events.secrets = &r.secrets;
    ix_luahost_ctx ctx = {
        .task = r.task, .config = &r.cfg, .workspace = r.workspace, .log_dir = log_dir, .dry_run = o->dry_run,
        .timeout = o->timeout ? o->timeout : config_timeout(&r.cfg), .retries = o->retries,
        .backoff = o->backoff, .last = o->last,
        .cancel = &ix_run_cancel, .secrets = &r.secrets, .report = rep,
        .append_log = ix_run_append_log, .on_command = ix_run_on_command,
        .on_line = ix_run_on_line, .on_tick = ix_run_on_tick, .on_group = ix_run_on_group,
        .run = &r, .ui = &r,
    };
    ix_searchpath_dirs(o->handlers_dir, r.workspace, &hdirs, &ldirs);
    if (ix_luahost_open(&host, &ctx, (const char *const *)hdirs, (const char *const *)ldirs,
                        err) < 0)
        goto out;
    /* After the handlers loaded: the config is validated against what they declared. */
    if (!o->dry_run && ((!o->verify && (ix_preflight(path, r.workspace, &r.cfg, err) < 0 ||
                                        ix_luahost_preflight(host, err) < 0)) ||
                        take_run_lock(&r, &r.lock_fd, err) < 0 ||
                        !(ctx.log_dir = log_dir = make_log_dir(&r, err))))
        goto out;
    rep->log_dir = log_dir ? ix_xstrdup(log_dir) : NULL;
    for (size_t i = 0; i < r.cfg.nwarnings; i++)
        ix_run_add_string(&rep->warnings, &rep->nwarnings, r.cfg.warnings[i]);

    ix_run_cancel = 0;
    struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    r.deadline = o->task_timeout > 0 ? ix_run_now_mono() + o->task_timeout : 0;
    ctx.deadline = r.deadline;

    rep->verify = o->verify;
    rc = o->verify ? ix_run_verify(&r, host, &ctx, err) : ix_run_work(&r, host, &ctx, err);
    if (rc == 0 && !o->verify && !o->dry_run && !ix_run_cancel)
        ix_run_record(&r);

    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (rc == 0) {
        rep->interrupted = ix_run_cancel == 1;
        rep->task_timed_out = ix_run_cancel == 2;
        if (ix_run_cancel && !o->dry_run && !o->verify) {
            ix_err lerr;
            ix_run_update_task(&r, 0, NULL, ix_run_cancel == 1 ? "Run interrupted"
                                                        : "Run stopped by --task-timeout", &lerr);
        }
        if (!o->dry_run && !o->verify) { /* the last word is the file's */
            ix_run_sync_task(&r, 1);
            /* Once, whole: the file must hold the view's bytes, whatever
             * its stat says; else it is parsed. */
            ix_task *view = r.latest;
            r.latest = NULL;
            ix_run_adopt_written(&r, view);
            ix_run_reconcile(&r);
        }
        ix_report_counts n = ix_report_count(rep);
        if (o->verify)
            *exit_code = rep->interrupted ? IX_EXIT_INTERRUPTED
                       : ix_report_count_check(rep, IX_CHECK_FAILS) ||
                                 ix_report_count_check(rep, IX_CHECK_PERSON) ? IX_EXIT_REMAIN : IX_EXIT_OK;
        else if (o->dry_run)
            *exit_code = rep->interrupted ? IX_EXIT_INTERRUPTED : r.would_not ? IX_EXIT_REMAIN : IX_EXIT_OK;
        else
            *exit_code = rep->interrupted ? IX_EXIT_INTERRUPTED : n.remaining == 0 ? IX_EXIT_OK : IX_EXIT_REMAIN;
    }
out:
    ix_report_mask(rep, &r.secrets);
    if (rc < 0)
        ix_secrets_mask_inplace(&r.secrets, err->msg, sizeof err->msg);
    if (rc == 0 && r.events.f) /* no JSON of the whole report built for nobody */
        ix_events_emit(&r.events, "report", json_pack("{s:o}", "report", ix_report_json(rep)));
    ix_events_close(&r.events);
    ix_luahost_close(host);
    ix_searchpath_free(hdirs);
    ix_searchpath_free(ldirs);
    if (r.lock_fd >= 0)
        close(r.lock_fd);
    free(log_dir);
    free(r.who);
    free(r.workspace);
    ix_config_free(&r.cfg);
    ix_secrets_free(&r.secrets);
    ix_task_free(r.latest);
    ix_task_free(r.task);
    free(path);
    return rc;
}
