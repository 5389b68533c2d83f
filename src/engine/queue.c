/* queue.c - see include/infraexec/engine/queue.h */
#include "infraexec/engine/queue.h"

#include "infraexec/base/buf.h"
#include "infraexec/base/clock.h"
#include "infraexec/model/deps.h"
#include "infraexec/sys/fileio.h"
#include "infraexec/sys/git.h"
#include "infraexec/engine/runlock.h"
#include "infraexec/model/task.h"
#include "infraexec/model/taskdir.h"
#include "infraexec/model/yamledit.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- building the queue ---- */

static char *xstrdup_or(const char *s, const char *dflt)
{
    return ix_xstrdup(s ? s : dflt);
}

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

static void add_str(char ***v, size_t *n, const char *s)
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

/* ---- human actions: the folder beside the tasks directory ---- */

static int action_is_open(const char *status)
{
    static const char *const closed[] = {"completed", "complete", "done", "resolved", NULL};
    for (int i = 0; closed[i]; i++)
        if (strcasecmp(status, closed[i]) == 0)
            return 0;
    return 1;
}

static const char *json_str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void load_action(ix_queue *q, const char *hdir, const char *name)
{
    ix_buf path = IX_BUF_INIT, text = IX_BUF_INIT;
    ix_buf_printf(&path, "%s/%s/action_report.json", hdir, name);
    ix_err err;
    json_error_t je;
    json_t *j = NULL;
    struct stat st;
    if (stat(path.data, &st) == 0 && !S_ISREG(st.st_mode))
        ix_queue_warn(q, "%s:1:1: not a regular file (action skipped)", path.data);
    else if (ix_file_read(path.data, 1 << 20, &text, &err) < 0)
        ix_queue_warn(q, "%s", err.msg);
    else if (!(j = json_loadb(text.data ? text.data : "", text.len, 0, &je)))
        ix_queue_warn(q, "%s:%d:%d: %s (action skipped)", path.data, je.line, je.column, je.text);
    else if (!json_is_object(j))
        ix_queue_warn(q, "%s:1:1: not a JSON object (action skipped)", path.data);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        ix_buf_free(&path);
        ix_buf_free(&text);
        return;
    }
    size_t idlen = strspn(name + 7, "0123456789");
    const char *id = json_str(j, "action_id"), *status = json_str(j, "status");
    char *dir_id = ix_xstrndup(name, 7 + idlen);
    if (!id)
        ix_queue_warn(q, "%s: no action_id string; using %s", path.data, id = dir_id);
    if (!status)
        ix_queue_warn(q, "%s: no status string; counted as pending", path.data);
    q->a = ix_xrealloc(q->a, (q->na + 1) * sizeof *q->a);
    ix_qaction *a = &q->a[q->na++];
    memset(a, 0, sizeof *a);
    a->id = ix_xstrdup(id);
    a->title = xstrdup_or(json_str(j, "title"), "");
    a->urgency = xstrdup_or(json_str(j, "urgency"), "");
    a->status = xstrdup_or(status, "pending");
    a->open = action_is_open(a->status);
    ix_buf loc = IX_BUF_INIT;
    ix_buf_printf(&loc, "human-actions/%s/", name);
    a->location = ix_buf_detach(&loc);
    a->report = ix_xstrdup(path.data);
    json_t *items = json_object_get(j, "blocking_items"), *v;
    size_t i;
    if (items && !json_is_array(items) && !json_is_null(items))
        ix_queue_warn(q, "%s: blocking_items is not a list; ignored", path.data);
    json_array_foreach(items, i, v) {
        if (json_is_string(v))
            add_str(&a->items, &a->nitems, json_string_value(v));
        else
            ix_queue_warn(q, "%s: blocking_items[%zu] is not a string; ignored", path.data, i);
    }
    free(dir_id);
    json_decref(j);
    ix_buf_free(&path);
    ix_buf_free(&text);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* actions.md lists the pending actions for people; each must have its
 * report, or the scanner would silently miss what blocks a task. */
static void check_actions_md(ix_queue *q, const char *hdir)
{
    ix_buf path = IX_BUF_INIT, text = IX_BUF_INIT;
    ix_buf_printf(&path, "%s/actions.md", hdir);
    ix_err err;
    struct stat st;
    if (stat(path.data, &st) == 0 && !S_ISREG(st.st_mode))
        ix_queue_warn(q, "%s:1:1: not a regular file (not read)", path.data);
    else if (access(path.data, F_OK) == 0 && ix_file_read(path.data, 1 << 20, &text, &err) < 0)
        ix_queue_warn(q, "%s", err.msg);
    int line = 1;
    const char *bol = text.data;
    for (const char *p = text.data; p && *p; p++) {
        if (*p == '\n') {
            line++;
            bol = p + 1;
        }
        if (strncmp(p, "ACTION-", 7) != 0 || !isdigit((unsigned char)p[7]) ||
            (p > text.data && isalnum((unsigned char)p[-1])))
            continue;
        size_t n = 7 + strspn(p + 7, "0123456789");
        int known = 0;
        for (size_t i = 0; i < q->na && !known; i++)
            known = strlen(q->a[i].id) == n && strncmp(q->a[i].id, p, n) == 0;
        if (!known)
            ix_queue_warn(q, "%s:%d:%d: %.*s has no human-actions/%.*s-*/action_report.json",
                          path.data, line, (int)(p - bol) + 1, (int)n, p, (int)n, p);
        p += n - 1;
    }
    ix_buf_free(&path);
    ix_buf_free(&text);
}

static void load_actions(ix_queue *q)
{
    ix_buf hdir = IX_BUF_INIT;
    const char *slash = strrchr(q->tasks_dir, '/');
    if (slash)
        ix_buf_printf(&hdir, "%.*s/human-actions", (int)(slash - q->tasks_dir), q->tasks_dir);
    else
        ix_buf_puts(&hdir, "human-actions");
    DIR *d = opendir(hdir.data);
    if (!d) { /* no human-actions/: nothing blocks (the scanner's rule) */
        ix_buf_free(&hdir);
        return;
    }
    char **names = NULL;
    size_t nn = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strncmp(de->d_name, "ACTION-", 7) == 0 && isdigit((unsigned char)de->d_name[7]))
            add_str(&names, &nn, de->d_name);
    closedir(d);
    qsort(names, nn, sizeof *names, cmp_str);
    for (size_t i = 0; i < nn; i++) {
        struct stat st;
        ix_buf p = IX_BUF_INIT;
        ix_buf_printf(&p, "%s/%s", hdir.data, names[i]);
        if (stat(p.data, &st) == 0 && S_ISDIR(st.st_mode))
            load_action(q, hdir.data, names[i]);
        ix_buf_free(&p);
        free(names[i]);
    }
    free(names);
    check_actions_md(q, hdir.data);
    ix_buf_free(&hdir);
}

static int by_urgency(const void *a, const void *b)
{
    const ix_qaction *x = a, *y = b;
    int d = ix_task_priority_rank(x->effective) - ix_task_priority_rank(y->effective);
    if (d)
        return d;
    return ix_dep_id_cmp(x->id, y->id);
}

/* Each open action blocks the open tasks it names; its effective urgency is
 * the highest priority among them. */
static void apply_actions(ix_queue *q)
{
    for (size_t i = 0; i < q->na; i++) {
        ix_qaction *a = &q->a[i];
        const char *best = NULL;
        for (size_t k = 0; k < a->nitems; k++) {
            int found = 0;
            for (size_t m = 0; m < q->n; m++) {
                ix_qtask *e = &q->t[m];
                if (strcmp(e->id, a->items[k]) != 0)
                    continue;
                found = 1;
                if (e->done || !a->open)
                    continue;
                add_str(&e->blocked_by, &e->nblocked_by, a->id);
                if (!best || ix_task_priority_rank(e->task->priority) < ix_task_priority_rank(best))
                    best = e->task->priority;
            }
            if (!found)
                ix_queue_warn(q, "%s: %s references non-existent task %s", a->report, a->id,
                              a->items[k]);
        }
        a->effective = ix_xstrdup(best && ix_task_priority_rank(best) < 4 ? best : a->urgency);
    }
    if (q->na > 1)
        qsort(q->a, q->na, sizeof *q->a, by_urgency);
}

/* Blocked first, for every task, so that a wait can say its prerequisite
 * is blocked. */
static void mark_blocked(ix_qtask *e)
{
    const ix_task *t = e->task;
    if (folder_is(e, "blocked"))
        add_str(&e->blocked_by, &e->nblocked_by, "tasks/blocked/");
    if (t->status && strcmp(t->status, "blocked") == 0)
        add_str(&e->blocked_by, &e->nblocked_by, "status: blocked");
    if (t->stop_line) {
        char s[32];
        snprintf(s, sizeof s, "STOP (line %d)", t->stop_line);
        add_str(&e->blocked_by, &e->nblocked_by, s);
    }
    if (t->deps_truncated)
        add_str(&e->blocked_by, &e->nblocked_by, "too many dependencies");
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
    load_actions(q);
    apply_actions(q);
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
