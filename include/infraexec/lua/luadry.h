/* luadry.h - the dry run's stand-ins, all in one table.
 *
 * In a dry run every primitive that spawns or writes (proc.run, fs.write,
 * fs.rename, log, git.commit, git.push, task.log, task.set_section) is
 * replaced in its family table (and so in its flat alias) by a stand-in that makes the same argument
 * checks and records what it would do (the command, the diff, the move) in
 * the criterion's report.  The acting function never enters the state, so
 * no flag check can be forgotten.  The stand-ins of primitives with shared
 * checking code live beside them (luaproc.h, luafs.h, luatask.h); those
 * that only record (git.commit, git.push, log) live here. */
#ifndef INFRAEXEC_LUADRY_H
#define INFRAEXEC_LUADRY_H

#include <lua.h>

/* Replace the acting primitives of the module table on top of the stack;
 * call after every family has been opened, before the aliases are made. */
void ix_luadry_register(lua_State *L);

#endif
