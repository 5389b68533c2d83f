/* taskjson.c - see include/infraexec/model/taskjson.h */
#include "infraexec/model/taskjson.h"

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *strv(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

json_t *ix_fm_to_json(const ix_fm_node *n)
{
    switch (n->kind) {
    case IX_FM_SCALAR:
        return json_string(n->value);
    case IX_FM_ALIAS:
        return json_pack("{s:s}", "alias", n->value);
    case IX_FM_SEQ: {
        json_t *a = json_array();
        for (size_t i = 0; i < n->nchild; i++)
            json_array_append_new(a, ix_fm_to_json(&n->child[i]));
        return a;
    }
    case IX_FM_MAP: {
        json_t *o = json_object();
        for (size_t i = 0; i < n->nchild; i++)
            if (!json_object_get(o, n->child[i].key)) /* a key given twice: the first, as ix_fm_get */
                json_object_set_new(o, n->child[i].key, ix_fm_to_json(&n->child[i]));
        return o;
    }
    }
    return json_null();
}

json_t *ix_task_to_json(const ix_task *t)
{
    json_t *labels = json_array();
    for (size_t i = 0; i < t->nlabels; i++)
        json_array_append_new(labels, json_string(t->labels[i]));

    json_t *criteria = json_array();
    for (size_t i = 0; i < t->ncriteria; i++) {
        const ix_criterion *c = &t->criteria[i];
        json_array_append_new(criteria, json_pack("{s:i, s:i, s:s, s:b, s:o, s:i, s:o}",
            "index", c->index, "line", c->line, "text", c->text, "checked", c->checked,
            "group", str_or_null(c->group), "depth", c->depth,
            "code", strv(c->code, c->ncode)));
    }
    json_t *log = json_array();
    for (size_t i = 0; i < t->nlog; i++) {
        const ix_log_entry *e = &t->log[i];
        json_array_append_new(log, json_pack("{s:i, s:s, s:s, s:o}", "line", e->line,
            "stamp", e->stamp, "text", e->text, "sub", strv(e->sub, e->nsub)));
    }
    json_t *code = json_array();
    for (size_t i = 0; i < t->ncode; i++) {
        const ix_code_block *b = &t->code[i];
        json_array_append_new(code, json_pack("{s:i, s:s, s:s, s:s}", "line", b->line,
            "lang", b->lang, "section", b->section, "text", b->text));
    }
    json_t *deps = json_array();
    for (size_t i = 0; i < t->ndeps; i++) {
        const ix_dep *d = &t->deps[i];
        json_array_append_new(deps, json_pack("{s:s, s:s, s:i, s:b, s:o}", "id", d->id,
            "relation", d->relation, "line", d->line, "prerequisite", d->prerequisite,
            "label", str_or_null(d->label)));
    }
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:i, s:i, s:o, s:o, s:o, s:o, s:o}",
        "id", str_or_null(t->id), "title", str_or_null(t->title),
        "status", str_or_null(t->status), "priority", str_or_null(t->priority),
        "labels", labels, "path", t->path, "frontmatter", ix_fm_to_json(t->fm),
        "total", (int)t->ncriteria, "checked", (int)ix_task_checked(t),
        "criteria", criteria, "progress_log", log, "code_blocks", code,
        "dependencies", deps, "stop_line", t->stop_line ? json_integer(t->stop_line) : json_null());
}
