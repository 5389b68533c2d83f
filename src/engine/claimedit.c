/* claimedit.c - the claim's keys in a task file's frontmatter and its
 * Progress Log entries (claim_internal.h), through the task model. */
#include "claim_internal.h"

#include "infraexec/model/yamledit.h"
#include "infraexec/sys/fileio.h"

#include <stdlib.h>

/* Set frontmatter KEY to VALUE in TEXT: in place when it is there (only its
 * bytes change), else as a new last line of the frontmatter. */
int ix_claim_set_key(const char *path, ix_buf *text, const char *key, const char *value,
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
int ix_claim_remove_key(const char *path, ix_buf *text, const char *key, ix_err *err)
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

int ix_claim_edit(const char *path, ix_buf *text, ix_task_change *chg, ix_err *err)
{
    ix_buf out = IX_BUF_INIT;
    int rc = ix_task_edit_text(path, text->data, text->len, chg, &out, err);
    if (rc == 0) {
        ix_buf_free(text);
        *text = out;
    } else {
        ix_buf_free(&out);
    }
    return rc;
}

/* One Progress Log entry (and updated:) through the task model. */
int ix_claim_add_log(const char *path, ix_buf *text, const char *stamp, const char *msg,
                     ix_err *err)
{
    ix_task_change chg = {.message = msg, .stamp = stamp};
    return ix_claim_edit(path, text, &chg, err) < 0 ? -1 : 0;
}

int ix_claim_read_text(const char *path, ix_buf *out, ix_err *err)
{
    out->len = 0;
    if (ix_file_read(path, IX_TASK_MAX_SIZE, out, err) < 0)
        return -1;
    if (!out->data)
        ix_buf_puts(out, "");
    return 0;
}

char *ix_claim_claimed_by(const char *path)
{
    ix_task *t;
    ix_err err;
    /* The field alone: the run that follows parses the body once itself. */
    if (ix_task_load_frontmatter(path, &t, &err) < 0)
        return NULL;
    const char *by = ix_fm_str(t->fm, "claimed_by");
    char *copy = by && *by ? ix_xstrdup(by) : NULL;
    ix_task_free(t);
    return copy;
}
