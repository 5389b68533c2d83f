/* cli.c - see include/infraexec/cli.h */
#include "infraexec/cli.h"

#include "infraexec/clock.h"
#include "infraexec/fileio.h"
#include "infraexec/task.h"
#include "infraexec/taskdir.h"
#include "infraexec/taskjson.h"

#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Options every command accepts. */
typedef struct cli {
    const char *tasks_dir;
    int json;
    const char *status, *label;  /* list filters */
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

static void print_task(const ix_task *t)
{
    printf("%s  %s\n", t->id ? t->id : "(no id)", t->title ? t->title : "(no title)");
    printf("  path:     %s\n", t->path);
    printf("  status:   %s   priority: %s\n", t->status ? t->status : "-",
           t->priority ? t->priority : "-");
    printf("  labels:   ");
    for (size_t i = 0; i < t->nlabels; i++)
        printf("%s%s", i ? ", " : "", t->labels[i]);
    printf("\n  criteria: %zu of %zu checked\n", ix_task_checked(t), t->ncriteria);
    const char *group = NULL;
    for (size_t i = 0; i < t->ncriteria; i++) {
        const ix_criterion *cr = &t->criteria[i];
        if (cr->group && (!group || strcmp(group, cr->group) != 0))
            printf("    %s\n", cr->group);
        group = cr->group;
        printf("  %3d %*s[%c] %s\n", cr->index, 2 * cr->depth, "", cr->checked ? 'x' : ' ',
               cr->text);
    }
    if (t->nlog)
        printf("  progress log: %zu entries, last %s: %s\n", t->nlog, t->log[t->nlog - 1].stamp,
               t->log[t->nlog - 1].text);
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

typedef struct edit_req {
    int *ticks;
    size_t nticks;
    const char *message;
    ix_now now;
    int changed;
} edit_req;

static int apply_edit(void *ctx, const char *path, const char *data, size_t len, ix_buf *out,
                      ix_err *err)
{
    edit_req *r = ctx;
    ix_task *t;
    if (ix_task_parse(path, data, len, &t, err) < 0)
        return -1;
    ix_edits e = {0};
    for (size_t i = 0; i < r->nticks; i++) {
        if (ix_task_tick(t, r->ticks[i], &e, err) < 0) {
            ix_edits_free(&e);
            ix_task_free(t);
            return -1;
        }
    }
    if (r->message)
        ix_task_add_log(t, r->now.stamp, r->message, &e);
    r->changed = e.n > 0;
    if (e.n)
        ix_task_set_updated(t, r->now.date, &e);
    ix_edits_apply(t, &e, out);
    ix_task_free(t);
    return r->changed ? 0 : 1;
}

static int edit_task(cli *c, const char *arg, edit_req *r)
{
    ix_err err;
    char *path;
    if (ix_clock_now(&r->now, &err) < 0)
        return fail(err.msg);
    if (ix_taskdir_resolve(c->tasks_dir, arg, &path, &err) < 0)
        return fail(err.msg);
    int rc = ix_file_update(path, apply_edit, r, &err);
    free(path);
    return rc < 0 ? fail(err.msg) : IX_EXIT_OK;
}

static int cmd_tick(cli *c, int argc, char **argv)
{
    if (argc < 2)
        return fail("tick: expected TASK and at least one criterion number");
    edit_req r = {.ticks = calloc((size_t)argc, sizeof(int))};
    for (int i = 1; i < argc; i++) {
        char *end;
        long n = strtol(argv[i], &end, 10);
        if (*end || end == argv[i] || n < 1 || n > INT_MAX) {
            free(r.ticks);
            fprintf(stderr, "infraexec: tick: '%s' is not a criterion number (1, 2, ...)\n",
                    argv[i]);
            return IX_EXIT_BAD;
        }
        r.ticks[r.nticks++] = (int)n;
    }
    int rc = edit_task(c, argv[0], &r);
    if (rc == IX_EXIT_OK)
        printf("%s: %s\n", argv[0], r.changed ? "ticked" : "already checked, nothing changed");
    free(r.ticks);
    return rc;
}

static int cmd_log(cli *c, int argc, char **argv)
{
    if (argc != 2 || !*argv[1])
        return fail("log: expected TASK and one non-empty MESSAGE");
    edit_req r = {.message = argv[1]};
    int rc = edit_task(c, argv[0], &r);
    if (rc == IX_EXIT_OK)
        printf("%s: logged at %s\n", argv[0], r.now.stamp);
    return rc;
}

/* ---- lint ---- */

static int cmd_lint(cli *c, int argc, char **argv)
{
    if (argc < 1)
        return fail("lint: expected at least one TASK");
    size_t problems = 0;
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
            problems += t->nproblems;
            ix_task_free(t);
        }
        free(path);
    }
    if (problems)
        fprintf(stderr, "infraexec: lint: %zu problem%s\n", problems, problems == 1 ? "" : "s");
    return problems ? IX_EXIT_BAD : IX_EXIT_OK;
}

/* ---- list ---- */

static int priority_rank(const char *p)
{
    static const char *const order[] = {"critical", "high", "medium", "low"};
    for (int i = 0; i < 4; i++)
        if (p && strcasecmp(p, order[i]) == 0)
            return i;
    return 4;
}

static int by_priority_then_id(const void *a, const void *b)
{
    const ix_task *x = *(ix_task *const *)a, *y = *(ix_task *const *)b;
    int d = priority_rank(x->priority) - priority_rank(y->priority);
    if (d)
        return d;
    return strcmp(x->id ? x->id : x->path, y->id ? y->id : y->path);
}

static int has_label(const ix_task *t, const char *label)
{
    for (size_t i = 0; i < t->nlabels; i++)
        if (strcmp(t->labels[i], label) == 0)
            return 1;
    return 0;
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
    ix_task **tasks = calloc(n ? n : 1, sizeof *tasks);
    for (size_t i = 0; i < n; i++) {
        ix_task *t;
        if (ix_task_load(paths[i], &t, &err) < 0) {
            fprintf(stderr, "infraexec: %s\n", err.msg);
            bad++;
            continue;
        }
        if ((c->status && (!t->status || strcmp(t->status, c->status) != 0)) ||
            (c->label && !has_label(t, c->label))) {
            ix_task_free(t);
            continue;
        }
        tasks[nt++] = t;
    }
    qsort(tasks, nt, sizeof *tasks, by_priority_then_id);
    json_t *arr = c->json ? json_array() : NULL;
    for (size_t i = 0; i < nt; i++) {
        const ix_task *t = tasks[i];
        if (arr) {
            json_t *labels = json_array();
            for (size_t k = 0; k < t->nlabels; k++)
                json_array_append_new(labels, json_string(t->labels[k]));
            json_array_append_new(arr, json_pack("{s:s?, s:s?, s:s?, s:s?, s:o, s:s, s:i, s:i}",
                "id", t->id, "title", t->title, "status", t->status, "priority", t->priority,
                "labels", labels, "path", t->path, "total", (int)t->ncriteria,
                "checked", (int)ix_task_checked(t)));
        } else {
            printf("%-10s %-9s %-10s %3zu/%-3zu %s\n", t->id ? t->id : "-",
                   t->priority ? t->priority : "-", t->status ? t->status : "-",
                   ix_task_checked(t), t->ncriteria, t->title ? t->title : "");
        }
        ix_task_free(tasks[i]);
    }
    if (arr)
        print_json(arr);
    free(tasks);
    ix_taskdir_free_list(paths, n);
    free(dir);
    return bad ? IX_EXIT_BAD : IX_EXIT_OK;
}

/* ---- dispatch ---- */

static const command commands[] = {
    {"show", cmd_show, "TASK", "print a task's fields, criteria and progress log",
     "  --json              print the full model as JSON\n"},
    {"tick", cmd_tick, "TASK N [N...]", "check off criteria by number and set 'updated:'", ""},
    {"log", cmd_log, "TASK MESSAGE", "append a Progress Log entry and set 'updated:'", ""},
    {"lint", cmd_lint, "TASK...", "report every problem as FILE:LINE:COL: message", ""},
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
        fprintf(out, "  %-6s %-16s %s\n", c->name, c->args, c->summary);
    fprintf(out, "\noptions:\n"
                 "  --tasks-dir DIR     tasks directory (default: $INFRAEXEC_TASKS, else the\n"
                 "                      nearest tasks/ above the current directory)\n"
                 "  -h, --help          show help (also after a command)\n"
                 "  -V, --version       show the version\n\n"
                 "TASK is a path or an id such as TASK-002.  Exit codes: 0 success, 1 criteria\n"
                 "remain after a run, 2 bad invocation or input (nothing changed), 130 interrupted.\n"
                 "INFRAEXEC_NOW=\"YYYY-MM-DD HH:MM\" fixes the clock.\n");
}

static void command_usage(const command *c)
{
    printf("usage: infraexec %s [options] %s\n\n%s.\n\noptions:\n%s"
           "  --tasks-dir DIR     tasks directory\n"
           "  -h, --help          show this help\n",
           c->name, c->args, c->summary, c->help);
}

enum { OPT_TASKS_DIR = 256, OPT_STATUS, OPT_LABEL, OPT_JSON };

static const struct option long_opts[] = {
    {"tasks-dir", required_argument, NULL, OPT_TASKS_DIR},
    {"json", no_argument, NULL, OPT_JSON},
    {"status", required_argument, NULL, OPT_STATUS},
    {"label", required_argument, NULL, OPT_LABEL},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Parses options (anywhere on the line; "--" ends them).  Returns -1 on a
 * bad option, 1 when help or version was printed, else 0. */
static int parse_options(cli *c, const command *cmd, int *argc, char ***argv)
{
    opterr = 0;
    optind = 0;
    int ch;
    while ((ch = getopt_long(*argc, *argv, cmd ? "hV" : "+hV", long_opts, NULL)) != -1) {
        switch (ch) {
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
        default:
            fprintf(stderr, "infraexec: unknown or incomplete option '%s' (see --help)\n",
                    (*argv)[optind - 1]);
            return -1;
        }
    }
    *argc -= optind;
    *argv += optind;
    return 0;
}

int ix_cli_main(int argc, char **argv)
{
    /* A full disk or RLIMIT_FSIZE must surface as a write error that names
     * the file, not as a signal that kills us mid-way. */
    signal(SIGXFSZ, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);

    cli c = {0};
    int rc = parse_options(&c, NULL, &argc, &argv);
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
    rc = parse_options(&c, cmd, &argc, &argv);
    if (rc)
        return rc < 0 ? IX_EXIT_BAD : IX_EXIT_OK;
    if ((c.status || c.label) && cmd->run != cmd_list)
        return fail("--status and --label only apply to 'list'");
    return cmd->run(&c, argc, argv);
}
