/* watchdog.c - see include/infraexec/lua/watchdog.h */
#include "infraexec/lua/watchdog.h"

#include "infraexec/base/buf.h"
#include "infraexec/base/clock.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WATCH_TICK_NS 100000000L /* how often the thread looks */

struct ix_watchdog {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* Under mu: */
    int stop, busy;
    double deadline, cancel_at;
    pid_t group;
    char what[64];
    pthread_t caller;       /* the thread in the call: the one signalled */
    clockid_t caller_cpu;   /* its CPU clock */
    double cpu_at_enter;
    int over_budget, acked; /* acked: the hook raised the stop */
    /* Set once: */
    volatile sig_atomic_t *cancel;
    double grace, cpu_budget;
    int signo, code_interrupted, code_timeout;
};

static double cpu_seconds(clockid_t clock)
{
    struct timespec ts;
    if (clock_gettime(clock, &ts) < 0)
        return 0; /* the thread is gone: nothing to stop */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Called with mu held, and never returns: the main thread is stuck in C
 * and cannot be unwound, so the process ends here. */
static void give_up(ix_watchdog *w)
{
    int interrupted = *w->cancel == 1;
    if (w->group > 0)
        kill(-w->group, SIGKILL);
    char line[256];
    int n = snprintf(line, sizeof line,
                     "infraexec: %s: the handler did not return within %g s of %s (stuck in one "
                     "C call); run stopped, no report\n",
                     w->what, w->grace, interrupted ? "the interrupt" : "--task-timeout");
    if (n > 0) {
        ssize_t ignored = write(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
        (void)ignored; /* nothing more to do if stderr is gone */
    }
    _exit(interrupted ? w->code_interrupted : w->code_timeout);
}

static void *watch(void *arg)
{
    ix_watchdog *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += WATCH_TICK_NS;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
        if (w->stop || !w->busy)
            continue;
        double now = ix_clock_mono();
        if (!w->over_budget && cpu_seconds(w->caller_cpu) - w->cpu_at_enter > w->cpu_budget)
            w->over_budget = 1;
        /* Until the hook has raised, every tick: a signal can land where
         * arming does nothing (see luastop.h). */
        if (!w->acked && (*w->cancel || w->over_budget || (w->deadline > 0 && now > w->deadline)))
            pthread_kill(w->caller, w->signo);
        if (*w->cancel && !w->cancel_at)
            w->cancel_at = now;
        double limit = w->deadline > 0 ? w->deadline + w->grace : 0;
        if (w->cancel_at && (!limit || w->cancel_at + w->grace < limit))
            limit = w->cancel_at + w->grace;
        if (limit && now >= limit)
            give_up(w);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int ix_watchdog_start(ix_watchdog **out, volatile sig_atomic_t *cancel, double grace,
                      double cpu_budget, int signo, int code_interrupted, int code_timeout,
                      ix_err *err)
{
    ix_watchdog *w = ix_xcalloc(1, sizeof *w);
    w->cancel = cancel;
    w->grace = grace;
    w->cpu_budget = cpu_budget;
    w->signo = signo;
    w->code_interrupted = code_interrupted;
    w->code_timeout = code_timeout;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&w->mu, NULL);
    /* The thread takes no signals: SIGINT must reach the main thread's
     * handler, which sets *cancel. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&w->thread, NULL, watch, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return ix_err_set(err, "cannot start the Lua watchdog thread: %s", strerror(rc));
    }
    *out = w;
    return 0;
}

void ix_watchdog_enter(ix_watchdog *w, double deadline, const char *what)
{
    pthread_t self = pthread_self();
    clockid_t cpu;
    if (pthread_getcpuclockid(self, &cpu) != 0)
        cpu = CLOCK_THREAD_CPUTIME_ID; /* not expected on Linux; then no budget */
    double at = cpu_seconds(cpu);
    pthread_mutex_lock(&w->mu);
    w->busy = 1;
    w->caller = self;
    w->caller_cpu = cpu;
    w->cpu_at_enter = at;
    w->over_budget = w->acked = 0;
    w->deadline = deadline;
    snprintf(w->what, sizeof w->what, "%s", what);
    pthread_mutex_unlock(&w->mu);
}

void ix_watchdog_leave(ix_watchdog *w)
{
    pthread_mutex_lock(&w->mu);
    w->busy = 0;
    pthread_mutex_unlock(&w->mu);
}

int ix_watchdog_over_budget(ix_watchdog *w)
{
    pthread_mutex_lock(&w->mu);
    int over = w->over_budget;
    pthread_mutex_unlock(&w->mu);
    return over;
}

void ix_watchdog_stopping(ix_watchdog *w)
{
    pthread_mutex_lock(&w->mu);
    w->acked = 1;
    pthread_mutex_unlock(&w->mu);
}

void ix_watchdog_group(ix_watchdog *w, pid_t pgid)
{
    pthread_mutex_lock(&w->mu);
    w->group = pgid;
    pthread_mutex_unlock(&w->mu);
}

void ix_watchdog_stop(ix_watchdog *w, int at_exit)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (at_exit) {
        /* Waiting for the thread to wake on the other CPU and end costs a
         * run ~0.5 ms: it ends by itself meanwhile, acting no more (stop is
         * set); W stays allocated for it. */
        pthread_detach(w->thread);
        ix_unleak(w);
        return;
    }
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
