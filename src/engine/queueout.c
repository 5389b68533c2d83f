/* queueout.c - the queue as JSON, Markdown and Graphviz (see queue.h).
 *
 * Titles, ids and labels come from task files and action reports, which
 * anyone with a pull request writes: control characters are replaced in
 * text meant for terminals, and dot strings are escaped. */
#include "infraexec/engine/queue.h"

#include "infraexec/model/taskdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const prio_names[] = {"critical", "high", "medium", "low", "other"};

static int folder_is(const ix_qtask *e, const char *name)
{
    return strcmp(ix_taskdir_states[e->folder], name) == 0;
}

/* S with control characters as spaces (no escape sequences reach a terminal). */
static void put_clean(ix_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        ix_buf_putc(b, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
}

static json_t *str_array(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *prereq_ids(const ix_task *t)
{
    json_t *a = json_array();
    for (size_t i = 0; i < t->ndeps; i++) {
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = t->deps[k].prerequisite && strcmp(t->deps[k].id, t->deps[i].id) == 0;
        if (t->deps[i].prerequisite && !seen)
            json_array_append_new(a, json_string(t->deps[i].id));
    }
    return a;
}

static json_t *waits_json(const ix_qtask *e)
{
    json_t *a = json_array();
    for (size_t i = 0; i < e->nwaits; i++)
        json_array_append_new(a, json_pack("{s:s, s:s}", "id", e->waits[i].id, "why",
                                           e->waits[i].why));
    return a;
}

static json_t *entry_json(const ix_qtask *e)
{
    const ix_task *t = e->task;
    json_t *labels = json_array();
    for (size_t i = 0; i < t->nlabels; i++)
        json_array_append_new(labels, json_string(t->labels[i]));
    json_t *o = json_pack("{s:s, s:s?, s:s?, s:s, s:s}", "task_id", e->id, "title", t->title,
                          "priority", t->priority, "status", ix_queue_state_name(e->state),
                          "folder", ix_taskdir_states[e->folder]);
    if (e->nblocked_by)
        json_object_set_new(o, "blocked_by", json_string(e->blocked_by[0]));
    json_object_set_new(o, "blocked_reasons", str_array(e->blocked_by, e->nblocked_by));
    json_object_set_new(o, "dependencies", prereq_ids(t));
    json_object_set_new(o, "waits_for", waits_json(e));
    json_object_set_new(o, "labels", labels);
    json_object_set_new(o, "location", json_string(e->location));
    json_object_set_new(o, "path", json_string(t->path));
    json_object_set_new(o, "total", json_integer((json_int_t)t->ncriteria));
    json_object_set_new(o, "checked", json_integer((json_int_t)ix_task_checked(t)));
    return o;
}

/* The open tasks an action blocks, as "TASK-3 (high), TASK-4 (low)". */
static size_t action_blocks(const ix_queue *q, const ix_qaction *a, ix_buf *text, json_t *ids)
{
    size_t n = 0;
    for (size_t i = 0; i < q->n; i++) {
        const ix_qtask *e = &q->t[i];
        if (e->done)
            continue;
        for (size_t k = 0; k < e->nblocked_by; k++) {
            if (strcmp(e->blocked_by[k], a->id) != 0)
                continue;
            if (text) {
                ix_buf_puts(text, n ? ", " : "");
                put_clean(text, e->id);
                ix_buf_puts(text, " (");
                put_clean(text, e->task->priority ? e->task->priority : "no priority");
                ix_buf_puts(text, ")");
            }
            if (ids)
                json_array_append_new(ids, json_string(e->id));
            n++;
            break;
        }
    }
    return n;
}

/* The scanner's filter: open, critical or high, blocking a queued task. */
static int action_required(const ix_queue *q, const ix_qaction *a)
{
    return a->open && ix_task_priority_rank(a->effective) <= 1 && a->nitems &&
           action_blocks(q, a, NULL, NULL) > 0;
}

typedef struct counts {
    size_t total, active, backlog, blocked_folder, completed, ready, blocked, waiting, actions;
    size_t prio[5];
} counts;

static counts count(const ix_queue *q)
{
    counts c = {0};
    for (size_t i = 0; i < q->n; i++) {
        const ix_qtask *e = &q->t[i];
        if (e->done) {
            c.completed++;
            continue;
        }
        c.total++;
        c.active += folder_is(e, "active");
        c.backlog += folder_is(e, "backlog");
        c.blocked_folder += folder_is(e, "blocked");
        c.ready += e->state == IX_Q_READY;
        c.blocked += e->state == IX_Q_BLOCKED;
        c.waiting += e->state == IX_Q_WAITING;
        c.prio[ix_task_priority_rank(e->task->priority)]++;
    }
    for (size_t i = 0; i < q->na; i++)
        c.actions += q->a[i].open && action_blocks(q, &q->a[i], NULL, NULL) > 0;
    return c;
}

/* The first required action that blocks the first blocked entry, if any. */
static const ix_qaction *unblocking_action(const ix_queue *q, const ix_qtask **task)
{
    for (size_t i = 0; i < q->n; i++) {
        const ix_qtask *e = &q->t[i];
        if (e->done || e->state != IX_Q_BLOCKED)
            continue;
        for (size_t k = 0; k < e->nblocked_by; k++)
            for (size_t m = 0; m < q->na; m++)
                if (q->a[m].open && strcmp(q->a[m].id, e->blocked_by[k]) == 0) {
                    *task = e;
                    return &q->a[m];
                }
    }
    return NULL;
}

static json_t *recommended_json(const ix_queue *q)
{
    if (q->next >= 0) {
        const ix_qtask *e = &q->t[q->next];
        return json_pack("{s:s, s:s?}", "task_id", e->id, "priority", e->task->priority);
    }
    const ix_qtask *t = NULL;
    const ix_qaction *a = unblocking_action(q, &t);
    if (a)
        return json_pack("{s:s, s:s}", "action_id", a->id, "unblocks", t->id);
    return json_null();
}

json_t *ix_queue_json(const ix_queue *q)
{
    json_t *pq = json_array(), *req = json_array(), *all = json_array();
    for (size_t i = 0; i < q->n; i++)
        if (!q->t[i].done)
            json_array_append_new(pq, entry_json(&q->t[i]));
    for (size_t i = 0; i < q->na; i++) {
        const ix_qaction *a = &q->a[i];
        ix_buf reason = IX_BUF_INIT;
        json_t *blocks = json_array();
        size_t nb = action_blocks(q, a, &reason, blocks);
        json_array_append_new(all, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:s}",
            "action_id", a->id, "title", a->title, "urgency", a->urgency,
            "effective_urgency", a->effective, "status", a->status, "open", a->open,
            "blocking_items", str_array(a->items, a->nitems), "blocks", blocks,
            "location", a->location));
        if (action_required(q, a)) {
            ix_buf r = IX_BUF_INIT;
            ix_buf_printf(&r, "Blocks %s", nb ? reason.data : "");
            json_array_append_new(req, json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}",
                "action_id", a->id, "title", a->title, "urgency", a->effective,
                "reason", r.data, "blocking_items", str_array(a->items, a->nitems),
                "location", a->location));
            ix_buf_free(&r);
        }
        ix_buf_free(&reason);
    }
    counts c = count(q);
    json_t *summary = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
        "total_tasks", (json_int_t)c.total, "active_tasks", (json_int_t)c.active,
        "backlog_tasks", (json_int_t)c.backlog, "blocked_folder_tasks", (json_int_t)c.blocked_folder,
        "completed_tasks", (json_int_t)c.completed, "ready_tasks", (json_int_t)c.ready,
        "blocked_tasks", (json_int_t)c.blocked, "waiting_tasks", (json_int_t)c.waiting,
        "blocking_actions", (json_int_t)c.actions, "skipped_files", (json_int_t)q->skipped);
    json_object_set_new(summary, "by_priority", json_pack("{s:I, s:I, s:I, s:I, s:I}",
        "critical", (json_int_t)c.prio[0], "high", (json_int_t)c.prio[1],
        "medium", (json_int_t)c.prio[2], "low", (json_int_t)c.prio[3],
        "other", (json_int_t)c.prio[4]));
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "schema", "infraexec.queue/1",
        "priority_queue", pq, "human_actions_required", req, "human_actions", all,
        "summary", summary, "recommended_next", recommended_json(q),
        "warnings", str_array(q->warnings, q->nwarnings));
}

/* ---- Markdown ---- */

static void md_list(ix_buf *b, const char *label, char *const *v, size_t n)
{
    ix_buf_printf(b, "  - %s: ", label);
    for (size_t i = 0; i < n; i++) {
        ix_buf_puts(b, i ? ", " : "");
        put_clean(b, v[i]);
    }
    ix_buf_puts(b, n ? "\n" : "None\n");
}

static void md_entry(ix_buf *b, const ix_qtask *e)
{
    const ix_task *t = e->task;
    ix_buf_puts(b, "- **");
    put_clean(b, e->id);
    ix_buf_puts(b, "**: ");
    put_clean(b, t->title ? t->title : "(no title)");
    ix_buf_printf(b, "\n  - Status: %s\n", ix_queue_state_name(e->state));
    md_list(b, "Labels", (char *const *)t->labels, t->nlabels);
    char **deps = ix_xcalloc(t->ndeps ? t->ndeps : 1, sizeof *deps);
    size_t nd = 0;
    for (size_t i = 0; i < t->ndeps; i++) {
        int seen = 0;
        for (size_t k = 0; k < nd && !seen; k++)
            seen = strcmp(deps[k], t->deps[i].id) == 0;
        if (t->deps[i].prerequisite && !seen)
            deps[nd++] = t->deps[i].id;
    }
    md_list(b, "Dependencies", deps, nd);
    free(deps);
    if (e->nwaits) {
        ix_buf_puts(b, "  - Waiting for: ");
        for (size_t i = 0; i < e->nwaits; i++) {
            ix_buf_puts(b, i ? ", " : "");
            put_clean(b, e->waits[i].id);
            ix_buf_puts(b, " (");
            put_clean(b, e->waits[i].why);
            ix_buf_puts(b, ")");
        }
        ix_buf_puts(b, "\n");
    }
    md_list(b, "Blocked by", e->blocked_by, e->nblocked_by);
    ix_buf_puts(b, "  - Location: ");
    put_clean(b, e->location);
    ix_buf_puts(b, "\n\n");
}

static void md_warnings(const ix_queue *q, ix_buf *b)
{
    if (q->skipped)
        ix_buf_printf(b, "⚠️ %zu task file%s skipped due to parse errors\n", q->skipped,
                      q->skipped == 1 ? "" : "s");
    for (size_t i = 0; i < q->nwarnings; i++) {
        ix_buf_puts(b, "⚠️ Warning: ");
        put_clean(b, q->warnings[i]);
        ix_buf_puts(b, "\n");
    }
    if (q->skipped || q->nwarnings)
        ix_buf_puts(b, "\n");
}

static void md_actions(const ix_queue *q, ix_buf *b)
{
    ix_buf_puts(b, "## Human Actions Required\n\n");
    size_t n = 0;
    for (size_t i = 0; i < q->na; i++) {
        const ix_qaction *a = &q->a[i];
        if (!action_required(q, a))
            continue;
        if (!n++)
            ix_buf_puts(b, "⚠️  HUMAN ACTIONS REQUIRED BEFORE PROCESSING\n\n");
        ix_buf_printf(b, "%zu. ", n);
        put_clean(b, a->id);
        ix_buf_puts(b, ": ");
        put_clean(b, a->title);
        ix_buf_puts(b, " (");
        put_clean(b, a->effective);
        ix_buf_puts(b, ")\n   - Blocks: ");
        action_blocks(q, a, b, NULL);
        ix_buf_puts(b, "\n   - Location: ");
        put_clean(b, a->location);
        ix_buf_puts(b, "INSTRUCTIONS.md\n");
    }
    if (n)
        ix_buf_puts(b, "\nRECOMMENDATION: Complete these human actions before running "
                       "infrastructure workflow\nto avoid failures on blocked tasks.\n\n");
    else
        ix_buf_puts(b, "✓ No blocking human actions detected\n\n");
}

void ix_queue_markdown(const ix_queue *q, ix_buf *b)
{
    counts c = count(q);
    if (c.active + c.backlog == 0) {
        ix_buf_puts(b, "# Priority Queue\n\nNo active or backlog tasks found. All tasks are "
                       "completed or blocked.\n\n");
        md_warnings(q, b);
        ix_buf_printf(b, "## Summary\n- Completed: %zu tasks in tasks/completed/\n"
                         "- Blocked: %zu tasks in tasks/blocked/\n", c.completed, c.blocked_folder);
        return;
    }
    ix_buf_printf(b, "# Priority Queue (%zu tasks)\n\n**Total Tasks**: %zu\n**Blocked Tasks**: "
                     "%zu\n**Blocking Human Actions**: %zu\n\n", c.total, c.total, c.blocked,
                  c.actions);
    md_warnings(q, b);
    md_actions(q, b);
    static const char *const heads[] = {"Critical", "High", "Medium", "Low", "Other"};
    for (int p = 0; p < 5; p++) {
        if (!c.prio[p])
            continue;
        ix_buf_printf(b, "## %s Priority\n", heads[p]);
        for (size_t i = 0; i < q->n; i++)
            if (!q->t[i].done && ix_task_priority_rank(q->t[i].task->priority) == p)
                md_entry(b, &q->t[i]);
    }
    ix_buf_printf(b, "## Summary\n- Total tasks: %zu\n- Active: %zu\n- Backlog: %zu\n"
                     "- In tasks/blocked/: %zu\n- Ready: %zu\n- Blocked: %zu\n"
                     "- Waiting for dependencies: %zu\n- Completed: %zu\n"
                     "- Critical: %zu, High: %zu, Medium: %zu, Low: %zu\n\n",
                  c.total, c.active, c.backlog, c.blocked_folder, c.ready, c.blocked, c.waiting,
                  c.completed, c.prio[0], c.prio[1], c.prio[2], c.prio[3]);
    ix_buf_puts(b, "## Recommended Next Task\n");
    const ix_qtask *t = NULL;
    const ix_qaction *a;
    if (q->next >= 0) {
        const ix_qtask *e = &q->t[q->next];
        int r = ix_task_priority_rank(e->task->priority);
        ix_buf_puts(b, "**");
        put_clean(b, e->id);
        ix_buf_printf(b, "** - %c%s priority, ready to process\n", prio_names[r][0] - 32,
                      prio_names[r] + 1);
    } else if ((a = unblocking_action(q, &t))) {
        ix_buf_puts(b, "**");
        put_clean(b, a->id);
        ix_buf_puts(b, "** - Complete this action first to unblock ");
        put_clean(b, t->id);
        ix_buf_puts(b, "\n");
    } else {
        ix_buf_puts(b, "No task is ready: ");
        ix_queue_why_none(q, b);
        ix_buf_puts(b, "\n");
    }
}

/* ---- next ---- */

void ix_queue_why_none(const ix_queue *q, ix_buf *b)
{
    counts c = count(q);
    if (!c.total) {
        ix_buf_puts(b, "no tasks in active/ or backlog/");
        return;
    }
    if (c.blocked == c.total)
        ix_buf_printf(b, "all %zu task%s blocked", c.total, c.total == 1 ? " is" : "s are");
    else if (c.waiting == c.total)
        ix_buf_printf(b, "all %zu task%s for dependencies", c.total, c.total == 1 ? " waits" : "s wait");
    else
        ix_buf_printf(b, "%zu blocked, %zu waiting for dependencies", c.blocked, c.waiting);
    /* The first entry's reason: what the person should look at first. */
    for (size_t i = 0; i < q->n; i++) {
        const ix_qtask *e = &q->t[i];
        if (e->done)
            continue;
        ix_buf_puts(b, "; first in the queue: ");
        put_clean(b, e->id);
        if (e->state == IX_Q_BLOCKED) {
            ix_buf_puts(b, " blocked by ");
            put_clean(b, e->blocked_by[0]);
        } else {
            ix_buf_puts(b, " waiting on ");
            put_clean(b, e->waits[0].id);
            ix_buf_puts(b, " (");
            put_clean(b, e->waits[0].why);
            ix_buf_puts(b, ")");
        }
        break;
    }
}

json_t *ix_queue_next_json(const ix_queue *q)
{
    json_t *next = json_null(), *waiting = json_array(), *blocked = json_array(), *reason;
    for (size_t i = 0; i < q->n; i++) {
        const ix_qtask *e = &q->t[i];
        const ix_task *t = e->task;
        if (e->done)
            continue;
        if (e->state == IX_Q_WAITING)
            json_array_append_new(waiting, json_pack("{s:s, s:s, s:o}", "id", e->id,
                                                     "path", t->path, "waits_for", waits_json(e)));
        else if (e->state == IX_Q_BLOCKED)
            json_array_append_new(blocked, json_pack("{s:s, s:s, s:o}", "id", e->id, "path",
                                  t->path, "blocked_by", str_array(e->blocked_by, e->nblocked_by)));
    }
    if (q->next >= 0) {
        const ix_qtask *e = &q->t[q->next];
        const ix_task *t = e->task;
        next = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s, s:s, s:i, s:i}", "id", e->id,
                         "arg", e->arg, "title", t->title, "priority", t->priority,
                         "status", t->status, "state", ix_taskdir_states[e->folder],
                         "path", t->path, "location", e->location, "total", (int)t->ncriteria,
                         "checked", (int)ix_task_checked(t));
        reason = json_null();
    } else {
        ix_buf b = IX_BUF_INIT;
        ix_queue_why_none(q, &b);
        reason = json_string(b.data);
        ix_buf_free(&b);
    }
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "next", next, "reason", reason,
                     "waiting", waiting, "blocked", blocked,
                     "warnings", str_array(q->warnings, q->nwarnings));
}

/* ---- Graphviz ---- */

static void dot_str(ix_buf *b, const char *s)
{
    ix_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            ix_buf_putc(b, '\\');
        ix_buf_putc(b, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
    }
    ix_buf_putc(b, '"');
}

/* A node's label: lines joined by "\n" (dot's line break), each escaped. */
static void dot_label(ix_buf *b, const char *l1, const char *l2, const char *l3)
{
    ix_buf tmp = IX_BUF_INIT;
    dot_str(&tmp, l1);
    tmp.len--; /* reopen the string */
    const char *more[2] = {l2, l3};
    for (int i = 0; i < 2; i++) {
        if (!more[i] || !*more[i])
            continue;
        ix_buf esc = IX_BUF_INIT;
        dot_str(&esc, more[i]);
        ix_buf_puts(&tmp, "\\n");
        ix_buf_append(&tmp, esc.data + 1, esc.len - 2);
        ix_buf_free(&esc);
    }
    ix_buf_putc(&tmp, '"');
    ix_buf_printf(b, "label=%s", tmp.data);
    ix_buf_free(&tmp);
}

static const char *state_color(const ix_qtask *e)
{
    if (e->done)
        return "#d9d9d9";
    return e->state == IX_Q_READY ? "#b7e1a1" : e->state == IX_Q_WAITING ? "#ffe08a" : "#f4a6a6";
}

void ix_queue_dot(const ix_queue *q, ix_buf *b)
{
    ix_buf_puts(b, "digraph queue {\n  rankdir=LR;\n"
                   "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n"
                   "  edge [fontname=\"Helvetica\", fontsize=10];\n");
    /* Nodes: the queue, then the tasks it names (completed or missing). */
    char **drawn = NULL;
    size_t nd = 0;
    for (size_t i = 0; i < q->n; i++) {
        const ix_qtask *e = &q->t[i];
        if (e->done)
            continue;
        ix_buf_puts(b, "  ");
        dot_str(b, e->id);
        ix_buf_puts(b, " [");
        dot_label(b, e->id, e->task->title, ix_queue_state_name(e->state));
        ix_buf_printf(b, ", fillcolor=\"%s\"];\n", state_color(e));
        drawn = ix_xrealloc(drawn, (nd + 1) * sizeof *drawn);
        drawn[nd++] = e->id;
    }
    for (size_t i = 0; i < q->n; i++) {
        const ix_qtask *e = &q->t[i];
        for (size_t k = 0; !e->done && k < e->task->ndeps; k++) {
            const char *id = e->task->deps[k].id;
            int seen = 0;
            for (size_t m = 0; m < nd && !seen; m++)
                seen = strcmp(drawn[m], id) == 0;
            if (seen)
                continue;
            const ix_qtask *d = ix_queue_find(q, id);
            ix_buf_puts(b, "  ");
            dot_str(b, id);
            ix_buf_puts(b, " [");
            if (d) {
                dot_label(b, id, d->task->title, d->done ? "completed" : "");
                ix_buf_printf(b, ", fillcolor=\"%s\"];\n", state_color(d));
            } else {
                dot_label(b, id, "no such task", NULL);
                ix_buf_puts(b, ", style=\"rounded,dashed\"];\n");
            }
            drawn = ix_xrealloc(drawn, (nd + 1) * sizeof *drawn);
            drawn[nd++] = (char *)id;
        }
    }
    free(drawn);
    for (size_t i = 0; i < q->na; i++) {
        const ix_qaction *a = &q->a[i];
        ix_buf_puts(b, "  ");
        dot_str(b, a->id);
        ix_buf_puts(b, " [shape=octagon, ");
        dot_label(b, a->id, a->title, a->open ? a->effective : a->status);
        ix_buf_printf(b, ", fillcolor=\"%s\"];\n", a->open ? "#f4a6a6" : "#d9d9d9");
    }
    /* Edges: from the task whose file names the other, labelled by relation;
     * prerequisites solid, the rest dashed and not ranking the graph. */
    for (size_t i = 0; i < q->n; i++) {
        const ix_qtask *e = &q->t[i];
        for (size_t k = 0; !e->done && k < e->task->ndeps; k++) {
            const ix_dep *d = &e->task->deps[k];
            ix_buf_puts(b, "  ");
            dot_str(b, e->id);
            ix_buf_puts(b, " -> ");
            dot_str(b, d->id);
            ix_buf_puts(b, " [label=");
            dot_str(b, d->relation);
            ix_buf_puts(b, d->prerequisite ? "];\n" : ", style=dashed, constraint=false];\n");
        }
    }
    for (size_t i = 0; i < q->na; i++) {
        const ix_qaction *a = &q->a[i];
        for (size_t k = 0; k < a->nitems; k++) {
            if (!ix_queue_find(q, a->items[k]))
                continue; /* a warning says so; no node to point at */
            ix_buf_puts(b, "  ");
            dot_str(b, a->id);
            ix_buf_puts(b, " -> ");
            dot_str(b, a->items[k]);
            ix_buf_printf(b, " [label=\"blocks\", color=\"%s\"%s];\n",
                          a->open ? "#c0392b" : "#999999", a->open ? "" : ", style=dashed");
        }
    }
    ix_buf_puts(b, "}\n");
}
