/* claim.h - the git-claimed queue: several runners, one tasks repository.
 *
 * The tasks repository's remote is the shared state.  A runner claims the
 * first task of the queue (queue.h's order) that has no live claim by
 * writing `claimed_by:` and `claimed_at:` into its frontmatter, committing
 * "TASK-X: claimed by NAME" and pushing; the push is a compare-and-swap
 * (ix_git_push), so of two runners racing for one task exactly one wins, and
 * the other fetches, resets to the remote and claims again from the queue as
 * it now is.  Nothing is ever force-pushed.
 *
 * A claim is live while it or its last heartbeat (claim_heartbeat:, pushed
 * at most every third of the lease while a command of the run works) is
 * younger than the lease, or a commit within the lease touched the task
 * file (pushed progress); an older one may be taken over, which the
 * Progress Log records.  A claimed task's run pushes its
 * ticks and log entries (sync), and on a conflict re-applies them through
 * the task model onto the remote's version of the file; `archive` and
 * `release` end the claim.  docs/queue.md states the guarantee: an unticked
 * criterion runs at least once, a ticked one never again.
 *
 * Settings: `queue: {remote, branch, lease, runner}` in infraexec.yaml; the
 * runner's name is --runner, else $INFRAEXEC_RUNNER, else queue.runner, else
 * hostname:pid.
 *
 * The code is in src/engine/claim*.c, one concern a file
 * (src/engine/claim_internal.h, private to them, lists which). */
#ifndef INFRAEXEC_CLAIM_H
#define INFRAEXEC_CLAIM_H

#include "infraexec/base/err.h"
#include "infraexec/engine/report.h"
#include "infraexec/engine/run.h"

typedef struct ix_claim_opts {
    const char *tasks_dir;  /* --tasks-dir, or NULL */
    const char *config;     /* --config, or NULL */
    const char *runner;     /* --runner, or NULL */
} ix_claim_opts;

/* Claim the next task.  Returns 0 with *ID and *PATH (the caller frees) set
 * and *TAKEN_FROM the previous holder of an expired claim (or NULL), 1 when
 * nothing can be claimed, -1 on an error. */
int ix_claim_take(const ix_claim_opts *o, char **id, char **path, char **taken_from,
                  ix_err *err);

/* End this runner's claim on the task ARG names (release TASK): the keys
 * removed, a Progress Log entry, committed and pushed.  A claim held by
 * another runner is refused unless it has expired. */
int ix_claim_release(const ix_claim_opts *o, const char *arg, ix_err *err);

/* queue.h's archive; for a claimed task also pushed (re-done on the remote's
 * version when the push is rejected).  Same results as ix_queue_archive. */
int ix_claim_archive(const ix_claim_opts *o, const char *dir, const char *path, int force,
                     char **dest, char **commit, ix_err *err);

/* run.h's ix_run_task; a task claimed by this runner has its edits pushed
 * while it runs, one with a live claim of another runner is refused. */
int ix_claim_run(const ix_claim_opts *o, const char *arg, const ix_run_opts *ro,
                 ix_report *rep, int *exit_code, ix_err *err);

/* `work`: claim -> run -> verify -> archive until nothing can be claimed or
 * MAX tasks (0: no limit) went round.  One JSON line per task on EVENTS_FD
 * (-1: none), one line per task on stdout.  *EXIT_CODE: 0 when the queue is
 * drained (or MAX reached), else the failing step's code (run: 1, 3, 124,
 * 130; verify: 1). */
int ix_claim_work(const ix_claim_opts *o, const ix_run_opts *ro, int max, int events_fd,
                  int *exit_code, ix_err *err);

#endif
