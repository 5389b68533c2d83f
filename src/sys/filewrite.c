/* filewrite.c - the update under the lock: the lock, the atomic rewrite
 * (temp file, fsync, rename), ix_file_update, ix_file_write (fileio.h,
 * fileio_internal.h) */
#include "fileio_internal.h"

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

int ix_file_lock_wait(double *secs, ix_err *err)
{
    const char *env = getenv("INFRAEXEC_LOCK_WAIT");
    *secs = IX_FILE_LOCK_WAIT;
    if (!env || !*env)
        return 0;
    char *end;
    double v = strtod(env, &end);
    if (*end || !(v >= 0 && v <= IX_FILE_LOCK_WAIT_MAX)) /* inf would wait forever */
        return ix_err_set(err, "INFRAEXEC_LOCK_WAIT='%s' is not a number of seconds from 0 to %d",
                          env, (int)IX_FILE_LOCK_WAIT_MAX);
    *secs = v;
    return 0;
}

int ix_file_open_locked(int dfd, const char *name, const char *path, ix_err *err)
{
    double max_wait;
    if (ix_file_lock_wait(&max_wait, err) < 0)
        return -1;
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

void ix_file_remove_stale_temps(int dfd, const char *name)
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

/* Lock, read, edit, write.  2 when AGAIN and the file was saved by another
 * program between the read and an in-place write (nothing written). */
static int update_once(int dfd, const char *name, const char *path, ix_file_edit_fn fn,
                       void *ctx, ix_file_inplace *ip, int again, ix_err *err)
{
    int fd = ix_file_open_locked(dfd, name, path, err);
    if (fd < 0)
        return -1;
    ix_file_remove_stale_temps(dfd, name);
    ix_buf old = IX_BUF_INIT, out = IX_BUF_INIT;
    struct stat st;
    int rc = fstat(fd, &st) < 0 ? ix_err_sys(err, "%s: cannot stat", path)
                                : ix_file_read_fd(fd, path, (size_t)-1 >> 1, &old, err);
    if (ip) {
        ip->ok = ip->done = 0;
        ip->late = ip->tail = (size_t)-1;
    }
    if (rc == 0)
        rc = fn(ctx, path, old.data ? old.data : "", old.len, &out, err);
    if (rc == 0 && ip && ip->ok) {
        rc = ix_file_write_in_place(dfd, name, path, &st, &old, &out, ip, err);
        ip->done = rc == 0;
        if (rc == 1 || (rc == 2 && !again))
            rc = 0;
        else if (rc == 0)
            rc = 1; /* written */
    }
    if (rc == 0)
        rc = replace_file(dfd, name, path, &st, out.data ? out.data : "", out.len, err);
    if (rc == 1)
        rc = 0;
    ix_buf_free(&old);
    ix_buf_free(&out);
    close(fd); /* releases the lock, after the rename */
    return rc;
}

/* In place, a save by another program between the read and the write is
 * not overwritten: the update starts again from it (twice at most, then
 * rewrites as an update always did). */
static int update_at(int dfd, const char *name, const char *path, ix_file_edit_fn fn, void *ctx,
                     ix_file_inplace *ip, ix_err *err)
{
    for (int tries = 1;; tries++) {
        int rc = update_once(dfd, name, path, fn, ctx, ip, tries < 3, err);
        if (rc != 2)
            return rc;
    }
}

int ix_file_update_in_place(const char *path, ix_file_edit_fn fn, void *ctx, ix_file_inplace *ip,
                            ix_err *err)
{
    /* Resolved once: the directory is opened and the rest is done in it,
     * the last component never followed (a task file that is a link is
     * refused, not edited through). */
    const char *name;
    int dfd;
    if (ix_file_open_dir(path, &dfd, NULL, &name, err) < 0)
        return -1;
    int rc = update_at(dfd, name, path, fn, ctx, ip, err);
    close(dfd);
    return rc;
}

int ix_file_update(const char *path, ix_file_edit_fn fn, void *ctx, ix_err *err)
{
    return ix_file_update_in_place(path, fn, ctx, NULL, err);
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
        return update_at(dfd, name, path, put_whole, &w, NULL, err);
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
