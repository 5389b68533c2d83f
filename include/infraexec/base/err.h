/* err.h - the one error style of infraexec.
 *
 * Every fallible function returns 0 on success and -1 on failure, and on
 * failure fills the caller's ix_err with a one-line message that names the
 * file (and line:col where there is one).  Control characters in it (from a
 * task file, a command's output) are shown as \xNN, as safetext.h says, so
 * printing a message is safe; one too long for msg keeps its start and its
 * end (the reason) around "...".  Nothing below main() prints or exits;
 * callers decide what to do with the message. */
#ifndef INFRAEXEC_ERR_H
#define INFRAEXEC_ERR_H

#include <stddef.h>

typedef struct ix_err {
    char msg[1024];
} ix_err;

/* Format a message into err (may be NULL); always returns -1 so callers can
 * write `return ix_err_set(err, "...")`. */
int ix_err_set(ix_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Like ix_err_set, appending ": strerror(errno)". */
int ix_err_sys(ix_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
