/* claim_internal.h - private to src/engine/claim*.c: what the files of the
 * git-claimed queue (include/infraexec/engine/claim.h) share and nobody
 * else may use.
 *
 *   claim.c       the protocol: take, release, archive, work
 *   claimrun.c    a claimed task's run: its progress and heartbeat pushed
 *   claimlease.c  the lease: stamps, whether a claim is live
 *   claimedit.c   the claim's keys in the frontmatter, through the task model
 *   claimrepo.c   the clone: config, runner name, fetch and reset, commit and push */
#ifndef INFRAEXEC_CLAIM_INTERNAL_H
#define INFRAEXEC_CLAIM_INTERNAL_H

#include "infraexec/engine/claim.h"

#include "infraexec/base/buf.h"
#include "infraexec/model/config.h"
#include "infraexec/model/task.h"
#include "infraexec/sys/git.h"

#include <stddef.h>
#include <time.h>

#define ATTEMPTS 100      /* rejected pushes before giving up */

/* One operation's view of the clone and the queue's settings. */
typedef struct ctx {
    char *where;       /* the task file or tasks directory opened */
    ix_git *git;
    ix_config cfg;
    const char *remote, *branch_cfg;
    char *branch, *runner;
    double lease;
    ix_git_identity ident;
    char tip[41];      /* the remote branch as last fetched or pushed */
} ctx;

/* ---- claimrepo.c ---- */

/* A pause before trying again, different per process, so that racing
 * runners do not collide in step forever. */
void ix_claim_backoff(int attempt);
/* WHERE: the tasks directory or a task file in it.  Close with ix_claim_ctx_close. */
int ix_claim_ctx_open(ctx *c, const ix_claim_opts *o, const char *where, ix_err *err);
void ix_claim_ctx_close(ctx *c);
/* Fetch the queue's branch and reset the clone to it (c->tip). */
int ix_claim_sync_remote(ctx *c, ix_err *err);
/* Commit PATHS (none: what is committed already) and push; *REJECTED when
 * the remote moved meanwhile (the local commit is then left for the
 * caller's reset). */
int ix_claim_commit_push(ctx *c, const char *const *paths, size_t n, const char *msg,
                         int *rejected, ix_err *err);

/* ---- claimlease.c ---- */

/* T as "YYYY-MM-DDTHH:MM:SSZ". */
void ix_claim_utc_stamp(char out[32], time_t t);
/* claimed_at as written by ix_claim_utc_stamp; 0 for anything else. */
time_t ix_claim_parse_utc(const char *s);
/* Whether T's claim is live (claimed_at, claim_heartbeat or the holder's
 * pushed progress within LEASE seconds); RECENT: the subjects of the
 * commits within the lease. */
int ix_claim_live_claim(const ix_task *t, double lease, char **recent, size_t nrecent);
/* LEASE as written in infraexec.yaml: "30m", "2h", "90s". */
void ix_claim_lease_text(char out[32], double secs);

/* ---- claimedit.c: TEXT is the task file PATH's bytes, edited in place ---- */

int ix_claim_set_key(const char *path, ix_buf *text, const char *key, const char *value,
                     ix_err *err);
int ix_claim_remove_key(const char *path, ix_buf *text, const char *key, ix_err *err);
/* CHG applied to TEXT by ix_task_edit_text, whose result it returns; TEXT
 * is replaced only when that is 0 (the edit was made). */
int ix_claim_edit(const char *path, ix_buf *text, ix_task_change *chg, ix_err *err);
int ix_claim_add_log(const char *path, ix_buf *text, const char *stamp, const char *msg,
                     ix_err *err);
int ix_claim_read_text(const char *path, ix_buf *out, ix_err *err);
/* Who claimed the task file PATH (the caller frees), NULL when nobody or unreadable. */
char *ix_claim_claimed_by(const char *path);

#endif
