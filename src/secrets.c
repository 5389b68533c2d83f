/* secrets.c - see include/infraexec/secrets.h */
#include "infraexec/secrets.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static const char *const builtin[] = {"*TOKEN*", "*PASSWORD*", "*SECRET*", "*_KEY", NULL};

static int matches(const char *name, const char *const *patterns)
{
    for (const char *const *p = patterns; p && *p; p++)
        if (fnmatch(*p, name, FNM_CASEFOLD) == 0)
            return 1;
    return 0;
}

void ix_secrets_add(ix_secrets *s, const char *value)
{
    size_t len = strlen(value);
    if (len < 4)
        return;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->values[i], value) == 0)
            return;
    size_t at = 0;
    while (at < s->n && strlen(s->values[at]) >= len)
        at++;
    s->values = ix_xrealloc(s->values, (s->n + 1) * sizeof *s->values);
    memmove(s->values + at + 1, s->values + at, (s->n - at) * sizeof *s->values);
    s->values[at] = ix_xstrdup(value);
    s->n++;
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

size_t ix_secrets_mask(const ix_secrets *s, ix_buf *b, int cut_at_start)
{
    size_t count = 0;
    if (!s || !b->len)
        return 0;
    for (size_t i = 0; i < s->n; i++) {
        const char *v = s->values[i];
        size_t vlen = strlen(v);
        if (cut_at_start) {
            /* The longest proper suffix of the secret that starts B. */
            for (size_t k = vlen - 1; k >= 3; k--) {
                if (k <= b->len && memcmp(b->data, v + vlen - k, k) == 0) {
                    ix_buf t = IX_BUF_INIT;
                    ix_buf_puts(&t, "***");
                    ix_buf_append(&t, b->data + k, b->len - k);
                    ix_buf_free(b);
                    *b = t;
                    count++;
                    break;
                }
            }
        }
        char *hit = memmem(b->data, b->len, v, vlen);
        if (!hit)
            continue;
        ix_buf t = IX_BUF_INIT;
        size_t pos = 0;
        while (hit) {
            size_t at = (size_t)(hit - b->data);
            ix_buf_append(&t, b->data + pos, at - pos);
            ix_buf_puts(&t, "***");
            pos = at + vlen;
            count++;
            hit = memmem(b->data + pos, b->len - pos, v, vlen);
        }
        ix_buf_append(&t, b->data + pos, b->len - pos);
        ix_buf_free(b);
        *b = t;
    }
    return count;
}

char *ix_secrets_mask_owned(const ix_secrets *s, char *text)
{
    if (!text || !s || !s->n)
        return text;
    ix_buf b = IX_BUF_INIT;
    ix_buf_puts(&b, text);
    free(text);
    ix_secrets_mask(s, &b, 0);
    return ix_buf_detach(&b);
}

void ix_secrets_free(ix_secrets *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->values[i]);
    free(s->values);
    s->values = NULL;
    s->n = 0;
}
