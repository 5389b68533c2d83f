/* clicmd.h - the commands' side of the command line.
 *
 * cli.c owns the command table, the options (each command takes exactly
 * the ones its help lists), usage and dispatch; it fills an ix_cli and
 * calls one ix_clicmd_* function with the arguments left.  The commands
 * live by family: clitask.c (show, tick, log, confirm, lint, list, yaml:
 * task files and YAML), clirun.c (run, verify, handlers: the engine and
 * its Lua), cliqueue.c (queue, next, archive, claim, release, work: the
 * queue).  Each returns an exit code (exitcode.h) and prints its own
 * messages; nothing below them exits. */
#ifndef INFRAEXEC_CLICMD_H
#define INFRAEXEC_CLICMD_H

#include "infraexec/base/buf.h"
#include "infraexec/base/exitcode.h"
#include "infraexec/engine/run.h"

#include <jansson.h>

/* Option values; a command is given only the options its help lists
 * (takes_option, cli.c).  Strings point into argv. */
typedef struct ix_cli {
    const char *tasks_dir;
    int json;
    int doc;                     /* yaml: --doc N */
    const char *status, *label;  /* list filters */
    ix_run_opts run;
    const char *report_file;
    int *only;                   /* owned (--only), freed by ix_cli_main */
    int force;                   /* archive --force */
    const char *note;            /* confirm --note */
    int dot, pull;               /* queue --dot, queue/next --pull */
    const char *runner;          /* claim, release, run, work: --runner */
    int max;                     /* work --max */
    unsigned long given;         /* value options seen (bit = long_opts index) */
} ix_cli;

/* The commands (ARGV: the arguments after the command and its options). */
int ix_clicmd_show(ix_cli *c, int argc, char **argv);
int ix_clicmd_tick(ix_cli *c, int argc, char **argv);
int ix_clicmd_log(ix_cli *c, int argc, char **argv);
int ix_clicmd_confirm(ix_cli *c, int argc, char **argv);
int ix_clicmd_lint(ix_cli *c, int argc, char **argv);
int ix_clicmd_list(ix_cli *c, int argc, char **argv);
int ix_clicmd_yaml(ix_cli *c, int argc, char **argv);
int ix_clicmd_run(ix_cli *c, int argc, char **argv);
int ix_clicmd_verify(ix_cli *c, int argc, char **argv);
int ix_clicmd_handlers(ix_cli *c, int argc, char **argv);
int ix_clicmd_queue(ix_cli *c, int argc, char **argv);
int ix_clicmd_next(ix_cli *c, int argc, char **argv);
int ix_clicmd_archive(ix_cli *c, int argc, char **argv);
int ix_clicmd_claim(ix_cli *c, int argc, char **argv);
int ix_clicmd_release(ix_cli *c, int argc, char **argv);
int ix_clicmd_work(ix_cli *c, int argc, char **argv);

/* What every command prints with (cli.c).  "infraexec: MSG" on stderr,
 * returning IX_EXIT_BAD; _in names FILE first. */
int ix_cli_fail(const char *msg);
int ix_cli_fail_in(const char *file, const char *msg);
/* J on stdout, indented, and released. */
void ix_cli_print_json(json_t *j);
/* Text from a task file as the terminal gets it: one line, control
 * characters shown (safetext.h); NULL as DFLT.  B holds the result. */
const char *ix_cli_shown(ix_buf *b, const char *s, const char *dflt);

#endif
