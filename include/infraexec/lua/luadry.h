/* luadry.h - the dry run's stand-ins, all in one table.
 *
 * In a dry run every primitive that spawns or writes (run, write_file,
 * log, git_commit, git_push, task_log, task_set_section, rename) is
 * replaced in the module table by a stand-in that makes the same argument
 * checks and records what it would do (the command, the diff, the move) in
 * the criterion's report.  The acting function never enters the state, so
 * no flag check can be forgotten.  The stand-ins of primitives with shared
 * checking code live beside them (luaproc.h, luafs.h, luatask.h); those
 * that only record (git_commit, git_push, log) live here. */
#ifndef INFRAEXEC_LUADRY_H
#define INFRAEXEC_LUADRY_H

#include <lua.h>

/* Replace the acting primitives of the module table on top of the stack;
 * call after every family has registered. */
void ix_luadry_register(lua_State *L);

#endif
