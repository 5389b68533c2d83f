/* runlock.h - the run lock of a task.
 *
 * WORKSPACE/.infraexec/locks/KEY.lock, flock'ed for as long as a run works
 * on the task (the kernel drops it if the holder dies); it holds a note of
 * its holder.  `run` takes it, and so does `archive`, so that a task is
 * never moved away under a run.  The file is opened without following a
 * symlink and must be a regular file with one link: infraexec never
 * truncates a file it did not create. */
#ifndef INFRAEXEC_RUNLOCK_H
#define INFRAEXEC_RUNLOCK_H

#include "infraexec/err.h"

/* Take the lock without waiting: *FD holds it (close to release).  Held by
 * another process: fails with "KEY: already being run by HOLDER (lock PATH)". */
int ix_runlock_take(const char *workspace, const char *key, int *fd, ix_err *err);

#endif
