/* pathjoin.h - the one way paths under a workspace's .infraexec/ are built.
 *
 * Names from task files (the id, above all) end up in paths there: the run
 * lock, the log directories.  Every such path is joined here, one name per
 * component, and a component that is empty, ".", "..", or holds a '/' is
 * refused, so no field of an untrusted task file can climb out of
 * .infraexec/.  The directories are opened without following symlinks:
 * a symlinked .infraexec/ (or locks/, logs/ ...) is refused, since writing
 * through it would write wherever its author pointed it. */
#ifndef INFRAEXEC_PATHJOIN_H
#define INFRAEXEC_PATHJOIN_H

#include "infraexec/base/buf.h"
#include "infraexec/base/err.h"

/* Whether NAME is one path component: not empty, not "." or "..", no '/'. */
int ix_path_name_ok(const char *name);

/* BASE/PARTS[0]/PARTS[1]/... (PARTS ends with NULL) appended to OUT;
 * refuses (OUT unchanged) a part that is not one component. */
int ix_path_join(ix_buf *out, const char *base, const char *const *parts, ix_err *err);

/* Open WORKSPACE/.infraexec/PARTS... as a directory (O_DIRECTORY, into
 * *DFD), creating missing ones (mode 0755) when CREATE, following no
 * symlink from .infraexec/ down.  PATH (may be NULL) gets its path, malloc'd. */
int ix_state_dir(const char *workspace, const char *const *parts, int create, int *dfd,
                 char **path, ix_err *err);

#endif
