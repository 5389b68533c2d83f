/* queue.h - the orchestrator's loop around `run`: the queue of tasks as the
 * task scanner builds it, which task comes next, and archiving a finished one.
 *
 * The queue is every task in active/, backlog/ and blocked/ that is not
 * completed, in this order: active/ before backlog/ before blocked/, then
 * priority (critical, high, medium, low, anything else), then the task
 * number as a number (TASK-9 before TASK-10), then the id and the path.
 * Each entry is
 *   blocked            filed in blocked/, `status: blocked`, a STOP marker in
 *                      its body, or named in blocking_items of a human
 *                      action (human-actions/ACTION-*\/action_report.json
 *                      beside the tasks directory) that is not completed;
 *   waiting-dependency a prerequisite (task.h: ix_dep) is not completed
 *                      (status completed, or filed under completed/); a
 *                      prerequisite that exists nowhere is a warning and
 *                      counts as not completed;
 *   ready              otherwise.
 * `next` is the first ready entry.  A file that does not parse, a broken
 * action report, a reference to a task that does not exist: each is a
 * warning ("FILE:LINE:COL: message" where there is a position), never fatal.
 *
 * archive: status: completed, completed: today, updated: today (each edit
 * only its bytes), the file moved to completed/, and both paths committed
 * in the tasks repository with libgit2 when it is one.
 *
 * The code is in src/engine/queue*.c, one concern a file
 * (src/engine/queue_internal.h, private to them, lists which). */
#ifndef INFRAEXEC_QUEUE_H
#define INFRAEXEC_QUEUE_H

#include "infraexec/base/buf.h"
#include "infraexec/base/err.h"
#include "infraexec/model/task.h"

#include <jansson.h>

typedef enum { IX_Q_READY, IX_Q_WAITING, IX_Q_BLOCKED } ix_qstate;

typedef struct ix_qwait {
    char *id;
    char *why;              /* its status, "in tasks/blocked/", "no such task" ... */
} ix_qwait;

typedef struct ix_qtask {
    ix_task *task;
    char *id;               /* frontmatter id, else the file name without .md */
    int folder;             /* index into ix_taskdir_states */
    char *location;         /* "tasks/active/TASK-001.md" */
    char *arg;              /* for `run`: the id if it finds this file, else the path */
    int done;
    ix_qstate state;
    char **blocked_by;      /* "ACTION-001", "tasks/blocked/", "status: blocked", "STOP (line 9)" */
    size_t nblocked_by;
    ix_qwait *waits;
    size_t nwaits;
} ix_qtask;

typedef struct ix_qaction {
    char *id, *title, *urgency, *status;
    char *effective;        /* highest priority among the open tasks it blocks, else urgency */
    char *location;         /* "human-actions/ACTION-001-slug/" */
    char *report;           /* the action_report.json path */
    char **items;           /* blocking_items */
    size_t nitems;
    int open;               /* not completed: it blocks its items */
} ix_qaction;

typedef struct ix_queue {
    char *tasks_dir;
    ix_qtask *t;            /* every task that parsed, all folders, in queue order */
    size_t n;
    ix_qaction *a;          /* by effective urgency, then number */
    size_t na;
    char **warnings;
    size_t nwarnings;
    size_t skipped;         /* task files that did not parse */
    int next;               /* index of the first ready entry, -1 when none */
} ix_queue;

/* Scan TASKS_DIR and the human-actions/ folder beside it.  Fails only when
 * the directory has none of the state folders. */
int ix_queue_build(const char *tasks_dir, ix_queue **out, ix_err *err);
void ix_queue_free(ix_queue *q);
void ix_queue_warn(ix_queue *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The first task whose id is ID, or NULL. */
const ix_qtask *ix_queue_find(const ix_queue *q, const char *id);
const char *ix_queue_state_name(ix_qstate s);

/* The scanner's output: {priority_queue, human_actions_required,
 * human_actions, summary, recommended_next, warnings} (docs/queue-schema.json). */
json_t *ix_queue_json(const ix_queue *q);
/* The same as the scanner's Markdown. */
void ix_queue_markdown(const ix_queue *q, ix_buf *out);
/* The dependency graph in Graphviz dot. */
void ix_queue_dot(const ix_queue *q, ix_buf *out);

/* For `next`: {"next": entry | null, "reason": why nothing | null,
 * "waiting": [{id, path, waits_for: [{id, why}]}], "blocked": [{id, path,
 * blocked_by}], "warnings"}. */
json_t *ix_queue_next_json(const ix_queue *q);
/* Why nothing is ready, one sentence ("all 3 tasks are blocked ..."). */
void ix_queue_why_none(const ix_queue *q, ix_buf *out);

/* Archive the task at PATH (under TASKS_DIR).  Refuses while criteria are
 * unchecked unless FORCE.  *COMMIT gets the commit id, or NULL when the
 * tasks directory is not in a git repository; *DEST the new path. */
int ix_queue_archive(const char *tasks_dir, const char *path, int force, char **dest,
                     char **commit, ix_err *err);

#endif
