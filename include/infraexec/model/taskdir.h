/* taskdir.h - where task files live and how a TASK argument finds one.
 *
 * The tasks directory is --tasks-dir, else $INFRAEXEC_TASKS, else the
 * nearest `tasks/` walking up from the current directory (as git finds
 * .git).  Tasks sit in its active/, backlog/, completed/ and blocked/ folders. */
#ifndef INFRAEXEC_TASKDIR_H
#define INFRAEXEC_TASKDIR_H

#include "infraexec/base/buf.h"
#include "infraexec/base/err.h"

#include <stddef.h>

/* The folders scanned: active, backlog, completed, blocked (queue.h orders them). */
extern const char *const ix_taskdir_states[];

/* Find the tasks directory into OUT (malloc'd).  OPT may be NULL. */
int ix_taskdir_find(const char *opt, char **out, ix_err *err);

/* Resolve ARG -- a path, or an id such as TASK-002 -- to a file path.
 * OPT_DIR is --tasks-dir (or NULL); the directory is only looked for when
 * ARG is an id.  A task file that is a symbolic link is refused (task
 * files are untrusted and git stores links: one could point anywhere). */
int ix_taskdir_resolve(const char *opt_dir, const char *arg, char **out, ix_err *err);

/* -1 with "PATH: is a symbolic link; not followed" when PATH's last
 * component is a link (links to the folders above are followed). */
int ix_taskdir_no_link(const char *path, ix_err *err);
/* A task file's bytes, as ix_file_read, but never through a link. */
int ix_taskdir_read(const char *path, size_t max, ix_buf *out, ix_err *err);

/* The workspace of PATH, a task file or a tasks directory (malloc'd): the
 * directory holding the nearest folder named `tasks` on PATH as the user
 * named it, made absolute but with no symlink resolved (with tasks ->
 * ../store, the workspace is the link's directory, not the store's);
 * failing that, the same on PATH's resolved form; failing that, the
 * directory holding PATH. */
char *ix_taskdir_workspace(const char *path);
/* The tasks directory PATH is filed in (".../tasks" for
 * ".../tasks/active/X.md"), malloc'd; NULL when its folder is no state folder. */
char *ix_taskdir_of(const char *path);

/* Every *.md file under the tasks directory's state folders, sorted by
 * path; TEMPLATE files are skipped.  Free with ix_taskdir_free_list. */
int ix_taskdir_list(const char *dir, char ***paths, size_t *n, ix_err *err);
void ix_taskdir_free_list(char **paths, size_t n);

#endif
