/* luatask.h - `ix.task`, the primitives handlers use on task files
 * (docs/lua-api.md): the running task's table (current), read another task
 * of the same tasks directory by id, log to it, write a section of the
 * running task.  The family table is callable: `ix.task()` is
 * `ix.task.current()` (luaapi.c).
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

/* Fills the table on top of the stack with current, read, log and
 * set_section. */
void ix_luatask_open(lua_State *L);

/* The dry-run stand-ins of log and set_section (registered by luadry.h):
 * the same checks, the diff recorded. */
int ix_luatask_log_dry(lua_State *L);
int ix_luatask_set_section_dry(lua_State *L);

#endif
