/* dlib.h - optional shared libraries, loaded on first use.
 *
 * libgit2 and libcurl (and the ~36 objects they pull in: TLS, Kerberos,
 * LDAP, SSH...) are needed only by the commands that commit or speak HTTP.
 * Linked in, they are loaded and relocated at every start, `show` and
 * `--version` included; loaded with dlopen when first used, a command that
 * does not use them never maps them.  The pattern is systemd's (its
 * src/shared/libfido2-util.c and siblings): each user keeps a table of the functions it calls,
 * as pointers named sym_<function> declared with the library's own
 * prototypes, filled once by ix_dlib_load. */
#ifndef INFRAEXEC_DLIB_H
#define INFRAEXEC_DLIB_H

#include "infraexec/base/err.h"

/* One function of a library: where its address goes, and its name. */
typedef struct ix_dlsym {
    void **fn;
    const char *name;
} ix_dlsym;

typedef struct ix_dlib {
    const char *soname;       /* "libcurl.so.4" */
    const char *what;         /* what needs it, for the message: "HTTP requests" */
    const char *package;      /* the Debian package that has it: "libcurl4" */
    const ix_dlsym *syms;     /* ends with {NULL, NULL} */
    /* ---- kept by ix_dlib_load ---- */
    int state;                /* 0 not tried, 1 loaded, -1 failed */
    char msg[sizeof(ix_err)];
} ix_dlib;

/* Load lib->soname and resolve every function of lib->syms, once: later calls
 * (from any thread) return the first outcome.  On failure nothing is
 * resolved and err says, on one line, which library or function is missing,
 * what it is needed for, and which package provides it. */
int ix_dlib_load(ix_dlib *lib, ix_err *err);

/* An entry of a symbol table: IX_DLSYM(git_index_free) for sym_git_index_free. */
#define IX_DLSYM(f) {(void **)&sym_##f, #f},
/* The pointer itself, with the library's prototype: IX_DLDECL(curl_free). */
#define IX_DLDECL(f) static __typeof__(f) *sym_##f;
/* The same, shared by the files of one module: IX_DLEXTERN in their private
 * header, IX_DLDEF in the one file that defines the pointers. */
#define IX_DLEXTERN(f) extern __typeof__(f) *sym_##f;
#define IX_DLDEF(f) __typeof__(f) *sym_##f;

#endif
