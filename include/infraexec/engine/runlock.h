/* runlock.h - the run lock of a task.
 *
 * WORKSPACE/.infraexec/locks/KEY.lock, flock'ed for as long as a run works
 * on the task (the kernel drops it if the holder dies); it holds a note of
 * its holder.  `run` takes it, and so does `archive`, so that a task is
 * never moved away under a run.  The file is opened without following a
 * symlink and must be a regular file with one link: infraexec never
 * truncates a file it did not create.
 *
 * The note names the holder ("pid P since STAMP") and, while a command of
 * the run is going, its process group with the group leader's start time
 * (/proc/PID/stat), so that the next run can stop a command left running
 * by a run that was killed, and only that one (pids are reused).
 *
 * Calling sequence: ix_runlock_take, ix_runlock_stop_orphan,
 * ix_runlock_note(fd, 0); ix_runlock_note(fd, PGID) as each command
 * starts; close(fd) at the end. */
#ifndef INFRAEXEC_RUNLOCK_H
#define INFRAEXEC_RUNLOCK_H

#include "infraexec/base/err.h"

#include <sys/types.h>

/* Take the lock without waiting: *FD holds it (close to release).  Held by
 * another process: fails with "KEY: already being run by HOLDER (lock PATH)". */
int ix_runlock_take(const char *workspace, const char *key, int *fd, ix_err *err);

/* Rewrite the note of the lock held on FD: this process and, when PGID > 0,
 * the command's process group.  The lock holds without it if it cannot be
 * written (only messages say less). */
void ix_runlock_note(int fd, pid_t pgid);

/* When the note on FD (left by the lock's previous holder) names a process
 * group still running with the same leader, stop it (SIGTERM, up to 5 s,
 * SIGKILL) and return its id; else 0. */
long ix_runlock_stop_orphan(int fd);

#endif
