/* err.c - see include/infraexec/base/err.h */
#include "infraexec/base/err.h"

#include "infraexec/base/buf.h"
#include "infraexec/base/safetext.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Room to format a message naming two paths of PATH_MAX before cutting. */
#define FULL_SIZE 8192

/* TEXT made safe into ERR.  A message too long for it keeps both ends: the
 * path it starts with may be long (up to PATH_MAX), and the reason that
 * ends it must not be the part cut off. */
static void put(ix_err *err, const char *text)
{
    ix_buf b = IX_BUF_INIT;
    ix_safe_append(&b, text, strlen(text), 0);
    size_t max = sizeof err->msg - 1;
    if (b.len <= max) {
        memcpy(err->msg, b.data ? b.data : "", b.len + 1);
    } else {
        size_t head = max / 4, from = b.len - (max - head - 3);
        while (head && ((unsigned char)b.data[head] & 0xC0) == 0x80)
            head--;
        while (((unsigned char)b.data[from] & 0xC0) == 0x80)
            from++;
        snprintf(err->msg, sizeof err->msg, "%.*s...%s", (int)head, b.data, b.data + from);
    }
    ix_buf_free(&b);
}

int ix_err_set(ix_err *err, const char *fmt, ...)
{
    if (err) {
        char full[FULL_SIZE];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(full, sizeof full, fmt, ap);
        va_end(ap);
        /* Messages quote task files and command output: one safe line. */
        put(err, full);
    }
    return -1;
}

int ix_err_sys(ix_err *err, const char *fmt, ...)
{
    int saved = errno;
    if (err) {
        char full[FULL_SIZE];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(full, sizeof full, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < sizeof full)
            snprintf(full + n, sizeof full - (size_t)n, ": %s", strerror(saved));
        put(err, full);
    }
    errno = saved;
    return -1;
}
