/* task.c - see include/infraexec/model/task.h */
#include "infraexec/model/task.h"

#include "infraexec/model/taskbody.h"
#include "infraexec/model/taskdir.h"
#include "infraexec/model/taskscan.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- frontmatter ---- */

/* True if the line [s, e) is "---" with optional trailing blanks. */
static int is_fence(const char *s, const char *e)
{
    return e - s >= 3 && memcmp(s, "---", 3) == 0 && ix_is_blank(s + 3, e);
}

static void report_duplicate(void *ctx, const ix_fm_node *dup, const ix_fm_node *first)
{
    ix_task_add_problem(ctx, dup->key_line, dup->key_col,
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
    ix_taskbody_fm_deps(t, "depends_on");
    ix_taskbody_fm_deps(t, "blocked_by");
    const ix_fm_node *first = t->fm->nchild ? &t->fm->child[0] : NULL;
    int line = first ? first->key_line : t->fm->line;
    if (!t->id)
        ix_task_add_problem(t, line, 1, "frontmatter has no 'id'");
    if (t->id && !ix_task_id_ok(t->id)) {
        const ix_fm_node *n = ix_fm_get(t->fm, "id");
        char msg[400];
        bad_id_message(t->id, msg, sizeof msg);
        ix_task_add_problem(t, n->line, n->col, "%s", msg);
    }
    if (!t->title)
        ix_task_add_problem(t, line, 1, "frontmatter has no 'title'");
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
    if (ix_fm_parse(path, "frontmatter", t->data, &t->lines, t->fm_start, t->fm_close, &t->fm,
                    err) < 0) {
        ix_task_free(t);
        return -1;
    }
    read_fields(t);

    size_t body = ix_lines_next(&t->lines, close), end = len, from = 0, to = 0, line0 = close;
    if (criteria_only == 2) {
        t->partial = 1; /* the frontmatter alone */
        body = end;
    } else if (criteria_only && ix_criteria_slice(t->data, len, body, &from, &to)) {
        t->partial = 1;
        line0 = from < len ? ix_lines_at(&t->lines, from) - 1 : close;
        body = from;
        end = to;
    }
    if (body < end || !t->partial)
        ix_taskbody_walk(t, line0, body, end);
    if (!t->has_criteria_section && criteria_only != 2)
        ix_task_add_problem(t, (int)close + 1 <= (int)t->lines.count ? (int)close + 1 : (int)close, 1,
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
    ix_buf b = IX_BUF_INIT;
    int rc = ix_taskdir_read(path, IX_TASK_MAX_SIZE, &b, err) < 0
                 ? -1 : parse(path, b.data ? b.data : "", b.len, criteria_only, out, err);
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
