/* tasksection.c - see include/infraexec/model/tasksection.h */
#include "infraexec/model/tasksection.h"

#include "infraexec/sys/fileio.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Plain text of a heading: its text and code literals. */
static void inline_text(cmark_node *n, ix_buf *b)
{
    for (cmark_node *c = cmark_node_first_child(n); c; c = cmark_node_next(c)) {
        cmark_node_type ty = cmark_node_get_type(c);
        if (ty == CMARK_NODE_TEXT || ty == CMARK_NODE_CODE)
            ix_buf_puts(b, cmark_node_get_literal(c));
        else if (ty == CMARK_NODE_SOFTBREAK || ty == CMARK_NODE_LINEBREAK)
            ix_buf_putc(b, ' ');
        else
            inline_text(c, b);
    }
}

void ix_task_sections(const ix_task *t, ix_task_section **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t close = ix_lines_at(&t->lines, t->fm_close);
    size_t body = ix_lines_next(&t->lines, close);
    cmark_node *doc = cmark_parse_document(t->data + body, t->len - body, CMARK_OPT_SOURCEPOS);
    for (cmark_node *h = cmark_node_first_child(doc); h; h = cmark_node_next(h)) {
        if (cmark_node_get_type(h) != CMARK_NODE_HEADING || cmark_node_get_heading_level(h) > 2)
            continue;
        ix_buf text = IX_BUF_INIT;
        inline_text(h, &text);
        int line = (int)close + cmark_node_get_start_line(h);
        if (*n)
            (*out)[*n - 1].end_line = line;
        *out = ix_xrealloc(*out, (*n + 1) * sizeof **out);
        (*out)[(*n)++] = (ix_task_section){ix_buf_detach(&text), cmark_node_get_heading_level(h),
                                           line, (int)close + cmark_node_get_end_line(h) + 1,
                                           (int)t->lines.count + 1};
    }
    cmark_node_free(doc);
}

void ix_task_sections_free(ix_task_section *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i].heading);
    free(s);
}

static int blank_line(const ix_task *t, size_t line)
{
    return ix_is_blank(t->data + ix_lines_start(&t->lines, line),
                       t->data + ix_lines_content_end(&t->lines, t->data, line));
}

char *ix_task_section_body(const ix_task *t, const ix_task_section *s)
{
    size_t first = (size_t)s->body_line, last = (size_t)s->end_line - 1;
    while (first <= last && first <= t->lines.count && blank_line(t, first))
        first++;
    while (last >= first && last <= t->lines.count && blank_line(t, last))
        last--;
    ix_buf b = IX_BUF_INIT;
    for (size_t l = first; l <= last && l <= t->lines.count; l++) {
        size_t a = ix_lines_start(&t->lines, l), z = ix_lines_content_end(&t->lines, t->data, l);
        if (l > first)
            ix_buf_putc(&b, '\n');
        ix_buf_append(&b, t->data + a, z - a);
    }
    return ix_buf_detach(&b);
}

/* The sections the task model itself reads: a rule never writes them. */
static const char *const owned[] = {"Acceptance Criteria", "Progress Log", "Dependencies", NULL};

int ix_task_section_name_ok(const char *heading, ix_err *err)
{
    size_t n = strlen(heading);
    int ok = n > 0 && n <= 80 && heading[0] != ' ' && heading[n - 1] != ' ';
    for (size_t i = 0; ok && i < n; i++) {
        unsigned char ch = (unsigned char)heading[i];
        ok = (ch < 0x80 && (strchr("-_() ", ch) || (ch >= '0' && ch <= '9') ||
                            ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z'))) &&
             !(ch == ' ' && heading[i + 1] == ' ');
    }
    if (!ok)
        return ix_err_set(err, "'%.80s' is not a section name infraexec writes (words of letters, "
                               "digits, '-', '_', '(', ')', at most 80 bytes)", heading);
    for (const char *const *o = owned; *o; o++)
        if (strncasecmp(heading, *o, strlen(*o)) == 0)
            return ix_err_set(err, "'%s' is a section the task model reads; a rule does not "
                                   "write it", heading);
    return 0;
}

static const ix_task_section *find(const ix_task_section *s, size_t n, const char *heading)
{
    for (size_t i = 0; i < n; i++)
        if (s[i].level == 2 && strcasecmp(s[i].heading, heading) == 0)
            return &s[i];
    return NULL;
}

/* BODY with T's line ends, each line ended. */
static void put_body(ix_buf *b, const ix_task *t, const char *body)
{
    for (const char *p = body; *p; p++) {
        if (*p == '\n')
            ix_buf_puts(b, t->eol);
        else
            ix_buf_putc(b, *p);
    }
    ix_buf_puts(b, t->eol);
}

static void splice(ix_edits *e, size_t start, size_t end, char *text)
{
    e->s = ix_xrealloc(e->s, (e->n + 1) * sizeof *e->s);
    e->s[e->n++] = (ix_splice){start, end, text};
}

/* What the task model reads must read as before; the section must hold BODY. */
static int same_model(const ix_task *a, const ix_task *b)
{
    if (a->ncriteria != b->ncriteria || a->nlog != b->nlog || a->ncode != b->ncode)
        return 0;
    for (size_t i = 0; i < a->ncriteria; i++)
        if (a->criteria[i].checked != b->criteria[i].checked ||
            strcmp(a->criteria[i].text, b->criteria[i].text) != 0)
            return 0;
    for (size_t i = 0; i < a->nlog; i++)
        if (strcmp(a->log[i].text, b->log[i].text) != 0 || a->log[i].nsub != b->log[i].nsub)
            return 0;
    for (size_t i = 0; i < a->ncode; i++)
        if (strcmp(a->code[i].text, b->code[i].text) != 0)
            return 0;
    return 1;
}

static int holds(const ix_task *t, const char *heading, const char *body)
{
    ix_task_section *s;
    size_t n;
    ix_task_sections(t, &s, &n);
    const ix_task_section *hit = find(s, n, heading);
    char *text = hit ? ix_task_section_body(t, hit) : NULL;
    int ok = text && strcmp(text, body) == 0;
    free(text);
    ix_task_sections_free(s, n);
    return ok;
}

static int check_body(const char *path, const char *body, ix_err *err)
{
    if (!*body)
        return ix_err_set(err, "%s: a section needs a body; nothing written", path);
    for (const char *p = body; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
            return ix_err_set(err, "%s: the section's text holds a control byte (0x%02x); "
                                   "nothing written", path, (unsigned char)*p);
    return 0;
}

static int section_text(void *ctx, const char *path, const char *data, size_t len, ix_buf *out,
                        ix_err *err)
{
    ix_section_change *chg = ctx;
    chg->changed = 0;
    ix_err why;
    if (ix_task_section_name_ok(chg->heading, &why) < 0)
        return ix_err_set(err, "%s: %s; nothing written", path, why.msg);
    /* A body is compared without the blank lines at its ends, as it reads back. */
    size_t blen = strlen(chg->body);
    while (blen && chg->body[blen - 1] == '\n')
        blen--;
    char *body = ix_xstrndup(chg->body, blen);
    ix_task *t;
    if (check_body(path, body, err) < 0 || ix_task_parse(path, data, len, &t, err) < 0) {
        free(body);
        return -1;
    }
    if (holds(t, chg->heading, body)) {
        free(body);
        ix_task_free(t);
        return 1;
    }
    ix_task_section *s;
    size_t n;
    ix_task_sections(t, &s, &n);
    const ix_task_section *hit = find(s, n, chg->heading);
    int ends_eol = t->len && (t->data[t->len - 1] == '\n' || t->data[t->len - 1] == '\r');
    ix_buf text = IX_BUF_INIT;
    ix_edits e = {0};
    if (hit) {
        /* The body's lines, from after the heading to the next section. */
        size_t start = ix_lines_start(&t->lines, (size_t)hit->body_line);
        size_t end = ix_lines_start(&t->lines, (size_t)hit->end_line);
        if (start == t->len && !ends_eol)
            ix_buf_puts(&text, t->eol);
        ix_buf_puts(&text, t->eol);
        put_body(&text, t, body);
        if (end < t->len)
            ix_buf_puts(&text, t->eol);
        splice(&e, start, end, ix_buf_detach(&text));
    } else if (t->log_heading_line) {
        size_t line = (size_t)t->log_heading_line;
        if (line > 1 && !blank_line(t, line - 1))
            ix_buf_puts(&text, t->eol);
        ix_buf_printf(&text, "## %s%s%s", chg->heading, t->eol, t->eol);
        put_body(&text, t, body);
        ix_buf_puts(&text, t->eol);
        size_t at = ix_lines_start(&t->lines, line);
        splice(&e, at, at, ix_buf_detach(&text));
    } else {
        if (!ends_eol)
            ix_buf_puts(&text, t->eol);
        if (!blank_line(t, t->lines.count))
            ix_buf_puts(&text, t->eol);
        ix_buf_printf(&text, "## %s%s%s", chg->heading, t->eol, t->eol);
        put_body(&text, t, body);
        splice(&e, t->len, t->len, ix_buf_detach(&text));
    }
    ix_task_sections_free(s, n);
    char date[11];
    snprintf(date, sizeof date, "%.10s", chg->stamp);
    ix_task_set_updated(t, date, &e);
    ix_edits_apply(t, &e, out);
    ix_task *back;
    ix_err perr;
    int rc = 0;
    if (ix_task_parse(path, out->data, out->len, &back, &perr) < 0) {
        rc = ix_err_set(err, "%s: the edit would not parse (%s); nothing written", path, perr.msg);
    } else {
        if (!same_model(t, back) || !holds(back, chg->heading, body))
            rc = ix_err_set(err, "%s: writing section '%s' would not read back as intended (a "
                                 "heading, list or code fence in its text, or the file ends "
                                 "inside an open code fence?); nothing written",
                            path, chg->heading);
        ix_task_free(back);
    }
    chg->changed = rc == 0;
    ix_task_free(t);
    free(body);
    return rc;
}

int ix_task_section_edit_text(const char *path, const char *data, size_t len,
                              ix_section_change *chg, ix_buf *out, ix_err *err)
{
    return section_text(chg, path, data, len, out, err);
}

int ix_task_section_update_file(const char *path, ix_section_change *chg, ix_err *err)
{
    return ix_file_update(path, section_text, chg, err);
}
