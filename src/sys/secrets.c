/* secrets.c - see include/infraexec/sys/secrets.h */
#include "infraexec/sys/secrets.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

#define MIN_SECRET 4

static const char *const builtin[] = {"*TOKEN*", "*PASSWORD*", "*SECRET*", "*_KEY", NULL};

static int matches(const char *name, const char *const *patterns)
{
    for (const char *const *p = patterns; p && *p; p++)
        if (fnmatch(*p, name, FNM_CASEFOLD) == 0)
            return 1;
    return 0;
}

static void add_one(ix_secrets *s, const char *value, size_t len)
{
    if (len < MIN_SECRET)
        return;
    for (size_t i = 0; i < s->n; i++)
        if (s->lens[i] == len && memcmp(s->values[i], value, len) == 0)
            return;
    size_t at = 0;
    while (at < s->n && s->lens[at] >= len)
        at++;
    s->values = ix_xrealloc(s->values, (s->n + 1) * sizeof *s->values);
    s->lens = ix_xrealloc(s->lens, (s->n + 1) * sizeof *s->lens);
    memmove(s->values + at + 1, s->values + at, (s->n - at) * sizeof *s->values);
    memmove(s->lens + at + 1, s->lens + at, (s->n - at) * sizeof *s->lens);
    s->values[at] = ix_xstrndup(value, len);
    s->lens[at] = len;
    s->starts[(unsigned char)value[0]] = 1;
    s->n++;
}

void ix_secrets_add(ix_secrets *s, const char *value)
{
    /* Line ends around a value (a key read from a file) are not part of
     * it: a printed key matches without them, and no chunk ending in a
     * newline has to wait for the next. */
    value += strspn(value, "\r\n");
    size_t len = strlen(value);
    while (len && (value[len - 1] == '\n' || value[len - 1] == '\r'))
        len--;
    add_one(s, value, len);
    if (!memchr(value, '\n', len) && !memchr(value, '\r', len))
        return;
    /* A key printed line by line, indented or with other line ends, is
     * still masked: each line is a secret of its own. */
    for (const char *p = value, *end = value + len; p < end;) {
        size_t n = strcspn(p, "\r\n");
        add_one(s, p, n < (size_t)(end - p) ? n : (size_t)(end - p));
        p += n;
        p += strspn(p, "\r\n");
    }
}

void ix_secrets_from_env(ix_secrets *s, const char *const *extra)
{
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        char *name = ix_xstrndup(*e, (size_t)(eq - *e));
        if (matches(name, builtin) || matches(name, extra))
            ix_secrets_add(s, eq + 1);
        free(name);
    }
}

void ix_secrets_free(ix_secrets *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->values[i]);
    free(s->values);
    free(s->lens);
    memset(s, 0, sizeof *s);
}

/* ---- the masker ---- */

void ix_masker_init(ix_masker *m, const ix_secrets *s)
{
    memset(m, 0, sizeof *m);
    m->s = s && s->n ? s : NULL;
}

/* Mask P[0..n) onto OUT.  Unless FINAL, a tail of P that is the beginning
 * of a secret is not written but kept in m->held. */
static void mask_run(ix_masker *m, const char *p, size_t n, int final, ix_buf *out)
{
    const ix_secrets *s = m->s;
    size_t i = 0, plain = 0; /* p[plain..i) is settled text not yet written */
    while (i < n) {
        if (!s->starts[(unsigned char)p[i]]) {
            i++;
            continue;
        }
        size_t hit = 0;
        int wait = 0;
        /* Longest first: a longer secret that may still match here wins
         * over a shorter one that matches already. */
        for (size_t k = 0; k < s->n && !hit && !wait; k++) {
            size_t len = s->lens[k];
            if (len <= n - i)
                hit = memcmp(p + i, s->values[k], len) == 0 ? len : 0;
            else
                wait = !final && memcmp(p + i, s->values[k], n - i) == 0;
        }
        if (wait) {
            ix_buf_append(out, p + plain, i - plain);
            m->held.len = 0;
            ix_buf_append(&m->held, p + i, n - i);
            return;
        }
        if (!hit) {
            i++;
            continue;
        }
        ix_buf_append(out, p + plain, i - plain);
        ix_buf_puts(out, "***");
        m->count++;
        i += hit;
        plain = i;
    }
    ix_buf_append(out, p + plain, n - plain);
    m->held.len = 0;
}

void ix_masker_feed(ix_masker *m, const char *data, size_t n, ix_buf *out)
{
    if (!m->s) {
        ix_buf_append(out, data, n);
        return;
    }
    if (!m->held.len) {
        mask_run(m, data, n, 0, out);
        return;
    }
    m->work.len = 0;
    ix_buf_append(&m->work, m->held.data, m->held.len);
    ix_buf_append(&m->work, data, n);
    mask_run(m, m->work.data, m->work.len, 0, out);
}

void ix_masker_flush(ix_masker *m, ix_buf *out)
{
    if (!m->s || !m->held.len)
        return;
    m->work.len = 0;
    ix_buf_append(&m->work, m->held.data, m->held.len);
    mask_run(m, m->work.data, m->work.len, 1, out);
}

void ix_masker_free(ix_masker *m)
{
    ix_buf_free(&m->held);
    ix_buf_free(&m->work);
}

/* ---- strings ---- */

size_t ix_secrets_mask(const ix_secrets *s, ix_buf *b)
{
    if (!s || !s->n || !b->len)
        return 0;
    ix_masker m;
    ix_masker_init(&m, s);
    ix_buf out = IX_BUF_INIT;
    mask_run(&m, b->data, b->len, 1, &out);
    ix_masker_free(&m);
    if (!m.count) {
        ix_buf_free(&out);
        return 0;
    }
    ix_buf_free(b);
    *b = out;
    return m.count;
}

char *ix_secrets_mask_owned(const ix_secrets *s, char *text)
{
    if (!text || !s || !s->n)
        return text;
    ix_buf b = IX_BUF_INIT;
    ix_buf_puts(&b, text);
    free(text);
    ix_secrets_mask(s, &b);
    return ix_buf_detach(&b);
}

void ix_secrets_mask_inplace(const ix_secrets *s, char *buf, size_t size)
{
    if (!s || !s->n || !size)
        return;
    size_t len = strlen(buf);
    ix_masker m;
    ix_masker_init(&m, s);
    ix_buf out = IX_BUF_INIT;
    /* A full buffer was probably cut when it was written, maybe inside a
     * secret: what may begin one at its end is masked too. */
    int full = len + 1 >= size;
    mask_run(&m, buf, len, !full, &out);
    if (m.held.len) {
        ix_buf_puts(&out, "***");
        m.count++;
    }
    if (m.count)
        snprintf(buf, size, "%s", out.data);
    ix_buf_free(&out);
    ix_masker_free(&m);
}

void ix_secrets_mask_json(const ix_secrets *s, json_t *j)
{
    if (!s || !s->n || !j)
        return;
    if (json_is_string(j)) {
        ix_buf b = IX_BUF_INIT;
        ix_buf_append(&b, json_string_value(j), json_string_length(j));
        if (ix_secrets_mask(s, &b))
            json_string_setn(j, b.data, b.len);
        ix_buf_free(&b);
    } else if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++)
            ix_secrets_mask_json(s, json_array_get(j, i));
    } else if (json_is_object(j)) {
        const char *key;
        json_t *v;
        json_object_foreach(j, key, v)
            ix_secrets_mask_json(s, v);
    }
}

/* Secret values: from the environment (names like *TOKEN*, plus the
 * config's secret_env patterns) and the config's secrets list. */
void ix_secrets_from_config(ix_secrets *s, const ix_fm_node *root)
{
    /* Every secrets: and secret_env: key counts, not only the first: a
     * duplicate key must never unmask anything. */
    size_t nroot = root ? root->nchild : 0, npats = 0;
    for (size_t k = 0; k < nroot; k++)
        if (strcmp(root->child[k].key, "secret_env") == 0)
            npats += root->child[k].nchild;
    const char **extra = ix_xcalloc(npats + 1, sizeof *extra);
    npats = 0;
    for (size_t k = 0; k < nroot; k++)
        for (size_t i = 0; strcmp(root->child[k].key, "secret_env") == 0 &&
                           i < root->child[k].nchild; i++)
            extra[npats++] = root->child[k].child[i].value;
    ix_secrets_from_env(s, extra);
    free(extra);
    for (size_t k = 0; k < nroot; k++)
        for (size_t i = 0; strcmp(root->child[k].key, "secrets") == 0 &&
                           i < root->child[k].nchild; i++)
            ix_secrets_add(s, root->child[k].child[i].value);
}
