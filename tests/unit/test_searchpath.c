/* test_searchpath.c - the one workspace rule of commands given no task
 * (above the tasks directory, else the current directory) and the handler
 * and Lua search paths: --handlers, then $INFRAEXEC_PATH, then the
 * workspace's, then the installed ones found from the binary; missing
 * directories left out, each listed once. */
#include "infraexec/engine/searchpath.h"
#include "tap.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[PATH_MAX];

static const char *at(const char *rel)
{
    static char buf[4][PATH_MAX + 64];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", root, rel);
    return buf[k];
}

static size_t count(char **v)
{
    size_t n = 0;
    while (v[n])
        n++;
    return n;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

int main(void)
{
    char here[PATH_MAX], tmpl[] = "/tmp/ix-searchpath-XXXXXX";
    if (!getcwd(here, sizeof here) || !mkdtemp(tmpl) || !realpath(tmpl, root))
        return 1;
    unsetenv("INFRAEXEC_TASKS");
    unsetenv("INFRAEXEC_PATH");
    const char *dirs[] = {"ws", "ws/tasks", "ws/tasks/active", "ws/handlers", "ws/lua", "extra",
                          "other", "bare"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
        mkdir(at(dirs[i]), 0755);

    ix_err err = {""};
    char *ws = NULL;
    is_int(chdir(at("ws/tasks/active")), 0, "into the tasks folder");
    is_int(ix_searchpath_workspace(NULL, &ws, &err), 0, "workspace found from inside tasks/");
    is_str(ws, at("ws"), "it is the directory above tasks/");
    free(ws);
    is_int(chdir(at("bare")), 0, "into a directory with no tasks/ above");
    is_int(ix_searchpath_workspace(NULL, &ws, &err), 0, "workspace without a tasks directory");
    is_str(ws, at("bare"), "it is the current directory");
    free(ws);
    is_int(ix_searchpath_workspace(at("ws/tasks"), &ws, &err), 0, "workspace of --tasks-dir");
    is_str(ws, at("ws"), "--tasks-dir's workspace wins over the current directory");
    free(ws);

    /* --handlers first; INFRAEXEC_PATH in order, a missing entry and a
     * repeat of --handlers dropped; then the workspace's; then installed. */
    char path[3 * PATH_MAX + 200];
    snprintf(path, sizeof path, "%s:%s:%s", at("other"), at("missing"), at("extra"));
    setenv("INFRAEXEC_PATH", path, 1);
    char **h, **l;
    ix_searchpath_dirs(at("extra"), at("ws"), &h, &l);
    is_int(count(h), 4, "handler path: --handlers, 1 new of INFRAEXEC_PATH, workspace, installed");
    is_str(h[0], at("extra"), "--handlers first");
    is_str(h[1], at("other"), "then INFRAEXEC_PATH");
    is_str(h[2], at("ws/handlers"), "then the workspace's handlers/ (extra not repeated)");
    ok(ends_with(h[3], "/handlers") && strcmp(h[3], h[2]) != 0,
       "then the installed handlers (the source tree of this binary): %s", h[3]);
    is_int(count(l), 2, "Lua path: workspace, installed");
    is_str(l[0], at("ws/lua"), "the workspace's lua/ first");
    ok(ends_with(l[1], "/lua"), "then the installed lua/: %s", l[1]);
    ix_searchpath_free(h);
    ix_searchpath_free(l);

    unsetenv("INFRAEXEC_PATH");
    ix_searchpath_dirs(at("missing"), at("bare"), &h, &l);
    is_int(count(h), 1, "a missing --handlers and workspace dirs are left out");
    is_int(count(l), 1, "only the installed lua/");
    ix_searchpath_free(h);
    ix_searchpath_free(l);

    if (chdir(here) == 0) {
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", root);
    }
    return tap_done();
}
