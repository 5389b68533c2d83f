/* procreap.c - what a command leaves behind (proc_internal.h). */
#include "proc_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- what a command leaves behind ----
 *
 * A command can put a process out of reach of its group kill: setsid, a
 * double fork.  This process is a child subreaper, so whatever a command
 * started and left is re-parented to us rather than to init; when no
 * attempt is running any more, every child of ours that no attempt owns and
 * that started after the first of them is a leftover, and is killed (one
 * dead already is only reaped, and /proc looked at only when one is still
 * alive).  The lock keeps a sweep from running while another thread starts
 * a child. */

static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static size_t live_attempts;             /* attempts running in this process */
static unsigned long long live_since;    /* start of the first one's child, 0 = not known yet */
static unsigned long long leave_tick;    /* when the last LEAVE attempt ended */

/* Now in the clock of /proc/PID/stat's start times: ticks since boot. */
static unsigned long long boot_ticks(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    unsigned long long hz = (unsigned long long)sysconf(_SC_CLK_TCK);
    return (unsigned long long)ts.tv_sec * hz + (unsigned long long)ts.tv_nsec * hz / 1000000000u;
}

/* Parent pid and start time (clock ticks since boot) of process PID from
 * /proc/PID/stat; -1 if it is gone. */
static int proc_stat(long pid, long *ppid, unsigned long long *start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p || sscanf(p + 1, " %*c %ld", ppid) != 1)
        return -1;
    for (int field = 2; p && field < 22; field++)
        p = strchr(p + 1, ' ');
    *start = p ? strtoull(p + 1, NULL, 10) : 0;
    return 0;
}

void ix_proc_attempt_begins(void)
{
    static int reaper;
    pthread_mutex_lock(&live_lock);
    if (!reaper)
        reaper = prctl(PR_SET_CHILD_SUBREAPER, 1) == 0 ? 1 : -1;
    /* What a LEAVE attempt left is told from what this one starts by start
     * time, in ticks (10 ms): this one's child must start a tick later, or
     * a service started just before would be swept as this one's. */
    while (boot_ticks() <= leave_tick)
        nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
    live_attempts++;
    pthread_mutex_unlock(&live_lock);
}

/* The child's start time, in the clock every leftover's start is compared
 * in: whatever it started, started after it. */
void ix_proc_attempt_started(pid_t pid)
{
    long ppid;
    unsigned long long start;
    pthread_mutex_lock(&live_lock);
    if (!live_since && proc_stat((long)pid, &ppid, &start) == 0)
        live_since = start;
    pthread_mutex_unlock(&live_lock);
}

/* Kill the leftovers of one round; returns how many were found. */
static int sweep_round(double deadline)
{
    long self = (long)getpid();
    DIR *d = opendir("/proc");
    int found = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        long ppid;
        unsigned long long start;
        if (*end || pid <= 1 || proc_stat(pid, &ppid, &start) < 0 || ppid != self ||
            start < live_since)
            continue;
        kill(-(pid_t)pid, SIGKILL); /* its group, if it leads one */
        kill((pid_t)pid, SIGKILL);
        found++;
        int status;
        /* Reap it, but never hang on one stuck in the kernel. */
        while (ix_proc_wait_child((pid_t)pid, &status, WNOHANG) == 0 && ix_proc_now() < deadline)
            nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
    }
    if (d)
        closedir(d);
    return found;
}

/* Reap the leftovers that are dead already (the usual end of a command:
 * `yes` killed by SIGPIPE after bash exited is a zombie of ours), each after
 * the kill of its group a sweep would send: its group may live on.  Returns
 * 1 when no child of ours is left at all, so there is nothing to sweep; 0
 * when a live child remains (a leftover, or what a LEAVE attempt left) or a
 * zombie older than the first attempt's child: the sweep tells those. */
static int reap_dead(void)
{
    for (;;) {
        siginfo_t si;
        si.si_pid = 0;
        int w;
        do
            w = waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT);
        while (w < 0 && errno == EINTR);
        if (w < 0)
            return errno == ECHILD;
        long ppid;
        unsigned long long start;
        int status;
        if (si.si_pid <= 0 || proc_stat((long)si.si_pid, &ppid, &start) < 0 || start < live_since)
            return 0;
        kill(-si.si_pid, SIGKILL);
        if (ix_proc_wait_child(si.si_pid, &status, WNOHANG) != si.si_pid)
            return 0;
    }
}

/* Kill the leftovers, round after round: a killed one's own children come
 * to us next.  What a LEAVE attempt started stays, and is spared by later
 * sweeps too: it started before their first child. */
void ix_proc_attempt_ends(int leave)
{
    pthread_mutex_lock(&live_lock);
    if (leave)
        leave_tick = boot_ticks();
    if (--live_attempts == 0) {
        double deadline = ix_proc_now() + 2.0;
        if (!leave && live_since && !reap_dead())
            while (sweep_round(deadline) && ix_proc_now() < deadline)
                ;
        live_since = 0;
    }
    pthread_mutex_unlock(&live_lock);
}
