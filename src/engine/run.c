/* run.c - see include/infraexec/engine/run.h */
#include "infraexec/engine/run.h"

#include "infraexec/base/clock.h"
#include "infraexec/model/config.h"
#include "infraexec/sys/fileio.h"
#include "infraexec/engine/confirm.h"
#include "infraexec/engine/events.h"
#include "infraexec/base/exitcode.h"
#include "infraexec/lua/luahost.h"
#include "infraexec/base/pathjoin.h"
#include "infraexec/engine/preflight.h"
#include "infraexec/sys/proc.h"
#include "infraexec/engine/runlock.h"
#include "infraexec/engine/progress.h"
#include "infraexec/base/safetext.h"
#include "infraexec/engine/searchpath.h"
#include "infraexec/sys/secrets.h"
#include "infraexec/engine/streak.h"
#include "infraexec/model/task.h"
#include "infraexec/model/taskdir.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Set by SIGINT/SIGTERM (1) or the task deadline (2); stops the child. */
static volatile sig_atomic_t cancel_run;

static void on_signal(int sig)
{
    (void)sig;
    cancel_run = 1;
}

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

static double now_mono(void)
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

static void add_string(char ***v, size_t *n, const char *s)
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
        add_string(&r->rep->warnings, &r->rep->nwarnings, w.data);
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

/* ---- the report skeleton and task-file updates ---- */

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


/* The task file as it is now: read again only when it is not as we last
 * read or wrote it.  NULL (with ERR) when it cannot be read. */
static const ix_task *reread(run *r, ix_err *err)
{
    struct stat now;
    if (stat(r->task->path, &now) < 0) {
        ix_err_sys(err, "%s: cannot stat", r->task->path);
        return NULL;
    }
    if (r->latest && ix_file_same(&now, &r->seen))
        return r->latest;
    ix_task *t;
    if (ix_task_load(r->task->path, &t, err) < 0)
        return NULL;
    ix_task_free(r->latest);
    r->latest = t;
    r->seen = now;
    r->view++;
    return t;
}

/* T, the parse of the bytes our update wrote, becomes the run's view if the
 * file still holds exactly those bytes: reading and comparing them costs far
 * less than parsing them a third time.  Otherwise reread parses the file. */
static void adopt_written(run *r, ix_task *t)
{
    r->view++; /* those bytes may hold others' edits: reconcile walks them */
    int fd = t ? open(r->task->path, O_RDONLY | O_CLOEXEC) : -1;
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    if (fd >= 0 && fstat(fd, &st) == 0 && (size_t)st.st_size == t->len) {
        buf = ix_xmalloc(t->len + 1);
        ssize_t n;
        while (got <= t->len && (n = read(fd, buf + got, t->len + 1 - got)) > 0)
            got += (size_t)n;
    }
    if (fd >= 0)
        close(fd);
    if (buf && got == t->len && memcmp(buf, t->data, t->len) == 0) {
        ix_task_free(r->latest);
        r->latest = t;
        r->seen = st;
    } else {
        ix_task_free(t);
    }
    free(buf);
}

/* Never report a tick that is not in the file: another program's save (an
 * editor writing a temp file and renaming it over ours) can drop a tick we
 * wrote, or a person can untick a box.  What the file does not show ticked
 * is reported remaining, with the reason. */
static void reconcile(run *r)
{
    ix_err err;
    const ix_task *t = reread(r, &err);
    /* A view the run only edited itself since the last walk (its ticks, its
     * entries, each written as pieces) holds every tick the report states:
     * the run set them from it or wrote them into it.  Only a new parse
     * (the file changed under the run) can have lost one. */
    if (t && r->view == r->walked)
        return;
    if (t)
        r->walked = r->view;
    size_t lost = 0;
    for (size_t i = 0; i < r->rep->ncrit; i++) {
        ix_crit_report *cr = &r->rep->crit[i];
        if (cr->state == IX_STATE_REMAINING)
            continue;
        const ix_criterion *c = t ? ix_task_criterion(t, cr->index) : NULL;
        if (c && c->checked && strcmp(c->text, cr->text) == 0)
            continue;
        ix_buf why = IX_BUF_INIT;
        if (!t)
            ix_buf_printf(&why, "the task file could not be read back (%s), so its tick is not "
                          "confirmed", err.msg);
        else if (cr->state == IX_STATE_COMPLETED)
            ix_buf_puts(&why, "ticked by this run, but the task file was then replaced without "
                              "the tick (another program saved over it); run again");
        else
            ix_buf_puts(&why, "no longer ticked in the task file");
        free(cr->reason);
        cr->reason = ix_buf_detach(&why);
        cr->state = IX_STATE_REMAINING;
        lost++;
    }
    if (lost)
        add_string(&r->rep->warnings, &r->rep->nwarnings,
                   "the task file changed under the run and lost ticks: the report shows only "
                   "what the file holds");
}

/* A claimed task's edits go to its remote (claim.h); a failure to push
 * leaves them in the file, and says so. */
static void sync_task(run *r, int final)
{
    ix_err err;
    if (r->o->sync && r->o->sync(r->o->sync_ctx, final, &err) < 0)
        add_string(&r->rep->warnings, &r->rep->nwarnings, err.msg);
}

/* Tick (optional), log and set the status (optional) in one atomic update
 * of the task file. */
static int update_task_status(run *r, int tick, const char *expect, const char *text,
                              const char *status, ix_err *err)
{
    ix_now now;
    if (ix_clock_now(&now, err) < 0)
        return -1;
    /* Masked, and one safe line: an entry must not open a section of the
     * task file or carry an ESC sequence to whoever reads it. */
    char *message = NULL;
    if (text) {
        char *masked = ix_secrets_mask_owned(&r->secrets, ix_xstrdup(text));
        message = ix_safe_dup(masked, 0);
        free(masked);
    }
    ix_task_change chg = {.ticks = &tick, .nticks = tick > 0, .expect_text = expect,
                          .message = message, .stamp = now.stamp, .set_status = status,
                          .keep_written = 1, .hint = r->latest, .take = &r->latest,
                          .seen = r->latest ? &r->seen : NULL};
    if (ix_task_update_file(r->task->path, &chg, err) < 0) {
        ix_task_free(chg.written);
        free(message);
        return -1;
    }
    if (chg.patched) {
        /* Written as pieces over the file as the view has it: the edited
         * view is the file, whose stat the next look compares. */
        ix_task_free(r->latest);
        r->latest = chg.written;
        r->seen = chg.after;
    } else {
        /* Our write may have carried other processes' edits in, and another
         * program's save may already have replaced it: read it back. */
        memset(&r->seen, 0, sizeof r->seen);
        adopt_written(r, chg.written);
    }
    if (chg.changed)
        sync_task(r, 0);
    reconcile(r);
    if (chg.changed)
        add_string(&r->rep->files_modified, &r->rep->nfiles_modified, r->task->path);
    if (message) {
        ix_buf e = IX_BUF_INIT;
        ix_buf_printf(&e, "%s: %s", now.stamp, message);
        /* Every entry written, in order (no duplicate scan: O(1) per entry). */
        r->rep->progress_log = ix_xrealloc(r->rep->progress_log,
                                           (r->rep->nprogress_log + 1) * sizeof(char *));
        r->rep->progress_log[r->rep->nprogress_log++] = ix_buf_detach(&e);
    }
    free(message);
    return 0;
}

static int update_task(run *r, int tick, const char *expect, const char *text, ix_err *err)
{
    return update_task_status(r, tick, expect, text, NULL, err);
}

/* The run's closing entry; the third failing run in a row blocks the task
 * (streak.h).  Counted on the file as it is now, others' entries included. */
static void record_run(run *r)
{
    ix_err err;
    int block;
    const ix_task *t = reread(r, &err);
    if (!t) {
        add_string(&r->rep->warnings, &r->rep->nwarnings, err.msg);
        return;
    }
    char *text = ix_streak_entry(t, r->rep, &block);
    if (text && update_task_status(r, 0, NULL, text, block ? "blocked" : NULL, &err) < 0)
        add_string(&r->rep->warnings, &r->rep->nwarnings, err.msg);
    else if (block)
        add_string(&r->rep->warnings, &r->rep->nwarnings,
                   "criteria kept failing run after run (see the Progress Log): status set to "
                   "blocked; next will not choose the task until a person sets it back");
    free(text);
}

static int append_log(void *vr, const char *text, ix_err *err)
{
    return update_task(vr, 0, NULL, text, err);
}

/* A Progress Log line about a criterion: short, one line.  Masked before
 * it is cut, so the cut cannot leave half a secret. */
static char *entry_for(const run *r, const ix_crit_report *c, int done)
{
    ix_buf b = IX_BUF_INIT;
    char *text = ix_secrets_mask_owned(&r->secrets, ix_xstrdup(c->text));
    char *reason = c->reason ? ix_secrets_mask_owned(&r->secrets, ix_xstrdup(c->reason)) : NULL;
    ix_buf_printf(&b, "%s criterion %d: %.160s%s", done ? "Completed" : "Not completed", c->index,
                  text, strlen(text) > 160 ? "..." : "");
    if (reason && *reason) {
        size_t n = strcspn(reason, "\n");
        ix_buf_printf(&b, " (%.*s%s)", (int)(n > 200 ? 200 : n), reason, n > 200 ? "..." : "");
    }
    free(text);
    free(reason);
    /* What the tick rests on, in one line: the reader of the task file sees
     * the evidence beside the box (masked before it is cut, as above). */
    ix_buf ev = IX_BUF_INIT;
    ix_report_evidence_line(c, &ev);
    if (done && ev.len) {
        char *line = ix_secrets_mask_owned(&r->secrets, ix_buf_detach(&ev));
        size_t n = strcspn(line, "\n");
        ix_buf_printf(&b, "; evidence: %.*s%s", (int)(n > 200 ? 200 : n), line,
                      n > 200 ? "..." : "");
        free(line);
    }
    ix_buf_free(&ev);
    return ix_buf_detach(&b);
}

static int selected(const ix_run_opts *o, int index)
{
    if (!o->only)
        return 1;
    for (size_t i = 0; i < o->nonly; i++)
        if (o->only[i] == index)
            return 1;
    return 0;
}

/* ---- what watchers see: progress for people, events for programs ---- */

static void on_tick(void *vr)
{
    run *r = vr;
    if (r->deadline && !cancel_run && now_mono() > r->deadline)
        cancel_run = 2;
    ix_progress_tick(&r->ui);
    ix_err err;
    if (r->o->heartbeat && r->o->heartbeat(r->o->sync_ctx, &err) < 0)
        add_string(&r->rep->warnings, &r->rep->nwarnings, err.msg);
}

static void on_line(void *vr, int stream, const char *line, size_t len)
{
    run *r = vr;
    ix_progress_line(&r->ui, stream, line, len);
    if (!r->events.f)
        return; /* no JSON built for nobody */
    ix_events_emit(&r->events, "output", json_pack("{s:i, s:s, s:s%}", "index", r->current,
                   "stream", stream == 1 ? "stdout" : "stderr", "line", line, len));
}

static void on_command(void *vr, const ix_cmd_record *cmd, int finished)
{
    run *r = vr;
    ix_progress_command(&r->ui, cmd, finished);
    if (!finished) {
        json_t *argv = json_null();
        if (cmd->argv) {
            argv = json_array();
            for (size_t i = 0; cmd->argv[i]; i++)
                json_array_append_new(argv, json_string(cmd->argv[i]));
        }
        ix_events_emit(&r->events, "command_started", json_pack("{s:i, s:o, s:s?, s:s?}",
                       "index", r->current, "argv", argv, "script", cmd->script, "cwd", cmd->cwd));
    } else {
        ix_events_emit(&r->events, "command_finished", json_pack("{s:i, s:i, s:i, s:b, s:i, s:f}",
                       "index", r->current, "exit_code", cmd->exit_code, "signal", cmd->term_signal,
                       "timed_out", cmd->timed_out, "attempts", cmd->attempts,
                       "duration", cmd->duration));
    }
}

static void on_group(void *vr, pid_t pgid)
{
    run *r = vr;
    if (r->lock_fd >= 0)
        ix_runlock_note(r->lock_fd, pgid);
}

static void criterion_started(run *r, const ix_criterion *c, int total)
{
    r->current = c->index;
    ix_progress_criterion(&r->ui, c->index, total, c->text);
    ix_events_emit(&r->events, "criterion_started",
                   json_pack("{s:i, s:s}", "index", c->index, "text", c->text));
}

static void criterion_finished(run *r, const ix_crit_report *cr, int done)
{
    static const char *const state[] = {"completed", "previously_completed", "remaining"};
    ix_progress_done(&r->ui, cr, done);
    ix_events_emit(&r->events, "criterion_finished", json_pack("{s:i, s:s, s:b, s:s?, s:s?}",
                   "index", cr->index, "state", state[cr->state], "done", done, "rule", cr->rule,
                   "reason", cr->reason));
}

/* ---- the loop ---- */

/* `infraexec verify`: each checked criterion's rule observes whether it
 * still holds.  Nothing is ticked, unticked or logged. */
static int verify(run *r, ix_luahost *host, ix_luahost_ctx *ctx, ix_err *err)
{
    for (size_t i = 0; i < r->task->ncriteria && !cancel_run; i++) {
        const ix_criterion *c = &r->task->criteria[i];
        ix_crit_report *cr = &r->rep->crit[i];
        if (!c->checked || !selected(r->o, c->index))
            continue;
        ctx->current = cr;
        criterion_started(r, c, (int)r->task->ncriteria);
        int holds = 0, checkable = 1;
        if (ix_luahost_dispatch(host, c, "check", &holds, &checkable, err) < 0)
            return -1;
        ctx->current = NULL;
        cr->check = !checkable ? IX_CHECK_UNVERIFIABLE : holds ? IX_CHECK_HOLDS : IX_CHECK_FAILS;
        criterion_finished(r, cr, holds);
    }
    return 0;
}

/* Whether criterion C was ticked, or changed, by someone else since the
 * run read the file: re-read only when the file is not as we left it. */
static int settled_elsewhere(run *r, const ix_criterion *c, ix_crit_report *cr)
{
    ix_err err;
    const ix_task *t = reread(r, &err);
    if (!t)
        return 0; /* the tick will report what is wrong */
    const ix_criterion *now_c = ix_task_criterion(t, c->index);
    if (!now_c || strcmp(now_c->text, c->text) != 0) {
        free(cr->reason);
        cr->reason = ix_xstrdup("the criterion changed while the run was going on; not run");
        return 1;
    }
    if (now_c->checked)
        cr->state = IX_STATE_PREVIOUSLY_COMPLETED;
    return now_c->checked;
}

/* --confirm: the person at the terminal answers what no rule could; only
 * their yes ticks the box. */
static ix_answer ask_person(run *r, const ix_criterion *c, ix_crit_report *cr)
{
    ix_answer a = ix_confirm_ask(STDIN_FILENO, stdout, c, cr, &r->secrets, &cancel_run);
    if (cancel_run)
        return IX_ANSWER_QUIT;
    if (a == IX_ANSWER_YES) {
        char *entry = ix_confirm_entry(c, r->who, NULL);
        ix_err uerr;
        free(cr->reason);
        cr->reason = NULL;
        if (update_task(r, c->index, c->text, entry, &uerr) < 0) {
            cr->reason = ix_xstrdup(uerr.msg);
        } else {
            cr->state = IX_STATE_COMPLETED;
            cr->confirmed_by = ix_xstrdup(r->who);
            ix_events_emit(&r->events, "criterion_confirmed", json_pack("{s:i, s:s}",
                           "index", c->index, "confirmed_by", r->who));
        }
        free(entry);
    } else if (a == IX_ANSWER_NO) {
        ix_buf b = IX_BUF_INIT;
        ix_buf_printf(&b, "needs a person: %s answered no", r->who);
        free(cr->reason);
        cr->reason = ix_buf_detach(&b);
    }
    return a;
}

static int work(run *r, ix_luahost *host, ix_luahost_ctx *ctx, ix_err *err)
{
    size_t todo = 0;
    for (size_t i = 0; i < r->task->ncriteria; i++)
        todo += !r->task->criteria[i].checked && selected(r->o, r->task->criteria[i].index);
    for (size_t i = 0; i < r->task->ncriteria && !cancel_run; i++) {
        const ix_criterion *c = &r->task->criteria[i];
        ix_crit_report *cr = &r->rep->crit[i];
        if (c->checked || !selected(r->o, c->index))
            continue;
        if (r->deadline && now_mono() > r->deadline) {
            cancel_run = 2;
            break;
        }
        if (settled_elsewhere(r, c, cr))
            continue;
        ctx->current = cr;
        criterion_started(r, c, (int)todo);
        int done = 0;
        if (ix_luahost_dispatch(host, c, "run", &done, NULL, err) < 0)
            return -1;
        ctx->current = NULL;
        if (cancel_run) {
            /* The rule saw its command stopped: nothing it says is observed. */
            done = 0;
            free(cr->reason);
            cr->reason = ix_xstrdup(cancel_run == 2 ? "stopped by --task-timeout"
                                                    : "interrupted");
        }
        if (r->o->dry_run) {
            /* Only a rule whose observations hold (or can only be made after
             * its action) would complete. */
            cr->would_complete = done && !cr->blocked;
            r->would_not += !cr->would_complete;
        } else if (cr->rule) { /* something was attempted: log it */
            char *entry = entry_for(r, cr, done);
            ix_err uerr;
            if (update_task(r, done ? c->index : 0, c->text, entry, &uerr) < 0) {
                /* Not ticked on disk, so not completed in the report. */
                done = 0;
                free(cr->reason);
                cr->reason = ix_xstrdup(uerr.msg);
            }
            free(entry);
            if (done)
                cr->state = IX_STATE_COMPLETED;
        }
        criterion_finished(r, cr, done);
        if (r->who && !r->o->dry_run && !done && ix_confirm_needed(cr) &&
            ask_person(r, c, cr) == IX_ANSWER_QUIT)
            break;
    }
    return 0;
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
        .backoff = o->backoff,
        .cancel = &cancel_run, .secrets = &r.secrets, .report = rep, .append_log = append_log,
        .on_command = on_command, .on_line = on_line, .on_tick = on_tick, .on_group = on_group,
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
        add_string(&rep->warnings, &rep->nwarnings, r.cfg.warnings[i]);

    cancel_run = 0;
    struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    r.deadline = o->task_timeout > 0 ? now_mono() + o->task_timeout : 0;
    ctx.deadline = r.deadline;

    rep->verify = o->verify;
    rc = o->verify ? verify(&r, host, &ctx, err) : work(&r, host, &ctx, err);
    if (rc == 0 && !o->verify && !o->dry_run && !cancel_run)
        record_run(&r);

    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (rc == 0) {
        rep->interrupted = cancel_run == 1;
        rep->task_timed_out = cancel_run == 2;
        if (cancel_run && !o->dry_run && !o->verify) {
            ix_err lerr;
            update_task(&r, 0, NULL, cancel_run == 1 ? "Run interrupted"
                                                     : "Run stopped by --task-timeout", &lerr);
        }
        if (!o->dry_run && !o->verify) { /* the last word is the file's */
            sync_task(&r, 1);
            /* Once, whole: the file must hold the view's bytes, whatever
             * its stat says; else it is parsed. */
            ix_task *view = r.latest;
            r.latest = NULL;
            adopt_written(&r, view);
            reconcile(&r);
        }
        ix_report_counts n = ix_report_count(rep);
        if (o->verify)
            *exit_code = rep->interrupted ? IX_EXIT_INTERRUPTED
                       : ix_report_count_check(rep, IX_CHECK_FAILS) ? IX_EXIT_REMAIN : IX_EXIT_OK;
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
