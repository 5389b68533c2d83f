/* fileio.c - see include/infraexec/sys/fileio.h */
#include "infraexec/sys/fileio.h"

#include "infraexec/base/pathjoin.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
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

static double lock_wait(void)
{
    const char *env = getenv("INFRAEXEC_LOCK_WAIT");
    char *end;
    double v = env ? strtod(env, &end) : -1;
    return env && *env && !*end && v >= 0 ? v : IX_FILE_LOCK_WAIT;
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

/* Open NAME in DFD (never through a symlink) and hold an exclusive flock
 * on the inode NAME names *now*: a writer that renamed a new file into place
 * while we waited has made our inode stale, so we reopen. */
static int open_locked(int dfd, const char *name, const char *path, ix_err *err)
{
    double max_wait = lock_wait();
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        /* O_NONBLOCK: a FIFO put there must not hang us. */
        int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0 && errno == ELOOP)
            return ix_err_set(err, "%s: is a symbolic link; not followed", path);
        if (fd < 0)
            return ix_err_sys(err, "%s: cannot open", path);
        struct stat a, b;
        if (fstat(fd, &a) == 0 && !S_ISREG(a.st_mode)) {
            close(fd);
            return ix_err_set(err, "%s: not a regular file", path);
        }
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            if (fstat(fd, &a) == 0 && fstatat(dfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
                a.st_ino == b.st_ino && a.st_dev == b.st_dev)
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

/* A new temp file .NAME.ix-XXXXXX in DFD (O_EXCL: never an existing file
 * or link), its name in TMP. */
static int create_temp(int dfd, const char *name, char *tmp, size_t size)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (int tries = 0; tries < 100; tries++) {
        unsigned long long r = 0;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
            r = (unsigned long long)time(NULL) * 2654435761u ^ (unsigned long long)getpid() << 20 ^
                (unsigned long long)tries;
        char suffix[7];
        for (int i = 0; i < 6; i++, r /= 62)
            suffix[i] = chars[r % 62];
        suffix[6] = '\0';
        if (snprintf(tmp, size, ".%s.ix-%s", name, suffix) >= (int)size) {
            errno = ENAMETOOLONG;
            return -1;
        }
        int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

/* Write DATA to a temp file beside NAME in DFD and rename it over NAME. */
static int replace_file(int dfd, const char *name, const char *path, const struct stat *st,
                        const char *data, size_t len, ix_err *err)
{
    char tmp[NAME_MAX + 32];
    int fd = create_temp(dfd, name, tmp, sizeof tmp);
    if (fd < 0)
        return ix_err_sys(err, "%s: cannot create a temp file in its directory", path);
    if (write_all(fd, data, len) < 0 || fchmod(fd, st->st_mode & 07777) < 0 || fsync(fd) < 0) {
        ix_err_sys(err, "%s: cannot write (file left unchanged)", path);
        close(fd);
        unlinkat(dfd, tmp, 0);
        return -1;
    }
    /* Keep the owner when we can (running as root on someone's file). */
    if (fchown(fd, st->st_uid, st->st_gid) < 0) {
        /* not permitted: the file becomes ours, which is what an editor does */
    }
    if (close(fd) < 0 || renameat(dfd, tmp, dfd, name) < 0) {
        ix_err_sys(err, "%s: cannot replace (file left unchanged)", path);
        unlinkat(dfd, tmp, 0);
        return -1;
    }
    fsync(dfd);
    return 0;
}

/* Temp files of NAME left by a writer that died before its rename.  Only
 * the lock holder writes temp files of NAME, and we hold the lock: every
 * one there now is dead. */
static void remove_stale_temps(int dfd, const char *name)
{
    char prefix[NAME_MAX + 8];
    snprintf(prefix, sizeof prefix, ".%s.ix-", name);
    int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dh = fd < 0 ? NULL : fdopendir(fd);
    if (!dh) {
        if (fd >= 0)
            close(fd);
        return;
    }
    size_t plen = strlen(prefix);
    struct dirent *de;
    while ((de = readdir(dh))) {
        if (strncmp(de->d_name, prefix, plen) == 0 && strlen(de->d_name) == plen + 6)
            unlinkat(dfd, de->d_name, 0);
    }
    closedir(dh);
}

static int update_at(int dfd, const char *name, const char *path, ix_file_edit_fn fn, void *ctx,
                     ix_err *err)
{
    int fd = open_locked(dfd, name, path, err);
    if (fd < 0)
        return -1;
    remove_stale_temps(dfd, name);
    ix_buf old = IX_BUF_INIT, out = IX_BUF_INIT;
    struct stat st;
    int rc = fstat(fd, &st) < 0 ? ix_err_sys(err, "%s: cannot stat", path)
                                : read_fd(fd, path, (size_t)-1 >> 1, &old, err);
    if (rc == 0)
        rc = fn(ctx, path, old.data ? old.data : "", old.len, &out, err);
    if (rc == 0)
        rc = replace_file(dfd, name, path, &st, out.data ? out.data : "", out.len, err);
    if (rc == 1)
        rc = 0;
    ix_buf_free(&old);
    ix_buf_free(&out);
    close(fd); /* releases the lock, after the rename */
    return rc;
}

int ix_file_update(const char *path, ix_file_edit_fn fn, void *ctx, ix_err *err)
{
    /* Resolved once: the target's directory is opened and the rest is done
     * in it, the last component never followed again. */
    char real[PATH_MAX];
    const char *name;
    int dfd;
    if (!realpath(path, real))
        return ix_err_sys(err, "%s: cannot open", path);
    if (ix_file_open_dir(real, &dfd, NULL, &name, err) < 0)
        return -1;
    int rc = update_at(dfd, name, path, fn, ctx, err);
    close(dfd);
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

int ix_file_write_at(int dfd, const char *name, const char *path, const char *data, size_t len,
                     ix_err *err)
{
    whole w = {data, len};
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return update_at(dfd, name, path, put_whole, &w, err);
    if (errno != ENOENT)
        return ix_err_sys(err, "%s: cannot stat", path);
    mode_t mask = umask(0);
    umask(mask);
    st = (struct stat){.st_mode = 0666 & ~mask, .st_uid = geteuid(), .st_gid = getegid()};
    return replace_file(dfd, name, path, &st, data, len, err);
}

int ix_file_write(const char *path, const char *data, size_t len, ix_err *err)
{
    /* An existing file's target is written; a new one is created as named. */
    char real[PATH_MAX];
    const char *name;
    int dfd;
    if (ix_file_open_dir(realpath(path, real) ? real : path, &dfd, NULL, &name, err) < 0)
        return -1;
    int rc = ix_file_write_at(dfd, name, path, data, len, err);
    close(dfd);
    return rc;
}

int ix_file_read_at(int dfd, const char *name, const char *path, size_t max, ix_buf *out,
                    ix_err *err)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return ix_err_sys(err, "%s: cannot open", path);
    int rc = read_fd(fd, path, max, out, err);
    close(fd);
    return rc;
}

int ix_file_is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}
