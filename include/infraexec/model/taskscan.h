/* taskscan.h - reading a task file cheaply, for `list`: the fields it shows
 * and the criteria counts, from one read of the file.
 *
 * A line scan does the work where it can tell exactly what libyaml and cmark
 * would read: "key: value" frontmatter, and Acceptance Criteria sections made
 * of checkbox items, ### headings and blank lines.  On any other shape it
 * hands the bytes it read to ix_task_parse_criteria, so every file gets the
 * answer (and the error) the full parser gives. */
#ifndef INFRAEXEC_TASKSCAN_H
#define INFRAEXEC_TASKSCAN_H

#include "infraexec/base/err.h"
#include <stddef.h>

typedef struct ix_task_summary {
    char *path;
    char *id, *title, *status, *priority;  /* NULL when absent or not a scalar */
    char **labels;
    size_t nlabels;
    size_t total, checked;                 /* criteria, and those ticked */
    int scanned;                           /* 1: the line scan read it all, no parser ran */
} ix_task_summary;

/* Read PATH once and summarize it; fails as ix_task_load does. */
int ix_task_summarize(const char *path, ix_task_summary *out, ix_err *err);
/* The same on bytes already read; DATA[LEN] must be readable (a NUL). */
int ix_task_summarize_text(const char *path, const char *data, size_t len, ix_task_summary *out,
                           ix_err *err);
void ix_task_summary_free(ix_task_summary *s);

/* Where the Acceptance Criteria sections lie in DATA's body (from offset
 * FIRST, a line's start, to LEN): bytes [*from, *to) run from the line of
 * the first such heading to the level-1/2 heading after the last one, or
 * the end; both are LEN when there is none.  Returns 0 on a shape the scan
 * does not follow exactly. */
int ix_criteria_slice(const char *data, size_t len, size_t first, size_t *from, size_t *to);

/* The criteria in [from, to) as ix_criteria_slice gives it (its first line
 * the heading); 0 when a line is of a shape only cmark can judge. */
int ix_criteria_count(const char *data, size_t from, size_t to, size_t *total, size_t *checked);

#endif
