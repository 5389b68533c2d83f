/* buf.h - a growable byte buffer, the only string builder in the C core.
 *
 * The buffer owns its memory; data is always NUL-terminated (the NUL is not
 * counted in len).  Allocation failure aborts: infraexec cannot do anything
 * useful without memory, and every caller would handle it the same way. */
#ifndef INFRAEXEC_BUF_H
#define INFRAEXEC_BUF_H

#include <stddef.h>

typedef struct ix_buf {
    char *data;
    size_t len;
    size_t cap;
} ix_buf;

#define IX_BUF_INIT {NULL, 0, 0}

/* Room for EXTRA more bytes and a NUL after them, so a caller may write
 * into data + len directly (and then add to len). */
void ix_buf_reserve(ix_buf *b, size_t extra);
void ix_buf_append(ix_buf *b, const void *data, size_t len);
void ix_buf_puts(ix_buf *b, const char *s);
void ix_buf_putc(ix_buf *b, char c);
void ix_buf_printf(ix_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hand the data to the caller (who frees it) and reset the buffer. */
char *ix_buf_detach(ix_buf *b);
void ix_buf_free(ix_buf *b);

/* Checked allocation helpers used across the core. */
void *ix_xmalloc(size_t n);
void *ix_xcalloc(size_t n, size_t size);
void *ix_xrealloc(void *p, size_t n);
char *ix_xstrdup(const char *s);
char *ix_xstrndup(const char *s, size_t n);

/* Leave P allocated for the process's exit to return, on purpose (git's
 * UNLEAK): freeing a big structure object by object just before exit only
 * costs time.  P stays reachable from here, so leak checkers do not count
 * it as lost. */
void ix_unleak(const void *p);

#endif
