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
    int rc = check_regular(fd, path, err) < 0 ? -1 : read_fd(fd, path, max, out, err);
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

static int pwrite_all(int fd, const char *data, size_t len, size_t off)
{
    while (len) {
        ssize_t n = pwrite(fd, data, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
        off += (size_t)n;
    }
    return 0;
}

#define IX_INPLACE_MAX_RUNS 16

typedef struct run_span {
    size_t start, end;
} run_span;

/* The runs of bytes in which NEW differs from OLD over OLD's length; 0 when
 * there are more than IX_INPLACE_MAX_RUNS.  Whole equal pages are skipped
 * with memcmp, so a tick in a large file costs a compare, not a byte loop. */
static size_t diff_runs(const char *old, const char *new, size_t len, run_span *runs)
{
    size_t n = 0;
    for (size_t page = 0; page < len; page += 4096) {
        size_t end = len - page < 4096 ? len : page + 4096;
        if (memcmp(old + page, new + page, end - page) == 0)
            continue;
        for (size_t i = page; i < end; i++) {
            if (old[i] == new[i])
                continue;
            if (n && i - runs[n - 1].end < 16) { /* one write for a date's digits */
                runs[n - 1].end = i + 1;
                continue;
            }
            if (n == IX_INPLACE_MAX_RUNS)
                return 0;
            runs[n++] = (run_span){i, i + 1};
        }
    }
    return n;
}

/* FD holds OUT but LATE, which still holds OLD's bytes. */
static int holds(int fd, const ix_buf *out, const run_span *late, const ix_buf *old)
{
    struct stat st;
    if (fstat(fd, &st) < 0 || (size_t)st.st_size != out->len)
        return 0;
    char *now = ix_xmalloc(out->len + 1);
    size_t got = 0;
    while (got < out->len) {
        ssize_t n = pread(fd, now + got, out->len - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    size_t a = late->start, z = late->end;
    int same = got == out->len && memcmp(now, out->data, a) == 0 &&
               memcmp(now + a, old->data + a, z - a) == 0 &&
               memcmp(now + z, out->data + z, out->len - z) == 0;
    free(now);
    return same;
}

/* OUT written over the locked file FD in place: the end piece (the bytes
 * appended, from IP->tail on when that is before the end), then
 * the changed runs other than the one holding IP->late, fdatasync, then
 * that run, fdatasync.  Returns 1 (nothing written) when it does not apply:
 * OUT shorter than the file, too many runs, the file not writable by us, or
 * the directory not writable (where a rewrite would fail) -- the caller
 * rewrites; 2 when the file is not the one read (another inode at NAME,
 * another size or mtime: a program that takes no lock saved it meanwhile;
 * or, before the run holding IP->late, not holding what was written) --
 * the caller starts again from that save. */
static int write_in_place(int dfd, const char *name, const char *path, const struct stat *st,
                          const ix_buf *old, const ix_buf *out, const ix_file_inplace *ip,
                          ix_err *err)
{
    run_span runs[IX_INPLACE_MAX_RUNS];
    size_t nruns = 0;
    if (out->len < old->len)
        return 1;
    if (old->len) {
        nruns = diff_runs(old->data, out->data, old->len, runs);
        if (!nruns && memcmp(old->data, out->data, old->len) != 0)
            return 1;
    }
    /* Only where a rewrite could go too: whether an edit can be written
     * must not depend on its shape (a read-only directory refuses both). */
    if (faccessat(dfd, ".", W_OK, AT_EACCESS) < 0)
        return 1;
    int fd = openat(dfd, name, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 1;
    struct stat now;
    if (fstat(fd, &now) < 0 || now.st_ino != st->st_ino || now.st_dev != st->st_dev ||
        now.st_size != st->st_size || now.st_mtim.tv_sec != st->st_mtim.tv_sec ||
        now.st_mtim.tv_nsec != st->st_mtim.tv_nsec) {
        close(fd);
        return 2;
    }
    /* The end piece: from TAIL (at most the old length) to the new end. */
    size_t tail = ip->tail < old->len ? ip->tail : old->len;
    size_t grow = out->len - tail;
    while (nruns && runs[nruns - 1].start >= tail)
        nruns--;
    if (nruns && runs[nruns - 1].end > tail)
        runs[nruns - 1].end = tail;
    if (grow && pwrite_all(fd, out->data + tail, grow, tail) < 0) {
        ix_err_sys(err, "%s: cannot write (file left unchanged)", path);
        /* Back to the old bytes: those overwritten need no new blocks. */
        if (pwrite_all(fd, old->data + tail, old->len - tail, tail) < 0 ||
            ftruncate(fd, (off_t)old->len) < 0) {
            /* a prefix of the entry stays: a shorter line */
        }
        close(fd);
        return -1;
    }
    int late = -1;
    for (size_t i = 0; i < nruns; i++) {
        if (ip->late >= runs[i].start && ip->late < runs[i].end) {
            late = (int)i;
            continue;
        }
        if (pwrite_all(fd, out->data + runs[i].start, runs[i].end - runs[i].start,
                       runs[i].start) < 0)
            goto fail;
    }
    if ((grow || nruns > (late >= 0)) && fdatasync(fd) < 0)
        goto fail;
    /* A save by a program that takes no lock during the writes and their
     * fdatasync (milliseconds on a disk) may have moved the bytes: the late
     * byte (a tick) must not land in them, where another box may be. */
    if (late >= 0 && !holds(fd, out, &runs[late], old)) {
        close(fd);
        return 2;
    }
    if (late >= 0 && (pwrite_all(fd, out->data + runs[late].start,
                                 runs[late].end - runs[late].start, runs[late].start) < 0 ||
                      fdatasync(fd) < 0))
        goto fail;
    close(fd);
    return 0;
fail:
    ix_err_sys(err, "%s: cannot write in place (the file may hold part of the edit, never the "
                    "late byte without the rest)", path);
    close(fd);
    return -1;
}

/* Lock, read, edit, write.  2 when AGAIN and the file was saved by another
 * program between the read and an in-place write (nothing written). */
static int update_once(int dfd, const char *name, const char *path, ix_file_edit_fn fn,
                       void *ctx, ix_file_inplace *ip, int again, ix_err *err)
{
    int fd = open_locked(dfd, name, path, err);
    if (fd < 0)
        return -1;
    remove_stale_temps(dfd, name);
    ix_buf old = IX_BUF_INIT, out = IX_BUF_INIT;
    struct stat st;
    int rc = fstat(fd, &st) < 0 ? ix_err_sys(err, "%s: cannot stat", path)
                                : read_fd(fd, path, (size_t)-1 >> 1, &old, err);
    if (ip) {
        ip->ok = ip->done = 0;
        ip->late = ip->tail = (size_t)-1;
    }
    if (rc == 0)
        rc = fn(ctx, path, old.data ? old.data : "", old.len, &out, err);
    if (rc == 0 && ip && ip->ok) {
        rc = write_in_place(dfd, name, path, &st, &old, &out, ip, err);
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

int ix_file_same(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* FD holds the LEN bytes BYTES at OFF. */
static int holds_at(int fd, size_t off, const char *bytes, size_t len)
{
    char small[4096];
    char *buf = len <= sizeof small ? small : ix_xmalloc(len);
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    int same = got == len && memcmp(buf, bytes, len) == 0;
    if (buf != small)
        free(buf);
    return same;
}

/* ix_file_patch_in_place under the lock: 1 when the file is not as P
 * expects (before the first write, or changed during the first fdatasync,
 * LATE not written). */
static int patch_locked(int dfd, const char *name, const char *path, ix_file_patch *p,
                        ix_err *err)
{
    if (faccessat(dfd, ".", W_OK, AT_EACCESS) < 0)
        return 1; /* as in write_in_place: the rewrite would be refused too */
    int fd = openat(dfd, name, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 1;
    struct stat st, s1, s2;
    size_t size = (size_t)p->expect->st_size, grow = (size_t)-1;
    int ok = fstat(fd, &st) == 0 && ix_file_same(&st, p->expect);
    for (size_t i = 0; ok && i < p->n; i++) {
        const ix_file_piece *c = &p->pieces[i];
        ok = c->off <= size && c->old_len <= size - c->off && c->len >= c->old_len &&
             holds_at(fd, c->off, c->old, c->old_len);
        if (ok && c->len != c->old_len) {
            ok = c->off + c->old_len == size && grow == (size_t)-1 && i != p->late;
            grow = i;
        }
    }
    if (!ok) {
        close(fd);
        return 1;
    }
    int others = 0;
    if (grow != (size_t)-1) {
        const ix_file_piece *g = &p->pieces[grow];
        if (pwrite_all(fd, g->data, g->len, g->off) < 0) {
            ix_err_sys(err, "%s: cannot write (file left unchanged)", path);
            /* Back to the old bytes: those overwritten need no new blocks. */
            if (pwrite_all(fd, g->old, g->old_len, g->off) < 0 || ftruncate(fd, (off_t)size) < 0) {
                /* a prefix of the entry stays: a shorter line */
            }
            close(fd);
            return -1;
        }
        others = 1;
    }
    for (size_t i = 0; i < p->n; i++) {
        if (i == grow || i == p->late)
            continue;
        if (pwrite_all(fd, p->pieces[i].data, p->pieces[i].len, p->pieces[i].off) < 0)
            goto fail;
        others = 1;
    }
    if (others && (fstat(fd, &s1) < 0 || fdatasync(fd) < 0))
        goto fail;
    if (p->late < p->n) {
        /* As holds() does for the whole file: a save during the fdatasync
         * moved the bytes, and the late one must not land in them. */
        const ix_file_piece *l = &p->pieces[p->late];
        if ((others && (fstat(fd, &s2) < 0 || !ix_file_same(&s1, &s2))) ||
            !holds_at(fd, l->off, l->old, l->old_len)) {
            close(fd);
            return 1;
        }
        if (pwrite_all(fd, l->data, l->len, l->off) < 0 || fdatasync(fd) < 0)
            goto fail;
    }
    if (fstat(fd, &p->after) < 0)
        goto fail;
    close(fd);
    return 0;
fail:
    ix_err_sys(err, "%s: cannot write in place (the file may hold part of the edit, never the "
                    "late byte without the rest)", path);
    close(fd);
    return -1;
}

int ix_file_patch_in_place(const char *path, ix_file_patch *p, ix_err *err)
{
    const char *name;
    int dfd;
    if (ix_file_open_dir(path, &dfd, NULL, &name, err) < 0)
        return -1;
    int fd = open_locked(dfd, name, path, err), rc = -1;
    if (fd >= 0) {
        remove_stale_temps(dfd, name);
        rc = patch_locked(dfd, name, path, p, err);
        close(fd); /* releases the lock */
    }
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
