/* cli.c - see include/infraexec/cli.h */
#include "infraexec/cli.h"

#include "infraexec/claim.h"
#include "infraexec/clock.h"
#include "infraexec/confirm.h"
#include "infraexec/deps.h"
#include "infraexec/fileio.h"
#include "infraexec/git.h"
#include "infraexec/luahost.h"
#include "infraexec/queue.h"
#include "infraexec/report.h"
#include "infraexec/run.h"
#include "infraexec/safetext.h"
#include "infraexec/searchpath.h"
#include "infraexec/task.h"
#include "infraexec/taskdir.h"
#include "infraexec/taskjson.h"
#include "infraexec/yamledit.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Option values; a command is given only the options its help lists
 * (takes_option). */
typedef struct cli {
    const char *tasks_dir;
    int json;
    int doc;                     /* yaml: --doc N */
    const char *status, *label;  /* list filters */
    ix_run_opts run;
    const char *report_file;
    int *only;
    int force;                   /* archive --force */
    const char *note;            /* confirm --note */
    int dot, pull;               /* queue --dot, queue/next --pull */
    const char *runner;          /* claim, release, run, work: --runner */
    int max;                     /* work --max */
} cli;

typedef struct command {
    const char *name;
    int (*run)(cli *c, int argc, char **argv);
    const char *args;
    const char *summary;
    const char *help;            /* command-specific options */
} command;

static int fail(const char *msg)
{
    fprintf(stderr, "infraexec: %s\n", msg);
    return IX_EXIT_BAD;
}

/* A message about FILE's content. */
static int fail_in(const char *file, const char *msg)
{
    fprintf(stderr, "infraexec: %s: %s\n", file, msg);
    return IX_EXIT_BAD;
}

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    puts(s);
    free(s);
    json_decref(j);
}

static int load_task(cli *c, const char *arg, ix_task **t)
{
    ix_err err;
    char *path;
    if (ix_taskdir_resolve(c->tasks_dir, arg, &path, &err) < 0)
        return fail(err.msg);
    int rc = ix_task_load(path, t, &err);
    free(path);
    return rc < 0 ? fail(err.msg) : IX_EXIT_OK;
}

/* ---- show ---- */

/* Text from a task file as the terminal gets it: one line, control
 * characters shown (safetext.h); NULL as DEFAULT.  B holds the result. */
static const char *shown(ix_buf *b, const char *s, const char *dflt)
{
    if (!s)
        return dflt;
    b->len = 0;
    ix_safe_append(b, s, strlen(s), 0);
    return b->data;
}

static void print_task(const ix_task *t)
{
    ix_buf a = IX_BUF_INIT, b = IX_BUF_INIT;
    printf("%s  %s\n", shown(&a, t->id, "(no id)"), shown(&b, t->title, "(no title)"));
    printf("  path:     %s\n", shown(&a, t->path, ""));
    printf("  status:   %s   priority: %s\n", shown(&a, t->status, "-"),
           shown(&b, t->priority, "-"));
    printf("  labels:   ");
    for (size_t i = 0; i < t->nlabels; i++)
        printf("%s%s", i ? ", " : "", shown(&a, t->labels[i], ""));
    printf("\n  criteria: %zu of %zu checked\n", ix_task_checked(t), t->ncriteria);
    const char *group = NULL;
    for (size_t i = 0; i < t->ncriteria; i++) {
        const ix_criterion *cr = &t->criteria[i];
        if (cr->group && (!group || strcmp(group, cr->group) != 0))
            printf("    %s\n", shown(&a, cr->group, ""));
        group = cr->group;
        printf("  %3d %*s[%c] %s\n", cr->index, 2 * cr->depth, "", cr->checked ? 'x' : ' ',
               shown(&a, cr->text, ""));
    }
    if (t->nlog)
        printf("  progress log: %zu entries, last %s: %s\n", t->nlog,
               shown(&a, t->log[t->nlog - 1].stamp, ""), shown(&b, t->log[t->nlog - 1].text, ""));
    ix_buf_free(&a);
    ix_buf_free(&b);
}

static int cmd_show(cli *c, int argc, char **argv)
{
    if (argc != 1)
        return fail("show: expected one TASK (see 'infraexec show --help')");
    ix_task *t;
    int rc = load_task(c, argv[0], &t);
    if (rc)
        return rc;
    if (c->json)
        print_json(ix_task_to_json(t));
    else
        print_task(t);
    ix_task_free(t);
    return IX_EXIT_OK;
}

/* ---- tick and log: edits under the file lock ---- */

static int edit_task(cli *c, const char *arg, ix_task_change *chg)
{
    ix_err err;
    ix_now now;
    char *path;
    if (ix_clock_now(&now, &err) < 0)
        return fail(err.msg);
    if (ix_taskdir_resolve(c->tasks_dir, arg, &path, &err) < 0)
        return fail(err.msg);
    chg->stamp = now.stamp;
    int rc = ix_task_update_file(path, chg, &err);
    free(path);
    return rc < 0 ? fail(err.msg) : IX_EXIT_OK;
}

static int cmd_tick(cli *c, int argc, char **argv)
{
    if (argc < 2)
        return fail("tick: expected TASK and at least one criterion number");
    int *ticks = ix_xcalloc((size_t)argc, sizeof *ticks);
    ix_task_change chg = {.ticks = ticks};
    for (int i = 1; i < argc; i++) {
        char *end;
        long n = strtol(argv[i], &end, 10);
        if (*end || end == argv[i] || n < 1 || n > INT_MAX) {
            free(ticks);
            fprintf(stderr, "infraexec: tick: '%s' is not a criterion number (1, 2, ...)\n",
                    argv[i]);
            return IX_EXIT_BAD;
        }
        ticks[chg.nticks++] = (int)n;
    }
    int rc = edit_task(c, argv[0], &chg);
    if (rc == IX_EXIT_OK)
        printf("%s: %s\n", argv[0], chg.changed ? "ticked" : "already checked, nothing changed");
    free(ticks);
    return rc;
}

static int cmd_log(cli *c, int argc, char **argv)
{
    if (argc != 2 || !*argv[1])
        return fail("log: expected TASK and one non-empty MESSAGE");
    ix_task_change chg = {.message = argv[1]};
    int rc = edit_task(c, argv[0], &chg);
    if (rc == IX_EXIT_OK)
        printf("%s: logged\n", argv[0]);
    return rc;
}

/* ---- lint ---- */

/* Relations naming a task the tasks directory does not hold.  The
 * directory: --tasks-dir, else the one the file is filed in; a file filed
 * elsewhere has nothing to compare with. */
static size_t lint_missing_deps(cli *c, const ix_task *t, ix_queue **q, char **qdir)
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
    for (size_t i = 0; *q && i < t->ndeps; i++) {
        const ix_dep *d = &t->deps[i];
        if (!ix_queue_find(*q, d->id)) {
            printf("%s:%d:1: %s (%s) does not exist in %s\n", t->path, d->line, d->id,
                   d->relation, *qdir);
            n++;
        }
    }
    return n;
}

static int cmd_lint(cli *c, int argc, char **argv)
{
    if (argc < 1)
        return fail("lint: expected at least one TASK");
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
            for (size_t k = 0; k < t->nproblems; k++)
                printf("%s:%d:%d: %s\n", path, t->problems[k].line, t->problems[k].col,
                       t->problems[k].msg);
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

/* One listed task, as printed: its task is freed as soon as it is read, so
 * memory holds rows, not 10,000 parsed files. */
typedef struct list_row {
    int rank;
    char *key;  /* id, else path */
    char *out;  /* the line, or the JSON object indented as an array element */
} list_row;

static int by_priority_then_id(const void *a, const void *b)
{
    const list_row *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    int d = ix_dep_id_cmp(x->key, y->key); /* as the queue orders: TASK-9 before TASK-10 */
    return d ? d : strcmp(x->key, y->key);
}

static int has_label(const ix_task *t, const char *label)
{
    for (size_t i = 0; i < t->nlabels; i++)
        if (strcmp(t->labels[i], label) == 0)
            return 1;
    return 0;
}

static char *list_json(const ix_task *t)
{
    json_t *labels = json_array();
    for (size_t k = 0; k < t->nlabels; k++)
        json_array_append_new(labels, json_string(t->labels[k]));
    json_t *j = json_pack("{s:s?, s:s?, s:s?, s:s?, s:o, s:s, s:i, s:i}", "id", t->id, "title",
                          t->title, "status", t->status, "priority", t->priority, "labels",
                          labels, "path", t->path, "total", (int)t->ncriteria, "checked",
                          (int)ix_task_checked(t));
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    ix_buf b = IX_BUF_INIT; /* one level in, as json_dumps would put it in the array */
    for (const char *p = s; *p; p++) {
        if (p == s || p[-1] == '\n')
            ix_buf_puts(&b, "  ");
        ix_buf_putc(&b, *p);
    }
    free(s);
    return ix_buf_detach(&b);
}

static char *list_line(const ix_task *t)
{
    ix_buf s[4] = {IX_BUF_INIT, IX_BUF_INIT, IX_BUF_INIT, IX_BUF_INIT}, line = IX_BUF_INIT;
    ix_buf_printf(&line, "%-10s %-9s %-10s %3zu/%-3zu %s", shown(&s[0], t->id, "-"),
                  shown(&s[1], t->priority, "-"), shown(&s[2], t->status, "-"),
                  ix_task_checked(t), t->ncriteria, shown(&s[3], t->title, ""));
    for (int k = 0; k < 4; k++)
        ix_buf_free(&s[k]);
    return ix_buf_detach(&line);
}

static int cmd_list(cli *c, int argc, char **argv)
{
    (void)argv;
    if (argc)
        return fail("list: takes no arguments (filter with --status and --label)");
    ix_err err;
    char *dir, **paths;
    size_t n, nt = 0, bad = 0;
    if (ix_taskdir_find(c->tasks_dir, &dir, &err) < 0)
        return fail(err.msg);
    if (ix_taskdir_list(dir, &paths, &n, &err) < 0) {
        free(dir);
        return fail(err.msg);
    }
    list_row *rows = calloc(n ? n : 1, sizeof *rows);
    for (size_t i = 0; i < n; i++) {
        ix_task *t;
        if (ix_task_load_criteria(paths[i], &t, &err) < 0) {
            fprintf(stderr, "infraexec: %s\n", err.msg);
            bad++;
            continue;
        }
        if (!(c->status && (!t->status || strcmp(t->status, c->status) != 0)) &&
            !(c->label && !has_label(t, c->label)))
            rows[nt++] = (list_row){ix_task_priority_rank(t->priority),
                                    ix_xstrdup(t->id ? t->id : t->path),
                                    c->json ? list_json(t) : list_line(t)};
        ix_task_free(t);
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

/* ---- run ---- */

static int write_report_file(const char *path, const ix_report *rep)
{
    size_t n = strlen(path);
    ix_buf b = IX_BUF_INIT;
    if (n > 5 && strcmp(path + n - 5, ".json") == 0) {
        json_t *j = ix_report_json(rep);
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        ix_buf_puts(&b, s);
        ix_buf_putc(&b, '\n');
        free(s);
        json_decref(j);
    } else {
        ix_report_markdown(rep, &b);
    }
    ix_err err;
    int rc = ix_file_write(path, b.data, b.len, &err);
    ix_buf_free(&b);
    if (rc < 0)
        fprintf(stderr, "infraexec: report: %s\n", err.msg);
    return rc;
}

static int cmd_run(cli *c, int argc, char **argv)
{
    if (argc != 1)
        return fail("expected one TASK (see --help)");
    c->run.tasks_dir = c->tasks_dir;
    if (c->run.confirm && (c->run.dry_run || c->run.verify))
        return fail("--confirm asks a person during a run: not with --dry-run or verify");
    /* Only a person at a terminal can answer; a pipe or a script cannot. */
    if (c->run.confirm && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)))
        return fail("--confirm needs a person at a terminal: stdin and stdout must be a terminal");
    ix_report rep;
    ix_err err;
    int code = IX_EXIT_BAD;
    ix_claim_opts co = {c->tasks_dir, c->run.config, c->runner};
    if (ix_claim_run(&co, argv[0], &c->run, &rep, &code, &err) < 0) {
        ix_report_free(&rep);
        return fail(err.msg);
    }
    if (c->json) {
        print_json(ix_report_json(&rep));
    } else {
        ix_buf b = IX_BUF_INIT;
        ix_report_markdown(&rep, &b);
        fwrite(b.data, 1, b.len, stdout);
        ix_buf_free(&b);
    }
    if (c->report_file && write_report_file(c->report_file, &rep) < 0 &&
        (code == IX_EXIT_OK || code == IX_EXIT_REMAIN))
        code = IX_EXIT_WRITE;
    ix_report_free(&rep);
    return code;
}

static int cmd_verify(cli *c, int argc, char **argv)
{
    c->run.verify = 1;
    return cmd_run(c, argc, argv);
}

/* `confirm TASK N --note TEXT`: a person's word for work done by hand. */
static int cmd_confirm(cli *c, int argc, char **argv)
{
    if (argc != 2)
        return fail("confirm: expected TASK and one criterion number");
    char *end, *path, *who;
    long n = strtol(argv[1], &end, 10);
    if (*end || end == argv[1] || n < 1 || n > INT_MAX) {
        fprintf(stderr, "infraexec: confirm: '%s' is not a criterion number (1, 2, ...)\n", argv[1]);
        return IX_EXIT_BAD;
    }
    ix_err err;
    if (ix_taskdir_resolve(c->tasks_dir, argv[0], &path, &err) < 0)
        return fail(err.msg);
    int rc = ix_confirm_task(path, (int)n, c->note, &who, &err);
    free(path);
    if (rc < 0)
        return fail(err.msg);
    printf("%s: criterion %ld confirmed by %s\n", argv[0], n, who);
    free(who);
    return IX_EXIT_OK;
}

/* ---- next and archive: the orchestrator's loop ---- */

/* The queue both commands read: one code path for `queue` and `next`.
 * --pull first fast-forwards the tasks repository; a failure is a warning
 * and the local state is used (the scanner's rule). */
static int build_queue(cli *c, ix_queue **q)
{
    ix_err err, perr;
    char *dir, *pulled = NULL;
    if (ix_taskdir_find(c->tasks_dir, &dir, &err) < 0)
        return fail(err.msg);
    int pull_rc = 0;
    if (c->pull) {
        ix_git *g;
        pull_rc = ix_git_open(dir, &g, &perr);
        if (pull_rc == 0) {
            pull_rc = ix_git_pull_ff(g, &pulled, &perr);
            ix_git_close(g);
        }
    }
    int rc = ix_queue_build(dir, q, &err);
    free(dir);
    if (rc < 0) {
        free(pulled);
        return fail(err.msg);
    }
    if (pull_rc < 0)
        ix_queue_warn(*q, "--pull: could not pull latest changes (%s); working with the local "
                      "state", perr.msg);
    else if (pulled)
        fprintf(stderr, "infraexec: pull: %s\n", pulled);
    free(pulled);
    return IX_EXIT_OK;
}

/* Text from task files and action reports, control characters as spaces:
 * no escape sequence of theirs reaches the terminal. */
static void put_clean(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, stderr);
}

static void print_warnings(const ix_queue *q, const char *cmd)
{
    for (size_t i = 0; i < q->nwarnings; i++) {
        fprintf(stderr, "infraexec: %s: warning: ", cmd);
        put_clean(q->warnings[i]);
        fputc('\n', stderr);
    }
}

static int cmd_queue(cli *c, int argc, char **argv)
{
    (void)argv;
    if (argc)
        return fail("queue: takes no arguments");
    if (c->json && c->dot)
        return fail("queue: --json and --dot exclude each other");
    ix_queue *q;
    int rc = build_queue(c, &q);
    if (rc)
        return rc;
    if (c->json) {
        print_json(ix_queue_json(q));
    } else {
        ix_buf b = IX_BUF_INIT;
        if (c->dot)
            ix_queue_dot(q, &b);
        else
            ix_queue_markdown(q, &b);
        fwrite(b.data, 1, b.len, stdout);
        ix_buf_free(&b);
        if (c->dot)
            print_warnings(q, "queue");
    }
    ix_queue_free(q);
    return IX_EXIT_OK;
}

static int cmd_next(cli *c, int argc, char **argv)
{
    (void)argv;
    if (argc)
        return fail("next: takes no arguments");
    ix_queue *q;
    int rc = build_queue(c, &q);
    if (rc)
        return rc;
    json_t *res = ix_queue_next_json(q);
    int found = q->next >= 0;
    if (c->json) {
        print_json(json_incref(res));
    } else {
        print_warnings(q, "next");
        if (found)
            printf("%s\n", json_string_value(json_object_get(json_object_get(res, "next"), "arg")));
        else
            fprintf(stderr, "infraexec: next: nothing to run: %s\n",
                    json_string_value(json_object_get(res, "reason")));
        size_t i, k;
        json_t *w, *d;
        ix_buf s1 = IX_BUF_INIT, s2 = IX_BUF_INIT;
        json_array_foreach(json_object_get(res, "waiting"), i, w) {
            fputs("infraexec: next: ", stderr);
            put_clean(json_string_value(json_object_get(w, "id")));
            fputs(" waits for", stderr);
            json_array_foreach(json_object_get(w, "waits_for"), k, d) {
                fputs(k ? ", " : " ", stderr);
                put_clean(json_string_value(json_object_get(d, "id")));
                fputs(" (", stderr);
                put_clean(json_string_value(json_object_get(d, "why")));
                fputc(')', stderr);
            }
            fputc('\n', stderr);
        }
        json_array_foreach(json_object_get(res, "blocked"), i, w) {
            fputs("infraexec: next: ", stderr);
            put_clean(json_string_value(json_object_get(w, "id")));
            fputs(" is blocked by", stderr);
            json_array_foreach(json_object_get(w, "blocked_by"), k, d) {
                fputs(k ? ", " : " ", stderr);
                put_clean(json_string_value(d));
            }
            fputc('\n', stderr);
        }
        ix_buf_free(&s1);
        ix_buf_free(&s2);
    }
    json_decref(res);
    ix_queue_free(q);
    return found ? IX_EXIT_OK : IX_EXIT_REMAIN;
}

static int cmd_archive(cli *c, int argc, char **argv)
{
    if (argc != 1)
        return fail("archive: expected one TASK");
    ix_err err;
    char *path, *dir, *dest, *commit;
    if (ix_taskdir_resolve(c->tasks_dir, argv[0], &path, &err) < 0)
        return fail(err.msg);
    if (ix_taskdir_find(c->tasks_dir, &dir, &err) < 0) {
        /* A path outside any tasks directory: its parent's parent is one. */
        char *slash = strrchr(path, '/');
        dir = ix_xstrndup(path, slash ? (size_t)(slash - path) : 1);
        slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
    }
    ix_claim_opts co = {c->tasks_dir, NULL, c->runner};
    int rc = ix_claim_archive(&co, dir, path, c->force, &dest, &commit, &err);
    if (rc == 0 && c->json)
        print_json(json_pack("{s:s, s:s, s:s?}", "archived", path, "path", dest, "commit", commit));
    else if (rc == 0)
        printf("%s: archived to %s%s%s\n", argv[0], dest, commit ? ", committed " : "",
               commit ? commit : "");
    free(dest);
    free(commit);
    free(dir);
    free(path);
    return rc < 0 ? fail(err.msg) : IX_EXIT_OK;
}

/* ---- claim, release, work: the git-claimed queue (claim.h) ---- */

static int cmd_claim(cli *c, int argc, char **argv)
{
    (void)argv;
    if (argc)
        return fail("claim: takes no arguments");
    ix_claim_opts co = {c->tasks_dir, c->run.config, c->runner};
    char *id, *path, *from;
    ix_err err;
    int rc = ix_claim_take(&co, &id, &path, &from, &err);
    if (rc < 0)
        return fail(err.msg);
    if (rc == 1) {
        fprintf(stderr, "infraexec: claim: nothing can be claimed\n");
        return IX_EXIT_REMAIN;
    }
    if (c->json)
        print_json(json_pack("{s:s, s:s, s:s?}", "id", id, "path", path, "taken_over_from", from));
    else
        printf("%s\n", id);
    free(id);
    free(path);
    free(from);
    return IX_EXIT_OK;
}

static int cmd_release(cli *c, int argc, char **argv)
{
    if (argc != 1)
        return fail("release: expected one TASK");
    ix_claim_opts co = {c->tasks_dir, c->run.config, c->runner};
    ix_err err;
    if (ix_claim_release(&co, argv[0], &err) < 0)
        return fail(err.msg);
    printf("%s: released\n", argv[0]);
    return IX_EXIT_OK;
}

static int cmd_work(cli *c, int argc, char **argv)
{
    (void)argv;
    if (argc)
        return fail("work: takes no arguments");
    ix_claim_opts co = {c->tasks_dir, c->run.config, c->runner};
    c->run.tasks_dir = c->tasks_dir;
    int code;
    ix_err err;
    if (ix_claim_work(&co, &c->run, c->max, c->run.events_fd, &code, &err) < 0)
        return fail(err.msg);
    return code;
}

/* ---- handlers: what the ops team's Lua looks like to infraexec ---- */

static void print_inventory(json_t *inv)
{
    size_t i;
    json_t *v;
    printf("handler search path:\n");
    json_array_foreach(json_object_get(inv, "path"), i, v)
        printf("  %zu. %s\n", i + 1, json_string_value(v));
    json_array_foreach(json_object_get(inv, "handlers"), i, v) {
        printf("\n%s  %s\n", json_string_value(json_object_get(v, "name")),
               json_string_value(json_object_get(v, "path")));
        size_t k;
        json_t *o;
        json_array_foreach(json_object_get(v, "overrides"), k, o)
            printf("  overrides %s\n", json_string_value(o));
        const char *desc = json_string_value(json_object_get(v, "description"));
        if (desc)
            printf("  %s\n", desc);
        if (json_array_size(json_object_get(v, "labels"))) {
            printf("  labels:");
            json_array_foreach(json_object_get(v, "labels"), k, o)
                printf(" %s", json_string_value(o));
            printf("\n");
        }
        if (json_object_get(v, "error"))
            printf("  ERROR: %s\n", json_string_value(json_object_get(v, "error")));
        json_array_foreach(json_object_get(v, "rules"), k, o) {
            const char *pat = json_string_value(json_object_get(o, "pattern"));
            if (!pat) /* a wording rule: its first template */
                pat = json_string_value(json_array_get(json_object_get(o, "wording"), 0));
            const char *rd = json_string_value(json_object_get(o, "description"));
            printf("  %zu. %s%s%s\n", k + 1, pat ? pat : "(match function)", rd ? " -- " : "",
                   rd ? rd : "");
        }
    }
}

static int cmd_handlers(cli *c, int argc, char **argv)
{
    int check = argc == 1 && strcmp(argv[0], "check") == 0;
    if (argc > 1 || (argc == 1 && !check))
        return fail("handlers: expected nothing or 'check'");
    ix_err err;
    char *workspace;
    if (ix_searchpath_workspace(c->tasks_dir, &workspace, &err) < 0)
        return fail(err.msg);
    char **hdirs, **ldirs;
    ix_searchpath_dirs(c->run.handlers_dir, workspace, &hdirs, &ldirs);
    ix_luahost_ctx ctx = {.workspace = workspace};
    ix_luahost *host = NULL;
    json_t *res = NULL;
    int rc = IX_EXIT_OK;
    if (ix_luahost_open(&host, &ctx, (const char *const *)hdirs, (const char *const *)ldirs,
                        &err) < 0 ||
        ix_luahost_call(host, check ? "check" : "inventory", (const char *const *)hdirs, &res,
                        &err) < 0) {
        rc = fail(err.msg);
    } else if (c->json) {
        print_json(json_incref(res));
    } else if (!check) {
        print_inventory(res);
    } else {
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(res, "problems"), i, v)
            printf("%s\n", json_string_value(v));
    }
    if (check && res) {
        size_t n = json_array_size(json_object_get(res, "problems"));
        fprintf(stderr, "infraexec: handlers check: %lld handler files, %zu problem%s\n",
                (long long)json_integer_value(json_object_get(res, "files")), n, n == 1 ? "" : "s");
        rc = n ? IX_EXIT_BAD : rc;
    }
    json_decref(res);
    ix_luahost_close(host);
    ix_searchpath_free(hdirs);
    ix_searchpath_free(ldirs);
    free(workspace);
    return rc;
}

/* ---- yaml: a format-preserving yq for scripts and people ---- */

static int cmd_yaml(cli *c, int argc, char **argv)
{
    int get = argc == 3 && strcmp(argv[0], "get") == 0;
    int set = argc == 4 && strcmp(argv[0], "set") == 0;
    if (!get && !set)
        return fail("yaml: expected 'get FILE PATH' or 'set FILE PATH VALUE'");
    const char *file = argv[1], *path = argv[2];
    ix_buf text = IX_BUF_INIT, out = IX_BUF_INIT;
    ix_err err;
    int rc = IX_EXIT_OK;
    char *value = NULL;
    if (ix_file_read(file, (size_t)64 << 20, &text, &err) < 0) {
        rc = fail(err.msg);
    } else if (get) {
        if (ix_yaml_get(text.data ? text.data : "", text.len, c->doc, path, &value, &err) < 0)
            rc = fail_in(file, err.msg);
        else
            puts(value);
    } else if (ix_yaml_set(text.data ? text.data : "", text.len, c->doc, path, argv[3], &out,
                           &err) < 0) {
        /* a "LINE:COL: " message names file:line:col */
        if (isdigit((unsigned char)err.msg[0])) {
            fprintf(stderr, "infraexec: %s:%s\n", file, err.msg);
            rc = IX_EXIT_BAD;
        } else {
            rc = fail_in(file, err.msg);
        }
    } else if (c->run.dry_run) {
        ix_buf diff = IX_BUF_INIT;
        if (ix_git_diff(file, text.data ? text.data : "", text.len, out.data, out.len, &diff,
                        &err) < 0)
            rc = fail(err.msg);
        else
            fwrite(diff.data ? diff.data : "", 1, diff.len, stdout);
        ix_buf_free(&diff);
    } else if (ix_file_write(file, out.data, out.len, &err) < 0) {
        rc = fail(err.msg);
    }
    free(value);
    ix_buf_free(&text);
    ix_buf_free(&out);
    return rc;
}

/* ---- dispatch ---- */

static const command commands[] = {
    {"show", cmd_show, "TASK", "print a task's fields, criteria and progress log",
     "  --json              print the full model as JSON\n"},
    {"tick", cmd_tick, "TASK N [N...]", "check off criteria by number and set 'updated:'", ""},
    {"log", cmd_log, "TASK MESSAGE", "append a Progress Log entry and set 'updated:'", ""},
    {"confirm", cmd_confirm, "TASK N --note TEXT",
     "tick a criterion you checked by hand, logged as confirmed by you",
     "  --note TEXT         what you ran and saw (required)\n"},
    {"lint", cmd_lint, "TASK...", "report every problem as FILE:LINE:COL: message", ""},
    {"run", cmd_run, "TASK", "work through a task's unchecked criteria and report",
     "  --dry-run           what would complete and why not (rule, evidence, commands,\n"
     "                      diffs); change nothing; exit 1 when some would not\n"
     "  --json              print the report as JSON (schema infraexec.report/2)\n"
     "  --report FILE       also write the report to FILE (JSON if it ends in .json)\n"
     "  --only N[,M...]     consider only these criteria\n"
     "  --timeout SECONDS   per command (default: none)\n"
     "  --task-timeout SECONDS  for the whole run, then a partial report\n"
     "  --retries N         extra attempts per failed command (default 1)\n"
     "  --handlers DIR      look for handlers in DIR first\n"
     "  --config FILE       infraexec.yaml to use (default: the nearest above the task)\n"
     "  --events FD         write newline-delimited JSON events to file descriptor FD\n"
     "  --confirm           ask at the terminal about each criterion that needs a person\n"
     "  --runner NAME       this runner, for a claimed task (docs/queue.md)\n"
     "  -q, --quiet         no progress on stderr\n"},
    {"verify", cmd_verify, "TASK", "recheck the checked criteria: which still hold",
     "  --json              print the report as JSON\n"
     "  --report FILE       also write the report to FILE (JSON if it ends in .json)\n"
     "  --only N[,M...]     check only these criteria\n"
     "  --handlers DIR      look for handlers in DIR first\n"
     "  -q, --quiet         no progress on stderr\n"},
    {"queue", cmd_queue, "", "the task queue: ready, blocked, waiting; human actions; summary",
     "  --json              the scanner's JSON (docs/queue-schema.json)\n"
     "  --dot               the dependency graph for Graphviz (dot -Tsvg)\n"
     "  --pull              fetch and fast-forward the tasks repository first\n"},
    {"next", cmd_next, "", "the first ready task of the queue",
     "  --json              also list the tasks blocked or waiting, and why\n"
     "  --pull              fetch and fast-forward the tasks repository first\n"
     "exit 0 with the id on stdout, 1 when nothing can run (the reason on stderr)\n"},
    {"archive", cmd_archive, "TASK", "mark a finished task completed, move it to completed/, commit",
     "  --force             archive even with unchecked criteria\n"
     "  --runner NAME       this runner: its claimed task's archive is pushed\n"
     "  --json              print JSON\n"},
    {"claim", cmd_claim, "", "claim the next task through the tasks repository's remote",
     "  --json              print JSON\n"
     "  --runner NAME       this runner's name (default: $INFRAEXEC_RUNNER, queue.runner,\n"
     "                      hostname:pid)\n"
     "  --config FILE       infraexec.yaml to use (default: the nearest above the tasks)\n"
     "exit 0 with the id on stdout, 1 when nothing can be claimed\n"},
    {"release", cmd_release, "TASK", "end a claim: remove it from the task, commit, push",
     "  --runner NAME       this runner's name\n"
     "  --config FILE       infraexec.yaml to use\n"},
    {"work", cmd_work, "", "claim, run, verify and archive tasks until none can be claimed",
     "  --runner NAME       this runner's name\n"
     "  --max N             at most N tasks\n"
     "  --events FD         one JSON line per task to file descriptor FD\n"
     "  --timeout SECONDS   per command (default: none)\n"
     "  --handlers DIR      look for handlers in DIR first\n"
     "  --config FILE       infraexec.yaml to use\n"
     "  -q, --quiet         no progress on stderr\n"
     "exit 0 when nothing is left to claim, else the failing run's or verify's code\n"},
    {"yaml", cmd_yaml, "get|set FILE PATH [VALUE]",
     "read or set one YAML scalar, changing only its bytes",
     "  --doc N             the document of a multi-document file (0-based)\n"
     "  --dry-run           (set) print the diff instead of writing\n"
     "PATH is dot-separated keys and list indexes, e.g. spec.values.workers.1.image.tag\n"},
    {"handlers", cmd_handlers, "[check]", "list the Lua handlers and their rules; check lints them",
     "  --handlers DIR      look for handlers in DIR first\n"
     "  --json              print JSON\n"},
    {"list", cmd_list, "", "list tasks by priority, then id",
     "  --status S          only tasks whose status is S\n"
     "  --label L           only tasks carrying label L\n"
     "  --json              print a JSON array\n"},
    {NULL, NULL, NULL, NULL, NULL},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: infraexec [--tasks-dir DIR] COMMAND [ARGS]\n\n"
                 "Executes infrastructure task files (Markdown with YAML frontmatter).\n\n"
                 "commands:\n");
    for (const command *c = commands; c->name; c++)
        fprintf(out, "  %-8s %-26s %s\n", c->name, c->args, c->summary);
    fprintf(out, "\noptions:\n"
                 "  --tasks-dir DIR     tasks directory (default: $INFRAEXEC_TASKS, else the\n"
                 "                      nearest tasks/ above the current directory)\n"
                 "  -h, --help          show help (also after a command)\n"
                 "  -V, --version       show the version\n\n"
                 "TASK is a path or an id such as TASK-002.  Exit codes: 0 success, 1 criteria\n"
                 "remain after a run, 2 bad invocation or input (nothing changed), 3 done but\n"
                 "stdout or the --report file could not be written, 124 a handler stuck past\n"
                 "--task-timeout (no report), 130 interrupted.\n"
                 "INFRAEXEC_NOW=\"YYYY-MM-DD HH:MM\" fixes the clock.\n");
}

static void command_usage(const command *c)
{
    printf("usage: infraexec %s [options] %s\n\n%s.\n\noptions:\n%s"
           "  --tasks-dir DIR     tasks directory\n"
           "  -h, --help          show this help\n",
           c->name, c->args, c->summary, c->help);
}

enum {
    OPT_TASKS_DIR = 256, OPT_STATUS, OPT_LABEL, OPT_JSON, OPT_DRY_RUN, OPT_REPORT, OPT_ONLY,
    OPT_TIMEOUT, OPT_TASK_TIMEOUT, OPT_RETRIES, OPT_HANDLERS, OPT_CONFIG, OPT_DOC, OPT_FORCE,
    OPT_EVENTS, OPT_CONFIRM, OPT_NOTE, OPT_DOT, OPT_PULL, OPT_RUNNER, OPT_MAX,
};

static const struct option long_opts[] = {
    {"tasks-dir", required_argument, NULL, OPT_TASKS_DIR},
    {"json", no_argument, NULL, OPT_JSON},
    {"status", required_argument, NULL, OPT_STATUS},
    {"label", required_argument, NULL, OPT_LABEL},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"report", required_argument, NULL, OPT_REPORT},
    {"only", required_argument, NULL, OPT_ONLY},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"task-timeout", required_argument, NULL, OPT_TASK_TIMEOUT},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"handlers", required_argument, NULL, OPT_HANDLERS},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"doc", required_argument, NULL, OPT_DOC},
    {"force", no_argument, NULL, OPT_FORCE},
    {"events", required_argument, NULL, OPT_EVENTS},
    {"confirm", no_argument, NULL, OPT_CONFIRM},
    {"note", required_argument, NULL, OPT_NOTE},
    {"dot", no_argument, NULL, OPT_DOT},
    {"pull", no_argument, NULL, OPT_PULL},
    {"runner", required_argument, NULL, OPT_RUNNER},
    {"max", required_argument, NULL, OPT_MAX},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* The one parser of numeric option values: decimal digits, with a fraction
 * when FRACTION ("2.5"), in [MIN, MAX]; no sign, exponent, hex, inf or nan.
 * WHAT is what a good value is, for the message. */
static int parse_number(const char *opt, const char *s, int fraction, double min, double max,
                        const char *what, double *out)
{
    size_t digits = strspn(s, "0123456789"), len = digits;
    size_t frac = fraction && s[len] == '.' ? strspn(s + len + 1, "0123456789") : 0;
    if (frac)
        len += 1 + frac;   /* "1." and "." are no numbers */
    double v = (digits || frac) && !s[len] ? strtod(s, NULL) : -1;
    if (v < min || v > max) {
        fprintf(stderr, "infraexec: %s: '%s' is not %s\n", opt, s, what);
        return -1;
    }
    *out = v;
    return 0;
}

/* Seconds up to a year: more is a typo, and stays far from overflow when
 * turned into deadlines. */
static int parse_seconds(const char *opt, const char *s, double *out)
{
    return parse_number(opt, s, 1, 0, 365 * 86400.0, "a number of seconds (e.g. 30 or 2.5)", out);
}

static int parse_int(const char *opt, const char *s, int min, int max, const char *what, int *out)
{
    double v;
    if (parse_number(opt, s, 0, min, max, what, &v) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

/* "3,5,7" into c->only. */
static int parse_only(cli *c, const char *s)
{
    size_t n = 1;
    for (const char *p = s; *p; p++)
        n += *p == ',';
    free(c->only);
    c->only = ix_xcalloc(n, sizeof *c->only);
    c->run.nonly = 0;
    char *list = ix_xstrdup(s);
    int rc = 0;
    /* strtok_r would skip empty items ("2,,5"): split by hand. */
    for (char *p = list; rc == 0 && p;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        rc = parse_int("--only", p, 1, INT_MAX, "a criterion number (--only takes a list like 2,5)",
                       &c->only[c->run.nonly]);
        c->run.nonly += rc == 0;
        p = comma ? comma + 1 : NULL;
    }
    free(list);
    c->run.only = c->only;
    return rc;
}

/* A command takes exactly the options its help lists ("  --json ...",
 * "  -q, --quiet ..."): what a user reads is what is enforced, and the
 * shell completion reads the same list.  --tasks-dir and --help are
 * everyone's; before a command only they and --version are. */
static int takes_option(const command *cmd, const char *name)
{
    if (strcmp(name, "tasks-dir") == 0 || strcmp(name, "help") == 0)
        return 1;
    if (!cmd)
        return strcmp(name, "version") == 0;
    size_t n = strlen(name);
    for (const char *l = cmd->help; *l;) {
        const char *p = l + strspn(l, " ");
        if (p[0] == '-' && p[1] != '-' && p[1] && p[2] == ',')
            p += 3 + strspn(p + 3, " ");          /* "-q, --quiet" */
        if (strncmp(p, "--", 2) == 0 && strncmp(p + 2, name, n) == 0 &&
            (p[2 + n] == ' ' || p[2 + n] == '\n' || !p[2 + n]))
            return 1;
        l += strcspn(l, "\n");
        l += *l == '\n';
    }
    return 0;
}

static void option_error(const command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "infraexec tick: MESSAGE (see ...)", or "infraexec: ..." before a command. */
static void option_error(const command *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "infraexec%s%s: ", cmd ? " " : "", cmd ? cmd->name : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cmd)
        fprintf(stderr, " (see 'infraexec %s --help')\n", cmd->name);
    else
        fprintf(stderr, " (a command's options go after it; see 'infraexec --help')\n");
}

/* Parses the options before CMD (NULL) or after it, anywhere on the line
 * ("--" ends them).  Returns -1 on a bad option, 1 when help or version was
 * printed, else 0. */
static int parse_options(cli *c, const command *cmd, int *argc, char ***argv)
{
    opterr = 0;
    optind = 0;
    int ch, li = -1;
    while ((ch = getopt_long(*argc, *argv, cmd ? ":hVq" : "+:hV", long_opts, &li)) != -1) {
        if (ch == '?' || ch == ':') {
            if (ch == ':')
                option_error(cmd, "option %s needs a value", (*argv)[optind - 1]);
            else
                option_error(cmd, "unknown option %s", (*argv)[optind - 1]);
            return -1;
        }
        const char *name = li >= 0 ? long_opts[li].name : ch == 'q' ? "quiet"
                                                         : ch == 'V' ? "version" : "help";
        if (!takes_option(cmd, name)) {
            char shown[64];
            if (li >= 0)
                snprintf(shown, sizeof shown, "--%s", name);
            else
                snprintf(shown, sizeof shown, "-%c", ch);
            option_error(cmd, "unknown option %s", shown);
            return -1;
        }
        li = -1;
        switch (ch) {
        case OPT_DRY_RUN: c->run.dry_run = 1; break;
        case OPT_REPORT: c->report_file = optarg; break;
        case OPT_HANDLERS: {
            struct stat st;
            int found = stat(optarg, &st) == 0;
            if (!found || !S_ISDIR(st.st_mode)) {
                fprintf(stderr, "infraexec: --handlers: %s: %s\n", optarg,
                        found ? "not a directory" : strerror(errno));
                return -1;
            }
            c->run.handlers_dir = optarg;
            break;
        }
        case OPT_CONFIG: c->run.config = optarg; break;
        case OPT_FORCE: c->force = 1; break;
        case OPT_DOT: c->dot = 1; break;
        case OPT_PULL: c->pull = 1; break;
        case OPT_CONFIRM: c->run.confirm = 1; break;
        case OPT_NOTE: c->note = optarg; break;
        case OPT_RUNNER: c->runner = optarg; break;
        case OPT_MAX:
            if (parse_int("--max", optarg, 1, 1000000, "a number of tasks (1, 2, ...)", &c->max) < 0)
                return -1;
            break;
        case OPT_EVENTS:
            if (parse_int("--events", optarg, 0, 1023, "an open file descriptor (0-1023)",
                          &c->run.events_fd) < 0)
                return -1;
            if (fcntl(c->run.events_fd, F_GETFD) < 0) {
                fprintf(stderr, "infraexec: --events: '%s' is not an open file descriptor\n", optarg);
                return -1;
            }
            break;
        case OPT_DOC:
            if (parse_int("--doc", optarg, 0, 100000, "a document index (0, 1, ...)", &c->doc) < 0)
                return -1;
            break;
        case 'q': c->run.quiet = 1; break;
        case OPT_ONLY:
            if (parse_only(c, optarg) < 0)
                return -1;
            break;
        case OPT_TIMEOUT:
            if (parse_seconds("--timeout", optarg, &c->run.timeout) < 0)
                return -1;
            break;
        case OPT_TASK_TIMEOUT:
            if (parse_seconds("--task-timeout", optarg, &c->run.task_timeout) < 0)
                return -1;
            break;
        case OPT_RETRIES:
            if (parse_int("--retries", optarg, 0, 100, "a whole number from 0 to 100",
                          &c->run.retries) < 0)
                return -1;
            break;
        case OPT_TASKS_DIR: c->tasks_dir = optarg; break;
        case OPT_JSON: c->json = 1; break;
        case OPT_STATUS: c->status = optarg; break;
        case OPT_LABEL: c->label = optarg; break;
        case 'h':
            if (cmd)
                command_usage(cmd);
            else
                usage(stdout);
            return 1;
        case 'V':
            printf("infraexec %s\n", IX_VERSION);
            return 1;
        }
    }
    *argc -= optind;
    *argv += optind;
    return 0;
}

/* Output that did not reach stdout (a full disk, /dev/full, a closed pipe)
 * must not pass for success: whoever reads it would get a truncated report. */
static int check_stdout(int rc)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return rc;
    fprintf(stderr, "infraexec: cannot write to standard output: %s\n",
            errno ? strerror(errno) : "write error");
    return rc == IX_EXIT_OK || rc == IX_EXIT_REMAIN ? IX_EXIT_WRITE : rc;
}

static int dispatch(cli *c, int argc, char **argv)
{
    int rc = parse_options(c, NULL, &argc, &argv);
    if (rc)
        return rc < 0 ? IX_EXIT_BAD : IX_EXIT_OK;
    if (argc < 1) {
        usage(stderr);
        return IX_EXIT_BAD;
    }
    const command *cmd = commands;
    while (cmd->name && strcmp(cmd->name, argv[0]) != 0)
        cmd++;
    if (!cmd->name) {
        fprintf(stderr, "infraexec: unknown command '%s' (see 'infraexec --help')\n", argv[0]);
        return IX_EXIT_BAD;
    }
    rc = parse_options(c, cmd, &argc, &argv);
    if (rc)
        return rc < 0 ? IX_EXIT_BAD : IX_EXIT_OK;
    /* A bad INFRAEXEC_NOW is refused before anything runs, not when the
     * first Progress Log entry is written after every command ran. */
    ix_now now;
    ix_err err;
    if (ix_clock_now(&now, &err) < 0)
        return fail(err.msg);
    return cmd->run(c, argc, argv);
}

int ix_cli_main(int argc, char **argv)
{
    /* A full disk or RLIMIT_FSIZE must surface as a write error that names
     * the file, not as a signal that kills us mid-way. */
    signal(SIGXFSZ, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);

    cli c = {.run = {.retries = 1, .backoff = 1, .events_fd = -1}};
    int rc = dispatch(&c, argc, argv);
    free(c.only);
    return check_stdout(rc);
}
