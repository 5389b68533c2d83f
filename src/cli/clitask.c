/* clitask.c - the commands show, tick, log, confirm, lint, list, yaml
 * (see include/infraexec/cli/clicmd.h). */
#include "infraexec/cli/clicmd.h"

#include "infraexec/base/clock.h"
#include "infraexec/engine/confirm.h"
#include "infraexec/model/deps.h"
#include "infraexec/sys/fileio.h"
#include "infraexec/sys/git.h"
#include "infraexec/engine/queue.h"
#include "infraexec/base/safetext.h"
#include "infraexec/model/task.h"
#include "infraexec/model/taskdir.h"
#include "infraexec/model/taskjson.h"
#include "infraexec/model/taskscan.h"
#include "infraexec/base/text.h"
#include "infraexec/model/yamledit.h"

#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load_task(ix_cli *c, const char *arg, ix_task **t)
{
    ix_err err;
    char *path;
    if (ix_taskdir_resolve(c->tasks_dir, arg, &path, &err) < 0)
        return ix_cli_fail(err.msg);
    int rc = ix_task_load(path, t, &err);
    free(path);
    return rc < 0 ? ix_cli_fail(err.msg) : IX_EXIT_OK;
}

/* ---- show ---- */

static void print_task(const ix_task *t)
{
    ix_buf a = IX_BUF_INIT, b = IX_BUF_INIT;
    printf("%s  %s\n", ix_cli_shown(&a, t->id, "(no id)"), ix_cli_shown(&b, t->title, "(no title)"));
    printf("  path:     %s\n", ix_cli_shown(&a, t->path, ""));
    printf("  status:   %s   priority: %s\n", ix_cli_shown(&a, t->status, "-"),
           ix_cli_shown(&b, t->priority, "-"));
    printf("  labels:   ");
    for (size_t i = 0; i < t->nlabels; i++)
        printf("%s%s", i ? ", " : "", ix_cli_shown(&a, t->labels[i], ""));
    printf("\n  criteria: %zu of %zu checked\n", ix_task_checked(t), t->ncriteria);
    const char *group = NULL;
    for (size_t i = 0; i < t->ncriteria; i++) {
        const ix_criterion *cr = &t->criteria[i];
        if (cr->group && (!group || strcmp(group, cr->group) != 0))
            printf("    %s\n", ix_cli_shown(&a, cr->group, ""));
        group = cr->group;
        printf("  %3d %*s[%c] %s\n", cr->index, 2 * cr->depth, "", cr->checked ? 'x' : ' ',
               ix_cli_shown(&a, cr->text, ""));
    }
    if (t->nlog)
        printf("  progress log: %zu entries, last %s: %s\n", t->nlog,
               ix_cli_shown(&a, t->log[t->nlog - 1].stamp, ""), ix_cli_shown(&b, t->log[t->nlog - 1].text, ""));
    ix_buf_free(&a);
    ix_buf_free(&b);
}

int ix_clicmd_show(ix_cli *c, int argc, char **argv)
{
    if (argc != 1)
        return ix_cli_fail("show: expected one TASK (see 'infraexec show --help')");
    ix_task *t;
    int rc = load_task(c, argv[0], &t);
    if (rc)
        return rc;
    if (c->json)
        ix_cli_print_json(ix_task_to_json(t));
    else
        print_task(t);
    ix_task_free(t);
    return IX_EXIT_OK;
}

/* ---- tick and log: edits under the file lock ---- */

static int edit_task(ix_cli *c, const char *arg, ix_task_change *chg)
{
    ix_err err;
    ix_now now;
    char *path;
    if (ix_clock_now(&now, &err) < 0)
        return ix_cli_fail(err.msg);
    if (ix_taskdir_resolve(c->tasks_dir, arg, &path, &err) < 0)
        return ix_cli_fail(err.msg);
    chg->stamp = now.stamp;
    int rc = ix_task_update_file(path, chg, &err);
    free(path);
    return rc < 0 ? ix_cli_fail(err.msg) : IX_EXIT_OK;
}

/* "TASK: WHAT" on stdout, TASK as a terminal may get it: the name may come
 * from a pull request (a glob over its files). */
static void said(const char *task, const char *what)
{
    ix_buf b = IX_BUF_INIT;
    printf("%s: %s\n", ix_cli_shown(&b, task, ""), what);
    ix_buf_free(&b);
}

/* A criterion number: plain decimal digits, as option values are
 * (docs/cli.md); strtol alone would take " 1" and "+1". */
static int criterion_number(const char *s, int *out)
{
    char *end;
    long n = isdigit((unsigned char)*s) ? strtol(s, &end, 10) : 0;
    if (n < 1 || n > INT_MAX || *end)
        return -1;
    *out = (int)n;
    return 0;
}

int ix_clicmd_tick(ix_cli *c, int argc, char **argv)
{
    if (argc < 2)
        return ix_cli_fail("tick: expected TASK and at least one criterion number");
    int *ticks = ix_xcalloc((size_t)argc, sizeof *ticks);
    ix_task_change chg = {.ticks = ticks};
    for (int i = 1; i < argc; i++) {
        if (criterion_number(argv[i], &ticks[chg.nticks]) < 0) {
            free(ticks);
            fprintf(stderr, "infraexec: tick: '%s' is not a criterion number (1, 2, ...)\n",
                    argv[i]);
            return IX_EXIT_BAD;
        }
        chg.nticks++;
    }
    int rc = edit_task(c, argv[0], &chg);
    if (rc == IX_EXIT_OK)
        said(argv[0], chg.changed ? "ticked" : "already checked, nothing changed");
    free(ticks);
    return rc;
}

int ix_clicmd_log(ix_cli *c, int argc, char **argv)
{
    /* Blanks alone would log an entry with no text. */
    if (argc != 2 || ix_is_blank(argv[1], argv[1] + strlen(argv[1])))
        return ix_cli_fail("log: expected TASK and one non-empty MESSAGE");
    ix_task_change chg = {.message = argv[1]};
    int rc = edit_task(c, argv[0], &chg);
    if (rc == IX_EXIT_OK)
        said(argv[0], "logged");
    return rc;
}

/* ---- lint ---- */

/* Relations naming a task the tasks directory does not hold.  The
 * directory: --tasks-dir, else the one the file is filed in; a file filed
 * elsewhere has nothing to compare with. */
static size_t lint_missing_deps(ix_cli *c, const ix_task *t, ix_queue **q, char **qdir)
{
    if (!t->ndeps)
        return 0;
    char *dir = c->tasks_dir ? ix_xstrdup(c->tasks_dir) : ix_taskdir_of(t->path);
    ix_err err;
    if (!dir)
        return 0;
    if (!*qdir || strcmp(*qdir, dir) != 0) {
        ix_queue_free(*q);
        free(*qdir);
        *q = NULL;
        *qdir = dir;
        if (ix_queue_build(dir, q, &err) < 0)
            *q = NULL;
    } else {
        free(dir);
    }
    size_t n = 0;
    char *shown = ix_safe_dup(t->path, 0), *in = *qdir ? ix_safe_dup(*qdir, 0) : NULL;
    for (size_t i = 0; *q && i < t->ndeps; i++) {
        const ix_dep *d = &t->deps[i];
        if (!ix_queue_find(*q, d->id)) {
            printf("%s:%d:1: %s (%s) does not exist in %s\n", shown, d->line, d->id,
                   d->relation, in);
            n++;
        }
    }
    free(shown);
    free(in);
    return n;
}

int ix_clicmd_lint(ix_cli *c, int argc, char **argv)
{
    if (argc < 1)
        return ix_cli_fail("lint: expected at least one TASK");
    size_t problems = 0;
    ix_queue *q = NULL;
    char *qdir = NULL;
    for (int i = 0; i < argc; i++) {
        ix_err err;
        char *path;
        ix_task *t;
        if (ix_taskdir_resolve(c->tasks_dir, argv[i], &path, &err) < 0) {
            printf("%s\n", err.msg);
            problems++;
            continue;
        }
        if (ix_task_load(path, &t, &err) < 0) {
            printf("%s\n", err.msg);
            problems++;
        } else {
            /* Anyone with a pull request names the files: one safe line each. */
            char *shown = ix_safe_dup(path, 0);
            for (size_t k = 0; k < t->nproblems; k++)
                printf("%s:%d:%d: %s\n", shown, t->problems[k].line, t->problems[k].col,
                       t->problems[k].msg);
            free(shown);
            problems += t->nproblems + lint_missing_deps(c, t, &q, &qdir);
            ix_task_free(t);
        }
        free(path);
    }
    ix_queue_free(q);
    free(qdir);
    if (problems)
        fprintf(stderr, "infraexec: lint: %zu problem%s\n", problems, problems == 1 ? "" : "s");
    return problems ? IX_EXIT_BAD : IX_EXIT_OK;
}

/* ---- list ---- */

/* One listed task, as printed: only the summary of each file is read
 * (include/infraexec/model/taskscan.h), so memory holds rows, not parsed files. */
typedef struct list_row {
    int rank;
    char *key;  /* id, else path */
    char *out;  /* the line, or the JSON object indented as an array element; NULL: left out */
    char *err;  /* why the file could not be read, else NULL */
} list_row;

static int by_priority_then_id(const void *a, const void *b)
{
    const list_row *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    int d = ix_dep_id_cmp(x->key, y->key); /* as the queue orders: TASK-9 before TASK-10 */
    return d ? d : strcmp(x->key, y->key);
}

static int has_label(const ix_task_summary *t, const char *label)
{
    for (size_t i = 0; i < t->nlabels; i++)
        if (strcmp(t->labels[i], label) == 0)
            return 1;
    return 0;
}

/* S as json_dumps writes a string (or null): the same escapes, byte for
 * byte, so the output is what it was when jansson built every row. */
static void json_put_str(ix_buf *b, const char *s)
{
    if (!s) {
        ix_buf_puts(b, "null");
        return;
    }
    ix_buf_putc(b, '"');
    for (const char *run = s;; s++) {
        unsigned char c = (unsigned char)*s;
        if (c && c != '"' && c != '\\' && c >= 0x20)
            continue;
        ix_buf_append(b, run, (size_t)(s - run));
        if (!c)
            break;
        const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
                        : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                        : c == '\t' ? "\\t" : NULL;
        if (esc)
            ix_buf_puts(b, esc);
        else
            ix_buf_printf(b, "\\u%04X", c);
        run = s + 1;
    }
    ix_buf_putc(b, '"');
}

/* The object json_dumps(JSON_INDENT(2) | JSON_PRESERVE_ORDER) printed,
 * one level in, as an element of the array. */
static char *list_json(const ix_task_summary *t)
{
    ix_buf b = IX_BUF_INIT;
    const char *keys[] = {"  {\n    \"id\": ", ",\n    \"title\": ", ",\n    \"status\": ",
                          ",\n    \"priority\": "};
    const char *vals[] = {t->id, t->title, t->status, t->priority};
    for (int k = 0; k < 4; k++) {
        ix_buf_puts(&b, keys[k]);
        json_put_str(&b, vals[k]);
    }
    ix_buf_puts(&b, ",\n    \"labels\": [");
    for (size_t k = 0; k < t->nlabels; k++) {
        ix_buf_puts(&b, k ? ",\n      " : "\n      ");
        json_put_str(&b, t->labels[k]);
    }
    ix_buf_puts(&b, t->nlabels ? "\n    ],\n    \"path\": " : "],\n    \"path\": ");
    json_put_str(&b, t->path);
    char n[64]; /* one snprintf, not ix_buf_printf's two: this runs for every file */
    int len = snprintf(n, sizeof n, ",\n    \"total\": %d,\n    \"checked\": %d\n  }",
                       (int)t->total, (int)t->checked);
    ix_buf_append(&b, n, (size_t)len);
    return ix_buf_detach(&b);
}

static char *list_line(const ix_task_summary *t)
{
    ix_buf s[4] = {IX_BUF_INIT, IX_BUF_INIT, IX_BUF_INIT, IX_BUF_INIT}, line = IX_BUF_INIT;
    ix_buf_printf(&line, "%-10s %-9s %-10s %3zu/%-3zu %s", ix_cli_shown(&s[0], t->id, "-"),
                  ix_cli_shown(&s[1], t->priority, "-"), ix_cli_shown(&s[2], t->status, "-"), t->checked,
                  t->total, ix_cli_shown(&s[3], t->title, ""));
    for (int k = 0; k < 4; k++)
        ix_buf_free(&s[k]);
    return ix_buf_detach(&line);
}

/* Files [from, n) by STEP, into their rows: one call per thread. */
typedef struct list_job {
    const ix_cli *c;
    char **paths;
    list_row *rows;
    size_t from, n, step;
} list_job;

static void *list_rows(void *arg)
{
    const list_job *j = arg;
    for (size_t i = j->from; i < j->n; i += j->step) {
        ix_task_summary t;
        ix_err err;
        list_row *r = &j->rows[i];
        if (ix_task_summarize(j->paths[i], &t, &err) < 0) {
            r->err = ix_xstrdup(err.msg);
            continue;
        }
        if (!(j->c->status && (!t.status || strcmp(t.status, j->c->status) != 0)) &&
            !(j->c->label && !has_label(&t, j->c->label)))
            *r = (list_row){ix_task_priority_rank(t.priority), ix_xstrdup(t.id ? t.id : t.path),
                            j->c->json ? list_json(&t) : list_line(&t), NULL};
        ix_task_summary_free(&t);
    }
    return NULL;
}

int ix_clicmd_list(ix_cli *c, int argc, char **argv)
{
    (void)argv;
    if (argc)
        return ix_cli_fail("list: takes no arguments (filter with --status and --label)");
    ix_err err;
    char *dir, **paths;
    size_t n, nt = 0, bad = 0;
    if (ix_taskdir_find(c->tasks_dir, &dir, &err) < 0)
        return ix_cli_fail(err.msg);
    if (ix_taskdir_list(dir, &paths, &n, &err) < 0) {
        free(dir);
        return ix_cli_fail(err.msg);
    }
    /* Reading the files is most of the time: a second thread takes every
     * other file when there are enough to pay for it and a second CPU. */
    list_row *rows = calloc(n ? n : 1, sizeof *rows);
    list_job jobs[2] = {{c, paths, rows, 0, n, 1}, {c, paths, rows, 1, n, 2}};
    pthread_t other;
    int two = n >= 64 && sysconf(_SC_NPROCESSORS_ONLN) > 1 &&
              pthread_create(&other, NULL, list_rows, &jobs[1]) == 0;
    if (two)
        jobs[0].step = 2;
    list_rows(&jobs[0]);
    if (two)
        pthread_join(other, NULL);
    for (size_t i = 0; i < n; i++) { /* in path order, as one thread would have said them */
        if (rows[i].err) {
            fprintf(stderr, "infraexec: %s\n", rows[i].err);
            free(rows[i].err);
            bad++;
        } else if (rows[i].out) {
            rows[nt++] = rows[i];
        }
    }
    qsort(rows, nt, sizeof *rows, by_priority_then_id);
    if (c->json) /* the array json_dumps would print, element by element */
        fputs(nt ? "[\n" : "[]", stdout);
    for (size_t i = 0; i < nt; i++) {
        fputs(rows[i].out, stdout);
        fputs(!c->json ? "\n" : i + 1 < nt ? ",\n" : "\n]", stdout);
        free(rows[i].key);
        free(rows[i].out);
    }
    if (c->json)
        putchar('\n');
    free(rows);
    ix_taskdir_free_list(paths, n);
    free(dir);
    return bad ? IX_EXIT_BAD : IX_EXIT_OK;
}

/* `confirm TASK N --note TEXT`: a person's word for work done by hand. */
int ix_clicmd_confirm(ix_cli *c, int argc, char **argv)
{
    if (argc != 2)
        return ix_cli_fail("confirm: expected TASK and one criterion number");
    char *path, *who;
    int n;
    if (criterion_number(argv[1], &n) < 0) {
        fprintf(stderr, "infraexec: confirm: '%s' is not a criterion number (1, 2, ...)\n", argv[1]);
        return IX_EXIT_BAD;
    }
    ix_err err;
    if (ix_taskdir_resolve(c->tasks_dir, argv[0], &path, &err) < 0)
        return ix_cli_fail(err.msg);
    int rc = ix_confirm_task(path, n, c->note, &who, &err);
    free(path);
    if (rc < 0)
        return ix_cli_fail(err.msg);
    ix_buf what = IX_BUF_INIT;
    ix_buf_printf(&what, "criterion %d confirmed by %s", n, who);
    said(argv[0], what.data);
    ix_buf_free(&what);
    free(who);
    return IX_EXIT_OK;
}

/* ---- yaml: a format-preserving yq for scripts and people ---- */

int ix_clicmd_yaml(ix_cli *c, int argc, char **argv)
{
    int get = argc == 3 && strcmp(argv[0], "get") == 0;
    int set = argc == 4 && strcmp(argv[0], "set") == 0;
    if (!get && !set)
        return ix_cli_fail("yaml: expected 'get FILE PATH' or 'set FILE PATH VALUE'");
    const char *file = argv[1], *path = argv[2];
    ix_buf text = IX_BUF_INIT, out = IX_BUF_INIT;
    ix_err err;
    int rc = IX_EXIT_OK;
    char *value = NULL;
    if (ix_file_read(file, (size_t)64 << 20, &text, &err) < 0) {
        rc = ix_cli_fail(err.msg);
    } else if (get) {
        if (ix_yaml_get(text.data ? text.data : "", text.len, c->doc, path, &value, &err) < 0)
            rc = ix_cli_fail_in(file, err.msg);
        else
            puts(value);
    } else if (ix_yaml_set(text.data ? text.data : "", text.len, c->doc, path, argv[3], &out,
                           &err) < 0) {
        /* a "LINE:COL: " message names file:line:col */
        if (isdigit((unsigned char)err.msg[0])) {
            fprintf(stderr, "infraexec: %s:%s\n", file, err.msg);
            rc = IX_EXIT_BAD;
        } else {
            rc = ix_cli_fail_in(file, err.msg);
        }
    } else if (c->run.dry_run) {
        ix_buf diff = IX_BUF_INIT;
        if (ix_git_diff(file, text.data ? text.data : "", text.len, out.data, out.len, &diff,
                        &err) < 0)
            rc = ix_cli_fail(err.msg);
        else
            fwrite(diff.data ? diff.data : "", 1, diff.len, stdout);
        ix_buf_free(&diff);
    } else if (ix_file_write(file, out.data, out.len, &err) < 0) {
        rc = ix_cli_fail(err.msg);
    }
    free(value);
    ix_buf_free(&text);
    ix_buf_free(&out);
    return rc;
}
