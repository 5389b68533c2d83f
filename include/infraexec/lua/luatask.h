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
 * and change nothing (luadry.h). */
#ifndef INFRAEXEC_LUATASK_H
#define INFRAEXEC_LUATASK_H

#include "infraexec/lua/luahost.h"

#include <lua.h>

/* Adds task_read, task_log, task_set_section, rename and git_files to the
 * module table on top of the stack. */
void ix_luatask_register(lua_State *L);

/* The dry-run stand-ins of task_log, task_set_section and rename
 * (registered by luadry.h): the same checks, the diff or move recorded. */
int ix_luatask_log_dry(lua_State *L);
int ix_luatask_set_section_dry(lua_State *L);
int ix_luatask_rename_dry(lua_State *L);

#endif
