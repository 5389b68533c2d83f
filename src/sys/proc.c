/* proc.c - see include/infraexec/sys/proc.h
 *
 * Shape of one attempt: posix_spawn; the child starts in its own process
 * group, with stdin on /dev/null and stdout/stderr on two pipes; an exec
 * failure comes back as posix_spawn's result.  The parent then loops on
 * poll() over the two pipes and a pidfd (child exit), with a short tick so
 * timeout, cancel and kill deadlines are checked without any signal
 * handler. */
#include "infraexec/sys/proc.h"
#include "proc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double ix_proc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One attempt: spawn, pump output until the child has exited and the pipes
 * are done, enforce timeout/cancel.  Fills the attempt's outputs in p.
 *
 * The child is only reaped at the very end: while it is an unreaped zombie
 * its pid - which is also its group id - cannot be reused, so kill(-pid)
 * can never hit an unrelated group. */
static int attempt(run *r, char *const *argv, char **envp, int devnull, ix_err *err)
{
    ix_proc *p = r->p;
    pid_t pid;
    int fds[2] = {-1, -1};
    ix_proc_attempt_begins();
    int started = ix_proc_spawn(p, argv, envp, devnull, &pid, fds, err);
    if (started < 0 || pid < 0) { /* resource failure, or it could not start */
        ix_proc_attempt_ends(1);
        return started;
    }
    ix_proc_attempt_started(pid);

    int pidfd = -1;
#ifdef SYS_pidfd_open
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0); /* -1 on old kernels: tick */
#endif
    double grace = p->kill_grace > 0 ? p->kill_grace : DEFAULT_GRACE;
    double start = ix_proc_now();
    double deadline = p->timeout > 0 ? start + p->timeout : 0;
    double kill_at = 0, drain_end = 0;
    int status = 0, exited = 0, stopping = 0, killed = 0, rc = 0, big[2] = {0, 0};

    while (!exited || fds[0] >= 0 || fds[1] >= 0) {
        double t = ix_proc_now();
        if (p->on_tick)
            p->on_tick(p->ctx);
        if (!exited && !stopping) {
            if (p->cancel && *p->cancel)
                p->interrupted = stopping = 1;
            else if (deadline && t >= deadline)
                p->timed_out = stopping = 1;
            if (stopping) {
                kill(-pid, SIGTERM);
                kill_at = t + grace;
            }
        }
        if (stopping && !killed && t >= kill_at) {
            kill(-pid, SIGKILL);
            killed = 1;
        }
        if (!exited) {
            siginfo_t si;
            si.si_pid = 0;
            int w;
            do /* WNOWAIT: see above */
                w = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT);
            while (w < 0 && errno == EINTR);
            if (w < 0) {
                rc = ix_err_sys(err, "waitid");
                kill(-pid, SIGKILL);
                break;
            }
            if (si.si_pid == pid) {
                exited = 1;
                drain_end = t + DRAIN_SECS;
            }
        }
        if (exited && fds[0] < 0 && fds[1] < 0)
            break; /* both pipes already at EOF: nothing left to read */
        if (exited && t >= drain_end) {
            /* The child is gone but something it started (`sleep 30 &`)
             * still holds our pipes.  The task is over: end its group
             * rather than wait for it. */
            kill(-pid, SIGKILL);
            break;
        }

        struct pollfd pfd[3];
        int np = 0, idx[2] = {-1, -1};
        for (int i = 0; i < 2; i++)
            if (fds[i] >= 0) {
                idx[i] = np;
                pfd[np++] = (struct pollfd){.fd = fds[i], .events = POLLIN};
            }
        if (!exited && pidfd >= 0)
            pfd[np++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
        double wake = t + (pidfd < 0 && !exited ? TICK_NO_PIDFD_SECS : TICK_SECS);
        if (deadline && !stopping && deadline < wake)
            wake = deadline;
        if (stopping && !killed && kill_at < wake)
            wake = kill_at;
        if (exited && drain_end < wake)
            wake = drain_end;
        int ms = wake > t ? (int)((wake - t) * 1000) + 1 : 0;
        int ready = poll(pfd, (nfds_t)np, ms);
        if (ready < 0 && errno != EINTR) {
            rc = ix_err_sys(err, "poll");
            kill(-pid, SIGKILL);
            break;
        }
        if (ready <= 0)
            continue;
        ix_proc_set_stamp(r);
        for (int i = 0; i < 2; i++) {
            if (idx[i] < 0 || !pfd[idx[i]].revents)
                continue;
            ssize_t n = read(fds[i], r->chunk, CHUNK);
            if (n >= 65536 && !big[i]) { /* it fills a default pipe: fewer, longer reads */
                (void)fcntl(fds[i], F_SETPIPE_SZ, PIPE_BIG); /* best effort: a cap may refuse */
                big[i] = 1;
            }
            if (n > 0)
                ix_proc_feed(r, i + 1, r->chunk, (size_t)n);
            else if (n == 0 || (errno != EINTR && errno != EAGAIN))
                ix_proc_close_fd(&fds[i]); /* EOF */
        }
        ix_proc_log_flush(r);
    }

    if (stopping) /* a stop ends the whole group, not just the child */
        kill(-pid, SIGKILL);
    if (ix_proc_wait_child(pid, &status, 0) < 0 && rc == 0)
        rc = ix_err_sys(err, "waitpid");
    ix_proc_attempt_ends(p->leave_running);
    if (p->on_group)
        p->on_group(p->ctx, 0);
    ix_proc_close_fd(&fds[0]);
    ix_proc_close_fd(&fds[1]);
    ix_proc_close_fd(&pidfd);
    ix_proc_set_stamp(r);
    ix_proc_end_stream(r, 1);
    ix_proc_end_stream(r, 2);
    ix_proc_log_flush(r);
    if (WIFEXITED(status)) {
        p->exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        p->exit_code = -1;
        p->term_signal = WTERMSIG(status);
    }
    return rc;
}

/* ---- the run ---- */

/* Sleep, waking every TICK to honour cancel.  Returns -1 if cancelled. */
static int backoff_sleep(double secs, volatile sig_atomic_t *cancel)
{
    double end = ix_proc_now() + secs;
    for (;;) {
        if (cancel && *cancel)
            return -1;
        double left = end - ix_proc_now();
        if (left <= 0)
            return 0;
        if (left > TICK_SECS)
            left = TICK_SECS;
        struct timespec ts = {0, (long)(left * 1e9)};
        nanosleep(&ts, NULL); /* EINTR: the loop recomputes what is left */
    }
}

static void describe(const ix_proc *p, double secs, char *out, size_t size)
{
    const char *why = p->timed_out ? "timed out, " : p->interrupted ? "interrupted, " : "";
    if (p->spawn_error[0]) {
        snprintf(out, size, "cannot start: %s", p->spawn_error);
    } else if (p->term_signal) {
        const char *abbrev = sigabbrev_np(p->term_signal);
        snprintf(out, size, "%skilled by SIG%s after %.2fs", why,
                 abbrev ? abbrev : "?", secs);
    } else {
        snprintf(out, size, "%sexit %d after %.2fs", why, p->exit_code, secs);
    }
}

int ix_proc_run(ix_proc *p, ix_err *err)
{
    if (!p)
        return ix_err_set(err, "ix_proc_run: no command given");
    ix_proc_clear(p);
    if (!p->argv == !p->script)
        return ix_err_set(err, "ix_proc_run: set exactly one of argv and script");
    if (p->argv && !p->argv[0])
        return ix_err_set(err, "ix_proc_run: argv is empty");

    const char *script_argv[] = {"bash", "-eo", "pipefail", "-c", p->script, NULL};
    char *const *argv = (char *const *)(p->script ? script_argv : p->argv);
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0)
        return ix_err_sys(err, "open /dev/null");

    /* A write to a log pipe whose reader died must not kill the caller, and
     * we may not touch the process-wide disposition: block SIGPIPE on this
     * thread for the run, and discard one we caused before unblocking. */
    sigset_t pipe_set, old_mask, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
    sigpending(&pending);
    int pipe_was_pending = sigismember(&pending, SIGPIPE);

    run r = {.p = p, .log_fd = p->log_fd, .log_pending = p->log_fd < 0 && p->open_log,
             .stamp_sec = -1};
    r.tail.cap = p->tail_max ? p->tail_max : TAIL_DEFAULT;
    r.tail.buf = ix_xmalloc(r.tail.cap);
    size_t log_max = p->log_max ? p->log_max : LOG_MAX_DEFAULT;
    if (log_max < 2 * LOG_NOTE_ROOM)
        log_max = 2 * LOG_NOTE_ROOM;
    r.log_tail.cap = log_max / 2 < LOG_TAIL_MAX ? log_max / 2 : LOG_TAIL_MAX;
    r.head_max = log_max - r.log_tail.cap - LOG_NOTE_ROOM;
    ix_masker_init(&r.mask[0], p->secrets);
    ix_masker_init(&r.mask[1], p->secrets);
    r.chunk = ix_xmalloc(CHUNK);
    char **envp = ix_proc_build_env(p->env);
    ix_buf cmd = IX_BUF_INIT, msg = IX_BUF_INIT;
    ix_proc_format_argv((const char *const *)argv, &cmd);
    int total = 1 + (p->retries > 0 ? p->retries : 0), rc = 0;
    double run_start = ix_proc_now();

    for (int i = 1; i <= total; i++) {
        if (p->cancel && *p->cancel) {
            p->interrupted = 1;
            break;
        }
        r.tail.start = r.tail.len = 0; /* the tail is the last attempt's */
        p->exit_code = -1;
        p->term_signal = p->timed_out = 0;
        p->spawn_error[0] = '\0';
        p->attempts = i;
        msg.len = 0;
        ix_buf_printf(&msg, "attempt %d/%d: %s", i, total, cmd.data);
        if (p->cwd)
            ix_buf_printf(&msg, " (in %s)", p->cwd);
        ix_proc_log_event(&r, msg.data);
        double t0 = ix_proc_now();
        rc = attempt(&r, argv, envp, devnull, err);
        if (rc < 0)
            break;
        if (!ix_proc_ok(p))
            ix_proc_log_open(&r);
        int retry = !ix_proc_ok(p) && !p->interrupted && i < total;
        char what[320];
        describe(p, ix_proc_now() - t0, what, sizeof what);
        msg.len = 0;
        ix_buf_printf(&msg, "attempt %d/%d: %s%s", i, total, what, retry ? "; retrying" : "");
        ix_proc_log_event(&r, msg.data);
        if (!retry)
            break;
        if (p->backoff > 0 && backoff_sleep(p->backoff, p->cancel) < 0) {
            p->interrupted = 1;
            break;
        }
    }

    p->duration = ix_proc_now() - run_start;
    ix_proc_log_finish(&r);
    if (rc == 0) { /* masked already: the ring was filled from the masked streams */
        p->tail = ix_proc_ring_copy(&r.tail);
        p->tail_len = r.tail.len;
    }
    ix_buf_free(&cmd);
    ix_buf_free(&msg);
    free(envp);
    free(r.chunk);
    free(r.tail.buf);
    ix_buf_free(&r.line[0]);
    ix_buf_free(&r.line[1]);
    ix_buf_free(&r.log);
    ix_buf_free(&r.masked);
    ix_buf_free(&r.clean);
    ix_masker_free(&r.mask[0]);
    ix_masker_free(&r.mask[1]);
    free(r.log_tail.buf);
    close(devnull);

    if (!pipe_was_pending && !sigismember(&old_mask, SIGPIPE)) {
        sigpending(&pending);
        if (sigismember(&pending, SIGPIPE)) {
            struct timespec zero = {0, 0};
            while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
                ;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    return rc;
}

int ix_proc_ok(const ix_proc *p)
{
    return p && p->exit_code == 0 && !p->timed_out && !p->interrupted;
}

void ix_proc_clear(ix_proc *p)
{
    if (!p)
        return;
    free(p->tail);
    p->tail = NULL;
    p->tail_len = 0;
    p->exit_code = -1;
    p->term_signal = p->timed_out = p->interrupted = p->attempts = 0;
    p->duration = 0;
    p->spawn_error[0] = '\0';
}

/* ---- display ---- */

static int is_safe(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c && strchr("_@%+=:,./-", c));
}

static void quote_word(ix_buf *out, const char *s, int is_cmd)
{
    int plain = *s != '\0', ctrl = 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x20 || *c == 0x7f)
            ctrl = 1;
        /* "A=b" as the first word would read as an assignment */
        if (!is_safe(*c) || (is_cmd && *c == '='))
            plain = 0;
    }
    if (plain) {
        ix_buf_puts(out, s);
    } else if (!ctrl) {
        ix_buf_putc(out, '\'');
        for (const char *c = s; *c; c++)
            if (*c == '\'')
                ix_buf_puts(out, "'\\''");
            else
                ix_buf_putc(out, *c);
        ix_buf_putc(out, '\'');
    } else { /* keeps the display on one line */
        ix_buf_puts(out, "$'");
        for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
            if (*c == '\n')
                ix_buf_puts(out, "\\n");
            else if (*c == '\t')
                ix_buf_puts(out, "\\t");
            else if (*c == '\r')
                ix_buf_puts(out, "\\r");
            else if (*c == '\\' || *c == '\'')
                ix_buf_printf(out, "\\%c", *c);
            else if (*c < 0x20 || *c == 0x7f)
                ix_buf_printf(out, "\\x%02x", *c);
            else
                ix_buf_putc(out, (char)*c);
        }
        ix_buf_putc(out, '\'');
    }
}

int ix_proc_format_argv(const char *const *argv, ix_buf *out)
{
    if (!argv || !out)
        return -1;
    ix_buf_append(out, "", 0); /* data is a valid string even for argv = {NULL} */
    for (size_t i = 0; argv[i]; i++) {
        if (i)
            ix_buf_putc(out, ' ');
        quote_word(out, argv[i], i == 0);
    }
    return 0;
}
