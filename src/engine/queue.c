/* queue.c - see include/infraexec/engine/queue.h */
#include "infraexec/engine/queue.h"
#include "queue_internal.h"

#include "infraexec/base/buf.h"
#include "infraexec/model/deps.h"
#include "infraexec/model/task.h"
#include "infraexec/model/taskdir.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- building the queue ---- */

/* Enough for any real tree; a hostile one must not make the scan slow. */
#define MAX_WARNINGS 200

void ix_queue_warn(ix_queue *q, const char *fmt, ...)
{
    if (q->nwarnings > MAX_WARNINGS)
        return;
    if (q->nwarnings == MAX_WARNINGS) {
        q->warnings = ix_xrealloc(q->warnings, (q->nwarnings + 1) * sizeof *q->warnings);
        q->warnings[q->nwarnings++] = ix_xstrdup("more warnings than these; the rest are not shown");
        return;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < q->nwarnings; i++)
        if (strcmp(q->warnings[i], msg) == 0)
            return; /* one warning per fact, however often it is met */
    q->warnings = ix_xrealloc(q->warnings, (q->nwarnings + 1) * sizeof *q->warnings);
    q->warnings[q->nwarnings++] = ix_xstrdup(msg);
}

void ix_queue_add_str(char ***v, size_t *n, const char *s)
{
    *v = ix_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = ix_xstrdup(s);
}

static int folder_of(const char *dir, const char *path)
{
    size_t n = strlen(dir);
    for (int i = 0; ix_taskdir_states[i]; i++) {
        size_t k = strlen(ix_taskdir_states[i]);
        if (strncmp(path + n + 1, ix_taskdir_states[i], k) == 0 && path[n + 1 + k] == '/')
            return i;
    }
    return 0;
}

/* active 0, backlog 1, blocked 2, completed 3: the scanner's order. */
static int folder_rank(int folder)
{
    const char *f = ix_taskdir_states[folder];
    return strcmp(f, "active") == 0 ? 0 : strcmp(f, "backlog") == 0 ? 1
         : strcmp(f, "blocked") == 0 ? 2 : 3;
}

static int folder_is(const ix_qtask *e, const char *name)
{
    return strcmp(ix_taskdir_states[e->folder], name) == 0;
}

static int by_queue_order(const void *a, const void *b)
{
    const ix_qtask *x = a, *y = b;
    int d = folder_rank(x->folder) - folder_rank(y->folder);
    if (d)
        return d;
    d = ix_task_priority_rank(x->task->priority) - ix_task_priority_rank(y->task->priority);
    if (d)
        return d;
    d = ix_dep_id_cmp(x->id, y->id);
    return d ? d : strcmp(x->task->path, y->task->path);
}

const char *ix_queue_state_name(ix_qstate s)
{
    return s == IX_Q_READY ? "ready" : s == IX_Q_WAITING ? "waiting-dependency" : "blocked";
}

const ix_qtask *ix_queue_find(const ix_queue *q, const char *id)
{
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->t[i].id, id) == 0)
            return &q->t[i];
    return NULL;
}

/* A parse error as "FILE:LINE:COL: message", the shape every warning about
 * a position has; errors without one (unreadable file) point at 1:1. */
static void warn_unparsed(ix_queue *q, const char *path, const char *msg)
{
    size_t n = strlen(path);
    int line, col, used = 0;
    if (strncmp(msg, path, n) == 0 && sscanf(msg + n, ":%d:%d:%n", &line, &col, &used) == 2 &&
        used)
        ix_queue_warn(q, "%s (skipped)", msg);
    else
        ix_queue_warn(q, "%s:1:1: %s (skipped)", path,
                      strncmp(msg, path, n) == 0 && msg[n] == ':' ? msg + n + 2 : msg);
}

/* A regular file (a FIFO would hang the scan) whose name is printable (it
 * may be printed for `run`).  Anyone with a pull request names the files. */
static int readable_name(ix_queue *q, const char *path)
{
    struct stat st;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if (*p < 0x20 || *p == 0x7f) {
            ix_queue_warn(q, "%s:1:1: control characters in the file name (skipped)", path);
            q->skipped++;
            return 0;
        }
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        ix_queue_warn(q, "%s:1:1: is a symbolic link; not followed (skipped)", path);
        q->skipped++;
        return 0;
    }
    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
        ix_queue_warn(q, "%s:1:1: not a regular file (skipped)", path);
        q->skipped++;
        return 0;
    }
    return 1;
}

/* What `next` prints for `run`: the id when it finds this very file, else
 * the path (an id naming another file, or shared by two files, must not
 * make the loop run a task other than the one chosen). */
static char *run_arg(const ix_queue *q, const ix_qtask *e)
{
    char *found = NULL, a[PATH_MAX], b[PATH_MAX];
    ix_err err;
    int same = 0;
    for (const unsigned char *p = (const unsigned char *)e->id; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return ix_xstrdup(e->task->path);
    if (ix_taskdir_resolve(q->tasks_dir, e->id, &found, &err) == 0)
        same = realpath(found, a) && realpath(e->task->path, b) && strcmp(a, b) == 0;
    free(found);
    return ix_xstrdup(same ? e->id : e->task->path);
}

static void load_tasks(ix_queue *q, char **paths, size_t np)
{
    q->t = ix_xcalloc(np ? np : 1, sizeof *q->t);
    const char *base = strrchr(q->tasks_dir, '/');
    base = base && base[1] ? base + 1 : q->tasks_dir;
    for (size_t i = 0; i < np; i++) {
        ix_err err;
        ix_task *t;
        if (!readable_name(q, paths[i]))
            continue;
        if (ix_task_load(paths[i], &t, &err) < 0) {
            warn_unparsed(q, paths[i], err.msg);
            q->skipped++;
            continue;
        }
        ix_qtask *e = &q->t[q->n++];
        e->task = t;
        e->folder = folder_of(q->tasks_dir, paths[i]);
        const char *file = strrchr(paths[i], '/') + 1;
        if (t->id) {
            e->id = ix_xstrdup(t->id);
        } else {
            e->id = ix_xstrndup(file, strlen(file) - 3);
            ix_queue_warn(q, "%s: no 'id' in the frontmatter; using '%s'", t->path, e->id);
        }
        ix_buf loc = IX_BUF_INIT;
        ix_buf_printf(&loc, "%s/%s/%s", base, ix_taskdir_states[e->folder], file);
        e->location = ix_buf_detach(&loc);
        e->done = folder_is(e, "completed") || (t->status && strcmp(t->status, "completed") == 0);
    }
    for (size_t i = 0; i < q->n; i++)
        for (size_t k = i + 1; k < q->n; k++)
            if (strcmp(q->t[i].id, q->t[k].id) == 0)
                ix_queue_warn(q, "%s: %s is also the id of %s", q->t[k].task->path, q->t[k].id,
                              q->t[i].task->path);
}

/* Why the prerequisite ID is not met (malloc'd), NULL when it is: every
 * file carrying the id must be completed. */
static char *unmet(const ix_queue *q, const char *id)
{
    int found = 0;
    for (size_t i = 0; i < q->n; i++) {
        const ix_qtask *d = &q->t[i];
        if (strcmp(d->id, id) != 0)
            continue;
        found = 1;
        if (d->done)
            continue;
        if (d->nblocked_by) {
            ix_buf b = IX_BUF_INIT;
            ix_buf_printf(&b, "blocked by %s", d->blocked_by[0]);
            return ix_buf_detach(&b);
        }
        return ix_xstrdup(d->task->status ? d->task->status : "not completed");
    }
    return found ? NULL : ix_xstrdup("no such task");
}

/* Blocked first, for every task, so that a wait can say its prerequisite
 * is blocked. */
static void mark_blocked(ix_qtask *e)
{
    const ix_task *t = e->task;
    if (folder_is(e, "blocked"))
        ix_queue_add_str(&e->blocked_by, &e->nblocked_by, "tasks/blocked/");
    if (t->status && strcmp(t->status, "blocked") == 0)
        ix_queue_add_str(&e->blocked_by, &e->nblocked_by, "status: blocked");
    if (t->stop_line) {
        char s[32];
        snprintf(s, sizeof s, "STOP (line %d)", t->stop_line);
        ix_queue_add_str(&e->blocked_by, &e->nblocked_by, s);
    }
    if (t->deps_truncated)
        ix_queue_add_str(&e->blocked_by, &e->nblocked_by, "too many dependencies");
}

static void mark_waits(ix_queue *q, ix_qtask *e)
{
    const ix_task *t = e->task;
    for (size_t k = 0; k < t->ndeps; k++) {
        const ix_dep *d = &t->deps[k];
        if (!d->prerequisite || strcmp(d->id, e->id) == 0)
            continue;
        int seen = 0;
        for (size_t m = 0; m < e->nwaits && !seen; m++)
            seen = strcmp(e->waits[m].id, d->id) == 0;
        char *why = seen ? NULL : unmet(q, d->id);
        if (!why)
            continue;
        if (strcmp(why, "no such task") == 0)
            ix_queue_warn(q, "%s:%d: %s depends on %s, which is in no folder of %s", t->path,
                          d->line, e->id, d->id, q->tasks_dir);
        e->waits = ix_xrealloc(e->waits, (e->nwaits + 1) * sizeof *e->waits);
        e->waits[e->nwaits++] = (ix_qwait){ix_xstrdup(d->id), why};
    }
}

static void classify(ix_queue *q)
{
    for (size_t i = 0; i < q->n; i++)
        if (!q->t[i].done)
            mark_blocked(&q->t[i]);
    q->next = -1;
    for (size_t i = 0; i < q->n; i++) {
        ix_qtask *e = &q->t[i];
        if (e->done)
            continue;
        mark_waits(q, e);
        e->state = e->nblocked_by ? IX_Q_BLOCKED : e->nwaits ? IX_Q_WAITING : IX_Q_READY;
        e->arg = run_arg(q, e);
        if (e->state == IX_Q_READY && q->next < 0)
            q->next = (int)i;
    }
}

int ix_queue_build(const char *tasks_dir, ix_queue **out, ix_err *err)
{
    char **paths;
    size_t np;
    if (ix_taskdir_list(tasks_dir, &paths, &np, err) < 0)
        return -1;
    ix_queue *q = ix_xcalloc(1, sizeof *q);
    q->tasks_dir = ix_xstrdup(tasks_dir);
    load_tasks(q, paths, np);
    ix_taskdir_free_list(paths, np);
    qsort(q->t, q->n, sizeof *q->t, by_queue_order);
    ix_queue_load_actions(q);
    ix_queue_apply_actions(q);
    classify(q);
    *out = q;
    return 0;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void ix_queue_free(ix_queue *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->n; i++) {
        ix_qtask *e = &q->t[i];
        ix_task_free(e->task);
        free(e->id);
        free(e->location);
        free(e->arg);
        free_strs(e->blocked_by, e->nblocked_by);
        for (size_t k = 0; k < e->nwaits; k++) {
            free(e->waits[k].id);
            free(e->waits[k].why);
        }
        free(e->waits);
    }
    free(q->t);
    for (size_t i = 0; i < q->na; i++) {
        ix_qaction *a = &q->a[i];
        free(a->id);
        free(a->title);
        free(a->urgency);
        free(a->status);
        free(a->effective);
        free(a->location);
        free(a->report);
        free_strs(a->items, a->nitems);
    }
    free(q->a);
    free_strs(q->warnings, q->nwarnings);
    free(q->tasks_dir);
    free(q);
}
