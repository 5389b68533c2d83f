/* taskquick.c - see include/infraexec/model/taskquick.h */
#include "infraexec/model/taskquick.h"

#include "infraexec/model/taskbody.h"
#include "infraexec/model/taskedit.h"
#include "infraexec/sys/fileio.h"

#include <stdlib.h>
#include <string.h>

/* Only blank lines from OFF to the end of T. */
static int blank_tail(const ix_task *t, size_t off)
{
    return strspn(t->data + off, " \t\r\n") == t->len - off;
}

/* A code block starts in the last entry and blank lines follow AT: an open
 * fence holds those lines, and an entry inserted before them would take
 * them from it (its text changes, which the read-back refuses). */
static int fence_keeps_tail(const ix_task *t, size_t at)
{
    return at < t->len && t->ncode && t->code[t->ncode - 1].line >= t->log[t->nlog - 1].line;
}

static int date_chars(const char *s)
{
    return strspn(s, "0123456789-") == strlen(s);
}

int ix_quick_plan(const ix_task *t, const ix_task_change *chg, const ix_edits *e,
                      ix_quick_edit *q)
{
    memset(q, 0, sizeof *q);
    if (t->partial || chg->set_status || chg->nticks > 1)
        return 0;
    const ix_fm_node *u = ix_fm_get(t->fm, "updated");
    for (size_t i = 0; i < e->n; i++) {
        const ix_splice *s = &e->s[i];
        size_t n = s->end - s->start, k = strlen(s->text);
        const ix_criterion *c = chg->nticks ? ix_task_criterion(t, chg->ticks[0]) : NULL;
        if (c && !q->tick && s->start == c->box && n == 1 && strcmp(s->text, "x") == 0 &&
            t->data[c->box] == ' ') {
            q->tick = c->index;
            q->box = c->box;
        } else if (u && !q->updated && u->kind == IX_FM_SCALAR && s->start >= u->start &&
                   s->end <= u->end && n == k && strlen(u->value) == n &&
                   memcmp(t->data + s->start, u->value, n) == 0 && date_chars(s->text)) {
            q->updated = u;
            q->value_at = s->start;
        } else if (chg->message && !q->append && n == 0 && blank_tail(t, s->start) && t->nlog &&
                   t->log_heading_line && !t->log_section_end &&
                   !fence_keeps_tail(t, s->start)) {
            q->append = 1; /* at the end, or before the blank lines that end the file */
            q->at = s->start;
            q->len = k;
        } else {
            return 0;
        }
    }
    return 1;
}

/* The inserted entry as the parser reads it: "- STAMP: TEXT" on one line
 * (after a line break when the file did not end with one), in ASCII -- a
 * write cut short by a crash then leaves a shorter line, never a broken
 * UTF-8 sequence; 0 when not so, and the change is parsed back instead.
 * *ENTRY_AT: where the line starts. */
int ix_quick_entry(const ix_task *t, const ix_quick_edit *q, const char *ins, size_t new_len,
                   size_t *entry_at)
{
    size_t from = 0, end = q->len, eol = strlen(t->eol);
    if (new_len > IX_TASK_MAX_SIZE || !q->len)
        return 0;
    for (size_t i = from; i < end; i++)
        if ((unsigned char)ins[i] >= 0x80 || !ins[i])
            return 0;
    if (q->at && t->data[q->at - 1] != '\n' && t->data[q->at - 1] != '\r') {
        if (end - from < eol || memcmp(ins, t->eol, eol) != 0)
            return 0;
        from += eol;
    }
    const char *p = ins + from;
    size_t line = 0;
    while (from + line < end && p[line] != '\r' && p[line] != '\n')
        line++;
    if (from + line != end && (from + line + eol != end || memcmp(p + line, t->eol, eol) != 0))
        return 0;
    size_t slen;
    int bad;
    if (line < 2 || memcmp(p, "- ", 2) != 0 || !ix_task_parse_stamp(p + 2, line - 2, &slen, &bad) ||
        bad || slen != 16)
        return 0;
    *entry_at = q->at + from;
    return 1;
}

/* N rounded up to a power of two: growing an array one element per tick
 * through realloc to this size copies it only when it doubles (realloc
 * within the block it has is free), not at every tick. */
static size_t grown(size_t n)
{
    size_t cap = 64;
    while (cap < n)
        cap *= 2;
    return cap;
}

/* Apply Q to M, the parse of the text before the edit, so that it becomes
 * the parse of the text after it: DATE the new `updated:` bytes, END the
 * bytes from Q->at to the new end NEW_LEN. */
void ix_quick_apply(ix_task *m, const ix_quick_edit *q, const char *date, const char *end,
                    size_t new_len, size_t entry_at)
{
    if (q->tick) {
        m->data[q->box] = 'x';
        m->criteria[q->tick - 1].checked = 1;
    }
    if (q->updated) {
        size_t n = strlen(q->updated->value);
        memcpy(m->data + q->value_at, date, n);
        memcpy(q->updated->value, date, n);
    }
    if (!q->append)
        return;
    m->data = ix_xrealloc(m->data, grown(new_len + 1));
    memcpy(m->data + q->at, end, new_len - q->at);
    m->data[new_len] = '\0';
    m->len = new_len;
    /* The lines from the one holding AT on, which the insertion continues
     * or moves. */
    size_t keep = m->lines.count ? ix_lines_at(&m->lines, q->at) - 1 : 0;
    size_t from = keep < m->lines.count ? m->lines.start[keep] : 0;
    ix_lines tail;
    ix_lines_build(&tail, m->data + from, m->len - from);
    m->lines.start = ix_xrealloc(m->lines.start, grown(keep + tail.count) * sizeof(size_t));
    for (size_t i = 0; i < tail.count; i++)
        m->lines.start[keep + i] = from + tail.start[i];
    m->lines.count = keep + tail.count;
    m->lines.len = m->len;
    ix_lines_free(&tail);

    int line = (int)ix_lines_at(&m->lines, entry_at);
    m->log = ix_xrealloc(m->log, grown(m->nlog + 1) * sizeof *m->log);
    ix_log_entry *le = &m->log[m->nlog++];
    memset(le, 0, sizeof *le);
    le->line = le->last_line = line;
    le->stamp = ix_xstrndup(m->data + entry_at + 2, 16);
    le->text = ix_task_joined_source(m, entry_at + 2 + 17, ix_lines_content_end(&m->lines, m->data,
                                                                       (size_t)line));
}

/* The change written as pieces (ix_file_patch_in_place) when it is one the
 * model can follow and *CHG->take is the file as the caller last saw it
 * (CHG->seen): no read of the file and no new text of it, only the edited
 * regions; the model is edited into WRITTEN.  1 when that does not apply:
 * the whole update then reads the file (and says what is wrong with it). */
int ix_quick_update_known(const char *path, ix_task_change *chg, ix_err *err)
{
    ix_task *m = *chg->take;
    ix_edits e = {0};
    ix_err perr;
    ix_quick_edit q;
    if (!m || m != chg->hint || m->partial || !chg->keep_written || strcmp(m->path, path) != 0 ||
        ix_task_plan_edits(m, chg, &e, &perr) < 0 || !chg->changed || !ix_quick_plan(m, chg, &e, &q)) {
        ix_edits_free(&e);
        return 1;
    }
    ix_file_piece pc[3];
    size_t n = 0, late = (size_t)-1, new_len = m->len, entry_at = 0;
    const char *date = NULL, *entry = NULL;
    ix_buf tail = IX_BUF_INIT;
    for (size_t i = 0; i < e.n && n < 3; i++) {
        const ix_splice *sp = &e.s[i];
        size_t k = strlen(sp->text);
        if (q.append && sp->start == q.at && sp->end == sp->start) {
            /* the entry and the blank lines it goes before, in one piece */
            entry = sp->text;
            ix_buf_append(&tail, sp->text, k);
            ix_buf_append(&tail, m->data + q.at, m->len - q.at);
            new_len += k;
            pc[n++] = (ix_file_piece){q.at, m->data + q.at, m->len - q.at, tail.data, tail.len};
            continue;
        }
        if (q.tick && sp->start == q.box)
            late = n;
        else if (q.updated && sp->start == q.value_at)
            date = sp->text;
        pc[n++] = (ix_file_piece){sp->start, m->data + sp->start, sp->end - sp->start, sp->text, k};
    }
    int rc = 1;
    if (n == e.n && (!q.append || (entry && ix_quick_entry(m, &q, entry, new_len, &entry_at))) &&
        (!q.updated || date)) {
        ix_file_patch p = {.expect = chg->seen, .pieces = pc, .n = n, .late = late};
        rc = ix_file_patch_in_place(path, &p, err);
        if (rc == 0) {
            ix_quick_apply(m, &q, date, tail.data, new_len, entry_at);
            *chg->take = NULL;
            chg->hint = NULL;
            ix_task_free(chg->written);
            chg->written = m;
            chg->after = p.after;
            chg->patched = chg->in_place = 1;
        }
    }
    ix_buf_free(&tail);
    ix_edits_free(&e);
    return rc;
}
