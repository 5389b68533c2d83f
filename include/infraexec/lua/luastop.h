/* luastop.h - the count hook, set only when Lua code must stop.
 *
 * In Lua 5.4 any count hook sends every VM instruction through the hook
 * check, whatever the count (13 % of a dry run).  So the main Lua thread
 * runs without one; when it must stop, the watchdog (watchdog.h) sends
 * IX_LUASTOP_SIGNAL to the thread in the call, and the handler sets the
 * hook with count 1 on the registered state: lua_sethook is made to be
 * called from a signal handler (lua.c's Ctrl-C does the same).  The hook
 * stops the code, or turns itself off when nothing must stop (a stray
 * signal).  A signal that lands where setting the hook does nothing (a
 * coroutine running) is sent again each tick until the hook has raised.
 *
 * Hooks belong to one Lua thread and a handler cannot tell which coroutine
 * runs, so coroutines (no shipped code uses them) get an always-on count
 * hook as they are created (coroutine.create and coroutine.wrap). */
#ifndef INFRAEXEC_LUASTOP_H
#define INFRAEXEC_LUASTOP_H

#include <lua.h>
#include <signal.h>

/* Default action: ignored, so a stray one from outside is harmless. */
#define IX_LUASTOP_SIGNAL SIGURG

/* Registers L (the main thread) for the signal, installs the handler once
 * per process (SA_RESTART), and makes new coroutines count with HOOK every
 * EVERY instructions.  One state at a time. */
void ix_luastop_open(lua_State *L, lua_Hook hook, int every);
void ix_luastop_close(lua_State *L);

/* Sets HOOK on L with COUNT (0: off), the signal blocked meanwhile: not
 * from the handler. */
void ix_luastop_set(lua_State *L, int count);

#endif
