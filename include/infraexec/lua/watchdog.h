/* watchdog.h - the last word on a call into Lua that does not come back.
 *
 * The instruction hook stops Lua code at the run's deadline or once it is
 * cancelled, and ix.run stops its command; but inside one C call (a
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
                      int code_interrupted, int code_timeout, ix_err *err);

/* A call into Lua begins: DEADLINE is monotonic seconds (0 = none), WHAT
 * names the call in the message ("criterion 3"). */
void ix_watchdog_enter(ix_watchdog *w, double deadline, const char *what);
void ix_watchdog_leave(ix_watchdog *w);

/* The process group of the command running now (0 when none). */
void ix_watchdog_group(ix_watchdog *w, pid_t pgid);

/* Stops and joins the thread; W may be NULL. */
void ix_watchdog_stop(ix_watchdog *w);

#endif
