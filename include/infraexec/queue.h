/* queue.h - the orchestrator's loop around `run`: which task comes next,
 * and archiving a finished one.
 *
 * next: tasks in active/ before backlog/, by priority (critical, high,
 * medium, low), then id; a task waits while a task its Dependencies name is
 * not completed (status completed, or filed under completed/).
 * archive: status: completed, completed: today, updated: today (each edit
 * only its bytes), the file moved to completed/, and both paths committed
 * in the tasks repository with libgit2 when it is one. */
#ifndef INFRAEXEC_QUEUE_H
#define INFRAEXEC_QUEUE_H

#include "infraexec/err.h"

#include <jansson.h>

/* {"next": {id, title, priority, status, state, path} | null,
 *  "waiting": [{id, path, waits_for: [{id, why}]}]} */
int ix_queue_next(const char *tasks_dir, json_t **out, ix_err *err);

/* Archive the task at PATH (under TASKS_DIR).  Refuses while criteria are
 * unchecked unless FORCE.  *COMMIT gets the commit id, or NULL when the
 * tasks directory is not in a git repository; *DEST the new path. */
int ix_queue_archive(const char *tasks_dir, const char *path, int force, char **dest,
                     char **commit, ix_err *err);

#endif
