/* queueaction.c - the human actions (queue_internal.h): the folder beside
 * the tasks directory, its action reports, and the tasks they block. */
#include "queue_internal.h"

#include "infraexec/base/buf.h"
#include "infraexec/model/deps.h"
#include "infraexec/sys/fileio.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static char *xstrdup_or(const char *s, const char *dflt)
{
    return ix_xstrdup(s ? s : dflt);
}

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
            ix_queue_add_str(&a->items, &a->nitems, json_string_value(v));
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

void ix_queue_load_actions(ix_queue *q)
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
            ix_queue_add_str(&names, &nn, de->d_name);
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
void ix_queue_apply_actions(ix_queue *q)
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
                ix_queue_add_str(&e->blocked_by, &e->nblocked_by, a->id);
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
