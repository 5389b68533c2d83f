/* test_runlock.c - the run lock and its note: a second holder is refused
 * naming the first; a command left running by a killed holder (its group
 * in the note) is stopped by the next one, and only when the note's start
 * time still matches the group leader (a reused pid is left alone). */
#include "infraexec/engine/runlock.h"
#include "tap.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A command in its own process group, sleeping until killed; exec'd, as
 * a run's commands are, so it does not hold the lock (O_CLOEXEC). */
static pid_t sleeper(void)
{
    int p[2];
    char c;
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        execlp("sleep", "sleep", "60", (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    close(p[1]);
    while (read(p[0], &c, 1) > 0) /* EOF: it has exec'd */
        ;
    close(p[0]);
    return pid;
}

int main(void)
{
    char tmpl[] = "/tmp/ix-runlock-XXXXXX";
    if (!mkdtemp(tmpl))
        return 1;
    setenv("INFRAEXEC_NOW", "2026-01-02 03:04", 1);
    ix_err err = {""};
    int fd = -1, fd2 = -1;
    is_int(ix_runlock_take(tmpl, "T-1", &fd, &err), 0, "lock taken (%s)", err.msg);
    ix_runlock_note(fd, 0);
    is_int(ix_runlock_take(tmpl, "T-1", &fd2, &err), -1, "a second holder is refused");
    char want[64];
    snprintf(want, sizeof want, "already being run by pid %ld since", (long)getpid());
    ok(strstr(err.msg, want) != NULL, "the message names the holder: %s", err.msg);
    is_int(ix_runlock_stop_orphan(fd), 0, "a note without a group stops nothing");

    /* The holder "dies" (closes) while its command runs. */
    pid_t child = sleeper();
    ix_runlock_note(fd, child);
    close(fd);
    is_int(ix_runlock_take(tmpl, "T-1", &fd, &err), 0, "lock taken again once released");
    is_int(ix_runlock_stop_orphan(fd), child, "the command left running is stopped");
    int status = 0;
    is_int(waitpid(child, &status, 0), child, "and it is gone");
    ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "by SIGTERM (status %d)", status);
    is_int(ix_runlock_stop_orphan(fd), 0, "a group no longer running is not stopped again");

    /* A live group whose leader started at another time: a reused pid. */
    child = sleeper();
    char note[128];
    int n = snprintf(note, sizeof note, "pid 1 since x\ngroup %ld start 1\n", (long)child);
    ok(ftruncate(fd, 0) == 0 && pwrite(fd, note, (size_t)n, 0) == n, "note with a stale start");
    is_int(ix_runlock_stop_orphan(fd), 0, "a reused pid is left alone");
    is_int(kill(child, 0), 0, "the process with that pid still runs");
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    close(fd);

    char cmd[PATH_MAX];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpl);
    return tap_done();
}
