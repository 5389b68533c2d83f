/* runview.c - the run's view of its task file (run_internal.h): read again
 * only when it is not as the run last read or wrote it; ticks and entries
 * written through it. */
#include "run_internal.h"

#include "infraexec/base/clock.h"
#include "infraexec/base/safetext.h"
#include "infraexec/engine/streak.h"
#include "infraexec/sys/fileio.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The task file as it is now: read again only when it is not as we last
 * read or wrote it.  NULL (with ERR) when it cannot be read. */
const ix_task *ix_run_reread(run *r, ix_err *err)
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
void ix_run_adopt_written(run *r, ix_task *t)
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
void ix_run_reconcile(run *r)
{
    ix_err err;
    const ix_task *t = ix_run_reread(r, &err);
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
        ix_run_add_string(&r->rep->warnings, &r->rep->nwarnings,
                   "the task file changed under the run and lost ticks: the report shows only "
                   "what the file holds");
}

/* A claimed task's edits go to its remote (claim.h); a failure to push
 * leaves them in the file, and says so. */
void ix_run_sync_task(run *r, int final)
{
    ix_err err;
    if (r->o->sync && r->o->sync(r->o->sync_ctx, final, &err) < 0)
        ix_run_add_string(&r->rep->warnings, &r->rep->nwarnings, err.msg);
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
        ix_run_adopt_written(r, chg.written);
    }
    if (chg.changed)
        ix_run_sync_task(r, 0);
    ix_run_reconcile(r);
    if (chg.changed)
        ix_run_add_string(&r->rep->files_modified, &r->rep->nfiles_modified, r->task->path);
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

int ix_run_update_task(run *r, int tick, const char *expect, const char *text, ix_err *err)
{
    return update_task_status(r, tick, expect, text, NULL, err);
}

/* The run's closing entry; the third failing run in a row blocks the task
 * (streak.h).  Counted on the file as it is now, others' entries included. */
void ix_run_record(run *r)
{
    ix_err err;
    int block;
    const ix_task *t = ix_run_reread(r, &err);
    if (!t) {
        ix_run_add_string(&r->rep->warnings, &r->rep->nwarnings, err.msg);
        return;
    }
    char *text = ix_streak_entry(t, r->rep, &block);
    if (text && update_task_status(r, 0, NULL, text, block ? "blocked" : NULL, &err) < 0)
        ix_run_add_string(&r->rep->warnings, &r->rep->nwarnings, err.msg);
    else if (block)
        ix_run_add_string(&r->rep->warnings, &r->rep->nwarnings,
                   "criteria kept failing run after run (see the Progress Log): status set to "
                   "blocked; next will not choose the task until a person sets it back");
    free(text);
}

int ix_run_append_log(void *vr, const char *text, ix_err *err)
{
    return ix_run_update_task(vr, 0, NULL, text, err);
}
