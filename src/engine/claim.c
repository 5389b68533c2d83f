/* claim.c - see include/infraexec/engine/claim.h
 *
 * Every operation follows one pattern: fetch, reset the local branch to the
 * remote, make the change on that state through the task model, commit it,
 * and push it as a compare-and-swap against the commit fetched.  A rejected
 * push means someone else pushed in between: the change is made again on
 * the new state.  The clone is the runner's own: tracked files' local
 * changes are lost to the reset. */
#include "infraexec/engine/claim.h"

#include "infraexec/base/buf.h"
#include "infraexec/base/clock.h"
#include "infraexec/model/config.h"
#include "infraexec/sys/fileio.h"
#include "infraexec/sys/git.h"
#include "infraexec/engine/queue.h"
#include "infraexec/model/task.h"
#include "infraexec/model/taskdir.h"
#include "infraexec/model/yamledit.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SYNC_INTERVAL 3.0 /* seconds between two pushes of a run's progress */
#define ATTEMPTS 100      /* rejected pushes before giving up */
#define RUNNER_MAX 128

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

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A pause before trying again, different per process, so that racing
 * runners do not collide in step forever. */
static void backoff(int attempt)
{
    long ms = 10 + (long)((unsigned)getpid() * 7919u % 40u) + 10L * (attempt < 10 ? attempt : 10);
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

/* Runner names land in YAML as plain scalars and in commit messages. */
static int runner_ok(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > RUNNER_MAX || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
                                  (s[0] >= '0' && s[0] <= '9')))
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:@/-") == n;
}

static char *runner_name(const ctx *c, const char *opt, ix_err *err)
{
    const char *env = getenv("INFRAEXEC_RUNNER");
    const char *cfg = ix_config_str(&c->cfg, "queue.runner");
    const char *name = opt ? opt : env && *env ? env : cfg;
    ix_buf b = IX_BUF_INIT;
    if (name) {
        ix_buf_puts(&b, name);
    } else {
        char host[256] = "localhost";
        gethostname(host, sizeof host - 1);
        host[sizeof host - 1] = '\0';
        ix_buf_printf(&b, "%s:%ld", host, (long)getpid());
    }
    if (!runner_ok(b.data)) {
        ix_err_set(err, "runner name '%.*s' (from %s): use letters, digits and ._:@/- only, "
                   "starting with a letter or digit, at most %d bytes", RUNNER_MAX, b.data,
                   opt ? "--runner" : env && *env ? "INFRAEXEC_RUNNER" : cfg ? "queue.runner"
                                                                              : "the hostname",
                   RUNNER_MAX);
        ix_buf_free(&b);
        return NULL;
    }
    return ix_buf_detach(&b);
}

static void ctx_close(ctx *c)
{
    ix_git_close(c->git);
    ix_config_free(&c->cfg);
    free(c->branch);
    free(c->runner);
    free(c->where);
}

/* WHERE: the tasks directory or a task file in it. */
static int ctx_open(ctx *c, const ix_claim_opts *o, const char *where, ix_err *err)
{
    memset(c, 0, sizeof *c);
    c->where = ix_xstrdup(where);
    char *ws = ix_taskdir_workspace(where);
    int rc = ix_config_load(o->config, ws, &c->cfg, err);
    free(ws);
    if (rc < 0 || !(c->runner = runner_name(c, o->runner, err)) ||
        ix_git_open(where, &c->git, err) < 0)
        goto fail;
    c->remote = ix_config_str(&c->cfg, "queue.remote");
    if (!c->remote)
        c->remote = "origin";
    const char *b = ix_config_str(&c->cfg, "queue.branch");
    if (b)
        c->branch = ix_xstrdup(b);
    else if (ix_git_branch(c->git, &c->branch, err) < 0)
        goto fail;
    c->lease = 1800;
    const char *lease = ix_config_str(&c->cfg, "queue.lease");
    if (lease)
        ix_config_duration(lease, &c->lease); /* validated when loaded */
    c->ident.name = ix_config_str(&c->cfg, "git.author_name");
    c->ident.email = ix_config_str(&c->cfg, "git.author_email");
    if (!c->ident.name || !c->ident.email) {
        c->ident.name = "infraexec";
        c->ident.email = "infraexec@localhost";
    }
    return 0;
fail:
    ctx_close(c);
    memset(c, 0, sizeof *c);
    return -1;
}

static int sync_remote(ctx *c, ix_err *err)
{
    if (ix_git_fetch(c->git, c->remote, c->branch, c->tip, err) < 0)
        return -1;
    return ix_git_reset_hard(c->git, c->tip, err);
}

/* Commit PATHS and push; *REJECTED when the remote moved meanwhile (the
 * local commit is then left for the caller's reset). */
static int commit_push(ctx *c, const char *const *paths, size_t n, const char *msg,
                       int *rejected, ix_err *err)
{
    char id[41];
    *rejected = 0;
    if (paths && ix_git_commit_paths(c->git, paths, n, msg, &c->ident, id, err) < 0)
        return -1;
    if (ix_git_push(c->git, c->remote, c->branch, c->tip, rejected, err) < 0)
        return -1;
    if (!*rejected && ix_git_head(c->git, c->tip, err) < 0)
        return -1;
    return 0;
}

/* ---- the claim in the frontmatter ---- */

static void utc_stamp(char out[32], time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* claimed_at as written by utc_stamp; 0 for anything else. */
static time_t parse_utc(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    char z = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 || z != 'Z')
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    return t < 0 ? 0 : t;
}

/* Set frontmatter KEY to VALUE in TEXT: in place when it is there (only its
 * bytes change), else as a new last line of the frontmatter. */
static int set_key(const char *path, ix_buf *text, const char *key, const char *value,
                   ix_err *err)
{
    ix_task *t;
    if (ix_task_parse(path, text->data, text->len, &t, err) < 0)
        return -1;
    const ix_fm_node *n = ix_fm_get(t->fm, key);
    if (n && n->kind != IX_FM_SCALAR) {
        ix_err_set(err, "%s:%d:%d: %s must be a plain value (infraexec writes it)", path,
                   n->key_line, n->key_col, key);
        ix_task_free(t);
        return -1;
    }
    ix_buf b = IX_BUF_INIT;
    ix_buf_append(&b, text->data, t->fm_start);
    int rc = 0;
    if (n)
        rc = ix_yaml_set(text->data + t->fm_start, t->fm_close - t->fm_start, 0, key, value, &b,
                         err);
    else
        ix_buf_printf(&b, "%.*s%s: %s%s", (int)(t->fm_close - t->fm_start),
                      text->data + t->fm_start, key, value, t->eol);
    ix_buf_append(&b, text->data + t->fm_close, text->len - t->fm_close);
    ix_task_free(t);
    if (rc < 0) {
        ix_buf_free(&b);
        return -1;
    }
    ix_buf_free(text);
    *text = b;
    return 0;
}

/* Remove every one-line KEY: VALUE of the frontmatter (a repeated key too). */
static int remove_key(const char *path, ix_buf *text, const char *key, ix_err *err)
{
    for (;;) {
        ix_task *t;
        if (ix_task_parse(path, text->data, text->len, &t, err) < 0)
            return -1;
        const ix_fm_node *n = ix_fm_get(t->fm, key);
        if (!n) {
            ix_task_free(t);
            return 0;
        }
        if (n->kind != IX_FM_SCALAR || n->line != n->key_line) {
            ix_err_set(err, "%s:%d:%d: %s is not a one-line value; remove it by hand", path,
                       n->key_line, n->key_col, key);
            ix_task_free(t);
            return -1;
        }
        size_t from = ix_lines_start(&t->lines, (size_t)n->key_line);
        size_t to = ix_lines_next(&t->lines, (size_t)n->line);
        ix_buf b = IX_BUF_INIT;
        ix_buf_append(&b, text->data, from);
        ix_buf_append(&b, text->data + to, text->len - to);
        ix_task_free(t);
        ix_buf_free(text);
        *text = b;
    }
}

/* One Progress Log entry (and updated:) through the task model. */
static int add_log(const char *path, ix_buf *text, const char *stamp, const char *msg,
                   ix_err *err)
{
    ix_task_change chg = {.message = msg, .stamp = stamp};
    ix_buf out = IX_BUF_INIT;
    int rc = ix_task_edit_text(path, text->data, text->len, &chg, &out, err);
    if (rc == 0) {
        ix_buf_free(text);
        *text = out;
    } else {
        ix_buf_free(&out);
    }
    return rc < 0 ? -1 : 0;
}

static int read_text(const char *path, ix_buf *out, ix_err *err)
{
    out->len = 0;
    if (ix_file_read(path, IX_TASK_MAX_SIZE, out, err) < 0)
        return -1;
    if (!out->data)
        ix_buf_puts(out, "");
    return 0;
}

static int in_list(char **v, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

/* Whether the stamp STAMP (claimed_at, claim_heartbeat) is within the
 * lease; one in the future is not: a task file cannot hold the queue
 * forever. */
static int fresh(const char *stamp, double lease, time_t now)
{
    time_t at = parse_utc(stamp);
    return at && at <= now + 60 && difftime(now, at) <= lease; /* whole seconds: never early */
}

/* A claim is live while its claimed_at or the holder's last heartbeat
 * (claim_heartbeat, pushed while a long command runs) is younger than the
 * lease, or while the holder's commits within the lease show progress
 * pushed.  RECENT: the subjects of those commits. */
static int live_claim(const ix_task *t, double lease, char **recent, size_t nrecent)
{
    const char *by = ix_fm_str(t->fm, "claimed_by");
    if (!by || !*by)
        return 0;
    time_t now = time(NULL);
    if (fresh(ix_fm_str(t->fm, "claimed_at"), lease, now) ||
        fresh(ix_fm_str(t->fm, "claim_heartbeat"), lease, now))
        return 1;
    int live = 0;
    for (int k = 0; k < 2 && !live && t->id; k++) {
        ix_buf want = IX_BUF_INIT;
        ix_buf_printf(&want, "%s: %s by %s", t->id, k ? "progress" : "claimed", by);
        live = in_list(recent, nrecent, want.data);
        ix_buf_free(&want);
    }
    return live;
}

static void lease_text(char out[32], double secs)
{
    if (secs >= 3600 && (long long)secs % 3600 == 0)
        snprintf(out, 32, "%lldh", (long long)secs / 3600);
    else if (secs >= 60 && (long long)secs % 60 == 0)
        snprintf(out, 32, "%lldm", (long long)secs / 60);
    else
        snprintf(out, 32, "%gs", secs);
}

/* ---- claim ---- */

/* The first ready task of the queue (queue.h) without a live claim; a
 * claimed task stays in the queue, so its dependants still wait for it.
 * *PATH is the chosen task's path, NULL when none is free. */
static int next_unclaimed(const ctx *c, const char *tasks, char **path, ix_err *err)
{
    *path = NULL;
    char **recent = NULL;
    size_t nrecent = 0;
    if (ix_git_recent_subjects(c->git, c->tip, (long long)time(NULL) - (long long)c->lease, &recent,
                               &nrecent, err) < 0)
        return -1;
    ix_queue *q;
    if (ix_queue_build(tasks, &q, err) < 0) {
        ix_git_free_paths(recent, nrecent);
        return -1;
    }
    for (size_t i = 0; i < q->n && !*path; i++) {
        const ix_qtask *e = &q->t[i];
        if (e->state == IX_Q_READY && !e->done && !live_claim(e->task, c->lease, recent, nrecent))
            *path = ix_xstrdup(e->task->path);
    }
    ix_queue_free(q);
    ix_git_free_paths(recent, nrecent);
    return 0;
}

int ix_claim_take(const ix_claim_opts *o, char **id, char **path, char **taken_from,
                  ix_err *err)
{
    *id = *path = *taken_from = NULL;
    char *tasks;
    if (ix_taskdir_find(o->tasks_dir, &tasks, err) < 0)
        return -1;
    ctx c;
    if (ctx_open(&c, o, tasks, err) < 0) {
        free(tasks);
        return -1;
    }
    int rc = -1;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        char *p = NULL;
        if (sync_remote(&c, err) < 0 || next_unclaimed(&c, tasks, &p, err) < 0)
            break;
        if (!p) {
            rc = 1;
            break;
        }
        ix_buf text = IX_BUF_INIT, msg = IX_BUF_INIT;
        ix_task *t = NULL;
        ix_now now;
        char at[32], lease[32];
        utc_stamp(at, time(NULL));
        lease_text(lease, c.lease);
        int step = read_text(p, &text, err) < 0 || ix_task_load(p, &t, err) < 0 ||
                           ix_task_check_id(t, err) < 0 || ix_clock_now(&now, err) < 0 ? -1 : 0;
        const char *prev = step == 0 ? ix_fm_str(t->fm, "claimed_by") : NULL;
        if (prev && !*prev)
            prev = NULL;
        if (prev) {
            ix_buf_printf(&msg, "Claim of %s (claimed_at %s) taken over by %s: no progress "
                          "pushed within the lease (%s)", prev,
                          ix_fm_str(t->fm, "claimed_at") ? ix_fm_str(t->fm, "claimed_at") : "?",
                          c.runner, lease);
            if (add_log(p, &text, now.stamp, msg.data, err) < 0)
                step = -1;
        }
        if (step == 0 && (set_key(p, &text, "claimed_by", c.runner, err) < 0 ||
                          set_key(p, &text, "claimed_at", at, err) < 0 ||
                          remove_key(p, &text, "claim_heartbeat", err) < 0 ||
                          ix_file_write(p, text.data, text.len, err) < 0))
            step = -1;
        int rejected = 0;
        if (step == 0) {
            msg.len = 0;
            ix_buf_printf(&msg, "%s: claimed by %s", t->id, c.runner);
            const char *paths[] = {p};
            step = commit_push(&c, paths, 1, msg.data, &rejected, err);
        }
        if (step == 0 && !rejected) {
            *id = ix_xstrdup(t->id);
            *path = p;
            *taken_from = prev ? ix_xstrdup(prev) : NULL;
            p = NULL;
            rc = 0;
        }
        ix_task_free(t);
        ix_buf_free(&text);
        ix_buf_free(&msg);
        free(p);
        if (step < 0 || rc == 0)
            break;
        backoff(attempt);
        if (attempt == ATTEMPTS - 1)
            ix_err_set(err, "%s: %d pushes rejected in a row; giving up", tasks, ATTEMPTS);
    }
    ctx_close(&c);
    free(tasks);
    return rc;
}

/* ---- release ---- */

int ix_claim_release(const ix_claim_opts *o, const char *arg, ix_err *err)
{
    char *path;
    if (ix_taskdir_resolve(o->tasks_dir, arg, &path, err) < 0)
        return -1;
    ctx c;
    if (ctx_open(&c, o, path, err) < 0) {
        free(path);
        return -1;
    }
    int rc = -1;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        ix_buf text = IX_BUF_INIT, msg = IX_BUF_INIT;
        ix_task *t = NULL;
        char **recent = NULL;
        size_t nrecent = 0;
        ix_now now;
        int rejected = 0, step = -1;
        if (sync_remote(&c, err) < 0 || ix_clock_now(&now, err) < 0 ||
            read_text(path, &text, err) < 0 || ix_task_parse(path, text.data, text.len, &t, err) < 0 ||
            ix_git_recent_subjects(c.git, c.tip, (long long)time(NULL) - (long long)c.lease, &recent,
                                &nrecent, err) < 0) {
            /* step stays -1 */
        } else if (!ix_fm_str(t->fm, "claimed_by") || !*ix_fm_str(t->fm, "claimed_by")) {
            ix_err_set(err, "%s: not claimed (no claimed_by:); nothing to release", path);
        } else if (strcmp(ix_fm_str(t->fm, "claimed_by"), c.runner) != 0 &&
                   live_claim(t, c.lease, recent, nrecent)) {
            ix_err_set(err, "%s: claimed by %s, not by %s, and the claim is live; not released",
                       path, ix_fm_str(t->fm, "claimed_by"), c.runner);
        } else {
            ix_buf_printf(&msg, "Claim of %s released by %s", ix_fm_str(t->fm, "claimed_by"),
                          c.runner);
            step = remove_key(path, &text, "claimed_by", err) < 0 ||
                           remove_key(path, &text, "claimed_at", err) < 0 ||
                           remove_key(path, &text, "claim_heartbeat", err) < 0 ||
                           add_log(path, &text, now.stamp, msg.data, err) < 0 ||
                           ix_file_write(path, text.data, text.len, err) < 0 ? -1 : 0;
            if (step == 0) {
                msg.len = 0;
                ix_buf_printf(&msg, "%s: released by %s", t->id ? t->id : path, c.runner);
                const char *paths[] = {path};
                step = commit_push(&c, paths, 1, msg.data, &rejected, err);
            }
        }
        ix_git_free_paths(recent, nrecent);
        ix_task_free(t);
        ix_buf_free(&text);
        ix_buf_free(&msg);
        if (step < 0)
            break;
        if (!rejected) {
            rc = 0;
            break;
        }
        backoff(attempt);
    }
    ctx_close(&c);
    free(path);
    return rc;
}

/* ---- archive ---- */

static char *claimed_by(const char *path)
{
    ix_task *t;
    ix_err err;
    if (ix_task_load_frontmatter(path, &t, &err) < 0)
        return NULL;
    const char *by = ix_fm_str(t->fm, "claimed_by");
    char *copy = by && *by ? ix_xstrdup(by) : NULL;
    ix_task_free(t);
    return copy;
}

int ix_claim_archive(const ix_claim_opts *o, const char *dir, const char *path, int force,
                     char **dest, char **commit, ix_err *err)
{
    char *by = claimed_by(path);
    if (!by)
        return ix_queue_archive(dir, path, force, dest, commit, err);
    ctx c;
    if (ctx_open(&c, o, path, err) < 0) {
        free(by);
        return -1;
    }
    /* Someone else's claim (a person archiving in their clone): committed
     * here only, as without a queue; their clone is not reset. */
    if (strcmp(by, c.runner) != 0) {
        free(by);
        ctx_close(&c);
        return ix_queue_archive(dir, path, force, dest, commit, err);
    }
    free(by);
    /* The remote as it is now; the local branch is not reset (it may hold
     * this runner's progress) unless the push is refused. */
    int rc = ix_git_fetch(c.git, c.remote, c.branch, c.tip, err);
    for (int attempt = 0; rc == 0; attempt++) {
        int rejected = 0;
        if (ix_queue_archive(dir, path, force, dest, commit, err) < 0 ||
            commit_push(&c, NULL, 0, NULL, &rejected, err) < 0) {
            rc = -1;
            break;
        }
        if (!rejected)
            break;
        free(*dest);
        free(*commit);
        *dest = *commit = NULL;
        if (attempt == ATTEMPTS || sync_remote(&c, err) < 0) {
            rc = attempt == ATTEMPTS
                     ? ix_err_set(err, "%s: %d pushes rejected in a row; giving up", path, ATTEMPTS)
                     : -1;
            break;
        }
        if (access(path, F_OK) < 0) {
            rc = ix_err_set(err, "%s: not on %s/%s any more (archived or moved by someone "
                            "else)", path, c.remote, c.branch);
            break;
        }
        backoff(attempt);
    }
    ctx_close(&c);
    return rc;
}

/* ---- run: a claimed task's progress goes to the remote ---- */

typedef struct syncer {
    ctx *c;
    const char *path;
    const char *id;
    ix_buf base;       /* the task file as it is on the remote */
    double last;       /* when progress was last pushed (monotonic), 0 = never */
    time_t alive;      /* when the remote last had a sign of this run: claim, heartbeat, progress */
    double every;      /* seconds between heartbeats: a third of the lease */
} syncer;

/* Carry our edits (BASE -> OURS: ticks, appended Progress Log entries and
 * a new heartbeat) onto THEIRS, the remote's version, through the task
 * model; a criterion whose text changed there is not ticked, and the
 * heartbeat is carried only while THEIRS is still claimed by RUNNER. */
static int reapply(const char *path, const ix_buf *base, const ix_buf *ours, ix_buf *theirs,
                   const char *runner, ix_err *err)
{
    ix_task *b = NULL, *o = NULL;
    if (ix_task_parse(path, base->data, base->len, &b, err) < 0 ||
        ix_task_parse(path, ours->data, ours->len, &o, err) < 0) {
        ix_task_free(b);
        return -1;
    }
    ix_now now;
    int rc = ix_clock_now(&now, err);
    for (size_t i = 0; rc == 0 && i < o->ncriteria; i++) {
        const ix_criterion *oc = &o->criteria[i], *bc = ix_task_criterion(b, oc->index);
        if (!oc->checked || (bc && bc->checked && strcmp(bc->text, oc->text) == 0))
            continue;
        ix_task *t;
        if ((rc = ix_task_parse(path, theirs->data, theirs->len, &t, err)) < 0)
            break;
        const ix_criterion *tc = ix_task_criterion(t, oc->index);
        for (size_t k = 0; (!tc || strcmp(tc->text, oc->text) != 0) && k < t->ncriteria; k++)
            tc = &t->criteria[k];
        int index = tc && strcmp(tc->text, oc->text) == 0 && !tc->checked ? tc->index : 0;
        ix_task_free(t);
        if (!index)
            continue;
        ix_task_change chg = {.ticks = &index, .nticks = 1, .expect_text = oc->text,
                              .stamp = now.stamp};
        ix_buf out = IX_BUF_INIT;
        int r = ix_task_edit_text(path, theirs->data, theirs->len, &chg, &out, err);
        if (r == 0) {
            ix_buf_free(theirs);
            *theirs = out;
        } else {
            ix_buf_free(&out);
            rc = r < 0 ? -1 : 0;
        }
    }
    for (size_t i = b->nlog; rc == 0 && i < o->nlog; i++) {
        const char *text = o->log[i].text;
        text += strspn(text, " ");
        rc = add_log(path, theirs, o->log[i].stamp, text, err);
    }
    const char *beat = ix_fm_str(o->fm, "claim_heartbeat"), *was = ix_fm_str(b->fm, "claim_heartbeat");
    char *holder = NULL;
    if (rc == 0 && beat && (!was || strcmp(beat, was) != 0)) {
        ix_task *t;
        if ((rc = ix_task_parse(path, theirs->data, theirs->len, &t, err)) == 0) {
            const char *by = ix_fm_str(t->fm, "claimed_by");
            holder = by ? ix_xstrdup(by) : NULL;
            ix_task_free(t);
        }
    }
    if (rc == 0 && holder && strcmp(holder, runner) == 0)
        rc = set_key(path, theirs, "claim_heartbeat", beat, err);
    free(holder);
    ix_task_free(b);
    ix_task_free(o);
    return rc;
}

static int sync_progress(void *vs, int final, ix_err *err)
{
    syncer *s = vs;
    if (!final && s->last && mono() - s->last < SYNC_INTERVAL)
        return 0;
    ix_buf ours = IX_BUF_INIT, msg = IX_BUF_INIT;
    int rc = read_text(s->path, &ours, err);
    ix_buf_printf(&msg, "%s: progress by %s", s->id, s->c->runner);
    for (int attempt = 0; rc == 0; attempt++) {
        if (ours.len == s->base.len && memcmp(ours.data, s->base.data, ours.len) == 0)
            break;
        int rejected = 0;
        const char *paths[] = {s->path};
        if ((rc = commit_push(s->c, paths, 1, msg.data, &rejected, err)) < 0)
            break;
        if (!rejected) {
            ix_buf_free(&s->base);
            s->base = ours;
            ours = (ix_buf)IX_BUF_INIT;
            s->last = mono();
            s->alive = time(NULL);
            break;
        }
        ix_buf theirs = IX_BUF_INIT;
        if (attempt == ATTEMPTS) {
            rc = ix_err_set(err, "%s: %d pushes rejected in a row; progress not pushed", s->path,
                            ATTEMPTS);
        } else if ((rc = sync_remote(s->c, err)) == 0 && access(s->path, F_OK) < 0) {
            rc = ix_err_set(err, "%s: gone from %s/%s (archived or moved by someone else); "
                            "progress not pushed", s->path, s->c->remote, s->c->branch);
        } else if (rc == 0 && (rc = read_text(s->path, &theirs, err)) == 0 &&
                   (rc = reapply(s->path, &s->base, &ours, &theirs, s->c->runner, err)) == 0) {
            ix_buf_free(&s->base);
            read_text(s->path, &s->base, err);
            rc = ix_file_write(s->path, theirs.data, theirs.len, err);
            ix_buf_free(&ours);
            ours = theirs;
            theirs = (ix_buf)IX_BUF_INIT;
            backoff(attempt);
        }
        ix_buf_free(&theirs);
    }
    ix_buf_free(&ours);
    ix_buf_free(&msg);
    return rc;
}

/* run.h's heartbeat, called often while a command of the run works: at
 * most every third of the lease, claim_heartbeat: (added byte-preservingly
 * like updated:) is set to now and pushed with any pending progress, so a
 * long command that ticks nothing does not look like a dead runner to the
 * others (live_claim).  Only while the file is still claimed by this runner;
 * a failed beat is tried again a third of the lease later. */
static int heartbeat(void *vs, ix_err *err)
{
    syncer *s = vs;
    time_t now = time(NULL);
    if (difftime(now, s->alive) < s->every)
        return 0;
    s->alive = now;
    ix_buf text = IX_BUF_INIT;
    ix_task *t = NULL;
    int rc = read_text(s->path, &text, err);
    if (rc == 0)
        rc = ix_task_parse(s->path, text.data, text.len, &t, err);
    const char *by = t ? ix_fm_str(t->fm, "claimed_by") : NULL;
    int ours = by && strcmp(by, s->c->runner) == 0;
    ix_task_free(t);
    char at[32];
    utc_stamp(at, now);
    if (rc == 0 && ours && (rc = set_key(s->path, &text, "claim_heartbeat", at, err)) == 0)
        rc = ix_file_write(s->path, text.data, text.len, err);
    ix_buf_free(&text);
    return rc < 0 ? -1 : ours ? sync_progress(s, 1, err) : 0;
}

/* Whether the config of PATH's workspace has a queue: the remote then
 * decides who may run a task, whatever this clone's file says. */
static int has_queue(const ix_claim_opts *o, const char *path)
{
    ix_config cfg;
    ix_err err;
    char *ws = ix_taskdir_workspace(path);
    int yes = ix_config_load(o->config, ws, &cfg, &err) == 0 && cfg.root &&
              ix_fm_get(cfg.root, "queue");
    ix_config_free(&cfg); /* zeroed after a failed load: freeing it is a no-op */
    free(ws);
    return yes;
}

/* PATH relative to the work tree, or NULL when it is not inside it. */
static char *rel_path(const ctx *c, const char *path)
{
    char real[PATH_MAX];
    const char *wd = ix_git_workdir(c->git);
    size_t n = strlen(wd);
    if (!realpath(path, real) || strncmp(real, wd, n) != 0 || real[n] != '/')
        return NULL;
    return ix_xstrdup(real + n + 1);
}

int ix_claim_run(const ix_claim_opts *o, const char *arg, const ix_run_opts *ro,
                 ix_report *rep, int *exit_code, ix_err *err)
{
    char *path = NULL, *by = NULL;
    if (ro->dry_run || ro->verify || ix_taskdir_resolve(ro->tasks_dir, arg, &path, err) < 0 ||
        (!(by = claimed_by(path)) && !has_queue(o, path))) {
        free(path);
        return ix_run_task(arg, ro, rep, exit_code, err);
    }
    free(by);
    memset(rep, 0, sizeof *rep);
    ctx c;
    if (ctx_open(&c, o, path, err) < 0) {
        free(path);
        return -1;
    }
    /* The claim as the remote has it (this clone may be behind).  The work
     * tree is reset only for this runner's own claim: a person's clone
     * keeps its edits. */
    ix_task *t = NULL;
    ix_buf remote = IX_BUF_INIT;
    char **recent = NULL, *rel = rel_path(&c, path);
    size_t nrecent = 0;
    int missing = 1;
    int rc = rel ? ix_git_fetch(c.git, c.remote, c.branch, c.tip, err)
                 : ix_err_set(err, "%s: not inside the repository %s", path, ix_git_workdir(c.git));
    if (rc == 0)
        rc = ix_git_show(c.git, c.tip, rel, &remote, &missing, err);
    if (rc == 0 && !missing)
        rc = ix_task_parse(path, remote.data ? remote.data : "", remote.len, &t, err);
    if (rc == 0)
        rc = ix_git_recent_subjects(c.git, c.tip, (long long)time(NULL) - (long long)c.lease,
                                    &recent, &nrecent, err);
    const char *holder = t ? ix_fm_str(t->fm, "claimed_by") : NULL;
    int ours = holder && strcmp(holder, c.runner) == 0;
    if (rc == 0 && holder && *holder && !ours && live_claim(t, c.lease, recent, nrecent))
        rc = ix_err_set(err, "%s: claimed by %s on %s/%s (claimed_at %s), not by %s; not run "
                        "(wait for the lease, or `infraexec release` it)", path, holder, c.remote,
                        c.branch, ix_fm_str(t->fm, "claimed_at") ? ix_fm_str(t->fm, "claimed_at")
                                                                 : "?", c.runner);
    syncer s = {.c = &c, .path = path, .id = t && t->id ? t->id : "task",
                .every = c.lease / 3 < 1 ? 1 : c.lease / 3};
    if (t) {
        time_t at = parse_utc(ix_fm_str(t->fm, "claimed_at")),
               beat = parse_utc(ix_fm_str(t->fm, "claim_heartbeat"));
        s.alive = at > beat ? at : beat;
    }
    ix_run_opts run = *ro;
    if (rc == 0 && ours && (rc = ix_git_reset_hard(c.git, c.tip, err)) == 0 &&
        (rc = read_text(path, &s.base, err)) == 0) {
        run.sync = sync_progress;
        run.heartbeat = heartbeat;
        run.sync_ctx = &s;
    }
    if (rc == 0)
        rc = ix_run_task(path, &run, rep, exit_code, err);
    ix_buf_free(&s.base);
    ix_git_free_paths(recent, nrecent);
    ix_task_free(t);
    ix_buf_free(&remote);
    free(rel);
    ctx_close(&c);
    free(path);
    return rc;
}

/* ---- work ---- */

static void emit(int fd, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (fd < 0 || !s) {
        free(s);
        return;
    }
    size_t len = strlen(s);
    s[len] = '\n'; /* replaces the NUL: written with its length */
    for (size_t off = 0; off <= len;) {
        ssize_t n = write(fd, s + off, len + 1 - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    free(s);
}

int ix_claim_work(const ix_claim_opts *o, const ix_run_opts *ro, int max, int events_fd,
                  int *exit_code, ix_err *err)
{
    *exit_code = 0;
    char *dir;
    if (ix_taskdir_find(o->tasks_dir, &dir, err) < 0)
        return -1;
    int rc = 0;
    for (int done = 0; rc == 0 && *exit_code == 0 && (!max || done < max); done++) {
        char *id, *path, *from, *dest = NULL, *commit = NULL;
        int r = ix_claim_take(o, &id, &path, &from, err);
        if (r != 0) {
            rc = r < 0 ? -1 : 0;
            break;
        }
        ix_run_opts run = *ro;
        run.events_fd = -1; /* --events here: one line per task */
        run.verify = 0;
        ix_report rep;
        int code = 0, vcode = -1;
        const char *step = "run";
        rc = ix_claim_run(o, path, &run, &rep, &code, err);
        ix_report_free(&rep);
        if (rc == 0 && code == 0) {
            step = "verify";
            run.verify = 1;
            rc = ix_run_task(path, &run, &rep, &vcode, err);
            ix_report_free(&rep);
            code = vcode;
        }
        if (rc == 0 && code == 0) {
            step = "archive";
            rc = ix_claim_archive(o, dir, path, 0, &dest, &commit, err);
        }
        if (rc == 0)
            *exit_code = code;
        emit(events_fd, json_pack("{s:s, s:s, s:s?, s:s, s:i, s:s?, s:s?, s:s?}", "id", id,
                                  "path", path, "taken_over_from", from, "step", step,
                                  "exit_code", rc < 0 ? 2 : code, "archived", dest,
                                  "commit", commit, "error", rc < 0 ? err->msg : NULL));
        if (rc == 0 && code == 0)
            printf("%s: archived to %s\n", id, dest);
        else if (rc == 0)
            printf("%s: %s exited %d; stopping (the claim stays until its lease ends)\n", id,
                   step, code);
        fflush(stdout);
        free(id);
        free(path);
        free(from);
        free(dest);
        free(commit);
    }
    free(dir);
    return rc;
}
