/* streak.h - the Progress Log entry that ends a run, and the rule that
 * stops the orchestrator's loop from spinning on a task that keeps failing.
 *
 * A run that attempted at least one criterion (a rule took it) ends with
 * one entry:
 *   "Run ended: criteria 3, 5 still failing (2 of 5 checked)"
 *   "Run ended: no criterion failed (5 of 5 checked)"
 * The count is in the Progress Log itself, not in a hidden state file: when
 * this run fails and the two runs before it (the previous "Run ended:"
 * entries, other entries in between ignored) failed too, the entry goes on
 * "; third failing run in a row: status set to blocked ..." and the task's
 * `status:` becomes blocked, so `next` no longer chooses it.  A run with no
 * failure ends a streak, and so does the entry that blocked the task (and
 * that of a run made by hand while it was blocked, which says so): after a
 * person sets the status back, it takes three more failing runs. */
#ifndef INFRAEXEC_STREAK_H
#define INFRAEXEC_STREAK_H

#include "infraexec/engine/report.h"
#include "infraexec/model/task.h"

#define IX_STREAK_RUNS 3

/* The entry for the run REP describes, given the task T as it is now on
 * disk; NULL when the run attempted nothing.  *BLOCK is set when this run
 * completes the streak and T is not blocked already. */
char *ix_streak_entry(const ix_task *t, const ix_report *rep, int *block);

/* Failing runs in a row at the end of T's Progress Log. */
int ix_streak_count(const ix_task *t);

#endif
