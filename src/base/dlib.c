/* dlib.c - see include/infraexec/base/dlib.h */
#include "infraexec/base/dlib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static int load(ix_dlib *lib)
{
    /* RTLD_LOCAL: their symbols stay theirs; RTLD_NOW: a missing function
     * of theirs fails here, not in the middle of a commit. */
    void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(lib->msg, sizeof lib->msg,
                 "%s is needed for %s and cannot be loaded (%s); install the package %s",
                 lib->soname, lib->what, why ? why : "unknown error", lib->package);
        return -1;
    }
    for (const ix_dlsym *s = lib->syms; s->fn; s++) {
        dlerror();
        void *p = dlsym(h, s->name);
        if (!p) {
            snprintf(lib->msg, sizeof lib->msg,
                     "%s lacks %s, needed for %s; install the package %s", lib->soname,
                     s->name, lib->what, lib->package);
            for (const ix_dlsym *t = lib->syms; t != s; t++)
                *t->fn = NULL;
            dlclose(h);
            return -1;
        }
        *s->fn = p;
    }
    return 0; /* never closed: the pointers live as long as the process */
}

int ix_dlib_load(ix_dlib *lib, ix_err *err)
{
    pthread_mutex_lock(&load_lock);
    if (!lib->state)
        lib->state = load(lib) == 0 ? 1 : -1;
    int state = lib->state;
    pthread_mutex_unlock(&load_lock);
    if (state > 0)
        return 0;
    /* %s: the message may hold a path, never a format. */
    return ix_err_set(err, "%s", lib->msg);
}
