/* task.c - see include/infraexec/model/task.h */
#include "infraexec/model/task.h"

#include "infraexec/base/clock.h"
#include "infraexec/model/deps.h"
#include "infraexec/sys/fileio.h"
#include "infraexec/base/safetext.h"
#include "infraexec/model/taskscan.h"

#include <cmark.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Parsing state while walking the cmark tree. */
typedef struct walker {
    ix_task *t;
    size_t body_line0;      /* file line before the body's first line */
    char *section;          /* current level-1/2 heading text */
    char *heading;          /* nearest heading of any level */
    int in_criteria, in_log, log_sub;  /* log_sub: a ### inside the Progress Log */
    int in_deps;
    const char *dep_rel;    /* relation of the last label under Dependencies */
    int dep_prereq;
    char *dep_label;        /* that label as written (unknown ones are kept) */
    char *group;
} walker;

static void add_problem(ix_task *t, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_problem(ix_task *t, int line, int col, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ix_safe_inplace(msg, sizeof msg); /* it quotes the file: printed to a terminal */
    t->problems = ix_xrealloc(t->problems, (t->nproblems + 1) * sizeof *t->problems);
    t->problems[t->nproblems++] = (ix_problem){line, col, ix_xstrdup(msg)};
}

/* ---- cmark positions to file bytes ---- */

static int node_line(const walker *w, cmark_node *n)
{
    return (int)w->body_line0 + cmark_node_get_start_line(n);
}

static size_t node_start(const walker *w, cmark_node *n)
{
    size_t line = w->body_line0 + (size_t)cmark_node_get_start_line(n);
    return ix_lines_start(&w->t->lines, line) + (size_t)cmark_node_get_start_column(n) - 1;
}

/* End of N's content: the byte after its last character. */
static size_t node_end(const walker *w, cmark_node *n)
{
    size_t line = w->body_line0 + (size_t)cmark_node_get_end_line(n);
    int col = cmark_node_get_end_column(n);
    if (col == 0)
        return ix_lines_start(&w->t->lines, line);
    return ix_lines_start(&w->t->lines, line) + (size_t)col;
}

/* Last non-blank line of N (cmark counts trailing blank lines in). */
static int node_last_line(const walker *w, cmark_node *n)
{
    const ix_task *t = w->t;
    size_t first = w->body_line0 + (size_t)cmark_node_get_start_line(n);
    size_t line = w->body_line0 + (size_t)cmark_node_get_end_line(n);
    if (line > t->lines.count)
        line = t->lines.count;
    while (line > first) {
        size_t s = ix_lines_start(&t->lines, line);
        if (!ix_is_blank(t->data + s, t->data + ix_lines_content_end(&t->lines, t->data, line)))
            break;
        line--;
    }
    return (int)line;
}

/* Source text of [start, end) with each line trimmed and lines joined by
 * one space: a criterion's words as written, whatever its wrapping. */
static char *joined_source(const ix_task *t, size_t start, size_t end)
{
    ix_buf b = IX_BUF_INIT;
    size_t i = start;
    while (i < end) {
        size_t j = i;
        while (j < end && t->data[j] != '\n' && t->data[j] != '\r')
            j++;
        size_t a = i, z = j;
        while (a < z && (t->data[a] == ' ' || t->data[a] == '\t'))
            a++;
        while (z > a && (t->data[z - 1] == ' ' || t->data[z - 1] == '\t'))
            z--;
        if (z > a) {
            if (b.len)
                ix_buf_putc(&b, ' ');
            ix_buf_append(&b, t->data + a, z - a);
        }
        i = j;
        while (i < end && (t->data[i] == '\n' || t->data[i] == '\r'))
            i++;
    }
    return ix_buf_detach(&b);
}

/* TEXT trimmed as joined_source trims one line. */
static char *joined_source_text(const char *text)
{
    size_t a = strspn(text, " \t"), z = strlen(text);
    while (z > a && (text[z - 1] == ' ' || text[z - 1] == '\t'))
        z--;
    return ix_xstrndup(text + a, z - a);
}

/* Plain text of an inline tree (headings): text and code literals. */
static void inline_text(cmark_node *n, ix_buf *b)
{
    for (cmark_node *c = cmark_node_first_child(n); c; c = cmark_node_next(c)) {
        switch (cmark_node_get_type(c)) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
            ix_buf_puts(b, cmark_node_get_literal(c));
            break;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
            ix_buf_putc(b, ' ');
            break;
        default:
            inline_text(c, b);
        }
    }
}

static char *heading_text(cmark_node *n)
{
    ix_buf b = IX_BUF_INIT;
    inline_text(n, &b);
    return ix_buf_detach(&b);
}

static int starts_with_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static void collect_code_spans(cmark_node *n, ix_criterion *c)
{
    for (cmark_node *k = cmark_node_first_child(n); k; k = cmark_node_next(k)) {
        if (cmark_node_get_type(k) == CMARK_NODE_CODE) {
            c->code = ix_xrealloc(c->code, (c->ncode + 1) * sizeof *c->code);
            c->code[c->ncode++] = ix_xstrdup(cmark_node_get_literal(k));
        } else {
            collect_code_spans(k, c);
        }
    }
}

static int item_depth(cmark_node *item)
{
    int depth = 0;
    for (cmark_node *p = cmark_node_parent(item); p; p = cmark_node_parent(p))
        if (cmark_node_get_type(p) == CMARK_NODE_ITEM)
            depth++;
    return depth;
}

/* A list item under Acceptance Criteria: a criterion if its paragraph
 * starts with a checkbox; a malformed box is a problem for lint. */
static void visit_criterion(walker *w, cmark_node *item)
{
    ix_task *t = w->t;
    cmark_node *para = cmark_node_first_child(item);
    if (!para || cmark_node_get_type(para) != CMARK_NODE_PARAGRAPH)
        return;
    size_t s = node_start(w, para), end = node_end(w, para);
    const char *p = t->data + s;
    if (s >= end || *p != '[')
        return;
    int line = node_line(w, para), col = cmark_node_get_start_column(para);
    size_t rest;
    int checked;
    if (end - s >= 3 && p[2] == ']' && (p[1] == ' ' || p[1] == 'x' || p[1] == 'X')) {
        checked = p[1] != ' ';
        rest = s + 3;
    } else {
        const char *close = memchr(p, ']', end - s);
        if (close && close - p <= 4 && !memchr(p, '\n', (size_t)(close - p)))
            add_problem(t, line, col, "malformed checkbox '%.*s' (use '[ ]' or '[x]')",
                        (int)(close - p + 1), p);
        return;
    }
    if (rest < end && t->data[rest] != ' ' && t->data[rest] != '\t' &&
        t->data[rest] != '\n' && t->data[rest] != '\r')
        return; /* "[x]y" is text, not a box */

    t->criteria = ix_xrealloc(t->criteria, (t->ncriteria + 1) * sizeof *t->criteria);
    ix_criterion *c = &t->criteria[t->ncriteria++];
    memset(c, 0, sizeof *c);
    c->index = (int)t->ncriteria;
    c->line = line;
    c->col = col;
    c->box = s + 1;
    c->checked = checked;
    c->depth = item_depth(item);
    c->text = joined_source(t, rest, end);
    c->group = w->group ? ix_xstrdup(w->group) : NULL;
    collect_code_spans(para, c);
}

static int has_shape(const char *s, size_t n, const char *shape)
{
    size_t k = strlen(shape);
    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++) {
        if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
            return 0;
    }
    return 1;
}

static int num(const char *s, int k)
{
    int v = 0;
    while (k-- > 0)
        v = v * 10 + *s++ - '0';
    return v;
}

/* "YYYY-MM-DD HH:MM:" or, as the homelab's task README writes them,
 * "YYYY-MM-DD:" at the start of S: returns the text after it and the
 * stamp's length (16 or 10) in *LEN; NULL when neither shape is there.
 * *BAD says the shape is there but not a calendar date and time of day
 * (2025-13-45). */
static const char *parse_stamp(const char *s, size_t n, size_t *len, int *bad)
{
    if (has_shape(s, n, "dddd-dd-dd dd:dd:"))
        *len = 16;
    else if (has_shape(s, n, "dddd-dd-dd:"))
        *len = 10;
    else
        return NULL;
    *bad = !ix_clock_valid_date(num(s, 4), num(s + 5, 2), num(s + 8, 2)) ||
           (*len == 16 && (num(s + 11, 2) > 23 || num(s + 14, 2) > 59));
    return s + *len + 1;
}

#define NOT_AN_ENTRY "Progress Log entry does not start with 'YYYY-MM-DD HH:MM: ' or 'YYYY-MM-DD: '"

/* A top-level item of a list directly under "## Progress Log". */
static void visit_log_entry(walker *w, cmark_node *item)
{
    ix_task *t = w->t;
    cmark_node *para = cmark_node_first_child(item);
    int line = node_line(w, item);
    if (!para || cmark_node_get_type(para) != CMARK_NODE_PARAGRAPH) {
        add_problem(t, line, cmark_node_get_start_column(item), NOT_AN_ENTRY);
        return;
    }
    size_t s = node_start(w, para), end = node_end(w, para), len;
    int bad;
    const char *after = parse_stamp(t->data + s, end - s, &len, &bad);
    if (!after) {
        add_problem(t, node_line(w, para), cmark_node_get_start_column(para), NOT_AN_ENTRY);
        return;
    }
    if (bad) {
        add_problem(t, node_line(w, para), cmark_node_get_start_column(para),
                    "Progress Log entry stamp '%.*s' is not a calendar date%s", (int)len,
                    t->data + s, len == 16 ? " and time of day" : "");
        return;
    }
    t->log = ix_xrealloc(t->log, (t->nlog + 1) * sizeof *t->log);
    ix_log_entry *e = &t->log[t->nlog++];
    memset(e, 0, sizeof *e);
    e->line = line;
    e->last_line = node_last_line(w, item);
    e->stamp = ix_xstrndup(t->data + s, len);
    e->text = joined_source(t, (size_t)(after - t->data), end);
    /* Sub-bullets: items of lists nested in this entry. */
    for (cmark_node *c = cmark_node_next(para); c; c = cmark_node_next(c)) {
        if (cmark_node_get_type(c) != CMARK_NODE_LIST)
            continue;
        for (cmark_node *sub = cmark_node_first_child(c); sub; sub = cmark_node_next(sub)) {
            cmark_node *sp = cmark_node_first_child(sub);
            if (!sp)
                continue;
            e->sub = ix_xrealloc(e->sub, (e->nsub + 1) * sizeof *e->sub);
            e->sub[e->nsub++] = joined_source(t, node_start(w, sp), node_end(w, sp));
        }
    }
}

static void visit_code_block(walker *w, cmark_node *n)
{
    ix_task *t = w->t;
    /* cmark 0.30 cannot tell fenced from indented blocks: look at the source. */
    const char *p = t->data + node_start(w, n);
    if (strncmp(p, "```", 3) != 0 && strncmp(p, "~~~", 3) != 0)
        return;
    t->code = ix_xrealloc(t->code, (t->ncode + 1) * sizeof *t->code);
    ix_code_block *b = &t->code[t->ncode++];
    const char *info = cmark_node_get_fence_info(n);
    size_t k = strcspn(info ? info : "", " \t");
    b->line = node_line(w, n);
    b->lang = ix_xstrndup(info ? info : "", k);
    b->section = ix_xstrdup(w->heading ? w->heading : "");
    b->text = ix_xstrdup(cmark_node_get_literal(n) ? cmark_node_get_literal(n) : "");
}

static void add_dep(ix_task *t, const char *id, size_t n, const char *relation, int prereq,
                    const char *label, int line)
{
    if (t->deps_truncated)
        return;
    if (t->ndeps == IX_TASK_MAX_DEPS) {
        t->deps_truncated = line ? line : 1;
        add_problem(t, t->deps_truncated, 1, "more than %d dependencies; the rest are not read "
                    "and the task counts as blocked", IX_TASK_MAX_DEPS);
        return;
    }
    for (size_t i = 0; i < t->ndeps; i++)
        if (strlen(t->deps[i].id) == n && strncmp(t->deps[i].id, id, n) == 0 &&
            strcmp(t->deps[i].relation, relation) == 0 &&
            strcmp(t->deps[i].label ? t->deps[i].label : "", label ? label : "") == 0)
            return;
    t->deps = ix_xrealloc(t->deps, (t->ndeps + 1) * sizeof *t->deps);
    t->deps[t->ndeps++] = (ix_dep){ix_xstrndup(id, n), relation, label ? ix_xstrdup(label) : NULL,
                                   line, prereq};
}

/* The first task id ("TASK-005") in S at or after P; its length in *N. */
static const char *next_id(const char *s, const char *p, size_t *n)
{
    for (; (p = strstr(p, "TASK-")); p += 5)
        if ((p == s || !isalnum((unsigned char)p[-1])) && (*n = ix_dep_id_len(p)))
            return p;
    return NULL;
}

/* Ids in frontmatter depends_on: / blocked_by: (a list or one scalar). */
static void fm_deps(ix_task *t, const char *key)
{
    const ix_fm_node *d = ix_fm_get(t->fm, key);
    for (size_t i = 0; d && i < (d->kind == IX_FM_SEQ ? d->nchild : 1); i++) {
        const ix_fm_node *v = d->kind == IX_FM_SEQ ? &d->child[i] : d;
        size_t n;
        if (v->kind != IX_FM_SCALAR)
            continue;
        for (const char *p = v->value; (p = next_id(v->value, p, &n)); p += n)
            add_dep(t, p, n, key, 1, NULL, v->line);
    }
}

/* Under Dependencies: LABEL (a sub-heading, or a bold line like
 * "**Blocked By:**") names the relation of the ids that follow.  A label we
 * do not know still makes them prerequisites -- an unknown word must not let
 * a task run early -- and lint reports it. */
static void set_dep_label(walker *w, const char *label, size_t n, int line, int col, int strict)
{
    int prereq;
    const char *rel = ix_dep_relation(label, n, &prereq);
    if (!rel && !strict)
        return;
    while (n && strchr(" \t:", label[n - 1]))
        n--; /* "Blocked By:" is kept as "Blocked By" */
    free(w->dep_label);
    w->dep_label = ix_xstrndup(label, n);
    w->dep_rel = rel ? rel : IX_REL_UNKNOWN;
    w->dep_prereq = rel ? prereq : 1;
    if (!rel)
        add_problem(w->t, line, col, "unknown dependency relation '%s' (known: Depends On, "
                    "Blocked By, Prerequisites, Requires, After; Blocks, Unblocks, Required For, "
                    "Enables, Related); its tasks count as prerequisites", w->dep_label);
}

static int has_id(const char *s)
{
    size_t n;
    return next_id(s, s, &n) != NULL;
}

/* The label a paragraph starts with, into *LABEL (malloc'd): bold or
 * emphasised text without a task id ("**Unblocks**:"), or plain text up to a
 * ':' or the first id ("Depends on: TASK-1").  *SHAPED is set when the bold
 * text stands alone or ends in ':' -- a label even if the word is unknown. */
static int para_label(cmark_node *para, char **label, int *shaped)
{
    cmark_node *c = cmark_node_first_child(para);
    *label = NULL;
    *shaped = 0;
    if (!c)
        return 0;
    cmark_node_type ty = cmark_node_get_type(c);
    if (ty == CMARK_NODE_STRONG || ty == CMARK_NODE_EMPH) {
        char *text = heading_text(c);
        if (has_id(text)) {
            free(text);
            return 0;
        }
        cmark_node *next = cmark_node_next(c);
        const char *after = next && cmark_node_get_type(next) == CMARK_NODE_TEXT
                                ? cmark_node_get_literal(next) : NULL;
        size_t len = strlen(text);
        *shaped = !next || (len && text[len - 1] == ':') || (after && after[0] == ':');
        *label = text;
        return 1;
    }
    if (ty != CMARK_NODE_TEXT)
        return 0;
    const char *s = cmark_node_get_literal(c);
    size_t n, colon = strcspn(s, ":"), idat;
    const char *id = next_id(s, s, &n);
    idat = id ? (size_t)(id - s) : strlen(s);
    size_t end = colon < idat ? colon : idat;
    if (end == strlen(s) || end > 40)
        return 0;
    *label = ix_xstrndup(s, end);
    return 1;
}

/* The relation a bullet gives itself ("- **Blocks**: TASK-4"), or NULL. */
static const char *item_relation(cmark_node *item, int *prereq)
{
    cmark_node *para = cmark_node_first_child(item);
    char *label;
    int shaped;
    if (!para || cmark_node_get_type(para) != CMARK_NODE_PARAGRAPH ||
        !para_label(para, &label, &shaped))
        return NULL;
    const char *rel = ix_dep_relation(label, strlen(label), prereq);
    free(label);
    return rel;
}

/* A paragraph directly under Dependencies that is a label line. */
static void visit_dep_paragraph(walker *w, cmark_node *para)
{
    char *label;
    int shaped;
    if (!para_label(para, &label, &shaped))
        return;
    set_dep_label(w, label, strlen(label), node_line(w, para), cmark_node_get_start_column(para),
                  shaped && cmark_node_get_type(cmark_node_first_child(para)) != CMARK_NODE_TEXT);
    free(label);
}

/* Line of the first whole-word ID (N bytes) in BLOCK's source. */
static int id_line(const walker *w, cmark_node *block, const char *id, size_t n)
{
    const ix_task *t = w->t;
    size_t s = node_start(w, block), e = node_end(w, block);
    for (const char *p = t->data + s; p && (size_t)(p - t->data) + n <= e;) {
        p = memmem(p, e - (size_t)(p - t->data), id, n);
        if (!p)
            break;
        if ((p == t->data || !isalnum((unsigned char)p[-1])) && !isdigit((unsigned char)p[n]))
            return (int)ix_lines_at(&t->lines, (size_t)(p - t->data));
        p += n;
    }
    return node_line(w, block);
}

/* Task ids in a text node under Dependencies, with the relation of the
 * innermost bullet that names one, else of the last label. */
static void scan_deps(walker *w, cmark_node *text)
{
    const char *s = cmark_node_get_literal(text);
    size_t n;
    if (!s || !next_id(s, s, &n))
        return;
    const char *rel = w->dep_rel, *label = w->dep_label;
    int prereq = w->dep_prereq;
    cmark_node *block = NULL;
    for (cmark_node *p = cmark_node_parent(text); p; p = cmark_node_parent(p)) {
        cmark_node_type ty = cmark_node_get_type(p);
        if (!block && (ty == CMARK_NODE_PARAGRAPH || ty == CMARK_NODE_HEADING))
            block = p;
        int ip;
        const char *ir = ty == CMARK_NODE_ITEM ? item_relation(p, &ip) : NULL;
        if (ir) {
            rel = ir;
            prereq = ip;
            label = NULL;
            break;
        }
    }
    for (const char *p = s; (p = next_id(s, p, &n)); p += n)
        add_dep(w->t, p, n, rel, prereq, label, block ? id_line(w, block, p, n) : 0);
}

/* "STOP" alone as a paragraph or heading (bold or not): the featmgmt
 * marker for "a person wants this task left alone". */
static void check_stop(walker *w, cmark_node *n)
{
    if (w->t->stop_line)
        return;
    char *text = heading_text(n);
    size_t a = strspn(text, " \t"), z = strlen(text);
    while (z > a && (text[z - 1] == ' ' || text[z - 1] == '\t'))
        z--;
    if (z - a == 4 && memcmp(text + a, "STOP", 4) == 0)
        w->t->stop_line = node_line(w, n);
    free(text);
}

static void visit_heading(walker *w, cmark_node *n)
{
    int level = cmark_node_get_heading_level(n);
    char *text = heading_text(n);
    free(w->heading);
    w->heading = ix_xstrdup(text);
    if (level <= 2) {
        if (w->in_log && !w->t->log_section_end)
            w->t->log_section_end = node_line(w, n);
        free(w->section);
        w->section = text;
        free(w->group);
        w->group = NULL;
        w->in_criteria = level == 2 && starts_with_ci(text, "Acceptance Criteria");
        w->in_log = level == 2 && starts_with_ci(text, "Progress Log");
        w->in_deps = level == 2 && starts_with_ci(text, "Dependencies");
        w->dep_rel = IX_REL_LISTED;
        w->dep_prereq = 1;
        w->log_sub = 0;
        if (w->in_criteria)
            w->t->has_criteria_section = 1;
        if (w->in_log && !w->t->log_heading_line) {
            w->t->log_heading_line = node_line(w, n);
            w->t->log_heading_end = node_last_line(w, n);
        }
        return;
    }
    if (w->in_criteria) {
        free(w->group);
        w->group = text;
        return;
    }
    if (w->in_log)
        w->log_sub = 1;
    if (w->in_deps)
        set_dep_label(w, text, strlen(text), node_line(w, n), cmark_node_get_start_column(n), 1);
    free(text);
}

static void walk_body(walker *w, cmark_node *doc)
{
    cmark_iter *it = cmark_iter_new(doc);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        if (ev != CMARK_EVENT_ENTER)
            continue;
        cmark_node *n = cmark_iter_get_node(it);
        switch (cmark_node_get_type(n)) {
        case CMARK_NODE_HEADING:
            if (cmark_node_parent(n) == doc) {
                visit_heading(w, n);
                check_stop(w, n);
            }
            break;
        case CMARK_NODE_PARAGRAPH:
            if (cmark_node_parent(n) == doc) {
                check_stop(w, n);
                if (w->in_deps)
                    visit_dep_paragraph(w, n);
            }
            break;
        case CMARK_NODE_ITEM:
            if (w->in_criteria)
                visit_criterion(w, n);
            else if (w->in_log && !w->log_sub &&
                     cmark_node_parent(cmark_node_parent(n)) == doc &&
                     w->t->log_heading_line)
                visit_log_entry(w, n);
            break;
        case CMARK_NODE_CODE_BLOCK:
            visit_code_block(w, n);
            break;
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
            if (w->in_deps)
                scan_deps(w, n);
            break;
        default:
            break;
        }
    }
    cmark_iter_free(it);
}

/* ---- frontmatter ---- */

/* True if the line [s, e) is "---" with optional trailing blanks. */
static int is_fence(const char *s, const char *e)
{
    return e - s >= 3 && memcmp(s, "---", 3) == 0 && ix_is_blank(s + 3, e);
}

static void report_duplicate(void *ctx, const ix_fm_node *dup, const ix_fm_node *first)
{
    add_problem(ctx, dup->key_line, dup->key_col,
                "duplicate key '%s' (first at line %d; infraexec uses the first, other YAML "
                "tools the last)", dup->key, first->key_line);
}

int ix_task_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (!n || n > IX_TASK_ID_MAX || !isalnum((unsigned char)id[0]) || strstr(id, ".."))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)id[i]) && !strchr("._-", id[i]))
            return 0;
    return 1;
}

/* "id 'X' is not ..." with X shown safely (it may hold anything). */
static void bad_id_message(const char *id, char *msg, size_t size)
{
    char shown[48];
    size_t k = 0;
    for (const char *p = id; *p && k < sizeof shown - 4; p++)
        shown[k++] = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
    if (strlen(id) > k)
        shown[k++] = '.', shown[k++] = '.', shown[k++] = '.';
    shown[k] = '\0';
    snprintf(msg, size, "id '%s' is not a valid task id (letters, digits, '.', '_' and '-', "
                        "starting with a letter or digit, no '..', at most %d characters)",
             shown, IX_TASK_ID_MAX);
}

int ix_task_check_id(const ix_task *t, ix_err *err)
{
    if (!t->id || ix_task_id_ok(t->id))
        return 0;
    const ix_fm_node *n = ix_fm_get(t->fm, "id");
    char msg[400];
    bad_id_message(t->id, msg, sizeof msg);
    return ix_err_set(err, "%s:%d:%d: %s; refused", t->path, n ? n->line : 1, n ? n->col : 1, msg);
}

/* The fields that point into the frontmatter's nodes. */
static void point_fields(ix_task *t)
{
    t->id = ix_fm_str(t->fm, "id");
    t->title = ix_fm_str(t->fm, "title");
    t->status = ix_fm_str(t->fm, "status");
    t->priority = ix_fm_str(t->fm, "priority");
    t->created = ix_fm_str(t->fm, "created");
    t->updated = ix_fm_str(t->fm, "updated");
    const ix_fm_node *labels = ix_fm_get(t->fm, "labels");
    if (labels && labels->kind == IX_FM_SEQ) {
        t->labels = ix_xcalloc(labels->nchild, sizeof *t->labels);
        for (size_t i = 0; i < labels->nchild; i++)
            if (labels->child[i].kind == IX_FM_SCALAR)
                t->labels[t->nlabels++] = labels->child[i].value;
    } else if (labels && labels->kind == IX_FM_SCALAR && *labels->value) {
        t->labels = ix_xcalloc(1, sizeof *t->labels);
        t->labels[t->nlabels++] = labels->value;
    }
}

static void read_fields(ix_task *t)
{
    ix_fm_each_duplicate(t->fm, report_duplicate, t);
    point_fields(t);
    fm_deps(t, "depends_on");
    fm_deps(t, "blocked_by");
    const ix_fm_node *first = t->fm->nchild ? &t->fm->child[0] : NULL;
    int line = first ? first->key_line : t->fm->line;
    if (!t->id)
        add_problem(t, line, 1, "frontmatter has no 'id'");
    if (t->id && !ix_task_id_ok(t->id)) {
        const ix_fm_node *n = ix_fm_get(t->fm, "id");
        char msg[400];
        bad_id_message(t->id, msg, sizeof msg);
        add_problem(t, n->line, n->col, "%s", msg);
    }
    if (!t->title)
        add_problem(t, line, 1, "frontmatter has no 'title'");
}

/* libyaml counts U+0085, U+2028 and U+2029 as line breaks and skips a BOM
 * anywhere; positions would then disagree with the file's lines, and an
 * edit would land on the wrong bytes.  Such frontmatter is refused. */
static int check_fm_bytes(const ix_task *t, ix_err *err)
{
    static const struct { const char *bytes; const char *name; } bad[] = {
        {"\xC2\x85", "U+0085 NEXT LINE"},
        {"\xE2\x80\xA8", "U+2028 LINE SEPARATOR"},
        {"\xE2\x80\xA9", "U+2029 PARAGRAPH SEPARATOR"},
        {"\xEF\xBB\xBF", "a byte order mark"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *hit = memmem(t->data + t->fm_start, t->fm_close - t->fm_start, bad[i].bytes,
                                 strlen(bad[i].bytes));
        if (hit) {
            size_t off = (size_t)(hit - t->data), line = ix_lines_at(&t->lines, off);
            return ix_err_set(err, "%s:%zu:%zu: %s in the frontmatter is not supported", t->path,
                              line, off - ix_lines_start(&t->lines, line) + 1, bad[i].name);
        }
    }
    return 0;
}

static int parse(const char *path, const char *data, size_t len, int criteria_only,
                 ix_task **out, ix_err *err)
{
    if (len > IX_TASK_MAX_SIZE)
        return ix_err_set(err, "%s: file is larger than %u MiB", path, IX_TASK_MAX_SIZE >> 20);
    const char *what;
    size_t bad = ix_utf8_check(data, len, &what);

    ix_task *t = ix_xcalloc(1, sizeof *t);
    t->path = ix_xstrdup(path);
    t->data = ix_xstrndup(data, len);
    t->len = len;
    ix_lines_build(&t->lines, t->data, len);
    if (bad < len) {
        size_t line = ix_lines_at(&t->lines, bad);
        ix_err_set(err, "%s:%zu:%zu: %s", path, line,
                   bad - ix_lines_start(&t->lines, line) + 1, what);
        ix_task_free(t);
        return -1;
    }
    size_t first_end = ix_lines_content_end(&t->lines, t->data, 1);
    t->eol = first_end + 1 < len && t->data[first_end] == '\r' && t->data[first_end + 1] == '\n'
                 ? "\r\n" : "\n";

    size_t bom = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    if (t->lines.count == 0 || !is_fence(t->data + bom, t->data + first_end)) {
        ix_err_set(err, "%s:1:1: no frontmatter (the file must start with a '---' line)", path);
        ix_task_free(t);
        return -1;
    }
    size_t close = 0;
    for (size_t l = 2; l <= t->lines.count && !close; l++)
        if (is_fence(t->data + ix_lines_start(&t->lines, l),
                     t->data + ix_lines_content_end(&t->lines, t->data, l)))
            close = l;
    if (!close) {
        ix_err_set(err, "%s:1:1: unterminated frontmatter (no closing '---' line)", path);
        ix_task_free(t);
        return -1;
    }
    t->fm_start = ix_lines_start(&t->lines, 2);
    t->fm_close = ix_lines_start(&t->lines, close);
    if (check_fm_bytes(t, err) < 0) {
        ix_task_free(t);
        return -1;
    }
    if (ix_fm_parse(path, "frontmatter", t->data, &t->lines, t->fm_start, t->fm_close, &t->fm,
                    err) < 0) {
        ix_task_free(t);
        return -1;
    }
    read_fields(t);

    size_t body = ix_lines_next(&t->lines, close), end = len, from = 0, to = 0;
    walker w = {.t = t, .body_line0 = close};
    if (criteria_only == 2) {
        t->partial = 1; /* the frontmatter alone */
        body = end;
    } else if (criteria_only && ix_criteria_slice(t->data, len, body, &from, &to)) {
        t->partial = 1;
        w.body_line0 = from < len ? ix_lines_at(&t->lines, from) - 1 : close;
        body = from;
        end = to;
    }
    if (body < end || !t->partial) {
        cmark_node *doc = cmark_parse_document(t->data + body, end - body, CMARK_OPT_SOURCEPOS);
        walk_body(&w, doc);
        cmark_node_free(doc);
    }
    free(w.section);
    free(w.heading);
    free(w.group);
    free(w.dep_label);
    if (!t->has_criteria_section && criteria_only != 2)
        add_problem(t, (int)close + 1 <= (int)t->lines.count ? (int)close + 1 : (int)close, 1,
                    "no '## Acceptance Criteria' section");
    *out = t;
    return 0;
}

int ix_task_parse(const char *path, const char *data, size_t len, ix_task **out, ix_err *err)
{
    return parse(path, data, len, 0, out, err);
}

int ix_task_parse_criteria(const char *path, const char *data, size_t len, ix_task **out,
                           ix_err *err)
{
    return parse(path, data, len, 1, out, err);
}

static int load(const char *path, int criteria_only, ix_task **out, ix_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ix_err_sys(err, "%s: cannot open", path);
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return ix_err_set(err, "%s: is a directory, not a task file", path);
    }
    ix_buf b = IX_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        ix_buf_append(&b, chunk, n);
        if (b.len > IX_TASK_MAX_SIZE)
            break;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        ix_buf_free(&b);
        return ix_err_sys(err, "%s: cannot read", path);
    }
    int rc = parse(path, b.data ? b.data : "", b.len, criteria_only, out, err);
    ix_buf_free(&b);
    return rc;
}

int ix_task_load(const char *path, ix_task **out, ix_err *err)
{
    return load(path, 0, out, err);
}

int ix_task_load_frontmatter(const char *path, ix_task **out, ix_err *err)
{
    return load(path, 2, out, err);
}

int ix_task_load_criteria(const char *path, ix_task **out, ix_err *err)
{
    return load(path, 1, out, err);
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void ix_task_free(ix_task *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncriteria; i++) {
        free(t->criteria[i].text);
        free(t->criteria[i].group);
        free_strv(t->criteria[i].code, t->criteria[i].ncode);
    }
    free(t->criteria);
    for (size_t i = 0; i < t->nlog; i++) {
        free(t->log[i].stamp);
        free(t->log[i].text);
        free_strv(t->log[i].sub, t->log[i].nsub);
    }
    free(t->log);
    for (size_t i = 0; i < t->ncode; i++) {
        free(t->code[i].lang);
        free(t->code[i].section);
        free(t->code[i].text);
    }
    free(t->code);
    for (size_t i = 0; i < t->ndeps; i++) {
        free(t->deps[i].id);
        free(t->deps[i].label);
    }
    free(t->deps);
    for (size_t i = 0; i < t->nproblems; i++)
        free(t->problems[i].msg);
    free(t->problems);
    free(t->labels);
    ix_fm_free(t->fm);
    ix_lines_free(&t->lines);
    free(t->data);
    free(t->path);
    free(t);
}

static char **dup_strv(char *const *v, size_t n)
{
    char **d = n ? ix_xcalloc(n, sizeof *d) : NULL;
    for (size_t i = 0; i < n; i++)
        d[i] = ix_xstrdup(v[i]);
    return d;
}

static char *dup_or_null(const char *s)
{
    return s ? ix_xstrdup(s) : NULL;
}

ix_task *ix_task_dup(const ix_task *t)
{
    ix_task *d = ix_xcalloc(1, sizeof *d);
    *d = *t;
    d->path = ix_xstrdup(t->path);
    d->data = ix_xmalloc(t->len + 1);
    memcpy(d->data, t->data, t->len + 1);
    d->lines.start = ix_xmalloc((t->lines.count ? t->lines.count : 1) * sizeof(size_t));
    if (t->lines.count)
        memcpy(d->lines.start, t->lines.start, t->lines.count * sizeof(size_t));
    d->fm = ix_fm_dup(t->fm);
    d->labels = NULL;
    d->nlabels = 0;
    point_fields(d);
    d->criteria = ix_xcalloc(t->ncriteria ? t->ncriteria : 1, sizeof *d->criteria);
    for (size_t i = 0; i < t->ncriteria; i++) {
        const ix_criterion *c = &t->criteria[i];
        d->criteria[i] = *c;
        d->criteria[i].text = ix_xstrdup(c->text);
        d->criteria[i].group = dup_or_null(c->group);
        d->criteria[i].code = dup_strv(c->code, c->ncode);
    }
    d->log = ix_xcalloc(t->nlog ? t->nlog : 1, sizeof *d->log);
    for (size_t i = 0; i < t->nlog; i++) {
        const ix_log_entry *e = &t->log[i];
        d->log[i] = *e;
        d->log[i].stamp = ix_xstrdup(e->stamp);
        d->log[i].text = ix_xstrdup(e->text);
        d->log[i].sub = dup_strv(e->sub, e->nsub);
    }
    d->code = ix_xcalloc(t->ncode ? t->ncode : 1, sizeof *d->code);
    for (size_t i = 0; i < t->ncode; i++) {
        const ix_code_block *b = &t->code[i];
        d->code[i] = (ix_code_block){b->line, ix_xstrdup(b->lang), ix_xstrdup(b->section),
                                     ix_xstrdup(b->text)};
    }
    d->deps = ix_xcalloc(t->ndeps ? t->ndeps : 1, sizeof *d->deps);
    for (size_t i = 0; i < t->ndeps; i++) {
        d->deps[i] = t->deps[i];
        d->deps[i].id = ix_xstrdup(t->deps[i].id);
        d->deps[i].label = dup_or_null(t->deps[i].label);
    }
    d->problems = ix_xcalloc(t->nproblems ? t->nproblems : 1, sizeof *d->problems);
    for (size_t i = 0; i < t->nproblems; i++)
        d->problems[i] = (ix_problem){t->problems[i].line, t->problems[i].col,
                                      ix_xstrdup(t->problems[i].msg)};
    return d;
}

const ix_criterion *ix_task_criterion(const ix_task *t, int index)
{
    if (index < 1 || (size_t)index > t->ncriteria)
        return NULL;
    return &t->criteria[index - 1];
}

int ix_task_priority_rank(const char *priority)
{
    static const char *const order[] = {"critical", "high", "medium", "low"};
    for (int i = 0; i < 4; i++)
        if (priority && strcasecmp(priority, order[i]) == 0)
            return i;
    return 4;
}

size_t ix_task_checked(const ix_task *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->ncriteria; i++)
        n += t->criteria[i].checked != 0;
    return n;
}

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
    /* An empty value right after its anchor ("&a"): the value would only
     * lengthen the anchor's name unless a blank separates them. */
    int glue = start == n->end && start > n->start && !strchr(" \t\r\n", t->data[start - 1]);
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
        char *trimmed = joined_source_text(want.data);
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

/* An edit the model can follow without a parse, each part of which cannot
 * change how the rest of the file reads:
 * - a tick, ' ' -> 'x' in a box: the item stays a paragraph starting "[x]"
 *   and a blank (neither a link reference definition, which needs "]:",
 *   nor an inline link, which needs "](" or "][");
 * - `updated:` set to a date of the same length over a scalar whose bytes
 *   are its value (no escapes), the new one only digits and '-';
 * - one Progress Log entry appended at the end of a file whose last section
 *   is the log and whose last line ends its last entry: a "- " line at
 *   column 0 closes whatever that entry holds (an open fence, an HTML block)
 *   and starts a top-level item; nothing after a block changes an earlier one
 *   but a link reference definition, which starts with '[', not a digit
 *   (inserted before blank lines that end the file, only when no code block
 *   starts in that entry: an open fence holds those lines).
 * tests/unit/test_task.c compares the model so edited with a parse. */
typedef struct quick_edit {
    int tick;                   /* criterion ticked, 0 for none */
    size_t box;
    const ix_fm_node *updated;  /* `updated:` set, its value at VALUE_AT */
    size_t value_at;
    int append;                 /* an entry inserted at AT, LEN bytes long */
    size_t at, len;
} quick_edit;

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

static int quick_plan(const ix_task *t, const ix_task_change *chg, const ix_edits *e,
                      quick_edit *q)
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
static int quick_entry(const ix_task *t, const quick_edit *q, const char *ins, size_t new_len,
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
    if (line < 2 || memcmp(p, "- ", 2) != 0 || !parse_stamp(p + 2, line - 2, &slen, &bad) ||
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
static void quick_apply(ix_task *m, const quick_edit *q, const char *date, const char *end,
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
    le->text = joined_source(m, entry_at + 2 + 17, ix_lines_content_end(&m->lines, m->data,
                                                                       (size_t)line));
}

/* The splices CHG makes to T (CHG->changed: whether there are any). */
static int plan_edits(const ix_task *t, ix_task_change *chg, ix_edits *e, ix_err *err)
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
    int rc = plan_edits(t, chg, &e, err);
    if (rc == 0) {
        quick_edit q;
        size_t entry_at = 0;
        int quick = chg->changed && quick_plan(t, chg, &e, &q);
        ix_edits_apply(t, &e, out);
        if (quick && q.append)
            quick = quick_entry(t, &q, out->data + q.at, out->len, &entry_at);
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
            quick_apply(m, &q, out->data + q.value_at, out->data + q.at, out->len, entry_at);
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

/* The change written as pieces (ix_file_patch_in_place) when it is one the
 * model can follow and *CHG->take is the file as the caller last saw it
 * (CHG->seen): no read of the file and no new text of it, only the edited
 * regions; the model is edited into WRITTEN.  1 when that does not apply:
 * the whole update then reads the file (and says what is wrong with it). */
static int update_known(const char *path, ix_task_change *chg, ix_err *err)
{
    ix_task *m = *chg->take;
    ix_edits e = {0};
    ix_err perr;
    quick_edit q;
    if (!m || m != chg->hint || m->partial || !chg->keep_written || strcmp(m->path, path) != 0 ||
        plan_edits(m, chg, &e, &perr) < 0 || !chg->changed || !quick_plan(m, chg, &e, &q)) {
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
    if (n == e.n && (!q.append || (entry && quick_entry(m, &q, entry, new_len, &entry_at))) &&
        (!q.updated || date)) {
        ix_file_patch p = {.expect = chg->seen, .pieces = pc, .n = n, .late = late};
        rc = ix_file_patch_in_place(path, &p, err);
        if (rc == 0) {
            quick_apply(m, &q, date, tail.data, new_len, entry_at);
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

int ix_task_update_file(const char *path, ix_task_change *chg, ix_err *err)
{
    chg->changed = chg->in_place = chg->patched = 0;
    if (chg->seen && chg->take) {
        int rc = update_known(path, chg, err);
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
