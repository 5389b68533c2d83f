/* fileio.c - see include/infraexec/fileio.h */
#include "infraexec/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int read_fd(int fd, const char *path, size_t max, ix_buf *out, ix_err *err)
{
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ix_err_sys(err, "%s: cannot read", path);
        if (n == 0)
            return 0;
        ix_buf_append(out, chunk, (size_t)n);
        if (out->len > max)
            return ix_err_set(err, "%s: file is larger than %zu MiB", path, max >> 20);
    }
}

int ix_file_read(const char *path, size_t max, ix_buf *out, ix_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ix_err_sys(err, "%s: cannot open", path);
    int rc = read_fd(fd, path, max, out, err);
    close(fd);
    return rc;
}

/* Open PATH and hold an exclusive flock on the inode PATH names *now*: a
 * writer that renamed a new file into place while we waited has made our
 * inode stale, so we reopen. */
static double lock_wait(void)
{
    const char *env = getenv("INFRAEXEC_LOCK_WAIT");
    char *end;
    double v = env ? strtod(env, &end) : -1;
    return env && *env && !*end && v >= 0 ? v : IX_FILE_LOCK_WAIT;
}

static int open_locked(const char *path, ix_err *err)
{
    double max_wait = lock_wait();
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return ix_err_sys(err, "%s: cannot open", path);
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            struct stat a, b;
            if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
                a.st_dev == b.st_dev)
                return fd;
            close(fd);
            continue;
        }
        int e = errno;
        close(fd);
        if (e != EWOULDBLOCK) {
            errno = e;
            return ix_err_sys(err, "%s: cannot lock", path);
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double waited = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
        if (waited > max_wait)
            return ix_err_set(err, "%s: another process has held its lock for %.1f s; try again",
                              path, max_wait);
        nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
    }
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Write DATA to a temp file beside PATH and rename it over PATH. */
static int replace_file(const char *path, const struct stat *st, const char *data, size_t len,
                        ix_err *err)
{
    char dir[PATH_MAX], base[PATH_MAX], tmp[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s", path);
    snprintf(base, sizeof base, "%s", path);
    snprintf(tmp, sizeof tmp, "%s/.%s.ix-XXXXXX", dirname(dir), basename(base));

    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return ix_err_sys(err, "%s: cannot create a temp file in its directory", path);
    if (write_all(fd, data, len) < 0 || fchmod(fd, st->st_mode & 07777) < 0 || fsync(fd) < 0) {
        ix_err_sys(err, "%s: cannot write (file left unchanged)", path);
        close(fd);
        unlink(tmp);
        return -1;
    }
    /* Keep the owner when we can (running as root on someone's file). */
    if (fchown(fd, st->st_uid, st->st_gid) < 0) {
        /* not permitted: the file becomes ours, which is what an editor does */
    }
    if (close(fd) < 0 || rename(tmp, path) < 0) {
        ix_err_sys(err, "%s: cannot replace (file left unchanged)", path);
        unlink(tmp);
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* Temp files of PATH left by a writer that died before its rename.  Only
 * the lock holder writes temp files of PATH, and we hold the lock: every
 * one there now is dead. */
static void remove_stale_temps(const char *path)
{
    char dir[PATH_MAX], base[PATH_MAX], prefix[PATH_MAX + 8];
    snprintf(dir, sizeof dir, "%s", path);
    snprintf(base, sizeof base, "%s", path);
    snprintf(prefix, sizeof prefix, ".%s.ix-", basename(base));
    const char *d = dirname(dir);
    DIR *dh = opendir(d);
    if (!dh)
        return;
    size_t plen = strlen(prefix);
    struct dirent *de;
    while ((de = readdir(dh))) {
        if (strncmp(de->d_name, prefix, plen) == 0 && strlen(de->d_name) == plen + 6)
            unlinkat(dirfd(dh), de->d_name, 0);
    }
    closedir(dh);
}

int ix_file_update(const char *path, ix_file_edit_fn fn, void *ctx, ix_err *err)
{
    char real[PATH_MAX];
    if (!realpath(path, real))
        return ix_err_sys(err, "%s: cannot open", path);
    int fd = open_locked(real, err);
    if (fd < 0)
        return -1;
    remove_stale_temps(real);
    ix_buf old = IX_BUF_INIT, out = IX_BUF_INIT;
    struct stat st;
    int rc = fstat(fd, &st) < 0 ? ix_err_sys(err, "%s: cannot stat", path)
                                : read_fd(fd, path, (size_t)-1 >> 1, &old, err);
    if (rc == 0)
        rc = fn(ctx, path, old.data ? old.data : "", old.len, &out, err);
    if (rc == 0)
        rc = replace_file(real, &st, out.data ? out.data : "", out.len, err);
    if (rc == 1)
        rc = 0;
    ix_buf_free(&old);
    ix_buf_free(&out);
    close(fd); /* releases the lock, after the rename */
    return rc;
}

typedef struct whole {
    const char *data;
    size_t len;
} whole;

static int put_whole(void *ctx, const char *path, const char *data, size_t len, ix_buf *out,
                     ix_err *err)
{
    (void)path, (void)err;
    const whole *w = ctx;
    if (len == w->len && memcmp(data, w->data, len) == 0)
        return 1;
    ix_buf_append(out, w->data, w->len);
    return 0;
}

int ix_file_write(const char *path, const char *data, size_t len, ix_err *err)
{
    whole w = {data, len};
    if (access(path, F_OK) == 0)
        return ix_file_update(path, put_whole, &w, err);
    mode_t mask = umask(0);
    umask(mask);
    struct stat st = {.st_mode = 0666 & ~mask, .st_uid = geteuid(), .st_gid = getegid()};
    return replace_file(path, &st, data, len, err);
}
