/* taskbody.c - see include/infraexec/model/taskbody.h */
#include "infraexec/model/taskbody.h"

#include "infraexec/base/clock.h"
#include "infraexec/model/deps.h"
#include "infraexec/base/safetext.h"

#include <cmark.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

void ix_task_add_problem(ix_task *t, int line, int col, const char *fmt, ...)
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
char *ix_task_joined_source(const ix_task *t, size_t start, size_t end)
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

/* TEXT trimmed as ix_task_joined_source trims one line. */
char *ix_task_joined_text(const char *text)
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
            ix_task_add_problem(t, line, col, "malformed checkbox '%.*s' (use '[ ]' or '[x]')",
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
    c->text = ix_task_joined_source(t, rest, end);
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
const char *ix_task_parse_stamp(const char *s, size_t n, size_t *len, int *bad)
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
        ix_task_add_problem(t, line, cmark_node_get_start_column(item), NOT_AN_ENTRY);
        return;
    }
    size_t s = node_start(w, para), end = node_end(w, para), len;
    int bad;
    const char *after = ix_task_parse_stamp(t->data + s, end - s, &len, &bad);
    if (!after) {
        ix_task_add_problem(t, node_line(w, para), cmark_node_get_start_column(para), NOT_AN_ENTRY);
        return;
    }
    if (bad) {
        ix_task_add_problem(t, node_line(w, para), cmark_node_get_start_column(para),
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
    e->text = ix_task_joined_source(t, (size_t)(after - t->data), end);
    /* Sub-bullets: items of lists nested in this entry. */
    for (cmark_node *c = cmark_node_next(para); c; c = cmark_node_next(c)) {
        if (cmark_node_get_type(c) != CMARK_NODE_LIST)
            continue;
        for (cmark_node *sub = cmark_node_first_child(c); sub; sub = cmark_node_next(sub)) {
            cmark_node *sp = cmark_node_first_child(sub);
            if (!sp)
                continue;
            e->sub = ix_xrealloc(e->sub, (e->nsub + 1) * sizeof *e->sub);
            e->sub[e->nsub++] = ix_task_joined_source(t, node_start(w, sp), node_end(w, sp));
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
        ix_task_add_problem(t, t->deps_truncated, 1, "more than %d dependencies; the rest are not read "
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
void ix_taskbody_fm_deps(ix_task *t, const char *key)
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
        ix_task_add_problem(w->t, line, col, "unknown dependency relation '%s' (known: Depends On, "
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

void ix_taskbody_walk(ix_task *t, size_t body_line0, size_t from, size_t to)
{
    walker w = {.t = t, .body_line0 = body_line0};
    cmark_node *doc = cmark_parse_document(t->data + from, to - from, CMARK_OPT_SOURCEPOS);
    walk_body(&w, doc);
    cmark_node_free(doc);
    free(w.section);
    free(w.heading);
    free(w.group);
    free(w.dep_label);
}
