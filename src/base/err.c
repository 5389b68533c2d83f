/* err.c - see include/infraexec/base/err.h */
#include "infraexec/base/err.h"

#include "infraexec/base/safetext.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ix_err_set(ix_err *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        /* Messages quote task files and command output: one safe line. */
        ix_safe_inplace(err->msg, sizeof err->msg);
    }
    return -1;
}

int ix_err_sys(ix_err *err, const char *fmt, ...)
{
    int saved = errno;
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < sizeof err->msg)
            snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s",
                     strerror(saved));
        ix_safe_inplace(err->msg, sizeof err->msg);
    }
    errno = saved;
    return -1;
}
