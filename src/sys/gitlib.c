/* gitlib.c - libgit2, loaded on first use, and its errors (git_internal.h) */
#include "git_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* libgit2, loaded at the first ix_git_open, ix_git_user_name or ix_git_diff (dlib.h):
 * the functions the git*.c files call (GIT_SYMS, git_internal.h). */
GIT_SYMS(IX_DLDEF)
static const ix_dlsym git_syms[] = {GIT_SYMS(IX_DLSYM){NULL, NULL}};
static ix_dlib libgit2 = {.soname = "libgit2.so." LIBGIT2_SOVERSION,
                          .what = "git (commits, status, identity, diffs)",
                          .package = "libgit2-" LIBGIT2_SOVERSION, .syms = git_syms};

int ix_git_load(ix_err *err)
{
    return ix_dlib_load(&libgit2, err);
}

int ix_git_fail(ix_err *err, const char *where, const char *fmt, ...)
{
    const git_error *e = sym_git_error_last();
    char what[512], why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(why, sizeof why, "%s", e && e->message ? e->message : "unknown libgit2 error");
    for (char *p = why; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    for (size_t len = strlen(why); len && why[len - 1] == ' ';)
        why[--len] = '\0';
    /* libgit2 says "no callback set" when the credentials we have were not
     * enough: say where infraexec takes them from. */
    int auth = e && (e->klass == GIT_ERROR_HTTP || e->klass == GIT_ERROR_SSH) &&
               strstr(why, "authenticat"); /* "authentication required", "error authenticating" */
    const char *hint = auth ? " (https: set INFRAEXEC_GIT_USERNAME and INFRAEXEC_GIT_PASSWORD; "
                              "ssh: a key in ssh-agent)"
                            : "";
    return ix_err_set(err, "%s: %s: %s%s", where, what, why, hint);
}
