/* test_watchdog.c - the Lua watchdog's thread: it acts on a call that
 * outlasts an interrupt, and never after it was stopped, joined or not. */
#include "infraexec/lua/watchdog.h"
#include "tap.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t cancel, signalled;

static void on_signal(int sig)
{
    (void)sig;
    signalled++;
}

/* Threads of this process, from /proc/self/task. */
static int threads(void)
{
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0)
        ;
}

/* A watchdog that ends the process with 3 once an interrupt is 0.2 s old. */
static ix_watchdog *start(void)
{
    ix_watchdog *w = NULL;
    ix_err err = {{0}};
    cancel = signalled = 0;
    if (ix_watchdog_start(&w, &cancel, 0.2, 100, SIGUSR1, 3, 4, &err) < 0)
        printf("# ix_watchdog_start: %s\n", err.msg);
    return w;
}

int main(void)
{
    signal(SIGUSR1, on_signal);

    /* It acts: an interrupt during a call is passed on as SIGUSR1. */
    ix_watchdog *w = start();
    ok(w && threads() == 2, "the watchdog runs a thread");
    ix_watchdog_enter(w, 0, "a call");
    cancel = 1;
    for (int i = 0; i < 100 && !signalled; i++)
        sleep_ms(10);
    ok(signalled > 0, "an interrupt during a call is signalled to the caller");
    ix_watchdog_leave(w);
    ix_watchdog_stop(w, 0);
    ok(threads() == 1, "stop: the thread is joined");

    /* Stopped for the exit during a call that then outlasts an interrupt:
     * had the thread gone on watching, it would have signalled and ended
     * this process (exit 3) 0.2 s later. */
    w = start();
    ix_watchdog_enter(w, 0, "a call");
    ix_watchdog_stop(w, 1);
    cancel = 1;
    sleep_ms(600);
    ok(signalled == 0, "stop at exit: no signal after it");
    ok(threads() == 1, "... and the thread has ended by itself");
    return tap_done();
}
