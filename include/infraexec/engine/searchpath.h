/* searchpath.h - where a command finds its workspace, handlers and Lua code.
 *
 * The workspace is the directory above the tasks folder (taskdir.h's
 * ix_taskdir_workspace, for a task file or a tasks directory); a command
 * given no task uses the tasks directory's, else the current directory.
 * The handler path is, highest priority first: --handlers, each directory
 * of $INFRAEXEC_PATH, WORKSPACE/handlers, then the installed handlers; the
 * Lua path WORKSPACE/lua, then the installed lua/.  "Installed" is found
 * from the binary (/proc/self/exe): PREFIX/share/infraexec, or the source
 * tree it was built in.  Only directories that exist are listed, once each. */
#ifndef INFRAEXEC_SEARCHPATH_H
#define INFRAEXEC_SEARCHPATH_H

#include "infraexec/base/err.h"

/* The workspace of a command given no task (malloc'd into *OUT): above the
 * tasks directory TASKS_OPT (--tasks-dir, or NULL to look for one), else
 * the current directory.  Fails only when the current directory cannot be
 * read. */
int ix_searchpath_workspace(const char *tasks_opt, char **out, ix_err *err);

/* The handler and Lua search paths for WORKSPACE (NULL-terminated,
 * highest priority first, caller owns both); free with ix_searchpath_free.
 * HANDLERS_OPT is --handlers, or NULL. */
void ix_searchpath_dirs(const char *handlers_opt, const char *workspace, char ***handler_dirs,
                        char ***lua_dirs);
void ix_searchpath_free(char **dirs);

#endif
