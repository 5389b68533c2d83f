/* fileio_internal.h - private to src/sys/file*.c: what the files of the
 * fileio module (include/infraexec/sys/fileio.h) share and nobody else may
 * use.
 *
 *   fileio.c       reading files (regular ones only) and the directory
 *                  helpers: ix_file_read, ix_file_read_at, ix_file_open_dir,
 *                  ix_file_is_dir
 *   filewrite.c    the update under the lock: the lock, the atomic rewrite
 *                  (temp file, fsync, rename) and the stale temp files, the
 *                  update's loop (lock, read, edit, write in place or
 *                  rewrite: ix_file_update_in_place, ix_file_update),
 *                  ix_file_write, ix_file_write_at
 *   fileinplace.c  the writes in place, with their stat and region checks:
 *                  an update's (ix_file_write_in_place below) and
 *                  ix_file_patch_in_place; ix_file_same */
#ifndef INFRAEXEC_FILEIO_INTERNAL_H
#define INFRAEXEC_FILEIO_INTERNAL_H

#include "infraexec/sys/fileio.h"

#include <stddef.h>
#include <sys/stat.h>

/* Read FD to its end into OUT, failing past MAX bytes; FD stays open. */
int ix_file_read_fd(int fd, const char *path, size_t max, ix_buf *out, ix_err *err);

/* Open NAME in DFD (never through a symlink) and hold an exclusive flock
 * on the inode NAME names *now*: a writer that renamed a new file into place
 * while we waited has made our inode stale, so we reopen.  Waits for
 * another holder as IX_FILE_LOCK_WAIT says; returns the locked fd. */
int ix_file_open_locked(int dfd, const char *name, const char *path, ix_err *err);

/* Temp files of NAME left by a writer that died before its rename.  Only
 * the lock holder writes temp files of NAME, and we hold the lock: every
 * one there now is dead. */
void ix_file_remove_stale_temps(int dfd, const char *name);

/* OUT written over the locked file NAME in DFD in place (ST its stat, OLD
 * its bytes, as read under the lock): the end piece (the bytes
 * appended, from IP->tail on when that is before the end), then
 * the changed runs other than the one holding IP->late, fdatasync, then
 * that run, fdatasync.  Returns 1 (nothing written) when it does not apply:
 * OUT shorter than the file, too many runs, the file not writable by us, or
 * the directory not writable (where a rewrite would fail) -- the caller
 * rewrites; 2 when the file is not the one read (another inode at NAME,
 * another size or mtime: a program that takes no lock saved it meanwhile;
 * or, before the run holding IP->late, not holding what was written) --
 * the caller starts again from that save. */
int ix_file_write_in_place(int dfd, const char *name, const char *path, const struct stat *st,
                           const ix_buf *old, const ix_buf *out, const ix_file_inplace *ip,
                           ix_err *err);

#endif
