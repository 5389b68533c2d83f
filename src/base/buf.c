/* buf.c - see include/infraexec/base/buf.h */
#include "infraexec/base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(void)
{
    fputs("infraexec: out of memory\n", stderr);
    abort();
}

void *ix_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *ix_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        out_of_memory();
    return p;
}

void ix_unleak(const void *p)
{
    static struct unleaked {
        struct unleaked *next;
        const void *p;
    } *kept;
    struct unleaked *u = ix_xmalloc(sizeof *u);
    u->next = kept;
    u->p = p;
    kept = u;
}

void *ix_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

char *ix_xstrndup(const char *s, size_t n)
{
    char *p = ix_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *ix_xstrdup(const char *s)
{
    return ix_xstrndup(s, strlen(s));
}

static void reserve(ix_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = ix_xrealloc(b->data, cap);
    b->cap = cap;
}

void ix_buf_reserve(ix_buf *b, size_t extra)
{
    reserve(b, extra);
    b->data[b->len] = '\0'; /* data stays a string: a reader may stop at 0 bytes */
}

void ix_buf_append(ix_buf *b, const void *data, size_t len)
{
    reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void ix_buf_puts(ix_buf *b, const char *s)
{
    ix_buf_append(b, s, strlen(s));
}

void ix_buf_putc(ix_buf *b, char c)
{
    ix_buf_append(b, &c, 1);
}

void ix_buf_printf(ix_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *ix_buf_detach(ix_buf *b)
{
    if (!b->data)
        ix_buf_append(b, "", 0);
    char *p = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void ix_buf_free(ix_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
