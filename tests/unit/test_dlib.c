/* test_dlib.c - ix_dlib_load: a table resolved once, a clear error when the
 * library or one of its functions is missing. */
#include "infraexec/base/dlib.h"
#include "tap.h"

#include <math.h>
#include <string.h>

IX_DLDECL(cos)
IX_DLDECL(sqrt)
static double (*sym_no_such_function)(double);

static void test_loaded(void)
{
    static const ix_dlsym syms[] = {IX_DLSYM(cos) IX_DLSYM(sqrt){NULL, NULL}};
    ix_dlib lib = {.soname = "libm.so.6", .what = "testing", .package = "libc6", .syms = syms};
    ix_err err = {{0}};
    is_int(ix_dlib_load(&lib, &err), 0, "libm loads");
    ok(sym_cos && sym_sqrt && sym_sqrt(16.0) == 4.0, "... and its functions are resolved");
    is_int(ix_dlib_load(&lib, &err), 0, "a second load returns the first outcome");
}

static void test_missing(void)
{
    static const ix_dlsym nolib[] = {IX_DLSYM(cos){NULL, NULL}};
    ix_dlib lib = {.soname = "libix-not-there.so.9", .what = "HTTP requests",
                   .package = "libix9", .syms = nolib};
    ix_err err = {{0}};
    is_int(ix_dlib_load(&lib, &err), -1, "a missing library fails");
    ok(strstr(err.msg, "libix-not-there.so.9 is needed for HTTP requests and cannot be loaded ("),
       "... naming it and what needs it");
    ok(strstr(err.msg, "; install the package libix9"), "... and the package to install");
    err.msg[0] = '\0';
    is_int(ix_dlib_load(&lib, &err), -1, "... and fails again");
    ok(strstr(err.msg, "libix-not-there.so.9 is needed"), "... with the same message");

    sym_cos = NULL;
    static const ix_dlsym nosym[] = {IX_DLSYM(cos) IX_DLSYM(no_such_function){NULL, NULL}};
    ix_dlib old = {.soname = "libm.so.6", .what = "git commits", .package = "libm-new",
                   .syms = nosym};
    is_int(ix_dlib_load(&old, &err), -1, "a missing function fails");
    is_str(err.msg, "libm.so.6 lacks no_such_function, needed for git commits; install the package "
                    "libm-new", "... naming the function");
    ok(!sym_cos, "... and leaves no function half-resolved");
}

int main(void)
{
    test_loaded();
    test_missing();
    return tap_done();
}
