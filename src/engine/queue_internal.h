/* queue_internal.h - private to src/engine/queue*.c: what the files of the
 * queue (include/infraexec/engine/queue.h) share and nobody else may use.
 *
 *   queue.c         building the queue: tasks, their order, their dependencies,
 *                   what is ready, blocked or waiting
 *   queueaction.c   the human actions beside the tasks directory and whom they block
 *   queuearchive.c  ix_queue_archive
 *   queueout.c      the queue as JSON, Markdown and Graphviz */
#ifndef INFRAEXEC_QUEUE_INTERNAL_H
#define INFRAEXEC_QUEUE_INTERNAL_H

#include "infraexec/engine/queue.h"

#include <stddef.h>

/* Append a copy of S to the string array *V of *N. */
void ix_queue_add_str(char ***v, size_t *n, const char *s);

/* ---- queueaction.c ---- */

/* Read the actions of human-actions/ beside q->tasks_dir into q->actions. */
void ix_queue_load_actions(ix_queue *q);
/* Each open action blocks the open tasks it names; its effective urgency is
 * the highest priority among them. */
void ix_queue_apply_actions(ix_queue *q);

#endif
