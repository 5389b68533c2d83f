/* deps.h - task ids and the relations between tasks, as people write them.
 *
 * Under a task's "## Dependencies" section, people introduce task ids with a
 * label: a bold line or sub-heading ("**Blocked By:**", "### Depends On"), a
 * bold or plain "Label:" at the start of a bullet or paragraph.  Some labels
 * name prerequisites (the task waits for those), others do not ("Unblocks",
 * "Related").  The parsing itself is in task.c; this module says what each
 * label means. */
#ifndef INFRAEXEC_DEPS_H
#define INFRAEXEC_DEPS_H

#include <stddef.h>

/* Relations of ids not introduced by a known label. */
#define IX_REL_LISTED "listed"   /* directly under ## Dependencies: a prerequisite */
#define IX_REL_UNKNOWN "unknown" /* under a label we do not know: counted as a prerequisite */

/* The relation LABEL (N bytes) names -- case, blanks, '-', '_' and a trailing
 * ':' do not matter -- as its canonical name ("blocked_by", "unblocks"...),
 * with *PREREQUISITE set; NULL when the label is not a relation word. */
const char *ix_dep_relation(const char *label, size_t n, int *prerequisite);

/* Length of the task id ("TASK-" and digits) at S, or 0 if none starts
 * there.  S must be at a word start (the caller checks the byte before). */
size_t ix_dep_id_len(const char *s);

/* The number of a task id (TASK-010 -> 10), or -1 when ID has none. */
long ix_dep_id_number(const char *id);

/* Queue order of two ids: by number as a number (TASK-9 before TASK-10; an
 * id without one last), then bytewise.  NULL sorts as "". */
int ix_dep_id_cmp(const char *a, const char *b);

#endif
