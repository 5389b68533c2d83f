/* fuzz_task.c - libFuzzer target: the task-file parser and its edits.
 *
 * The input is a whole task file.  When it parses, every unchecked criterion
 * is ticked, `updated:` is set and a Progress Log entry is added, as
 * `infraexec tick`/`log` do, first with the edit primitives (ix_task_tick,
 * ix_task_set_updated, ix_task_add_log, ix_edits_apply) and then through the
 * checked path (ix_task_edit_text, what ix_task_update_file runs).
 *
 * Bytes (always):
 *   - the splices stay inside the file and do not overlap (ix_edits_apply
 *     would silently drop one); a tick replaces one ' ' by "x"; the
 *     `updated:` splice replaces exactly the value (inside its quotes) --
 *     not an &anchor, !tag or comment before it;
 *   - the result is the original with exactly those splices applied (length
 *     arithmetic and every untouched byte compared).
 * Meaning (of that result): it parses; it has the same criteria (same text,
 *   depth, group and code spans), all of them checked; the same code blocks;
 *   the same Progress Log entries plus the new one, last, with the text
 *   given (newlines turned into spaces) and no sub-bullets; the same
 *   frontmatter except `updated:`, which now reads the new date (when it is
 *   a one-line scalar).
 * Checked path: ix_task_edit_text must either return exactly that result
 *   when it means what it should, or refuse (-1) when it does not; it must
 *   never accept a result that fails the meaning checks, nor refuse one that
 *   passes them.
 *
 * Any violation prints what was wrong and aborts. */
#include "infraexec/model/task.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STAMP "2031-02-03 04:05"
#define DATE "2031-02-03"

/* Progress Log texts, chosen by the input's size: plain, with newlines
 * (become spaces), with Markdown and blanks around it (trimmed on read). */
static const char *const log_texts[] = {
    "fuzz entry",
    "two\nlines",
    "crlf\r\ntext `code` *em* [x]",
    "  padded\t",
};

static const char *cur_input, *cur_out;
static size_t cur_len, cur_olen;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "fuzz_task: violation: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n--- input (%zu bytes) ---\n", cur_len);
    fwrite(cur_input, 1, cur_len < 4096 ? cur_len : 4096, stderr);
    if (cur_out) {
        fprintf(stderr, "\n--- edited (%zu bytes) ---\n", cur_olen);
        fwrite(cur_out, 1, cur_olen < 4096 ? cur_olen : 4096, stderr);
    }
    fprintf(stderr, "\n--- end ---\n");
    abort();
}

static int same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* What ix_task_add_log's text reads back as: CR/LF become spaces, the
 * line is trimmed of blanks (as the parser's joined_source does). */
static char *expected_log_text(const char *text)
{
    char *s = strdup(text);
    for (char *p = s; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    char *a = s;
    while (*a == ' ' || *a == '\t')
        a++;
    size_t n = strlen(a);
    while (n > 0 && (a[n - 1] == ' ' || a[n - 1] == '\t'))
        n--;
    memmove(s, a, n);
    s[n] = '\0';
    return s;
}

/* Frontmatter trees equal in kind, key, value and style; SKIP (a node of A)
 * is left out of the comparison. */
static int fm_same(const ix_fm_node *a, const ix_fm_node *b, const ix_fm_node *skip)
{
    if (a == skip)
        return 1;
    if (a->kind != b->kind || a->nchild != b->nchild || !same_str(a->key, b->key) ||
        !same_str(a->value, b->value) || (a->kind == IX_FM_SCALAR && a->style != b->style))
        return 0;
    for (size_t i = 0; i < a->nchild; i++)
        if (!fm_same(&a->child[i], &b->child[i], skip))
            return 0;
    return 1;
}

typedef struct saved_splice {
    size_t start, end;
    char *text;
    size_t tlen;
} saved_splice;

static int by_start(const void *x, const void *y)
{
    const saved_splice *a = x, *b = y;
    return a->start < b->start ? -1 : a->start > b->start;
}

/* Why the last meaning check failed. */
static char why[1024];

static int bad(ix_task *u, char *want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(ix_task *u, char *want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    ix_task_free(u);
    free(want);
    return 1;
}

#define BAD(...) return bad(u, want, __VA_ARGS__)

/* Does OUT, the edited T, mean what the edits intend (see the top)?  UPD:
 * the `updated:` node that must now read DATE, or NULL.  0 if so, else 1
 * with the reason in `why`. */
static int meaning(const ix_task *t, const char *out, size_t olen, const char *log_text,
                   const ix_fm_node *upd)
{
    char *want = expected_log_text(log_text);
    ix_task *u;
    ix_err err = {{0}};
    if (ix_task_parse("fuzz.md", out, olen, &u, &err) < 0)
        return bad(NULL, want, "edited file does not parse: %s", err.msg);

    if (u->ncriteria != t->ncriteria)
        BAD("%zu criteria before, %zu after", t->ncriteria, u->ncriteria);
    for (size_t i = 0; i < t->ncriteria; i++) {
        const ix_criterion *a = &t->criteria[i], *b = &u->criteria[i];
        if (!b->checked)
            BAD("criterion %zu not checked after ticking", i + 1);
        if (!same_str(a->text, b->text))
            BAD("criterion %zu text '%s' became '%s'", i + 1, a->text, b->text);
        if (a->depth != b->depth || !same_str(a->group, b->group) || a->ncode != b->ncode)
            BAD("criterion %zu depth/group/code changed", i + 1);
        for (size_t k = 0; k < a->ncode; k++)
            if (!same_str(a->code[k], b->code[k]))
                BAD("criterion %zu code span %zu changed", i + 1, k);
    }
    if (ix_task_checked(u) != u->ncriteria)
        BAD("not every criterion is checked");

    if (u->nlog != t->nlog + 1)
        BAD("%zu log entries before, %zu after (want +1)", t->nlog, u->nlog);
    for (size_t i = 0; i < t->nlog; i++) {
        const ix_log_entry *a = &t->log[i], *b = &u->log[i];
        if (!same_str(a->stamp, b->stamp) || !same_str(a->text, b->text) || a->nsub != b->nsub)
            BAD("log entry %zu changed: '%s' -> '%s'", i + 1, a->text, b->text);
        for (size_t k = 0; k < a->nsub; k++)
            if (!same_str(a->sub[k], b->sub[k]))
                BAD("log entry %zu sub-bullet %zu changed", i + 1, k);
    }
    const ix_log_entry *last = &u->log[u->nlog - 1];
    if (!same_str(last->stamp, STAMP) || !same_str(last->text, want) || last->nsub != 0)
        BAD("new log entry reads '%s: %s' (%zu subs), want '%s: %s'", last->stamp, last->text,
             last->nsub, STAMP, want);
    if (!u->log_heading_line)
        BAD("no Progress Log heading after adding an entry");

    if (u->ncode != t->ncode)
        BAD("%zu code blocks before, %zu after", t->ncode, u->ncode);
    for (size_t i = 0; i < t->ncode; i++)
        if (!same_str(t->code[i].text, u->code[i].text) ||
            !same_str(t->code[i].lang, u->code[i].lang))
            BAD("code block %zu changed", i + 1);
    if (u->has_criteria_section != t->has_criteria_section)
        BAD("Acceptance Criteria section appeared or vanished");

    if (!fm_same(t->fm, u->fm, upd))
        BAD("frontmatter changed beyond 'updated'");
    if (upd) {
        const ix_fm_node *nu = ix_fm_get(u->fm, "updated");
        if (!nu || nu->kind != IX_FM_SCALAR || !same_str(nu->value, DATE) ||
            nu->style != upd->style || !same_str(u->updated, DATE))
            BAD("updated: reads '%s' (style %d), want '%s' (style %d)",
                 nu && nu->value ? nu->value : "(none)", nu ? (int)nu->style : -1, DATE,
                 (int)upd->style);
    }
    if (!same_str(t->id, u->id) || !same_str(t->title, u->title) || !same_str(t->status, u->status))
        BAD("id/title/status changed");

    ix_task_free(u);
    free(want);
    return 0;
}

#undef BAD

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    cur_input = (const char *)data;
    cur_len = size;
    cur_out = NULL;

    ix_task *t;
    ix_err err = {{0}};
    if (ix_task_parse("fuzz.md", (const char *)data, size, &t, &err) < 0)
        return 0;
    if (t->len != size || memcmp(t->data, data, size) != 0)
        fail("task data is not a copy of the input");

    const char *log_text = log_texts[size % (sizeof log_texts / sizeof *log_texts)];

    /* ---- the edits ---- */
    ix_edits e = {0};
    size_t nticks = 0;
    for (size_t i = 0; i < t->ncriteria; i++) {
        const ix_criterion *c = &t->criteria[i];
        if (c->index != (int)i + 1)
            fail("criterion %zu has index %d", i + 1, c->index);
        if (c->box >= t->len)
            fail("criterion %d: box offset %zu past the end (%zu)", c->index, c->box, t->len);
        if (t->data[c->box - 1] != '[' || t->data[c->box + 1] != ']')
            fail("criterion %d: box at %zu is not between brackets", c->index, c->box);
        char mark = t->data[c->box];
        if (c->checked ? (mark != 'x' && mark != 'X') : mark != ' ')
            fail("criterion %d: checked=%d but the box holds '%c'", c->index, c->checked, mark);
        if (ix_task_tick(t, c->index, &e, &err) < 0)
            fail("tick %d failed: %s", c->index, err.msg);
        nticks += !c->checked;
    }
    if (ix_task_tick(t, (int)t->ncriteria + 1, &e, &err) == 0 || ix_task_tick(t, 0, &e, &err) == 0)
        fail("tick of a criterion that does not exist succeeded");
    if (e.n != nticks)
        fail("%zu splices for %zu unchecked criteria", e.n, nticks);
    size_t before_updated = e.n;
    ix_task_set_updated(t, DATE, &e);
    int updated_spliced = e.n > before_updated;
    ix_task_add_log(t, STAMP, log_text, &e);

    const ix_fm_node *upd = ix_fm_get(t->fm, "updated");
    int expect_date = upd && upd->kind == IX_FM_SCALAR && upd->style != IX_FM_BLOCK;

    /* Save the splices: ix_edits_apply frees them. */
    saved_splice *sv = calloc(e.n ? e.n : 1, sizeof *sv);
    size_t nsv = e.n, grow = 0;
    for (size_t i = 0; i < e.n; i++) {
        sv[i].start = e.s[i].start;
        sv[i].end = e.s[i].end;
        sv[i].text = strdup(e.s[i].text);
        sv[i].tlen = strlen(e.s[i].text);
        if (sv[i].start > sv[i].end || sv[i].end > t->len)
            fail("splice %zu [%zu,%zu) outside the file (%zu bytes)", i, sv[i].start, sv[i].end,
                 t->len);
        grow += sv[i].tlen;
        grow -= sv[i].end - sv[i].start;
    }
    /* The updated splice replaces the value's bytes (inside the quotes):
     * the node's range starts at an &anchor or !tag when it has one, and
     * those, a comment or a line break after them stay. */
    if (updated_spliced) {
        const saved_splice *u = &sv[before_updated];
        size_t vs = upd->start;
        while (vs < upd->end) {
            char c = t->data[vs];
            if (c == '&' || c == '!') {
                while (vs < upd->end && !strchr(" \t\r\n", t->data[vs]))
                    vs++;
            } else if (c == '#') {
                while (vs < upd->end && t->data[vs] != '\n' && t->data[vs] != '\r')
                    vs++;
            } else if (strchr(" \t\r\n", c)) {
                vs++;
            } else {
                break;
            }
        }
        /* An empty value glued to its anchor ("&a") or its key's colon
         * ("updated:", where libyaml marks it) gets a blank first. */
        int glued = vs == upd->end && vs > 0 && !strchr(" \t\r\n", t->data[vs - 1]);
        if (strcmp(u->text, glued ? " " DATE : DATE) != 0)
            fail("updated splice text '%s'", u->text);
        size_t q = upd->style == IX_FM_PLAIN ? 0 : 1;
        if (u->start != vs + q || u->end + q != upd->end)
            fail("updated splice [%zu,%zu) replaces '%.*s', not the value [%zu,%zu) '%.*s'",
                 u->start, u->end, (int)(u->end - u->start), t->data + u->start, vs + q,
                 upd->end - q, (int)(upd->end - q - vs - q), t->data + vs + q);
    }
    /* The log splice is an insertion holding the entry. */
    {
        const saved_splice *l = &sv[nsv - 1];
        if (l->start != l->end)
            fail("log splice replaces bytes [%zu,%zu)", l->start, l->end);
        if (!strstr(l->text, "- " STAMP ": "))
            fail("log splice '%s' has no entry", l->text);
    }
    qsort(sv, nsv, sizeof *sv, by_start);
    for (size_t i = 1; i < nsv; i++)
        if (sv[i].start < sv[i - 1].end ||
            (sv[i].start == sv[i - 1].start && sv[i].start == sv[i].end &&
             sv[i - 1].start == sv[i - 1].end))
            fail("splices [%zu,%zu) and [%zu,%zu) overlap", sv[i - 1].start, sv[i - 1].end,
                 sv[i].start, sv[i].end);

    ix_buf out = IX_BUF_INIT;
    ix_edits_apply(t, &e, &out);
    cur_out = out.data ? out.data : "";
    cur_olen = out.len;
    if (e.n != 0 || e.s != NULL)
        fail("ix_edits_apply did not free the edits");

    /* ---- byte-level: the original with exactly the splices applied ---- */
    if (out.len != t->len + grow)
        fail("result is %zu bytes, expected %zu + %zu", out.len, t->len, grow);
    {
        size_t pos = 0, opos = 0;
        for (size_t i = 0; i < nsv; i++) {
            size_t keep = sv[i].start - pos;
            if (memcmp(out.data + opos, t->data + pos, keep) != 0)
                fail("bytes [%zu,%zu) outside the splices changed", pos, sv[i].start);
            opos += keep;
            if (memcmp(out.data + opos, sv[i].text, sv[i].tlen) != 0)
                fail("splice at %zu not written as given", sv[i].start);
            opos += sv[i].tlen;
            pos = sv[i].end;
        }
        if (memcmp(out.data + opos, t->data + pos, t->len - pos) != 0)
            fail("bytes after the last splice changed");
    }

    /* ---- meaning, and the checked path ---- */
    int meaning_bad = meaning(t, out.data ? out.data : "", out.len, log_text, expect_date ? upd : NULL);
    {
        int *ticks = calloc(t->ncriteria + 1, sizeof *ticks);
        for (size_t i = 0; i < t->ncriteria; i++)
            ticks[i] = (int)i + 1;
        ix_task_change chg = {.ticks = ticks, .nticks = t->ncriteria, .message = log_text,
                              .stamp = STAMP};
        ix_buf chk = IX_BUF_INIT;
        ix_err cerr = {{0}};
        int rc = ix_task_edit_text("fuzz.md", (const char *)data, size, &chg, &chk, &cerr);
        if (rc == 1 || (rc == 0 && !chg.changed))
            fail("ix_task_edit_text reports nothing to change");
        if (rc == 0 && meaning_bad)
            fail("ix_task_edit_text accepted an edit that does not read back: %s", why);
        if (rc < 0 && !meaning_bad)
            fail("ix_task_edit_text refused an edit that reads back fine: %s", cerr.msg);
        if (rc == 0 && (chk.len != out.len || memcmp(chk.data, out.data, out.len) != 0))
            fail("ix_task_edit_text wrote other bytes than the edit primitives");
        ix_buf_free(&chk);
        free(ticks);
    }

    cur_out = NULL;
    ix_buf_free(&out);
    for (size_t i = 0; i < nsv; i++)
        free(sv[i].text);
    free(sv);
    ix_task_free(t);
    return 0;
}
