/* runlock.c - see include/infraexec/engine/runlock.h */
#include "infraexec/engine/runlock.h"

#include "infraexec/base/buf.h"
#include "infraexec/base/clock.h"
#include "infraexec/base/pathjoin.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int ix_runlock_take(const char *workspace, const char *key, int *fd_out, ix_err *err)
{
    int dfd;
    char *dir;
    if (ix_state_dir(workspace, (const char *const[]){"locks", NULL}, 1, &dfd, &dir, err) < 0)
        return -1;
    ix_buf name = IX_BUF_INIT, path = IX_BUF_INIT;
    ix_buf_printf(&name, "%s.lock", key);
    int rc = ix_path_join(&path, dir, (const char *const[]){name.data, NULL}, err);
    int fd = -1;
    struct stat st;
    if (rc == 0) {
        /* O_NONBLOCK: a FIFO planted there must not hang the open. */
        fd = openat(dfd, name.data, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
        if (fd < 0 && errno == ELOOP)
            rc = ix_err_set(err, "%s: run lock is a symbolic link; refused (remove it)", path.data);
        else if (fd < 0)
            rc = ix_err_sys(err, "%s: cannot open run lock", path.data);
        else if (fstat(fd, &st) < 0)
            rc = ix_err_sys(err, "%s: cannot stat run lock", path.data);
        else if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
            rc = ix_err_set(err, "%s: run lock is not a file infraexec made (%s); refused "
                                 "(remove it)", path.data,
                            S_ISREG(st.st_mode) ? "it has other hard links" : "not a regular file");
    }
    if (rc == 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
        char holder[200] = "";
        ssize_t n = pread(fd, holder, sizeof holder - 1, 0);
        holder[n > 0 ? n : 0] = '\0';
        holder[strcspn(holder, "\n")] = '\0';
        rc = ix_err_set(err, "%s: already being run by %s (lock %s)", key,
                        *holder ? holder : "another process", path.data);
    }
    if (rc < 0 && fd >= 0)
        close(fd);
    else if (rc == 0)
        *fd_out = fd;
    close(dfd);
    free(dir);
    ix_buf_free(&name);
    ix_buf_free(&path);
    return rc;
}

/* Start time of process PID in clock ticks since boot (/proc/PID/stat
 * field 22), 0 when there is no such process: with the pid it names one
 * process for good, pids being reused. */
static unsigned long long start_time(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long long t = 0;
    for (int field = 2; p && *p && field < 22; field++)
        p = strchr(p + 1, ' ');
    if (p)
        t = strtoull(p + 1, NULL, 10);
    return t;
}

/* The lock's note: who holds it and, while a command runs, its process
 * group, so that a run started after we were killed can stop it. */
void ix_runlock_note(int fd, pid_t pgid)
{
    ix_now now;
    ix_clock_now(&now, NULL);
    char note[300];
    int n = snprintf(note, sizeof note, "pid %ld since %s\n", (long)getpid(), now.stamp);
    if (pgid > 0)
        n += snprintf(note + n, sizeof note - (size_t)n, "group %ld start %llu\n", (long)pgid,
                      start_time(pgid));
    /* Written over, then cut to its length: truncating first left the file
     * empty for a moment, and a run refused then named "another process"
     * instead of the holder (a reader needs only the first line, which
     * every note has at the same length). */
    if (pwrite(fd, note, (size_t)n, 0) < 0 || ftruncate(fd, n) < 0) {
        /* the lock holds without the note; messages just say less */
    }
}

/* A run killed with SIGKILL leaves its command running in its own group;
 * stop it before doing the same work again. */
long ix_runlock_stop_orphan(int fd)
{
    char note[400] = "";
    ssize_t got = pread(fd, note, sizeof note - 1, 0);
    note[got > 0 ? got : 0] = '\0';
    long pgid;
    unsigned long long started;
    const char *line = strstr(note, "\ngroup ");
    if (!line || sscanf(line, "\ngroup %ld start %llu", &pgid, &started) != 2 || pgid <= 1 ||
        start_time((pid_t)pgid) != started)
        return 0;
    kill(-(pid_t)pgid, SIGTERM);
    for (int i = 0; i < 50 && kill(-(pid_t)pgid, 0) == 0; i++)
        nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
    kill(-(pid_t)pgid, SIGKILL);
    return pgid;
}
