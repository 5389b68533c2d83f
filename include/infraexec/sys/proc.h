/* proc.h - run one child process: the only place infraexec spawns one.
 *
 * This module owns everything about a task's child process: spawning it
 * (posix_spawn, argv[0] found on PATH as execvp would, or `bash -eo pipefail
 * -c SCRIPT`), its process group, timeouts and cancellation (SIGTERM to the group, SIGKILL after a
 * grace period), retries with backoff, and its output.  Output is read as it
 * arrives; every line goes to an optional log fd and line callback, and only
 * a bounded tail is kept in memory, so memory does not grow with output.
 *
 * Nothing a command starts outlives it: the calling process becomes a
 * child subreaper (PR_SET_CHILD_SUBREAPER) at the first run, so daemons a
 * command detaches (setsid, double fork) are re-parented to it, and when no
 * command is running any more every such leftover is killed and reaped -
 * unless the command that ended last said leave_running.
 *
 * It installs no signal handlers and never prints, except to the log fd it
 * is given.  Callers must not set SIGCHLD to SIG_IGN (that discards the exit
 * status).  One ix_proc describes one command; several may run at once in
 * different threads.
 *
 * The code is in src/sys/proc*.c, one concern a file (src/sys/proc_internal.h,
 * private to them, lists which). */
#ifndef INFRAEXEC_PROC_H
#define INFRAEXEC_PROC_H

#include <signal.h>
#include <sys/types.h>
#include <stddef.h>

#include "infraexec/base/buf.h"
#include "infraexec/base/err.h"

typedef struct ix_proc {
    /* ---- input: set by the caller ---- */

    /* Exactly one of argv and script.  argv[0] is looked up on PATH (the PATH
     * of the child's environment, i.e. after env below is applied); no shell
     * is involved.  script runs as `bash -eo pipefail -c script`. */
    const char *const *argv;
    const char *script;
    const char *cwd;            /* NULL = inherit */
    /* NULL-terminated list (or NULL) applied on top of the inherited
     * environment: "NAME=value" sets or overrides, a bare "NAME" unsets. */
    const char *const *env;
    double timeout;             /* seconds per attempt; 0 = none */
    double kill_grace;          /* seconds between SIGTERM and SIGKILL; 0 = 2 s */
    int retries;                /* extra attempts after a failed one */
    double backoff;             /* seconds to wait before each retry */
    /* 1: the command starts a service meant to outlive it (a registry
     * restart): what it leaves running is not stopped. */
    int leave_running;
    /* -1 = none.  Otherwise receives every output line as
     * "HH:MM:SS.mmm out| line" or "... err| line" (lines over 64 KiB are
     * split; a last line without newline is still written), plus one
     * "HH:MM:SS.mmm ---- attempt i/n: ..." line at each attempt's start and
     * end.  Logging is best effort: after a failed write (full disk, closed
     * pipe) the run goes on without it, and a SIGPIPE it causes is discarded.
     * The log is capped at log_max bytes: past its head it keeps only the
     * last lines (at most 4 MiB, or half the cap) after a line
     * "---- log cut: N bytes of log left out here ...". */
    int log_fd;
    /* Optional, used when log_fd is -1: returns the log fd (or -1), called at
     * most once, when the first output line arrives or an attempt fails.
     * Until then the attempt lines wait in memory, so a command that
     * succeeds without printing leaves no log.  The caller closes the fd. */
    int (*open_log)(void *ctx);
    size_t log_max;             /* bytes; 0 = 64 MiB */
    size_t tail_max;            /* bytes of output kept in tail; 0 = 64 KiB */
    /* Optional, called on the calling thread for each output line as it
     * arrives (stream 1 = stdout, 2 = stderr), under the same splitting rule
     * as the log.  line is NUL-terminated; len excludes the newline. */
    void (*on_line)(void *ctx, int stream, const char *line, size_t len);
    /* Optional, called on the calling thread at least every quarter second
     * while a child runs (progress spinners, heartbeats). */
    void (*on_tick)(void *ctx);
    /* Optional: each attempt's process group as it starts (0 when it ended),
     * so a caller can note it where a successor finds it if we are killed. */
    void (*on_group)(void *ctx, pid_t pgid);
    void *ctx;
    /* Optional: once *cancel is nonzero (typically set by the caller's SIGINT
     * handler) the child is stopped as on timeout, no retry follows, and the
     * result has interrupted = 1.  The child runs in its own process group,
     * so a terminal's Ctrl-C reaches only the caller, which decides. */
    volatile sig_atomic_t *cancel;
    /* Optional: values masked as "***" in everything given to log_fd and
     * on_line, and in tail.  Each of stdout and stderr is masked as one
     * stream, so a secret cut by a read or by the line split is caught. */
    const struct ix_secrets *secrets;

    /* ---- output: filled by ix_proc_run, reset by ix_proc_clear ---- */
    int exit_code;      /* of the last attempt; -1 if killed by a signal or never run */
    int term_signal;    /* signal that killed the last attempt, 0 if none */
    int timed_out;      /* 1 if the last attempt hit the timeout */
    int interrupted;    /* 1 if *cancel stopped the run */
    int attempts;       /* attempts made (a spawn failure counts as one) */
    double duration;    /* wall-clock seconds of the whole run, backoff included */
    /* Last tail_max bytes of the last attempt's stdout and stderr, interleaved
     * as read; NUL-terminated, never NULL after a successful ix_proc_run. */
    char *tail;
    size_t tail_len;
    /* Non-empty if the child could not be started, e.g.
     * "nosuchcmd: No such file or directory"; exit_code is then 127. */
    char spawn_error[256];
} ix_proc;

#define IX_PROC_INIT { .log_fd = -1, .exit_code = -1 }

/* Run the command (with retries) and fill the outputs.  Returns 0 once the
 * command ran, whatever its result - test that with ix_proc_ok - and -1 only
 * for misuse (neither or both of argv and script) or when a resource ran out
 * (pipe, fork, poll failed); the outputs are then meaningless.  Any previous
 * result in p is cleared first, so one ix_proc can be run again. */
int ix_proc_run(ix_proc *p, ix_err *err);

/* 1 if the last attempt exited 0 without timeout or cancellation. */
int ix_proc_ok(const ix_proc *p);

/* Free tail and reset every output field; inputs are left alone. */
void ix_proc_clear(ix_proc *p);

/* Append argv to out as a one-line shell command for display: words made only
 * of safe characters stay bare, others are 'single-quoted', and words holding
 * control characters (newline, tab...) use bash's $'...' form.  Returns -1 if
 * argv or out is NULL. */
int ix_proc_format_argv(const char *const *argv, ix_buf *out);

#endif
