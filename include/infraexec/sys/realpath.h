/* realpath.h - realpath(3), in one walk of the path when it can be.
 *
 * glibc's realpath asks readlink of every component in turn, each call a
 * walk from the root (six calls, 21 lookups, for /work/main/handlers/x.lua),
 * and the sandbox and ix.fs resolve every handler file that way several
 * times a run.  A path that is absolute, with no empty, "." or ".."
 * component and no trailing slash, is its own real path exactly when no
 * component of it is a symlink, and openat2 with RESOLVE_NO_SYMLINKS (and
 * O_PATH: no read permission needed, as realpath needs none) tells that in
 * one walk.  Otherwise (a symlink on the way, another form of path, no
 * openat2: a kernel before 5.6 or a seccomp filter) realpath answers; a
 * missing component on a walk with no symlink is missing for realpath too.
 * So the answer is realpath's in every case, and confinement checks built
 * on it are exactly as strong as before. */
#ifndef INFRAEXEC_SYS_REALPATH_H
#define INFRAEXEC_SYS_REALPATH_H

#include <limits.h>
#include <sys/stat.h>

/* realpath(PATH, OUT): 0, or -1 with errno.  ST (may be NULL): the file's
 * stat(2), links followed, taken on what was resolved. */
int ix_realpath(const char *path, char out[PATH_MAX], struct stat *st);

#endif
