/* luaproc.h - `ix.proc.run` (alias `ix.run`): the one way a handler starts
 * a process.
 *
 * It checks the argument table completely before it allocates anything
 * (luaL_error longjmps past C cleanup): exactly one of argv (a non-empty
 * list of strings) or script, env as NAME -> string, no unknown field.
 * The command is recorded in the criterion's report before it runs, then
 * run through proc.h with the run's limits (timeout, retries, backoff,
 * cancel flag, secrets masked, command_log_max), its output logged to a
 * fresh file of the run's log directory, opened on demand; the watchdog
 * and the run's progress callbacks learn its process group and lines.
 * A relative cwd starts at the workspace (luafs.h). */
#ifndef INFRAEXEC_LUAPROC_H
#define INFRAEXEC_LUAPROC_H

#include <lua.h>

/* Fills the table on top of the stack with run: ix.proc.run{...} ->
 * result table (ok, exit, signal, timed_out, interrupted, attempts,
 * duration, output, dry_run, log, error). */
void ix_luaproc_open(lua_State *L);

/* Its dry-run stand-in (luadry.h): the same checks, the command recorded;
 * only a command marked read_only = true is run. */
int ix_luaproc_run_dry(lua_State *L);

#endif
