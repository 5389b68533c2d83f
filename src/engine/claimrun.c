/* claimrun.c - ix_claim_run (include/infraexec/engine/claim.h): a claimed
 * task's run, its progress and heartbeat pushed to the remote as it goes. */
#include "claim_internal.h"

#include "infraexec/base/clock.h"
#include "infraexec/model/taskdir.h"
#include "infraexec/sys/fileio.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SYNC_INTERVAL 3.0 /* seconds between two pushes of a run's progress */

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
        int r = ix_claim_edit(path, theirs, &chg, err);
        if (r != 0)
            rc = r < 0 ? -1 : 0;
    }
    for (size_t i = b->nlog; rc == 0 && i < o->nlog; i++) {
        const char *text = o->log[i].text;
        text += strspn(text, " ");
        rc = ix_claim_add_log(path, theirs, o->log[i].stamp, text, err);
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
        rc = ix_claim_set_key(path, theirs, "claim_heartbeat", beat, err);
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
    int rc = ix_claim_read_text(s->path, &ours, err);
    ix_buf_printf(&msg, "%s: progress by %s", s->id, s->c->runner);
    for (int attempt = 0; rc == 0; attempt++) {
        if (ours.len == s->base.len && memcmp(ours.data, s->base.data, ours.len) == 0)
            break;
        int rejected = 0;
        const char *paths[] = {s->path};
        if ((rc = ix_claim_commit_push(s->c, paths, 1, msg.data, &rejected, err)) < 0)
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
        } else if ((rc = ix_claim_sync_remote(s->c, err)) == 0 && access(s->path, F_OK) < 0) {
            rc = ix_err_set(err, "%s: gone from %s/%s (archived or moved by someone else); "
                            "progress not pushed", s->path, s->c->remote, s->c->branch);
        } else if (rc == 0 && (rc = ix_claim_read_text(s->path, &theirs, err)) == 0 &&
                   (rc = reapply(s->path, &s->base, &ours, &theirs, s->c->runner, err)) == 0) {
            ix_buf_free(&s->base);
            ix_claim_read_text(s->path, &s->base, err);
            rc = ix_file_write(s->path, theirs.data, theirs.len, err);
            ix_buf_free(&ours);
            ours = theirs;
            theirs = (ix_buf)IX_BUF_INIT;
            ix_claim_backoff(attempt);
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
 * others (ix_claim_live_claim).  Only while the file is still claimed by
 * this runner; a failed beat is tried again a third of the lease later. */
static int heartbeat(void *vs, ix_err *err)
{
    syncer *s = vs;
    time_t now = time(NULL);
    if (difftime(now, s->alive) < s->every)
        return 0;
    s->alive = now;
    ix_buf text = IX_BUF_INIT;
    ix_task *t = NULL;
    int rc = ix_claim_read_text(s->path, &text, err);
    if (rc == 0)
        rc = ix_task_parse(s->path, text.data, text.len, &t, err);
    const char *by = t ? ix_fm_str(t->fm, "claimed_by") : NULL;
    int ours = by && strcmp(by, s->c->runner) == 0;
    ix_task_free(t);
    char at[32];
    ix_claim_utc_stamp(at, now);
    if (rc == 0 && ours && (rc = ix_claim_set_key(s->path, &text, "claim_heartbeat", at, err)) == 0)
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
        (!(by = ix_claim_claimed_by(path)) && !has_queue(o, path))) {
        free(path);
        return ix_run_task(arg, ro, rep, exit_code, err);
    }
    free(by);
    memset(rep, 0, sizeof *rep);
    ctx c;
    if (ix_claim_ctx_open(&c, o, path, err) < 0) {
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
    if (rc == 0 && holder && *holder && !ours && ix_claim_live_claim(t, c.lease, recent, nrecent))
        rc = ix_err_set(err, "%s: claimed by %s on %s/%s (claimed_at %s), not by %s; not run "
                        "(wait for the lease, or `infraexec release` it)", path, holder, c.remote,
                        c.branch, ix_fm_str(t->fm, "claimed_at") ? ix_fm_str(t->fm, "claimed_at")
                                                                 : "?", c.runner);
    syncer s = {.c = &c, .path = path, .id = t && t->id ? t->id : "task",
                .every = c.lease / 3 < 1 ? 1 : c.lease / 3};
    if (t) {
        time_t at = ix_claim_parse_utc(ix_fm_str(t->fm, "claimed_at")),
               beat = ix_claim_parse_utc(ix_fm_str(t->fm, "claim_heartbeat"));
        s.alive = at > beat ? at : beat;
    }
    ix_run_opts run = *ro;
    if (rc == 0 && ours && (rc = ix_git_reset_hard(c.git, c.tip, err)) == 0 &&
        (rc = ix_claim_read_text(path, &s.base, err)) == 0) {
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
    ix_claim_ctx_close(&c);
    free(path);
    return rc;
}
