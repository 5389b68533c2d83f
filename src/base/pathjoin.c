/* pathjoin.c - see include/infraexec/base/pathjoin.h */
#include "infraexec/base/pathjoin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ix_path_name_ok(const char *name)
{
    return name && *name && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
           !strchr(name, '/');
}

int ix_path_join(ix_buf *out, const char *base, const char *const *parts, ix_err *err)
{
    for (size_t i = 0; parts[i]; i++)
        if (!ix_path_name_ok(parts[i]))
            return ix_err_set(err, "%s: '%s' is not a file name (empty, '.', '..' or with a "
                                   "'/'); refused", base, parts[i]);
    ix_buf_puts(out, base);
    for (size_t i = 0; parts[i]; i++)
        ix_buf_printf(out, "/%s", parts[i]);
    return 0;
}

/* Open NAME in DFD as a directory, creating it when CREATE; a symlink is
 * refused (O_NOFOLLOW), not followed. */
static int open_sub(int dfd, const char *name, const char *path, int create, ix_err *err)
{
    for (int tries = 0;; tries++) {
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0)
            return fd;
        int e = errno;
        struct stat st;
        if ((e == ELOOP || e == ENOTDIR) && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(st.st_mode))
            return ix_err_set(err, "%s: is a symbolic link; infraexec writes only into a real "
                                   "directory there (remove the link)", path);
        if (e != ENOENT || !create || tries > 0) {
            errno = e;
            return ix_err_sys(err, "%s: cannot open directory", path);
        }
        if (mkdirat(dfd, name, 0755) < 0 && errno != EEXIST)
            return ix_err_sys(err, "%s: cannot create directory", path);
    }
}

int ix_state_dir(const char *workspace, const char *const *parts, int create, int *dfd,
                 char **path, ix_err *err)
{
    ix_buf p = IX_BUF_INIT;
    size_t n = 0;
    while (parts[n])
        n++;
    const char **all = ix_xcalloc(n + 2, sizeof *all);
    all[0] = ".infraexec";
    memcpy(all + 1, parts, n * sizeof *parts);
    int rc = ix_path_join(&p, workspace, all, err);
    /* The workspace is the user's: links above .infraexec/ are theirs to have. */
    int fd = rc < 0 ? -1 : open(workspace, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rc == 0 && fd < 0)
        rc = ix_err_sys(err, "%s: cannot open the workspace", workspace);
    ix_buf sofar = IX_BUF_INIT;
    ix_buf_puts(&sofar, workspace);
    for (size_t i = 0; rc == 0 && all[i]; i++) {
        ix_buf_printf(&sofar, "/%s", all[i]);
        int sub = open_sub(fd, all[i], sofar.data, create, err);
        close(fd);
        fd = sub;
        if (fd < 0)
            rc = -1;
    }
    ix_buf_free(&sofar);
    free(all);
    if (rc < 0) {
        ix_buf_free(&p);
        return -1;
    }
    *dfd = fd;
    if (path)
        *path = ix_buf_detach(&p);
    ix_buf_free(&p);
    return 0;
}
