/* queue.c - see include/infraexec/queue.h */
#include "infraexec/queue.h"

#include "infraexec/buf.h"
#include "infraexec/clock.h"
#include "infraexec/fileio.h"
#include "infraexec/git.h"
#include "infraexec/runlock.h"
#include "infraexec/task.h"
#include "infraexec/taskdir.h"
#include "infraexec/yamledit.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct entry {
    ix_task *task;
    int state; /* index into ix_taskdir_states: 0 active, 1 backlog, 2 completed */
} entry;

static int state_of(const char *dir, const char *path)
{
    size_t n = strlen(dir);
    for (int i = 0; ix_taskdir_states[i]; i++) {
        size_t k = strlen(ix_taskdir_states[i]);
        if (strncmp(path + n + 1, ix_taskdir_states[i], k) == 0 && path[n + 1 + k] == '/')
            return i;
    }
    return 3;
}

static int by_queue_order(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->state != y->state)
        return x->state - y->state;
    int d = ix_task_priority_rank(x->task->priority) - ix_task_priority_rank(y->task->priority);
    if (d)
        return d;
    return strcmp(x->task->id ? x->task->id : "", y->task->id ? y->task->id : "");
}

static int is_done(const entry *e)
{
    return e->state == 2 || (e->task->status && strcmp(e->task->status, "completed") == 0);
}

static const entry *find_id(const entry *v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].task->id && strcmp(v[i].task->id, id) == 0)
            return &v[i];
    return NULL;
}

int ix_queue_next(const char *dir, json_t **out, ix_err *err)
{
    char **paths;
    size_t n;
    if (ix_taskdir_list(dir, &paths, &n, err) < 0)
        return -1;
    entry *v = ix_xcalloc(n ? n : 1, sizeof *v);
    size_t nv = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (ix_task_load(paths[i], &v[nv].task, err) < 0)
            rc = -1;
        else
            v[nv++].state = state_of(dir, paths[i]);
    }
    json_t *next = json_null(), *waiting = json_array();
    if (rc == 0) {
        qsort(v, nv, sizeof *v, by_queue_order);
        /* Every waiting task is reported, also those after the one chosen. */
        for (size_t i = 0; i < nv; i++) {
            const ix_task *t = v[i].task;
            if (v[i].state > 1 || is_done(&v[i]))
                continue;
            json_t *waits = json_array();
            for (size_t k = 0; k < t->ndeps; k++) {
                if (t->id && strcmp(t->deps[k], t->id) == 0)
                    continue;
                const entry *d = find_id(v, nv, t->deps[k]);
                if (d && is_done(d))
                    continue;
                json_array_append_new(waits, json_pack("{s:s, s:s}", "id", t->deps[k], "why",
                    d ? (d->task->status ? d->task->status : "not completed") : "no such task"));
            }
            if (json_array_size(waits)) {
                json_array_append_new(waiting, json_pack("{s:s?, s:s, s:o}", "id", t->id,
                                                         "path", t->path, "waits_for", waits));
                continue;
            }
            json_decref(waits);
            if (!json_is_null(next))
                continue;
            json_decref(next);
            next = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s, s:s, s:i, s:i}", "id", t->id,
                             "title", t->title, "priority", t->priority, "status", t->status,
                             "state", ix_taskdir_states[v[i].state], "path", t->path,
                             "total", (int)t->ncriteria, "checked", (int)ix_task_checked(t));
        }
        *out = json_pack("{s:o, s:o}", "next", next, "waiting", waiting);
    } else {
        json_decref(next);
        json_decref(waiting);
    }
    for (size_t i = 0; i < nv; i++)
        ix_task_free(v[i].task);
    free(v);
    ix_taskdir_free_list(paths, n);
    return rc;
}

/* ---- archive ---- */

typedef struct archive_edit {
    const char *date;
    int force;
} archive_edit;

/* Frontmatter edits through the format-preserving YAML editor, confined to
 * the frontmatter's bytes. */
static int set_fm(const ix_task *t, ix_buf *text, const char *key, const char *value, ix_err *err)
{
    size_t start = t->fm_start, end = t->fm_close;
    ix_buf out = IX_BUF_INIT;
    if (ix_yaml_set(text->data + start, end - start, 0, key, value, &out, err) < 0) {
        ix_buf_free(&out);
        return -1;
    }
    ix_buf b = IX_BUF_INIT;
    ix_buf_append(&b, text->data, start);
    ix_buf_append(&b, out.data, out.len);
    ix_buf_append(&b, text->data + end, text->len - end);
    ix_buf_free(&out);
    ix_buf_free(text);
    *text = b;
    return 0;
}

static int archive_text(void *ctx, const char *path, const char *data, size_t len, ix_buf *out,
                        ix_err *err)
{
    const archive_edit *a = ctx;
    ix_task *t;
    if (ix_task_parse(path, data, len, &t, err) < 0)
        return -1;
    size_t left = t->ncriteria - ix_task_checked(t);
    if (left && !a->force) {
        ix_err_set(err, "%s: %zu criteria are unchecked; run or verify it first (or --force)",
                   path, left);
        ix_task_free(t);
        return -1;
    }
    ix_buf text = IX_BUF_INIT;
    ix_buf_append(&text, data, len);
    int rc = 0;
    /* Each key is set where it is; a missing one is added after the last
     * frontmatter line, in the file's line ending. */
    static const char *const keys[] = {"status", "completed", "updated"};
    for (int k = 0; k < 3 && rc == 0; k++) {
        const char *value = k == 0 ? "completed" : a->date;
        if (ix_fm_get(t->fm, keys[k])) {
            rc = set_fm(t, &text, keys[k], value, err);
        } else if (k < 2) {
            ix_buf b = IX_BUF_INIT;
            size_t at = t->fm_close;
            ix_buf_append(&b, text.data, at);
            ix_buf_printf(&b, "%s: %s%s", keys[k], value, t->eol);
            ix_buf_append(&b, text.data + at, text.len - at);
            ix_buf_free(&text);
            text = b;
        }
        if (rc == 0) { /* positions changed: parse again for the next key */
            ix_task_free(t);
            rc = ix_task_parse(path, text.data, text.len, &t, err);
            if (rc < 0)
                t = NULL;
        }
    }
    if (rc == 0)
        ix_buf_append(out, text.data, text.len);
    ix_buf_free(&text);
    ix_task_free(t);
    return rc;
}

int ix_queue_archive(const char *dir, const char *path, int force, char **dest, char **commit,
                     ix_err *err)
{
    *dest = *commit = NULL;
    ix_now now;
    if (ix_clock_now(&now, err) < 0)
        return -1;
    char real[PATH_MAX], rdir[PATH_MAX];
    if (!realpath(path, real) || !realpath(dir, rdir))
        return ix_err_sys(err, "%s: cannot open", path);
    const char *base = strrchr(real, '/') + 1;
    ix_buf to = IX_BUF_INIT;
    ix_buf_printf(&to, "%s/completed", rdir);
    if (strncmp(real, to.data, to.len) == 0 && real[to.len] == '/') {
        ix_buf_free(&to);
        return ix_err_set(err, "%s: already in completed/", path);
    }
    ix_buf_printf(&to, "/%s", base);
    if (access(to.data, F_OK) == 0) {
        ix_err_set(err, "%s: exists already; not overwriting it", to.data);
        ix_buf_free(&to);
        return -1;
    }
    /* Never under a run of the same task: hold its run lock throughout. */
    int lock = -1;
    ix_task *t;
    if (ix_task_load(path, &t, err) < 0) {
        ix_buf_free(&to);
        return -1;
    }
    char *ws = ix_taskdir_workspace(path);
    int refused = ix_task_check_id(t, err);
    ix_err lerr;
    if (refused == 0 && ix_runlock_take(ws, t->id ? t->id : "task", &lock, &lerr) < 0)
        refused = ix_err_set(err, "%s; not archived", lerr.msg);
    free(ws);
    ix_task_free(t);
    archive_edit a = {now.date, force};
    /* Edit in place, then move: a crash between leaves a completed task in
     * active/, which next skips and a second archive moves. */
    if (refused < 0 || ix_file_update(real, archive_text, &a, err) < 0) {
        if (lock >= 0)
            close(lock);
        ix_buf_free(&to);
        return -1;
    }
    char cdir[PATH_MAX + 16];
    snprintf(cdir, sizeof cdir, "%s/completed", rdir);
    if ((mkdir(cdir, 0755) < 0 && errno != EEXIST) || rename(real, to.data) < 0) {
        ix_err_sys(err, "%s: cannot move to %s", path, to.data);
        close(lock);
        ix_buf_free(&to);
        return -1;
    }
    close(lock);
    *dest = ix_buf_detach(&to);
    ix_git *g;
    if (ix_git_open(rdir, &g, err) < 0)
        return 0; /* not a repository: nothing to commit */
    ix_buf msg = IX_BUF_INIT;
    ix_buf_printf(&msg, "Archive %s", base);
    const char *paths[2] = {real, *dest};
    char id[41];
    int rc = ix_git_commit_paths(g, paths, 2, msg.data, NULL, id, err);
    ix_git_close(g);
    ix_buf_free(&msg);
    if (rc == 0)
        *commit = ix_xstrdup(id);
    return rc;
}
