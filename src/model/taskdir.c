/* taskdir.c - see include/infraexec/model/taskdir.h */
#include "infraexec/model/taskdir.h"

#include "infraexec/base/buf.h"
#include "infraexec/sys/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const ix_taskdir_states[] = {"active", "backlog", "completed", "blocked", NULL};

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int ix_taskdir_find(const char *opt, char **out, ix_err *err)
{
    const char *env = getenv("INFRAEXEC_TASKS");
    const char *given = opt ? opt : (env && *env ? env : NULL);
    if (given) {
        if (!*given)
            return ix_err_set(err, "--tasks-dir: an empty name is no directory");
        if (!is_dir(given))
            return ix_err_set(err, "%s: tasks directory does not exist (from %s)", given,
                              opt ? "--tasks-dir" : "$INFRAEXEC_TASKS");
        *out = ix_xstrdup(given);
        return 0;
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return ix_err_sys(err, "cannot read the current directory");
    for (;;) {
        char cand[PATH_MAX + 8];
        snprintf(cand, sizeof cand, "%s/tasks", strcmp(cwd, "/") ? cwd : "");
        if (is_dir(cand)) {
            *out = ix_xstrdup(cand);
            return 0;
        }
        char *slash = strrchr(cwd, '/');
        if (!slash || slash == cwd) {
            if (strcmp(cwd, "/") == 0)
                break;
            strcpy(cwd, "/");
            continue;
        }
        *slash = '\0';
    }
    return ix_err_set(err, "no tasks directory: pass --tasks-dir DIR, set INFRAEXEC_TASKS, "
                           "or run inside a tree with a tasks/ folder");
}

/* The directory above the last component named "tasks" of the absolute
 * path P, or NULL. */
static char *above_tasks(const char *p)
{
    char *cur = ix_xstrdup(p);
    for (;;) {
        char *slash = strrchr(cur, '/');
        if (!slash)
            break;
        if (strcmp(slash + 1, "tasks") == 0 && slash != cur) {
            *slash = '\0';
            return cur;
        }
        if (slash == cur)
            break;
        *slash = '\0';
    }
    free(cur);
    return NULL;
}

char *ix_taskdir_workspace(const char *path)
{
    char cwd[PATH_MAX], real[PATH_MAX];
    ix_buf abs = IX_BUF_INIT;
    if (path[0] != '/' && getcwd(cwd, sizeof cwd))
        ix_buf_printf(&abs, "%s/", strcmp(cwd, "/") ? cwd : "");
    ix_buf_puts(&abs, path);
    while (abs.len > 1 && abs.data[abs.len - 1] == '/')
        abs.data[--abs.len] = '\0';
    char *ws = above_tasks(abs.data);
    if (!ws && realpath(abs.data, real))
        ws = above_tasks(real);
    if (!ws) {
        char *slash = strrchr(abs.data, '/');
        ws = slash == abs.data ? ix_xstrdup("/") : slash ? ix_xstrndup(abs.data, (size_t)(slash - abs.data))
                                                        : ix_xstrdup(".");
    }
    ix_buf_free(&abs);
    return ws;
}

int ix_taskdir_no_link(const char *path, ix_err *err)
{
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
        return ix_err_set(err, "%s: is a symbolic link; not followed", path);
    return 0;
}

int ix_taskdir_read(const char *path, size_t max, ix_buf *out, ix_err *err)
{
    /* The name is checked for the message; the open (O_NOFOLLOW in its
     * directory) refuses a link swapped in after the check too. */
    const char *name;
    int dfd;
    if (ix_taskdir_no_link(path, err) < 0)
        return -1;
    if (ix_file_open_dir(path, &dfd, NULL, &name, err) < 0)
        return ix_file_read(path, max, out, err); /* "dir/" or ".": as any reader says */
    int rc = ix_file_read_at(dfd, name, path, max, out, err);
    close(dfd);
    return rc;
}

static int looks_like_path(const char *arg)
{
    size_t n = strlen(arg);
    return strchr(arg, '/') || (n > 3 && strcmp(arg + n - 3, ".md") == 0);
}

int ix_taskdir_resolve(const char *opt_dir, const char *arg, char **out, ix_err *err)
{
    if (!*arg)
        return ix_err_set(err, "an empty TASK: give an id such as TASK-002 or a path");
    if (looks_like_path(arg)) {
        struct stat st;
        if (lstat(arg, &st) < 0)
            return ix_err_sys(err, "%s: cannot open", arg);
        if (ix_taskdir_no_link(arg, err) < 0)
            return -1;
        *out = ix_xstrdup(arg);
        return 0;
    }
    char *dir;
    if (ix_taskdir_find(opt_dir, &dir, err) < 0)
        return -1;
    ix_buf p = IX_BUF_INIT;
    for (int i = 0; ix_taskdir_states[i]; i++) {
        p.len = 0;
        ix_buf_printf(&p, "%s/%s/%s.md", dir, ix_taskdir_states[i], arg);
        struct stat st; /* lstat: a dangling link is found, and refused */
        if (lstat(p.data, &st) == 0) {
            free(dir);
            if (ix_taskdir_no_link(p.data, err) < 0) {
                ix_buf_free(&p);
                return -1;
            }
            *out = ix_buf_detach(&p);
            return 0;
        }
    }
    ix_err_set(err, "%s: no such task in %s (looked in active/, backlog/, completed/, blocked/)",
               arg, dir);
    ix_buf_free(&p);
    free(dir);
    return -1;
}

char *ix_taskdir_of(const char *path)
{
    const char *file = strrchr(path, '/');
    if (!file)
        return NULL;
    const char *folder = file;
    while (folder > path && folder[-1] != '/')
        folder--;
    for (int i = 0; ix_taskdir_states[i]; i++) {
        size_t k = strlen(ix_taskdir_states[i]);
        if ((size_t)(file - folder) == k && strncmp(folder, ix_taskdir_states[i], k) == 0)
            return folder > path ? ix_xstrndup(path, (size_t)(folder - 1 - path))
                                 : ix_xstrdup(".");
    }
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ix_taskdir_list(const char *dir, char ***paths, size_t *n, ix_err *err)
{
    char **v = NULL;
    size_t count = 0, folders = 0;
    for (int i = 0; ix_taskdir_states[i]; i++) {
        ix_buf sub = IX_BUF_INIT;
        ix_buf_printf(&sub, "%s/%s", dir, ix_taskdir_states[i]);
        DIR *d = opendir(sub.data);
        if (!d) {
            ix_buf_free(&sub);
            continue; /* a tasks tree need not have every state folder */
        }
        folders++;
        struct dirent *de;
        while ((de = readdir(d))) {
            size_t len = strlen(de->d_name);
            if (de->d_name[0] == '.' || len < 4 || strcmp(de->d_name + len - 3, ".md") != 0 ||
                strncmp(de->d_name, "TEMPLATE", 8) == 0)
                continue;
            v = ix_xrealloc(v, (count + 1) * sizeof *v);
            ix_buf p = IX_BUF_INIT;
            ix_buf_printf(&p, "%s/%s", sub.data, de->d_name);
            v[count++] = ix_buf_detach(&p);
        }
        closedir(d);
        ix_buf_free(&sub);
    }
    if (!folders)
        return ix_err_set(err, "%s: no active/, backlog/, completed/ or blocked/ folder", dir);
    if (count) /* qsort(NULL, 0) is undefined */
        qsort(v, count, sizeof *v, cmp_str);
    *paths = v;
    *n = count;
    return 0;
}

void ix_taskdir_free_list(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}
