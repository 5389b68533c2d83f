/* luatask.h - the primitives handlers use on task files and on moves
 * (docs/lua-api.md): read another task of the same tasks directory by id,
 * log to it, write a section of the running task, move a file or
 * directory, list what HEAD holds under a path.
 *
 * A task id from a criterion is untrusted text: it is checked against the
 * task id rules (task.h) and joined one component at a time (pathjoin.h)
 * before it names a file.  Another task is edited through the task model
 * (byte-preserving, read back) under its run lock (runlock.h: never while
 * a run works on it) and its file lock, atomically (fileio.h).  In a dry
 * run the writing primitives are stand-ins that record the diff or the move
 * and change nothing. */
#ifndef INFRAEXEC_LUATASK_H
#define INFRAEXEC_LUATASK_H

#include "infraexec/luahost.h"

#include <lua.h>

/* Adds task_read, task_log, task_set_section, rename and git_files to the
 * module table on top of the stack; DRY_RUN registers the stand-ins. */
void ix_luatask_register(lua_State *L, int dry_run);

/* From luahost.c, for the primitives defined here: the run's context, the
 * criterion being worked on (raises outside a rule), and whether REAL (a
 * path without symlinks) lies inside the directories handlers may write. */
ix_luahost_ctx *ix_luahost_ctx_of(lua_State *L);
ix_crit_report *ix_luahost_current(lua_State *L, const char *fn);
int ix_luahost_inside_roots(lua_State *L, const char *real);

#endif
