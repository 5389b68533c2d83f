/* watchdog.h - when a call into Lua must stop, and the last word on one
 * that does not come back.
 *
 * While a call into Lua runs, a thread watches it every 0.1 s.  Once
 * *cancel is nonzero, the deadline has passed or the calling thread has
 * used more than CPU_BUDGET seconds of CPU since the call began (commands
 * it waits on use none), it sends SIGNO to that thread, every tick until
 * ix_watchdog_stopping: the handler arms the count hook, which stops the
 * Lua code (luastop.h).  ix.run stops its command itself; but inside one C
 * call (a
 * backtracking pattern match, a tree walk, libgit2 on a huge repository, an
 * HTTP request with a long timeout) no hook runs.  A thread watches: when a
 * call into Lua is still running GRACE seconds after the deadline or after
 * *cancel became nonzero, it kills the command's process group if one is
 * running, writes one line to stderr and ends the process, with
 * CODE_INTERRUPTED when *cancel is 1 (SIGINT/SIGTERM), else CODE_TIMEOUT.
 * Nothing is left half-written: every edit infraexec makes is a rename into
 * place, and the run lock is released by the kernel. */
#ifndef INFRAEXEC_WATCHDOG_H
#define INFRAEXEC_WATCHDOG_H

#include "infraexec/base/err.h"

#include <signal.h>
#include <sys/types.h>

typedef struct ix_watchdog ix_watchdog;

int ix_watchdog_start(ix_watchdog **out, volatile sig_atomic_t *cancel, double grace,
                      double cpu_budget, int signo, int code_interrupted, int code_timeout,
                      ix_err *err);

/* A call into Lua begins on the calling thread: DEADLINE is monotonic
 * seconds (0 = none), WHAT names the call in the message ("criterion 3"). */
void ix_watchdog_enter(ix_watchdog *w, double deadline, const char *what);
void ix_watchdog_leave(ix_watchdog *w);

/* Whether the call now running went over its CPU budget. */
int ix_watchdog_over_budget(ix_watchdog *w);

/* The hook has raised the stop: no more signals for this call. */
void ix_watchdog_stopping(ix_watchdog *w);

/* The process group of the command running now (0 when none). */
void ix_watchdog_group(ix_watchdog *w, pid_t pgid);

/* Stops the thread and joins it; W may be NULL.  AT_EXIT (the process
 * exits next): not joined, nor W freed; the thread ends by itself without
 * acting again. */
void ix_watchdog_stop(ix_watchdog *w, int at_exit);

#endif
