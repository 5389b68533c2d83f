/* fileio.c - reading files and the directory helpers (fileio.h;
 * the rest of the module: fileio_internal.h) */
#include "fileio_internal.h"

#include "infraexec/base/pathjoin.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ix_file_read_fd(int fd, const char *path, size_t max, ix_buf *out, ix_err *err)
{
    /* Straight into a buffer of the file's size (and one byte more, to see
     * the end): no copy from a chunk, no regrowing, for a large file. */
    struct stat st;
    size_t want = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size < max
                      ? (size_t)st.st_size + 1 : 65536;
    for (;;) {
        ix_buf_reserve(out, want);
        ssize_t n = read(fd, out->data + out->len, out->cap - out->len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ix_err_sys(err, "%s: cannot read", path);
        if (n == 0)
            return 0;
        out->len += (size_t)n;
        out->data[out->len] = '\0';
        if (out->len > max)
            return ix_err_set(err, "%s: file is larger than %zu MiB", path, max >> 20);
        want = 65536;
    }
}

/* Refuse FD unless it is a regular file: a FIFO, a device (/dev/zero
 * behind a link) or a directory named like a task in a tasks folder, which
 * anyone with a pull request fills, must get an error, never hang the read
 * or feed it forever.  FD was opened O_NONBLOCK, so the open did not wait. */
static int check_regular(int fd, const char *path, ix_err *err)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return ix_err_sys(err, "%s: cannot read", path);
    if (S_ISREG(st.st_mode))
        return 0;
    const char *what = S_ISDIR(st.st_mode)    ? "a directory"
                       : S_ISFIFO(st.st_mode) ? "a FIFO"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "a device";
    return ix_err_set(err, "%s: is %s, not a regular file", path, what);
}

static int read_regular(int fd, const char *path, size_t max, ix_buf *out, ix_err *err)
{
    int rc = check_regular(fd, path, err) < 0 ? -1 : ix_file_read_fd(fd, path, max, out, err);
    close(fd);
    return rc;
}

int ix_file_read(const char *path, size_t max, ix_buf *out, ix_err *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return ix_err_sys(err, "%s: cannot open", path);
    return read_regular(fd, path, max, out, err);
}

/* The directory holding PATH, opened: every later step names files
 * relative to it, so that a link swapped in above them changes nothing. */
int ix_file_open_dir(const char *path, int *dfd, char **real_dir, const char **name, ix_err *err)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!ix_path_name_ok(base))
        return ix_err_set(err, "%s: not a file name", path);
    char *dir = !slash ? ix_xstrdup(".") : slash == path ? ix_xstrdup("/")
                                                         : ix_xstrndup(path, (size_t)(slash - path));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return ix_err_sys(err, "%s: cannot open its directory", path);
    if (real_dir) {
        /* The directory as the kernel resolved it when opening, which is
         * where the writes will go, whatever the path names later. */
        char link[64], real[PATH_MAX];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, real, sizeof real - 1);
        if (n <= 0 || real[0] != '/') {
            close(fd);
            return ix_err_sys(err, "%s: cannot tell where its directory is", path);
        }
        real[n] = '\0';
        *real_dir = ix_xstrdup(real);
    }
    *dfd = fd;
    *name = base;
    return 0;
}

int ix_file_read_at(int dfd, const char *name, const char *path, size_t max, ix_buf *out,
                    ix_err *err)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return ix_err_sys(err, "%s: cannot open", path);
    return read_regular(fd, path, max, out, err);
}

int ix_file_is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}
