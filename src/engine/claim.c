/* claim.c - see include/infraexec/engine/claim.h
 *
 * Every operation follows one pattern: fetch, reset the local branch to the
 * remote, make the change on that state through the task model, commit it,
 * and push it as a compare-and-swap against the commit fetched.  A rejected
 * push means someone else pushed in between: the change is made again on
 * the new state.  The clone is the runner's own: tracked files' local
 * changes are lost to the reset. */
#include "infraexec/engine/claim.h"

#include "claim_internal.h"

#include "infraexec/base/clock.h"
#include "infraexec/engine/queue.h"
#include "infraexec/model/taskdir.h"
#include "infraexec/sys/fileio.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
        if (e->state == IX_Q_READY && !e->done && !ix_claim_live_claim(e->task, c->lease, recent, nrecent))
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
    if (ix_claim_ctx_open(&c, o, tasks, err) < 0) {
        free(tasks);
        return -1;
    }
    int rc = -1;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        char *p = NULL;
        if (ix_claim_sync_remote(&c, err) < 0 || next_unclaimed(&c, tasks, &p, err) < 0)
            break;
        if (!p) {
            rc = 1;
            break;
        }
        ix_buf text = IX_BUF_INIT, msg = IX_BUF_INIT;
        ix_task *t = NULL;
        ix_now now;
        char at[32], lease[32];
        ix_claim_utc_stamp(at, time(NULL));
        ix_claim_lease_text(lease, c.lease);
        int step = ix_claim_read_text(p, &text, err) < 0 || ix_task_load(p, &t, err) < 0 ||
                           ix_task_check_id(t, err) < 0 || ix_clock_now(&now, err) < 0 ? -1 : 0;
        const char *prev = step == 0 ? ix_fm_str(t->fm, "claimed_by") : NULL;
        if (prev && !*prev)
            prev = NULL;
        if (prev) {
            ix_buf_printf(&msg, "Claim of %s (claimed_at %s) taken over by %s: no progress "
                          "pushed within the lease (%s)", prev,
                          ix_fm_str(t->fm, "claimed_at") ? ix_fm_str(t->fm, "claimed_at") : "?",
                          c.runner, lease);
            if (ix_claim_add_log(p, &text, now.stamp, msg.data, err) < 0)
                step = -1;
        }
        if (step == 0 && (ix_claim_set_key(p, &text, "claimed_by", c.runner, err) < 0 ||
                          ix_claim_set_key(p, &text, "claimed_at", at, err) < 0 ||
                          ix_claim_remove_key(p, &text, "claim_heartbeat", err) < 0 ||
                          ix_file_write(p, text.data, text.len, err) < 0))
            step = -1;
        int rejected = 0;
        if (step == 0) {
            msg.len = 0;
            ix_buf_printf(&msg, "%s: claimed by %s", t->id, c.runner);
            const char *paths[] = {p};
            step = ix_claim_commit_push(&c, paths, 1, msg.data, &rejected, err);
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
        ix_claim_backoff(attempt);
        if (attempt == ATTEMPTS - 1)
            ix_err_set(err, "%s: %d pushes rejected in a row; giving up", tasks, ATTEMPTS);
    }
    ix_claim_ctx_close(&c);
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
    if (ix_claim_ctx_open(&c, o, path, err) < 0) {
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
        if (ix_claim_sync_remote(&c, err) < 0 || ix_clock_now(&now, err) < 0 ||
            ix_claim_read_text(path, &text, err) < 0 || ix_task_parse(path, text.data, text.len, &t, err) < 0 ||
            ix_git_recent_subjects(c.git, c.tip, (long long)time(NULL) - (long long)c.lease, &recent,
                                &nrecent, err) < 0) {
            /* step stays -1 */
        } else if (!ix_fm_str(t->fm, "claimed_by") || !*ix_fm_str(t->fm, "claimed_by")) {
            ix_err_set(err, "%s: not claimed (no claimed_by:); nothing to release", path);
        } else if (strcmp(ix_fm_str(t->fm, "claimed_by"), c.runner) != 0 &&
                   ix_claim_live_claim(t, c.lease, recent, nrecent)) {
            ix_err_set(err, "%s: claimed by %s, not by %s, and the claim is live; not released",
                       path, ix_fm_str(t->fm, "claimed_by"), c.runner);
        } else {
            ix_buf_printf(&msg, "Claim of %s released by %s", ix_fm_str(t->fm, "claimed_by"),
                          c.runner);
            step = ix_claim_remove_key(path, &text, "claimed_by", err) < 0 ||
                           ix_claim_remove_key(path, &text, "claimed_at", err) < 0 ||
                           ix_claim_remove_key(path, &text, "claim_heartbeat", err) < 0 ||
                           ix_claim_add_log(path, &text, now.stamp, msg.data, err) < 0 ||
                           ix_file_write(path, text.data, text.len, err) < 0 ? -1 : 0;
            if (step == 0) {
                msg.len = 0;
                ix_buf_printf(&msg, "%s: released by %s", t->id ? t->id : path, c.runner);
                const char *paths[] = {path};
                step = ix_claim_commit_push(&c, paths, 1, msg.data, &rejected, err);
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
        ix_claim_backoff(attempt);
    }
    ix_claim_ctx_close(&c);
    free(path);
    return rc;
}

/* ---- archive ---- */

int ix_claim_archive(const ix_claim_opts *o, const char *dir, const char *path, int force,
                     char **dest, char **commit, ix_err *err)
{
    char *by = ix_claim_claimed_by(path);
    if (!by)
        return ix_queue_archive(dir, path, force, dest, commit, err);
    ctx c;
    if (ix_claim_ctx_open(&c, o, path, err) < 0) {
        free(by);
        return -1;
    }
    /* Someone else's claim (a person archiving in their clone): committed
     * here only, as without a queue; their clone is not reset. */
    if (strcmp(by, c.runner) != 0) {
        free(by);
        ix_claim_ctx_close(&c);
        return ix_queue_archive(dir, path, force, dest, commit, err);
    }
    free(by);
    /* The remote as it is now; the local branch is not reset (it may hold
     * this runner's progress) unless the push is refused. */
    int rc = ix_git_fetch(c.git, c.remote, c.branch, c.tip, err);
    for (int attempt = 0; rc == 0; attempt++) {
        int rejected = 0;
        if (ix_queue_archive(dir, path, force, dest, commit, err) < 0 ||
            ix_claim_commit_push(&c, NULL, 0, NULL, &rejected, err) < 0) {
            rc = -1;
            break;
        }
        if (!rejected)
            break;
        free(*dest);
        free(*commit);
        *dest = *commit = NULL;
        if (attempt == ATTEMPTS || ix_claim_sync_remote(&c, err) < 0) {
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
        ix_claim_backoff(attempt);
    }
    ix_claim_ctx_close(&c);
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
