/* report.c - see include/infraexec/engine/report.h
 *
 * The two renderings are in reportmd.c and reportjson.c (report_internal.h). */
#include "infraexec/engine/report.h"
#include "report_internal.h"

#include "infraexec/sys/secrets.h"

#include <stdlib.h>

ix_report_counts ix_report_count(const ix_report *r)
{
    ix_report_counts n = {.total = r->ncrit};
    for (size_t i = 0; i < r->ncrit; i++) {
        ix_state st = r->crit[i].state;
        n.completed += st != IX_STATE_REMAINING;
        n.completed_now += st == IX_STATE_COMPLETED;
        n.remaining += st == IX_STATE_REMAINING;
    }
    return n;
}

const char *ix_report_verdict(const ix_report *r)
{
    ix_report_counts n = ix_report_count(r);
    if (r->verify && ix_report_count_check(r, IX_CHECK_PERSON))
        return "needs a person";
    if (n.remaining == 0)
        return "ready for verification";
    return n.completed_now > 0 ? "partially complete" : "blocked";
}

size_t ix_report_count_check(const ix_report *r, ix_check which)
{
    size_t n = 0;
    for (size_t i = 0; i < r->ncrit; i++)
        n += r->crit[i].check == which;
    return n;
}

/* ---- freeing ---- */

size_t ix_report_strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void ix_report_free(ix_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->ncrit; i++) {
        ix_crit_report *c = &r->crit[i];
        for (size_t k = 0; k < c->ncmds; k++) {
            ix_cmd_record *cmd = &c->cmds[k];
            free_strv(cmd->argv, ix_report_strv_len(cmd->argv));
            free_strv(cmd->env, ix_report_strv_len(cmd->env));
            free(cmd->script);
            free(cmd->cwd);
            free(cmd->tail);
            free(cmd->log_path);
        }
        for (size_t k = 0; k < c->nfiles; k++) {
            free(c->files[k].path);
            free(c->files[k].summary);
            free(c->files[k].diff);
        }
        for (size_t k = 0; k < c->nevidence; k++) {
            free(c->evidence[k].looked_at);
            free(c->evidence[k].expected);
            free(c->evidence[k].seen);
        }
        free(c->evidence);
        free(c->kind);
        free(c->cmds);
        free(c->files);
        free(c->text);
        free(c->group);
        free(c->rule);
        free(c->reason);
        free(c->confirmed_by);
    }
    free(r->crit);
    free_strv(r->files_modified, r->nfiles_modified);
    free_strv(r->progress_log, r->nprogress_log);
    free(r->id);
    free(r->title);
    free(r->priority);
    free(r->status);
    free(r->path);
    free(r->log_dir);
    free(r->error);
    free_strv(r->warnings, r->nwarnings);
    *r = (ix_report){0};
}

static void mask_strv(const ix_secrets *s, char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        v[i] = ix_secrets_mask_owned(s, v[i]);
}

static void mask_counted(const ix_secrets *s, char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        v[i] = ix_secrets_mask_owned(s, v[i]);
}

void ix_report_mask(ix_report *r, const ix_secrets *s)
{
    if (!s || !s->n)
        return;
    /* Every string: a path or a warning can hold a secret as well. */
    r->id = ix_secrets_mask_owned(s, r->id);
    r->title = ix_secrets_mask_owned(s, r->title);
    r->priority = ix_secrets_mask_owned(s, r->priority);
    r->status = ix_secrets_mask_owned(s, r->status);
    r->path = ix_secrets_mask_owned(s, r->path);
    r->log_dir = ix_secrets_mask_owned(s, r->log_dir);
    r->error = ix_secrets_mask_owned(s, r->error);
    mask_counted(s, r->warnings, r->nwarnings);
    mask_counted(s, r->files_modified, r->nfiles_modified);
    for (size_t i = 0; i < r->ncrit; i++) {
        ix_crit_report *c = &r->crit[i];
        c->text = ix_secrets_mask_owned(s, c->text);
        c->group = ix_secrets_mask_owned(s, c->group);
        c->reason = ix_secrets_mask_owned(s, c->reason);
        c->rule = ix_secrets_mask_owned(s, c->rule);
        for (size_t k = 0; k < c->nevidence; k++) {
            c->evidence[k].looked_at = ix_secrets_mask_owned(s, c->evidence[k].looked_at);
            c->evidence[k].expected = ix_secrets_mask_owned(s, c->evidence[k].expected);
            c->evidence[k].seen = ix_secrets_mask_owned(s, c->evidence[k].seen);
        }
        c->confirmed_by = ix_secrets_mask_owned(s, c->confirmed_by);
        for (size_t k = 0; k < c->ncmds; k++) {
            ix_cmd_record *cmd = &c->cmds[k];
            mask_strv(s, cmd->argv);
            mask_strv(s, cmd->env);
            cmd->script = ix_secrets_mask_owned(s, cmd->script);
            cmd->cwd = ix_secrets_mask_owned(s, cmd->cwd);
            cmd->tail = ix_secrets_mask_owned(s, cmd->tail);
            cmd->log_path = ix_secrets_mask_owned(s, cmd->log_path);
        }
        for (size_t k = 0; k < c->nfiles; k++) {
            c->files[k].path = ix_secrets_mask_owned(s, c->files[k].path);
            c->files[k].summary = ix_secrets_mask_owned(s, c->files[k].summary);
            c->files[k].diff = ix_secrets_mask_owned(s, c->files[k].diff);
        }
    }
    mask_counted(s, r->progress_log, r->nprogress_log);
}
