/* fileinplace.c - the writes in place: an update's and
 * ix_file_patch_in_place, with their stat and region checks (fileio.h,
 * fileio_internal.h) */
#include "fileio_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* What an in-place write that failed part way leaves, said once. */
static int fail_in_place(int fd, const char *path, ix_err *err)
{
    ix_err_sys(err, "%s: cannot write in place (the file may hold part of the edit, never the "
                    "late byte without the rest)", path);
    close(fd);
    return -1;
}

int ix_file_write_in_place(int dfd, const char *name, const char *path, const struct stat *st,
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
    return fail_in_place(fd, path, err);
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
        return 1; /* as in ix_file_write_in_place: the rewrite would be refused too */
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
    return fail_in_place(fd, path, err);
}

int ix_file_patch_in_place(const char *path, ix_file_patch *p, ix_err *err)
{
    const char *name;
    int dfd;
    if (ix_file_open_dir(path, &dfd, NULL, &name, err) < 0)
        return -1;
    int fd = ix_file_open_locked(dfd, name, path, err), rc = -1;
    if (fd >= 0) {
        ix_file_remove_stale_temps(dfd, name);
        rc = patch_locked(dfd, name, path, p, err);
        close(fd); /* releases the lock */
    }
    close(dfd);
    return rc;
}
