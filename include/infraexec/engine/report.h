/* report.h - what a run did, and its two renderings: Markdown for people
 * (the structure of the seed agent's report) and versioned JSON for
 * orchestrators (schema "infraexec.report/2", docs/report-schema.json).
 *
 * The run engine fills an ix_report; the renderers only read it.  All
 * strings are owned by the report and freed by ix_report_free.
 *
 * The code is in src/engine/report*.c, one concern a file
 * (src/engine/report_internal.h, private to them, lists which). */
#ifndef INFRAEXEC_REPORT_H
#define INFRAEXEC_REPORT_H

#include "infraexec/base/buf.h"

#include <jansson.h>
#include <stddef.h>

#define IX_REPORT_SCHEMA "infraexec.report/2"

/* One command a rule ran (or, in a dry run, would run). */
typedef struct ix_cmd_record {
    char **argv;         /* NULL-terminated, or NULL when script is set */
    char *script;        /* shell script run with bash -eo pipefail -c */
    char *cwd;           /* NULL = the run's directory */
    char **env;          /* NULL-terminated "NAME=value" additions, or NULL */
    int executed;        /* 0 in a dry run */
    int exit_code;       /* -1 when killed by a signal or not started */
    int term_signal;
    int timed_out;
    int interrupted;
    int attempts;
    double duration;     /* seconds */
    char *tail;          /* last bytes of the output */
    char *log_path;      /* full output, NULL in a dry run */
} ix_cmd_record;

/* One file a rule changed (or would change). */
typedef struct ix_file_change {
    char *path;
    char *summary;       /* e.g. "image tag 0.1.17 -> 0.1.18" */
    char *diff;          /* unified diff, set in dry runs */
} ix_file_change;

/* One observation a rule made: the evidence a tick rests on. */
typedef struct ix_observation {
    int ok;              /* what was seen is what was expected */
    int after_action;    /* dry run: can only be observed after the action */
    char *looked_at;     /* URL, object, file, command */
    char *expected;
    char *seen;
} ix_observation;

typedef enum {
    IX_STATE_COMPLETED,            /* ticked by this run */
    IX_STATE_PREVIOUSLY_COMPLETED, /* was already checked */
    IX_STATE_REMAINING,            /* still unchecked */
} ix_state;

/* What `infraexec verify` found for a checked criterion. */
typedef enum {
    IX_CHECK_NONE,          /* not checked (a run, or an unchecked criterion) */
    IX_CHECK_HOLDS,
    IX_CHECK_FAILS,
    IX_CHECK_UNVERIFIABLE,  /* no rule can observe it without redoing it */
    IX_CHECK_PERSON,        /* no machine decides it: a person must (verify exits 1) */
} ix_check;

typedef struct ix_crit_report {
    int index;
    char *text;
    char *group;         /* or NULL */
    ix_state state;
    int blocked;         /* the criterion says BLOCKED: not run */
    int would_complete;  /* dry run: the rule would run (state stays remaining) */
    ix_check check;      /* verify: the check's result */
    char *rule;          /* "handler: description" of the rule that took it, or NULL */
    char *reason;        /* remaining: why; completed: notes */
    char *kind;          /* "action" or "assertion", or NULL when no rule took it */
    ix_observation *evidence; /* what the rule observed, in its order */
    size_t nevidence;
    char *confirmed_by;  /* completed on a person's word (run --confirm), or NULL */
    ix_cmd_record *cmds;
    size_t ncmds;
    ix_file_change *files;
    size_t nfiles;
} ix_crit_report;

typedef struct ix_report {
    char *id, *title, *priority, *status, *path;
    ix_crit_report *crit;   /* document order, every criterion */
    size_t ncrit;
    char **files_modified;  /* every file the run changed, task file included */
    size_t nfiles_modified;
    char **progress_log;    /* entries written, "YYYY-MM-DD HH:MM: text" */
    size_t nprogress_log;
    char *log_dir;          /* where command output went, or NULL */
    int dry_run;
    int verify;             /* a verification of the checked criteria, not a run */
    int interrupted;        /* SIGINT/SIGTERM stopped the run */
    int task_timed_out;     /* --task-timeout stopped the run */
    char *error;            /* a failure that stopped the run early, or NULL */
    char **warnings;        /* things a reader must know, e.g. TLS verification off */
    size_t nwarnings;
} ix_report;

/* Counts derived from the criteria. */
typedef struct ix_report_counts {
    size_t total, completed, completed_now, remaining;
} ix_report_counts;

ix_report_counts ix_report_count(const ix_report *r);
/* "ready for verification", "partially complete" or "blocked". */
const char *ix_report_verdict(const ix_report *r);

struct ix_secrets;
/* Mask the secrets in every string the report holds. */
void ix_report_mask(ix_report *r, const struct ix_secrets *s);

void ix_report_markdown(const ix_report *r, ix_buf *out);
/* "LOOKED_AT: SEEN" of the first observation, "(+N more)" after it: the
 * one-line summary the Progress Log carries.  Empty without evidence. */
void ix_report_evidence_line(const ix_crit_report *c, ix_buf *out);
/* Counts of a verification: checked criteria that hold, fail, cannot be checked. */
size_t ix_report_count_check(const ix_report *r, ix_check which);
json_t *ix_report_json(const ix_report *r);
void ix_report_free(ix_report *r);

#endif
