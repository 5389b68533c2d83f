/* tasksection.h - the level-1/2 sections of a task file, and writing one.
 *
 * A rule may write a section of its own into the task file ("## Final
 * Versions", a table of what it observed).  The section is found with
 * cmark, as task.c reads the file (a heading inside a code fence is no
 * heading), and only its body's bytes change: when it is missing it is
 * inserted before the Progress Log (else at the end).  The edit must read
 * back as intended -- the same criteria, ticked as before, the same Progress
 * Log entries and code blocks, the section holding exactly the new body --
 * before fileio.h writes it atomically under the file's lock. */
#ifndef INFRAEXEC_TASKSECTION_H
#define INFRAEXEC_TASKSECTION_H

#include "infraexec/base/buf.h"
#include "infraexec/base/err.h"
#include "infraexec/model/task.h"

#include <stddef.h>

typedef struct ix_task_section {
    char *heading;  /* the heading's text */
    int level;      /* 1 or 2 */
    int line;       /* the heading's first line */
    int body_line;  /* the first line after the heading */
    int end_line;   /* the next level-1/2 heading's line; lines.count + 1 at the end */
} ix_task_section;

/* The level-1/2 sections of T's body, in order. */
void ix_task_sections(const ix_task *t, ix_task_section **out, size_t *n);
void ix_task_sections_free(ix_task_section *s, size_t n);

/* The section's body as text: its lines joined by "\n" (whatever T's line
 * ends), blank lines at either end left out.  Malloc'd. */
char *ix_task_section_body(const ix_task *t, const ix_task_section *s);

/* Whether HEADING may name a section infraexec writes: words of letters,
 * digits, '-', '_', '(', ')' and single spaces, at most 80 bytes, and none of
 * the sections the task model reads (Acceptance Criteria, Progress Log,
 * Dependencies).  ERR says why not. */
int ix_task_section_name_ok(const char *heading, ix_err *err);

typedef struct ix_section_change {
    const char *heading;  /* a level-2 heading's text (compared case-insensitively) */
    const char *body;     /* its new body: lines joined by "\n", no control bytes but tabs */
    const char *stamp;    /* "YYYY-MM-DD ..." for updated: */
    int changed;          /* out: 1 when the text changes */
} ix_section_change;

/* The change on text: OUT gets the new bytes.  0, 1 when the section
 * already holds the body (nothing to write), -1 when refused (a bad
 * heading or body, a file that does not parse, or an edit that would not
 * read back as intended: "PATH: ...; nothing written"). */
int ix_task_section_edit_text(const char *path, const char *data, size_t len,
                              ix_section_change *chg, ix_buf *out, ix_err *err);

/* The same change on the file, under its lock, atomically (fileio.h). */
int ix_task_section_update_file(const char *path, ix_section_change *chg, ix_err *err);

#endif
