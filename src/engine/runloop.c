/* runloop.c - the run's two loops over the criteria (run_internal.h), and
 * what watchers see of them: progress for people, events for programs. */
#include "run_internal.h"

#include "infraexec/engine/confirm.h"
#include "infraexec/engine/runlock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

void ix_run_on_tick(void *vr)
{
    run *r = vr;
    if (r->deadline && !ix_run_cancel && ix_run_now_mono() > r->deadline)
        ix_run_cancel = 2;
    ix_progress_tick(&r->ui);
    ix_err err;
    if (r->o->heartbeat && r->o->heartbeat(r->o->sync_ctx, &err) < 0)
        ix_run_add_string(&r->rep->warnings, &r->rep->nwarnings, err.msg);
}

void ix_run_on_line(void *vr, int stream, const char *line, size_t len)
{
    run *r = vr;
    ix_progress_line(&r->ui, stream, line, len);
    if (!r->events.f)
        return; /* no JSON built for nobody */
    ix_events_emit(&r->events, "output", json_pack("{s:i, s:s, s:s%}", "index", r->current,
                   "stream", stream == 1 ? "stdout" : "stderr", "line", line, len));
}

void ix_run_on_command(void *vr, const ix_cmd_record *cmd, int finished)
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

void ix_run_on_group(void *vr, pid_t pgid)
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

/* ---- the loops ---- */

/* `infraexec verify`: each checked criterion's rule observes whether it
 * still holds.  Nothing is ticked, unticked or logged. */
int ix_run_verify(run *r, ix_luahost *host, ix_luahost_ctx *ctx, ix_err *err)
{
    for (size_t i = 0; i < r->task->ncriteria && !ix_run_cancel; i++) {
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
        cr->check = checkable < 0 ? IX_CHECK_PERSON : !checkable ? IX_CHECK_UNVERIFIABLE
                  : holds ? IX_CHECK_HOLDS : IX_CHECK_FAILS;
        criterion_finished(r, cr, holds);
    }
    return 0;
}

/* Whether criterion C was ticked, or changed, by someone else since the
 * run read the file: re-read only when the file is not as we left it. */
static int settled_elsewhere(run *r, const ix_criterion *c, ix_crit_report *cr)
{
    ix_err err;
    const ix_task *t = ix_run_reread(r, &err);
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
    ix_answer a = ix_confirm_ask(STDIN_FILENO, stdout, c, cr, &r->secrets, &ix_run_cancel);
    if (ix_run_cancel)
        return IX_ANSWER_QUIT;
    if (a == IX_ANSWER_YES) {
        char *entry = ix_confirm_entry(c, r->who, NULL);
        ix_err uerr;
        free(cr->reason);
        cr->reason = NULL;
        if (ix_run_update_task(r, c->index, c->text, entry, &uerr) < 0) {
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

int ix_run_work(run *r, ix_luahost *host, ix_luahost_ctx *ctx, ix_err *err)
{
    size_t todo = 0;
    for (size_t i = 0; i < r->task->ncriteria; i++)
        todo += !r->task->criteria[i].checked && selected(r->o, r->task->criteria[i].index);
    for (size_t i = 0; i < r->task->ncriteria && !ix_run_cancel; i++) {
        const ix_criterion *c = &r->task->criteria[i];
        ix_crit_report *cr = &r->rep->crit[i];
        if (c->checked || !selected(r->o, c->index))
            continue;
        if (r->deadline && ix_run_now_mono() > r->deadline) {
            ix_run_cancel = 2;
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
        if (ix_run_cancel) {
            /* The rule saw its command stopped: nothing it says is observed. */
            done = 0;
            free(cr->reason);
            cr->reason = ix_xstrdup(ix_run_cancel == 2 ? "stopped by --task-timeout"
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
            if (ix_run_update_task(r, done ? c->index : 0, c->text, entry, &uerr) < 0) {
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
