/* searchpath.c - see include/infraexec/engine/searchpath.h */
#include "infraexec/engine/searchpath.h"

#include "infraexec/base/buf.h"
#include "infraexec/sys/fileio.h"
#include "infraexec/model/taskdir.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ix_searchpath_workspace(const char *tasks_opt, char **out, ix_err *err)
{
    char *tasks = NULL, cwd[PATH_MAX];
    ix_err ignored;
    if (!getcwd(cwd, sizeof cwd))
        return ix_err_set(err, "cannot read the current directory");
    /* The workspace is above the tasks directory, when there is one. */
    *out = ix_taskdir_find(tasks_opt, &tasks, &ignored) == 0 ? ix_taskdir_workspace(tasks)
                                                             : ix_xstrdup(cwd);
    free(tasks);
    return 0;
}

static void push_dir(char ***v, size_t *n, const char *dir)
{
    if (!ix_file_is_dir(dir))
        return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i], dir) == 0)
            return;
    *v = ix_xrealloc(*v, (*n + 2) * sizeof **v);
    (*v)[(*n)++] = ix_xstrdup(dir);
    (*v)[*n] = NULL;
}

/* The data directory of this binary: PREFIX/share/infraexec when installed,
 * or the source tree it was built in (bin/infraexec, bin/asan/infraexec). */
static void installed_dirs(char ***hv, size_t *hn, char ***lv, size_t *ln)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *dir = dirname(exe);
    for (int up = 0; up < 3; up++) {
        char a[PATH_MAX + 64], b[PATH_MAX + 64];
        snprintf(a, sizeof a, "%s/share/infraexec/handlers", dir);
        snprintf(b, sizeof b, "%s/share/infraexec/lua", dir);
        if (ix_file_is_dir(a) && ix_file_is_dir(b)) {
            push_dir(hv, hn, a);
            push_dir(lv, ln, b);
            return;
        }
        snprintf(a, sizeof a, "%s/handlers/generic.lua", dir);
        snprintf(b, sizeof b, "%s/lua/infraexec/core/engine.lua", dir);
        if (access(a, R_OK) == 0 && access(b, R_OK) == 0) {
            snprintf(a, sizeof a, "%s/handlers", dir);
            snprintf(b, sizeof b, "%s/lua", dir);
            push_dir(hv, hn, a);
            push_dir(lv, ln, b);
            return;
        }
        dir = dirname(dir);
    }
}

void ix_searchpath_dirs(const char *handlers_opt, const char *workspace, char ***handler_dirs,
                        char ***lua_dirs)
{
    char **hv = ix_xcalloc(1, sizeof *hv), **lv = ix_xcalloc(1, sizeof *lv);
    size_t hn = 0, ln = 0;
    if (handlers_opt)
        push_dir(&hv, &hn, handlers_opt);
    const char *env = getenv("INFRAEXEC_PATH");
    if (env && *env) {
        char *copy = ix_xstrdup(env), *save = NULL;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
            push_dir(&hv, &hn, d);
        free(copy);
    }
    char buf[PATH_MAX + 16];
    snprintf(buf, sizeof buf, "%s/handlers", workspace);
    push_dir(&hv, &hn, buf);
    snprintf(buf, sizeof buf, "%s/lua", workspace);
    push_dir(&lv, &ln, buf);
    installed_dirs(&hv, &hn, &lv, &ln);
    *handler_dirs = hv;
    *lua_dirs = lv;
}

void ix_searchpath_free(char **dirs)
{
    for (size_t i = 0; dirs && dirs[i]; i++)
        free(dirs[i]);
    free(dirs);
}
