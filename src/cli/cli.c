/* cli.c - see include/infraexec/cli/cli.h and clicmd.h */
#include "infraexec/cli/cli.h"

#include "infraexec/cli/clicmd.h"
#include "infraexec/base/clock.h"
#include "infraexec/base/safetext.h"
#include "infraexec/sys/fileio.h"

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

typedef struct command {
    const char *name;
    int (*run)(ix_cli *c, int argc, char **argv);
    const char *args;
    const char *summary;
    const char *help;            /* command-specific options */
} command;

/* ---- what every command prints with (clicmd.h) ---- */

int ix_cli_fail(const char *msg)
{
    fprintf(stderr, "infraexec: %s\n", msg);
    return IX_EXIT_BAD;
}

/* A message about FILE's content. */
int ix_cli_fail_in(const char *file, const char *msg)
{
    ix_buf b = IX_BUF_INIT;
    fprintf(stderr, "infraexec: %s: %s\n", ix_cli_shown(&b, file, ""), msg);
    ix_buf_free(&b);
    return IX_EXIT_BAD;
}

void ix_cli_print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    puts(s);
    free(s);
    json_decref(j);
}

/* Text from a task file as the terminal gets it: one line, control
 * characters shown (safetext.h); NULL as DEFAULT.  B holds the result. */
const char *ix_cli_shown(ix_buf *b, const char *s, const char *dflt)
{
    if (!s)
        return dflt;
    b->len = 0;
    ix_safe_append(b, s, strlen(s), 0);
    return b->data;
}

/* ---- dispatch ---- */

static const command commands[] = {
    {"show", ix_clicmd_show, "TASK", "print a task's fields, criteria and progress log",
     "  --json              print the full model as JSON\n"},
    {"tick", ix_clicmd_tick, "TASK N [N...]", "check off criteria by number and set 'updated:'", ""},
    {"log", ix_clicmd_log, "TASK MESSAGE", "append a Progress Log entry and set 'updated:'", ""},
    {"confirm", ix_clicmd_confirm, "TASK N --note TEXT",
     "tick a criterion you checked by hand, logged as confirmed by you",
     "  --note TEXT         what you ran and saw (required)\n"},
    {"lint", ix_clicmd_lint, "TASK...", "report every problem as FILE:LINE:COL: message", ""},
    {"run", ix_clicmd_run, "TASK", "work through a task's unchecked criteria and report",
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
    {"verify", ix_clicmd_verify, "TASK", "recheck the checked criteria: which still hold",
     "  --json              print the report as JSON\n"
     "  --report FILE       also write the report to FILE (JSON if it ends in .json)\n"
     "  --only N[,M...]     check only these criteria\n"
     "  --handlers DIR      look for handlers in DIR first\n"
     "  -q, --quiet         no progress on stderr\n"},
    {"queue", ix_clicmd_queue, "", "the task queue: ready, blocked, waiting; human actions; summary",
     "  --json              the scanner's JSON (docs/queue-schema.json)\n"
     "  --dot               the dependency graph for Graphviz (dot -Tsvg)\n"
     "  --pull              fetch and fast-forward the tasks repository first\n"},
    {"next", ix_clicmd_next, "", "the first ready task of the queue",
     "  --json              also list the tasks blocked or waiting, and why\n"
     "  --pull              fetch and fast-forward the tasks repository first\n"
     "exit 0 with the id on stdout, 1 when nothing can run (the reason on stderr)\n"},
    {"archive", ix_clicmd_archive, "TASK", "mark a finished task completed, move it to completed/, commit",
     "  --force             archive even with unchecked criteria\n"
     "  --runner NAME       this runner: its claimed task's archive is pushed\n"
     "  --json              print JSON\n"},
    {"claim", ix_clicmd_claim, "", "claim the next task through the tasks repository's remote",
     "  --json              print JSON\n"
     "  --runner NAME       this runner's name (default: $INFRAEXEC_RUNNER, queue.runner,\n"
     "                      hostname:pid)\n"
     "  --config FILE       infraexec.yaml to use (default: the nearest above the tasks)\n"
     "exit 0 with the id on stdout, 1 when nothing can be claimed\n"},
    {"release", ix_clicmd_release, "TASK", "end a claim: remove it from the task, commit, push",
     "  --runner NAME       this runner's name\n"
     "  --config FILE       infraexec.yaml to use\n"},
    {"work", ix_clicmd_work, "", "claim, run, verify and archive tasks until none can be claimed",
     "  --runner NAME       this runner's name\n"
     "  --max N             at most N tasks\n"
     "  --events FD         one JSON line per task to file descriptor FD\n"
     "  --timeout SECONDS   per command (default: none)\n"
     "  --handlers DIR      look for handlers in DIR first\n"
     "  --config FILE       infraexec.yaml to use\n"
     "  -q, --quiet         no progress on stderr\n"
     "exit 0 when nothing is left to claim, else the failing run's or verify's code\n"},
    {"yaml", ix_clicmd_yaml, "get|set FILE PATH [VALUE]",
     "read or set one YAML scalar, changing only its bytes",
     "  --doc N             the document of a multi-document file (0-based)\n"
     "  --dry-run           (set) print the diff instead of writing\n"
     "PATH is dot-separated keys and list indexes, e.g. spec.values.workers.1.image.tag\n"},
    {"handlers", ix_clicmd_handlers, "[check]", "list the Lua handlers and their rules; check lints them",
     "  --handlers DIR      look for handlers in DIR first\n"
     "  --json              print JSON\n"},
    {"list", ix_clicmd_list, "", "list tasks by priority, then id",
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

/* One bit of ix_cli.given each: at most 32 entries. */
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
static int parse_only(ix_cli *c, const char *s)
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

/* Whether WORD is a cluster of short options holding CH ("-x", "-qx"). */
static int is_short_opt(const char *word, int ch)
{
    return word[0] == '-' && word[1] != '-' && strchr(word + 1, ch);
}

/* Parses the options before CMD (NULL) or after it, anywhere on the line
 * ("--" ends them).  Returns -1 on a bad option, 1 when help or version was
 * printed, else 0. */
static int parse_options(ix_cli *c, const command *cmd, int *argc, char ***argv)
{
    opterr = 0;
    optind = 0;
    int ch, li = -1;
    while ((ch = getopt_long(*argc, *argv, cmd ? ":hVq" : "+:hV", long_opts, &li)) != -1) {
        if (ch == '?' || ch == ':') {
            if (ch == ':')
                option_error(cmd, "option %s needs a value", (*argv)[optind - 1]);
            else if (optopt && !is_short_opt((*argv)[optind - 1], optopt) && optind < *argc)
                /* Inside "-ab..." getopt has not moved past the word yet:
                 * it is argv[optind] ("- [ ] x", a message that looks like one). */
                option_error(cmd, "'%s' is not an option; an argument starting with '-' goes "
                             "after '--'", (*argv)[optind]);
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
        /* A value given twice is a typo or a script's two minds: which one
         * counts is not guessed.  Flags said twice mean the same thing. */
        if (li >= 0 && long_opts[li].has_arg == required_argument) {
            if (c->given & 1ul << li) {
                option_error(cmd, "--%s given twice; give it once%s", name,
                             ch == OPT_ONLY ? " with every number (--only 2,5)" : "");
                return -1;
            }
            c->given |= 1ul << li;
        }
        li = -1;
        switch (ch) {
        case OPT_DRY_RUN: c->run.dry_run = 1; break;
        case OPT_REPORT: {
            /* Refused now, not after a long run whose report is then lost. */
            struct stat st;
            if (!*optarg || (stat(optarg, &st) == 0 && S_ISDIR(st.st_mode))) {
                fprintf(stderr, "infraexec: --report: '%s' is %s\n", optarg,
                        *optarg ? "a directory, not a file" : "no file name");
                return -1;
            }
            c->report_file = optarg;
            break;
        }
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

static int dispatch(ix_cli *c, int argc, char **argv)
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
    /* A bad INFRAEXEC_NOW or INFRAEXEC_LOCK_WAIT is refused before anything
     * runs, not when the first edit is made after every command ran. */
    ix_now now;
    ix_err err;
    double wait;
    if (ix_clock_now(&now, &err) < 0 || ix_file_lock_wait(&wait, &err) < 0)
        return ix_cli_fail(err.msg);
    return cmd->run(c, argc, argv);
}

int ix_cli_main(int argc, char **argv)
{
    /* A full disk or RLIMIT_FSIZE must surface as a write error that names
     * the file, not as a signal that kills us mid-way. */
    signal(SIGXFSZ, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);

    ix_cli c = {.run = {.retries = 1, .backoff = 1, .events_fd = -1}};
    int rc = dispatch(&c, argc, argv);
    free(c.only);
    return check_stdout(rc);
}
