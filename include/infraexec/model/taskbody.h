/* taskbody.h - the body of a task file read with cmark into the ix_task
 * that task.c's parse builds (criteria, Progress Log entries, code blocks,
 * dependencies, STOP), and the text helpers the edits share with it.
 * Internal to the model; callers use task.h. */
#ifndef INFRAEXEC_TASKBODY_H
#define INFRAEXEC_TASKBODY_H

#include "infraexec/model/task.h"

/* Parse T's bytes [FROM, TO), whose first line is T's line BODY_LINE0 + 1,
 * into T's criteria, log, code blocks, deps and problems. */
void ix_taskbody_walk(ix_task *t, size_t body_line0, size_t from, size_t to);
/* The ids in frontmatter KEY (depends_on:, blocked_by:) as T's deps. */
void ix_taskbody_fm_deps(ix_task *t, const char *key);
/* A non-fatal finding, for `lint`. */
void ix_task_add_problem(ix_task *t, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Source text of [START, END) with each line trimmed and lines joined by
 * one space; and TEXT trimmed the same way. */
char *ix_task_joined_source(const ix_task *t, size_t start, size_t end);
char *ix_task_joined_text(const char *text);
/* "YYYY-MM-DD HH:MM:" or "YYYY-MM-DD:" at the start of S: the text after
 * it, its length (16 or 10) in *LEN, *BAD when not a calendar date and
 * time; NULL when neither shape is there. */
const char *ix_task_parse_stamp(const char *s, size_t n, size_t *len, int *bad);

#endif
