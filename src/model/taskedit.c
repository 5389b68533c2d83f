/* taskedit.c - see include/infraexec/model/taskedit.h */
#include "infraexec/model/taskedit.h"

#include "infraexec/model/taskbody.h"
#include "infraexec/model/taskquick.h"
#include "infraexec/sys/fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- edits ---- */

static void add_splice(ix_edits *e, size_t start, size_t end, char *text)
{
    e->s = ix_xrealloc(e->s, (e->n + 1) * sizeof *e->s);
    e->s[e->n++] = (ix_splice){start, end, text};
}

int ix_task_tick(const ix_task *t, int index, ix_edits *e, ix_err *err)
{
    const ix_criterion *c = ix_task_criterion(t, index);
    if (!c)
        return ix_err_set(err, "%s: no criterion %d (the task has %zu)", t->path, index,
                          t->ncriteria);
    if (!c->checked)
        add_splice(e, c->box, c->box + 1, ix_xstrdup("x"));
    return 0;
}

/* Splice VALUE over scalar N's value, keeping its quotes; 0 when done. */
static int set_scalar(const ix_task *t, const ix_fm_node *n, const char *value, ix_edits *e)
{
    if (n->kind != IX_FM_SCALAR || n->style == IX_FM_BLOCK)
        return -1;
    /* The node's range starts at an &anchor or !tag when there is one. */
    size_t start = n->start;
    while (start < n->end && (t->data[start] == '&' || t->data[start] == '!')) {
        while (start < n->end && !strchr(" \t\r\n", t->data[start]))
            start++;
        for (;;) { /* blanks, line breaks and comments up to the value */
            while (start < n->end && strchr(" \t\r\n", t->data[start]))
                start++;
            if (start >= n->end || t->data[start] != '#')
                break;
            while (start < n->end && t->data[start] != '\n')
                start++;
        }
    }
    size_t q = n->style == IX_FM_PLAIN ? 0 : 1;
    if (n->end - start < 2 * q)
        return -1;
    /* An empty value right after its anchor ("&a") or its key's colon
     * ("updated:", which libyaml marks there): the value would lengthen the
     * anchor's name or the key unless a blank separates them. */
    int glue = start == n->end && start > 0 && !strchr(" \t\r\n", t->data[start - 1]);
    ix_buf v = IX_BUF_INIT;
    ix_buf_printf(&v, "%s%s", glue ? " " : "", value);
    add_splice(e, start + q, n->end - q, ix_buf_detach(&v));
    return 0;
}

void ix_task_set_updated(const ix_task *t, const char *date, ix_edits *e)
{
    const ix_fm_node *n = ix_fm_get(t->fm, "updated");
    if (n && n->kind == IX_FM_SCALAR && strcmp(n->value, date) != 0)
        set_scalar(t, n, date, e);
}

int ix_task_set_status(const ix_task *t, const char *value, ix_edits *e, ix_err *err)
{
    const ix_fm_node *n = ix_fm_get(t->fm, "status");
    if (!n) {
        ix_buf line = IX_BUF_INIT;
        ix_buf_printf(&line, "status: %s%s", value, t->eol);
        add_splice(e, t->fm_close, t->fm_close, ix_buf_detach(&line));
        return 0;
    }
    if (n->kind == IX_FM_SCALAR && strcmp(n->value, value) == 0)
        return 0;
    if (set_scalar(t, n, value, e) < 0)
        return ix_err_set(err, "%s:%d:%d: status is not a one-line scalar; not setting it to %s",
                          t->path, n->line, n->col, value);
    return 0;
}

static int line_blank(const ix_task *t, size_t line)
{
    return ix_is_blank(t->data + ix_lines_start(&t->lines, line),
                       t->data + ix_lines_content_end(&t->lines, t->data, line));
}

void ix_task_add_log(const ix_task *t, const char *stamp, const char *text, ix_edits *e)
{
    ix_buf entry = IX_BUF_INIT;
    ix_buf_printf(&entry, "- %s: ", stamp);
    for (const char *p = text; *p; p++)
        ix_buf_putc(&entry, *p == '\n' || *p == '\r' ? ' ' : *p);

    int ends_with_eol = t->len > 0 && (t->data[t->len - 1] == '\n' || t->data[t->len - 1] == '\r');
    ix_buf out = IX_BUF_INIT;
    size_t at;
    if (t->log_heading_line) {
        size_t line;
        if (t->nlog) {
            line = (size_t)t->log[t->nlog - 1].last_line;
        } else {
            /* The first entry goes after whatever the section holds, set
             * apart by a blank line so it cannot continue a paragraph,
             * a heading's underline or an indented block. */
            line = t->log_section_end ? (size_t)t->log_section_end - 1 : t->lines.count;
            while (line > (size_t)t->log_heading_end && line_blank(t, line))
                line--;
        }
        at = ix_lines_next(&t->lines, line);
        int at_eof_without_eol = at == t->len && !ends_with_eol;
        if (at_eof_without_eol)
            ix_buf_puts(&out, t->eol);
        if (!t->nlog)
            ix_buf_puts(&out, t->eol);
        ix_buf_append(&out, entry.data, entry.len);
        if (!at_eof_without_eol)
            ix_buf_puts(&out, t->eol);
        if (!t->nlog && at < t->len && !line_blank(t, ix_lines_at(&t->lines, at)))
            ix_buf_puts(&out, t->eol); /* and from what follows */
    } else {
        at = t->len;
        if (t->len && !ends_with_eol)
            ix_buf_puts(&out, t->eol);
        ix_buf_printf(&out, "%s## Progress Log%s%s", t->len ? t->eol : "", t->eol, t->eol);
        ix_buf_append(&out, entry.data, entry.len);
        if (ends_with_eol || !t->len)
            ix_buf_puts(&out, t->eol);
    }
    ix_buf_free(&entry);
    add_splice(e, at, at, ix_buf_detach(&out));
}

static int by_start(const void *a, const void *b)
{
    const ix_splice *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

void ix_edits_apply(const ix_task *t, ix_edits *e, ix_buf *out)
{
    if (e->n > 1)
        qsort(e->s, e->n, sizeof *e->s, by_start);
    size_t grow = 0;
    for (size_t i = 0; i < e->n; i++)
        grow += strlen(e->s[i].text);
    ix_buf_reserve(out, t->len + grow); /* one allocation for a large file */
    size_t pos = 0;
    for (size_t i = 0; i < e->n; i++) {
        if (e->s[i].start < pos)
            continue; /* overlapping splices: the first one wins */
        ix_buf_append(out, t->data + pos, e->s[i].start - pos);
        ix_buf_puts(out, e->s[i].text);
        pos = e->s[i].end;
    }
    ix_buf_append(out, t->data + pos, t->len - pos);
    ix_edits_free(e);
}

void ix_edits_free(ix_edits *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->s[i].text);
    free(e->s);
    e->s = NULL;
    e->n = 0;
}

/* The edited text must read back as intended -- same criteria, the ticked
 * ones checked, the new entry last in the Progress Log -- before it may
 * replace the file.  A file ending inside an open code fence or HTML block
 * would otherwise swallow the entry silently. */
static int verify_change(const ix_task *old, ix_task_change *chg, const ix_buf *out,
                         ix_err *err)
{
    ix_task *t;
    ix_err perr;
    if (out->len > IX_TASK_MAX_SIZE)
        return ix_err_set(err, "%s: the edit would make the file larger than %u MiB; nothing "
                               "written", old->path, IX_TASK_MAX_SIZE >> 20);
    if (ix_task_parse(old->path, out->data, out->len, &t, &perr) < 0)
        return ix_err_set(err, "%s: the edit would not parse (%s); nothing written", old->path,
                          perr.msg);
    int ok = t->ncriteria == old->ncriteria &&
             (!chg->set_status || (t->status && strcmp(t->status, chg->set_status) == 0));
    /* An updated: that was set must read as the date (on an empty value
     * after an &anchor the splice would lengthen the anchor's name instead). */
    const ix_fm_node *u = ix_fm_get(old->fm, "updated");
    if (ok && u && u->kind == IX_FM_SCALAR && u->style != IX_FM_BLOCK &&
        !(t->updated && strlen(t->updated) == 10 && strncmp(t->updated, chg->stamp, 10) == 0)) {
        ix_task_free(t);
        return ix_err_set(err, "%s:%d:%d: updated: would not read back as the date after the "
                               "edit; nothing written", old->path, u->line, u->col);
    }
    for (size_t i = 0; ok && i < chg->nticks; i++)
        ok = t->criteria[chg->ticks[i] - 1].checked;
    if (ok && chg->message) {
        ix_buf want = IX_BUF_INIT;
        for (const char *p = chg->message; *p; p++)
            ix_buf_putc(&want, *p == '\n' || *p == '\r' ? ' ' : *p);
        char *trimmed = ix_task_joined_text(want.data);
        ok = t->nlog == old->nlog + 1 && strcmp(t->log[t->nlog - 1].text, trimmed) == 0 &&
             t->log[t->nlog - 1].nsub == 0 && t->ncode == old->ncode;
        /* The entries that were there must read as before (a wide bullet
         * must not hand its indented follower to the new entry). */
        for (size_t i = 0; ok && i < old->nlog; i++)
            ok = t->log[i].nsub == old->log[i].nsub &&
                 strcmp(t->log[i].text, old->log[i].text) == 0;
        for (size_t i = 0; ok && i < old->ncode; i++)
            ok = strcmp(t->code[i].text, old->code[i].text) == 0;
        free(trimmed);
        ix_buf_free(&want);
    }
    if (ok && chg->keep_written) {
        ix_task_free(chg->written);
        chg->written = t;
    } else {
        ix_task_free(t);
    }
    if (!ok)
        return ix_err_set(err, "%s: the edit would not read back as intended (does the file end "
                               "inside an open code fence or HTML block?); nothing written",
                          old->path);
    return 0;
}

/* The splices CHG makes to T (CHG->changed: whether there are any). */
int ix_task_plan_edits(const ix_task *t, ix_task_change *chg, ix_edits *e, ix_err *err)
{
    int rc = 0;
    for (size_t i = 0; i < chg->nticks && rc == 0; i++) {
        const ix_criterion *c = ix_task_criterion(t, chg->ticks[i]);
        if (c && chg->expect_text && strcmp(c->text, chg->expect_text) != 0)
            rc = ix_err_set(err, "%s:%d: criterion %d changed while the run was going on; "
                                 "not ticked", t->path, c->line, c->index);
        else
            rc = ix_task_tick(t, chg->ticks[i], e, err);
    }
    if (rc == 0 && chg->set_status)
        rc = ix_task_set_status(t, chg->set_status, e, err);
    if (rc < 0)
        return -1;
    if (chg->message)
        ix_task_add_log(t, chg->stamp, chg->message, e);
    chg->changed = e->n > 0;
    if (e->n) {
        char date[11];
        snprintf(date, sizeof date, "%.10s", chg->stamp);
        ix_task_set_updated(t, date, e);
    }
    return 0;
}

typedef struct change_ctx {
    ix_task_change *chg;
    ix_file_inplace *ip;  /* NULL: text only */
} change_ctx;

static int change_text(void *vctx, const char *path, const char *data, size_t len, ix_buf *out,
                       ix_err *err)
{
    change_ctx *ctx = vctx;
    ix_task_change *chg = ctx->chg;
    const ix_task *h = chg->hint;
    ix_task *parsed = NULL;
    if (h && h->len == len && memcmp(h->data, data, len) == 0 && !h->partial &&
        strcmp(h->path, path) == 0)
        ; /* the file is the hint's bytes: its parse is this text's */
    else if (ix_task_parse(path, data, len, &parsed, err) < 0)
        return -1;
    const ix_task *t = parsed ? parsed : h;
    ix_edits e = {0};
    int rc = ix_task_plan_edits(t, chg, &e, err);
    if (rc == 0) {
        ix_quick_edit q;
        size_t entry_at = 0;
        int quick = chg->changed && ix_quick_plan(t, chg, &e, &q);
        ix_edits_apply(t, &e, out);
        if (quick && q.append)
            quick = ix_quick_entry(t, &q, out->data + q.at, out->len, &entry_at);
        /* The model to edit: our own parse, or the caller's when it gives
         * it up; without one, a caller wanting WRITTEN gets a parse. */
        ix_task *m = NULL;
        if (quick && chg->keep_written) {
            if (parsed) {
                m = parsed;
                parsed = NULL;
            } else if (chg->take && *chg->take == h) {
                m = *chg->take;
                *chg->take = NULL;
                /* edited into WRITTEN, which a second try (a save came
                 * between the read and the write) replaces and frees */
                chg->hint = NULL;
            }
        }
        if (!chg->changed) {
            rc = 1;
        } else if (!quick || (chg->keep_written && !m)) {
            rc = verify_change(t, chg, out, err);
        } else if (m) {
            ix_quick_apply(m, &q, out->data + q.value_at, out->data + q.at, out->len, entry_at);
            ix_task_free(chg->written);
            chg->written = m;
        }
        if (rc == 0 && quick && ctx->ip) {
            ctx->ip->ok = 1;
            ctx->ip->late = q.tick ? q.box : (size_t)-1;
            ctx->ip->tail = q.append ? q.at : (size_t)-1;
        }
    }
    ix_edits_free(&e);
    ix_task_free(parsed);
    return rc;
}

int ix_task_edit_text(const char *path, const char *data, size_t len, ix_task_change *chg,
                      ix_buf *out, ix_err *err)
{
    chg->changed = chg->in_place = 0;
    change_ctx ctx = {chg, NULL};
    return change_text(&ctx, path, data, len, out, err);
}

int ix_task_update_file(const char *path, ix_task_change *chg, ix_err *err)
{
    chg->changed = chg->in_place = chg->patched = 0;
    if (chg->seen && chg->take) {
        int rc = ix_quick_update_known(path, chg, err);
        if (rc <= 0)
            return rc;
        chg->changed = 0;
    }
    ix_file_inplace ip = {0};
    change_ctx ctx = {chg, &ip};
    int rc = ix_file_update_in_place(path, change_text, &ctx, &ip, err);
    chg->in_place = rc == 0 && ip.done;
    return rc;
}
