/* fileio.h - reading and durably rewriting the files infraexec edits.
 *
 * An update locks the file (flock, released by the kernel when the holder
 * dies), reads it, lets a callback compute the new bytes from what is on disk
 * *now*, writes them to a temp file in the same directory, fsyncs, renames it
 * over the original and fsyncs the directory.  A reader sees the old or the
 * new file, never a mix; a failed write leaves the original untouched.
 * A file that is a symlink is refused (ix_file_update*; links in the
 * directories above are followed); ix_file_write writes a link's target.
 * The file's mode is kept.
 * An edit that only overwrites bytes at the same length and appends (a tick,
 * `updated:`, a Progress Log entry at the end) may instead be written in the
 * file where it stands (ix_file_update_in_place below), in an order that
 * makes every state a crash can leave a harmless one.
 *
 * The path is resolved once: its directory is opened and every later step
 * (lock, read, temp file with O_EXCL, rename, fsync) names the file relative
 * to that directory, the last component opened O_NOFOLLOW, so that a
 * symlink swapped in meanwhile makes the write fail, never go elsewhere.
 *
 * The code is in src/sys/file*.c, one concern a file
 * (src/sys/fileio_internal.h, private to them, lists which). */
#ifndef INFRAEXEC_FILEIO_H
#define INFRAEXEC_FILEIO_H

#include "infraexec/base/buf.h"
#include "infraexec/base/err.h"

#include <stddef.h>
#include <sys/stat.h>

/* Computes the new content of PATH from DATA into OUT.  Returns 0 to write
 * OUT, 1 to leave the file as it is, -1 (with ERR set) to fail. */
typedef int (*ix_file_edit_fn)(void *ctx, const char *path, const char *data, size_t len,
                               ix_buf *out, ix_err *err);

/* Seconds a writer waits for another's lock before failing:
 * $INFRAEXEC_LOCK_WAIT, default 10. */
#define IX_FILE_LOCK_WAIT 10.0
#define IX_FILE_LOCK_WAIT_MAX 3600.0 /* the most $INFRAEXEC_LOCK_WAIT may say */

/* The lock wait in *SECS; -1 and ERR when $INFRAEXEC_LOCK_WAIT is set but is
 * no number of seconds from 0 to IX_FILE_LOCK_WAIT_MAX ("inf" would wait
 * forever).  Every update checks it; the CLI checks it before anything runs. */
int ix_file_lock_wait(double *secs, ix_err *err);

int ix_file_update(const char *path, ix_file_edit_fn fn, void *ctx, ix_err *err);

/* An edit function that knows exactly what its edit does to the file may
 * set OK (fileio clears it before each call): OUT is then written over the
 * file where it stands, under the same lock, instead of through a temp file,
 * when it is the file's bytes with runs overwritten at the same length and
 * bytes appended.  The appended bytes and every run but the one holding
 * LATE go first and are made durable (fdatasync); the run holding LATE
 * last, then fdatasync again; before that last run the file is read back:
 * unless it holds OUT but that run (a program taking no lock saved it
 * meanwhile), the update starts again from the save.  So a crash or a kill leaves the old file,
 * the new one, or the new one without the LATE run (with the other runs
 * perhaps only partly applied): for a tick, its evidence without the tick,
 * never the tick without its evidence.  The file must be the one read (same
 * inode, size and mtime when the write starts) and writable by us; else,
 * or when the bytes are not of that shape, the update rewrites the file as
 * ix_file_update does.  DONE says which way it went.  A reader (who takes
 * no lock) can see the intermediate states too. */
typedef struct ix_file_inplace {
    int ok;       /* set by the edit function: OUT may be written in place */
    size_t late;  /* the offset whose run is written last; (size_t)-1: none */
    /* OUT from TAIL on is written in one piece, over the file's last bytes
     * (an insertion before the blank lines that end it); (size_t)-1 or the
     * file's length: from the end, appended bytes only. */
    size_t tail;
    int done;     /* out: 1 when the edit was written in place */
} ix_file_inplace;

int ix_file_update_in_place(const char *path, ix_file_edit_fn fn, void *ctx, ix_file_inplace *ip,
                            ix_err *err);

/* The same in-place write when the caller knows the file: it says what it
 * last saw (EXPECT, the stat it had after its own last write or its read)
 * and gives the pieces to write, each with the bytes the file holds there
 * now.  Nothing is read but those regions: under the lock the file must be
 * the one seen (inode, size, mtime and ctime: any write changes ctime, which
 * no program can set back, and the kernel makes a change after a stat read
 * it show a new time) and hold each piece's old bytes; else nothing is
 * written and the call returns 1, and the caller does a whole update
 * (ix_file_update_in_place), which reads the file.  The order is that of
 * ix_file_update_in_place: every piece but LATE, fdatasync, a check that the
 * file is still as written (its stat unchanged across the fdatasync, LATE's
 * old bytes there), LATE, fdatasync.  A piece may end at the file's end and
 * grow it (at most one, written first; a failed one is truncated away).
 * AFTER gets the file's stat once written: the next call's EXPECT.  The
 * directory must be writable, as for a rewrite. */
typedef struct ix_file_piece {
    size_t off;
    const char *old;      /* the bytes at OFF now, OLD_LEN of them */
    size_t old_len;
    const char *data;     /* what goes there, LEN bytes (>= OLD_LEN only at the end) */
    size_t len;
} ix_file_piece;

typedef struct ix_file_patch {
    const struct stat *expect;
    const ix_file_piece *pieces;
    size_t n;
    size_t late;          /* index of the piece written last; (size_t)-1: none */
    struct stat after;    /* out */
} ix_file_patch;

int ix_file_patch_in_place(const char *path, ix_file_patch *p, ix_err *err);

/* A is the file B was: the same inode, size, mtime and ctime.  Any write
 * changes ctime, which no program can set back (touch -d sets mtime only),
 * and since Linux 6.13 a change after a stat gets a time of its own on
 * ext4, xfs, btrfs and tmpfs (fine-grained timestamps), so equal stats mean
 * no write in between; on older kernels, a same-size write in the same
 * clock tick (a few ms) as the stat is not told apart. */
int ix_file_same(const struct stat *a, const struct stat *b);

/* Replace PATH's content with DATA through ix_file_update, or create it
 * (mode 0666 & ~umask) when it does not exist yet.  Either way the file
 * appears complete or not at all. */
int ix_file_write(const char *path, const char *data, size_t len, ix_err *err);

/* Open the directory holding PATH (following links: the path is the
 * caller's) into *DFD; *NAME points at PATH's last component, which must be
 * a file name.  REAL_DIR (may be NULL) gets the opened directory's true
 * path, for checking where writes through *DFD will land. */
int ix_file_open_dir(const char *path, int *dfd, char **real_dir, const char **name, ix_err *err);

/* ix_file_write of NAME in the directory DFD, NAME never followed: a
 * symlink there is refused.  PATH names the file in messages. */
int ix_file_write_at(int dfd, const char *name, const char *path, const char *data, size_t len,
                     ix_err *err);

/* ix_file_read of NAME in DFD, not following a symlink. */
int ix_file_read_at(int dfd, const char *name, const char *path, size_t max, ix_buf *out,
                    ix_err *err);

/* Read a whole file, refusing files larger than MAX bytes and anything but
 * a regular file (a FIFO, a device, a directory: "PATH: is a FIFO, not a
 * regular file"), which is opened without blocking and never read. */
int ix_file_read(const char *path, size_t max, ix_buf *out, ix_err *err);

/* Whether PATH is a directory (links followed). */
int ix_file_is_dir(const char *path);

#endif
