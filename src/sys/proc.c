/* proc.c - see include/infraexec/sys/proc.h
 *
 * Shape of one attempt: posix_spawn; the child starts in its own process
 * group, with stdin on /dev/null and stdout/stderr on two pipes; an exec
 * failure comes back as posix_spawn's result.  The parent then loops on
 * poll() over the two pipes and a pidfd (child exit), with a short tick so
 * timeout, cancel and kill deadlines are checked without any signal
 * handler. */
#include "infraexec/sys/proc.h"

#include "infraexec/sys/secrets.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TAIL_DEFAULT (64 * 1024)
#define LINE_CAP (64 * 1024)      /* longer lines are split, not buffered */
#define CHUNK (256 * 1024)        /* one read(); also the log flush threshold */
#define PIPE_BIG (1024 * 1024)    /* a chatty command's pipe (F_SETPIPE_SZ; the default cap) */
#define DEFAULT_GRACE 2.0         /* SIGTERM -> SIGKILL */
#define DRAIN_SECS 0.1            /* reading on after the child exited */
#define TICK_SECS 0.1             /* how often cancel is checked */
#define TICK_NO_PIDFD_SECS 0.01   /* exit polling when pidfd is unavailable */
#define LOG_MAX_DEFAULT ((size_t)64 << 20)
#define LOG_TAIL_MAX ((size_t)4 << 20)  /* the tail of a cut log, kept in memory */
#define LOG_NOTE_ROOM 256         /* the cut note, within the cap */

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- tail: a fixed ring buffer, so memory stays flat however much a
 * command prints ---- */

typedef struct ring {
    char *buf;
    size_t cap, start, len;
} ring;

static void ring_push(ring *r, const char *p, size_t n)
{
    if (n >= r->cap) {
        memcpy(r->buf, p + n - r->cap, r->cap);
        r->start = 0;
        r->len = r->cap;
        return;
    }
    size_t end = (r->start + r->len) % r->cap;
    size_t first = n < r->cap - end ? n : r->cap - end;
    memcpy(r->buf + end, p, first);
    memcpy(r->buf, p + first, n - first);
    r->len += n;
    if (r->len > r->cap) { /* the oldest bytes were overwritten */
        r->start = (r->start + r->len - r->cap) % r->cap;
        r->len = r->cap;
    }
}

static char *ring_copy(const ring *r)
{
    char *s = ix_xmalloc(r->len + 1);
    size_t first = r->len < r->cap - r->start ? r->len : r->cap - r->start;
    memcpy(s, r->buf + r->start, first);
    memcpy(s + first, r->buf, r->len - first);
    s[r->len] = '\0';
    return s;
}

/* ---- state of one ix_proc_run ---- */

typedef struct run {
    ix_proc *p;
    ring tail;
    ix_buf line[2];   /* partial line of stdout, stderr */
    ix_masker mask[2];/* stdout, stderr as streams: secrets masked before anything sees them */
    ix_buf clean;     /* one read, masked */
    ix_buf log;       /* bytes waiting for log_fd */
    ix_buf masked;    /* a log event with its secrets masked */
    int log_fd;       /* p->log_fd, or -1 once a write failed */
    int log_pending;  /* p->open_log not called yet: the log waits in `log` */
    size_t log_head;  /* bytes of the log written before any cut */
    size_t head_max;  /* the log's head may take this much, then a tail is kept */
    ring log_tail;    /* after the cut: the last bytes of the log (buf NULL before) */
    unsigned long long tail_in; /* bytes that went to log_tail */
    char stamp[64];   /* "HH:MM:SS.mmm" of the current read (room for gcc) */
    size_t stamp_len;
    time_t stamp_sec; /* the second STAMP's "HH:MM:SS" is for (-1: none yet) */
    char *chunk;      /* read buffer */
} run;

/* localtime_r and the formatting only when the second changes: a chatty
 * command reads thousands of times a second. */
static void set_stamp(run *r)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != r->stamp_sec) {
        struct tm tm;
        localtime_r(&ts.tv_sec, &tm);
        snprintf(r->stamp, sizeof r->stamp, "%02d:%02d:%02d.", tm.tm_hour, tm.tm_min, tm.tm_sec);
        r->stamp_sec = ts.tv_sec;
    }
    long ms = ts.tv_nsec / 1000000;
    r->stamp[9] = (char)('0' + ms / 100);
    r->stamp[10] = (char)('0' + ms / 10 % 10);
    r->stamp[11] = (char)('0' + ms % 10);
    r->stamp[12] = '\0';
    r->stamp_len = 12;
}

static void log_write(run *r, const char *p, size_t len)
{
    size_t off = 0;
    while (r->log_fd >= 0 && off < len) {
        ssize_t n = write(r->log_fd, p + off, len - off);
        if (n > 0)
            off += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else
            r->log_fd = -1; /* best effort: give up on the log, not the task */
    }
}

/* The log holds at most log_max bytes: its head is written as it comes;
 * once the head is full (at a line end) the rest goes through a ring, and
 * log_finish writes a note of the cut and the ring's last lines. */
static void log_flush(run *r)
{
    if (r->log_pending)
        return;
    const char *p = r->log.data;
    size_t n = r->log.len;
    r->log.len = 0; /* reuse the allocation: no churn per chunk */
    if (r->log_fd < 0 || !n)
        return;
    if (!r->log_tail.buf) {
        size_t room = r->head_max - r->log_head;
        if (n <= room) {
            log_write(r, p, n);
            r->log_head += n;
            return;
        }
        size_t k = room;
        while (k && p[k - 1] != '\n')
            k--;
        log_write(r, p, k);
        r->log_head += k;
        p += k;
        n -= k;
        r->log_tail.buf = ix_xmalloc(r->log_tail.cap);
    }
    ring_push(&r->log_tail, p, n);
    r->tail_in += n;
}

static void log_finish(run *r)
{
    log_flush(r);
    if (!r->log_tail.buf)
        return;
    /* The ring's two pieces, written as they lie: a copy would double the
     * memory the cut log's tail takes. */
    const ring *g = &r->log_tail;
    size_t len = g->len, skip = 0;
    size_t alen = len < g->cap - g->start ? len : g->cap - g->start, blen = len - alen;
    const char *a = g->buf + g->start, *b = g->buf;
    if (r->tail_in > len) { /* the ring starts inside a line: from the next one */
        const char *nl = memchr(a, '\n', alen), *nl2 = nl ? NULL : memchr(b, '\n', blen);
        skip = nl ? (size_t)(nl - a) + 1 : nl2 ? alen + (size_t)(nl2 - b) + 1 : 0;
    }
    set_stamp(r);
    char note[LOG_NOTE_ROOM];
    int k = snprintf(note, sizeof note,
                     "%s ---- log cut: %llu bytes of log left out here (the log is capped "
                     "at %zu bytes: command_log_max) ----\n",
                     r->stamp, r->tail_in - len + skip, r->p->log_max ? r->p->log_max
                                                                      : LOG_MAX_DEFAULT);
    log_write(r, note, (size_t)k < sizeof note ? (size_t)k : sizeof note - 1);
    if (skip < alen) {
        log_write(r, a + skip, alen - skip);
        log_write(r, b, blen);
    } else {
        log_write(r, b + (skip - alen), blen - (skip - alen));
    }
}

/* Create the log at its first output line, or at the end of a run that
 * failed: a command that succeeds silently (most of them) costs no file. */
static void log_open(run *r)
{
    if (!r->log_pending)
        return;
    r->log_pending = 0;
    r->log_fd = r->p->open_log(r->p->ctx);
}

static void log_event(run *r, const char *msg)
{
    if (r->log_fd < 0 && !r->log_pending)
        return;
    set_stamp(r);
    r->masked.len = 0;
    ix_buf_puts(&r->masked, msg); /* the command line may carry a secret */
    ix_secrets_mask(r->p->secrets, &r->masked);
    ix_buf_printf(&r->log, "%s ---- %s\n", r->stamp, r->masked.data);
    log_flush(r);
}

static void emit_line(run *r, int stream, const char *s, size_t n)
{
    log_open(r);
    if (r->log_fd >= 0) { /* "STAMP out| LINE\n", in one copy */
        ix_buf_reserve(&r->log, r->stamp_len + 6 + n + 1);
        char *o = r->log.data + r->log.len;
        memcpy(o, r->stamp, r->stamp_len);
        memcpy(o + r->stamp_len, stream == 1 ? " out| " : " err| ", 6);
        memcpy(o + r->stamp_len + 6, s, n);
        o[r->stamp_len + 6 + n] = '\n';
        r->log.len += r->stamp_len + 6 + n + 1;
        r->log.data[r->log.len] = '\0';
        if (r->log.len >= CHUNK)
            log_flush(r);
    }
    if (r->p->on_line)
        r->p->on_line(r->p->ctx, stream, s, n);
}

static void flush_partial(run *r, int stream)
{
    ix_buf *l = &r->line[stream - 1];
    if (l->len) {
        emit_line(r, stream, l->data, l->len);
        l->len = 0;
    }
}

/* Masked output: into the tail, and cut into lines for the log and
 * on_line.  A line a read cut is assembled in a buffer capped at LINE_CAP;
 * a whole one goes on from the read's own bytes. */
static void feed_clean(run *r, int stream, char *data, size_t n)
{
    ring_push(&r->tail, data, n);
    if (r->log_fd < 0 && !r->log_pending && !r->p->on_line)
        return;
    ix_buf *l = &r->line[stream - 1];
    while (n) {
        const char *nl = memchr(data, '\n', n);
        size_t seg = nl ? (size_t)(nl - data) : n;
        size_t room = LINE_CAP - l->len;
        if (seg > room) { /* too long: emit what fits as a line of its own */
            ix_buf_append(l, data, room);
            flush_partial(r, stream);
            data += room;
            n -= room;
            continue;
        }
        if (nl && !l->len) { /* a whole line in this read: no copy into LINE */
            data[seg] = '\0';  /* on_line's line ends in a NUL, the read's in '\n' */
            emit_line(r, stream, data, seg);
            data[seg] = '\n';
        } else {
            ix_buf_append(l, data, seg);
            if (nl) {
                emit_line(r, stream, l->data, l->len);
                l->len = 0;
            }
        }
        data += seg;
        n -= seg;
        if (nl) {
            data++;
            n--;
        }
    }
}

/* Output from one read(), masked as part of its stream first, so a secret
 * cut by a read, the line cap or the tail's ring is still caught. */
static void feed(run *r, int stream, char *data, size_t n)
{
    if (!r->mask[stream - 1].s) { /* no secrets: no copy */
        feed_clean(r, stream, data, n);
        return;
    }
    r->clean.len = 0;
    ix_masker_feed(&r->mask[stream - 1], data, n, &r->clean);
    if (r->clean.len)
        feed_clean(r, stream, r->clean.data, r->clean.len);
}

/* End of a stream: what the masker held back, then the partial line. */
static void end_stream(run *r, int stream)
{
    r->clean.len = 0;
    ix_masker_flush(&r->mask[stream - 1], &r->clean);
    if (r->clean.len)
        feed_clean(r, stream, r->clean.data, r->clean.len);
    flush_partial(r, stream);
}

/* ---- spawning ---- */

/* argv[0] as execvp would find it on the PATH of the child's environment
 * (posix_spawnp would search ours) from the child's directory DIR (an fd, or
 * AT_FDCWD).  Returns 0 with the file to exec in out, or the errno execvp
 * would have failed with. */
static int find_program(const char *name, char **envp, int dir, ix_buf *out)
{
    out->len = 0;
    if (strchr(name, '/')) {
        ix_buf_puts(out, name);
        return 0;
    }
    if (!*name)
        return ENOENT;
    const char *path = NULL;
    for (char **e = envp ? envp : environ; e && *e && !path; e++)
        if (strncmp(*e, "PATH=", 5) == 0)
            path = *e + 5;
    if (!path)
        path = "/bin:/usr/bin"; /* glibc's default, as execvp uses */
    int errnum = ENOENT;
    for (const char *d = path;; d++) {
        const char *end = strchrnul(d, ':');
        out->len = 0;
        if (end > d) /* an empty entry is the child's directory */
            ix_buf_append(out, d, (size_t)(end - d)), ix_buf_putc(out, '/');
        ix_buf_puts(out, name);
        struct stat st;
        if (fstatat(dir, out->data, &st, 0) == 0 && S_ISREG(st.st_mode)) {
            if (faccessat(dir, out->data, X_OK, AT_EACCESS) == 0)
                return 0;
            errnum = EACCES;
        } else if (errno == EACCES) {
            errnum = EACCES;
        }
        if (!*end)
            return errnum;
        d = end;
    }
}

/* A pipe with both ends CLOEXEC and above 2, so dup2 onto 0..2 in the child
 * never collides with an end that is itself 0..2 (caller closed stdio).
 * On failure both ends are -1. */
static int make_pipe(int fds[2])
{
    if (pipe2(fds, O_CLOEXEC) < 0) {
        fds[0] = fds[1] = -1;
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        if (fds[i] > 2)
            continue;
        int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3), saved = errno;
        close(fds[i]);
        fds[i] = moved;
        if (moved < 0) {
            close(fds[1 - i]);
            fds[0] = fds[1] = -1;
            errno = saved;
            return -1;
        }
    }
    return 0;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static pid_t wait_child(pid_t pid, int *status, int flags)
{
    pid_t w;
    do
        w = waitpid(pid, status, flags);
    while (w < 0 && errno == EINTR);
    return w;
}

/* posix_spawn of FILE, and of `/bin/sh FILE args` when it has no #! line,
 * as execvp does.  Returns 0 or an errno. */
static int spawn_file(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                      const posix_spawnattr_t *attr, char *const *argv, char **envp)
{
    int e = posix_spawn(pid, file, fa, attr, argv, envp);
    if (e != ENOEXEC)
        return e;
    size_t n = 0;
    while (argv[n])
        n++;
    char **sh = ix_xcalloc(n + 2, sizeof *sh);
    sh[0] = (char *)"/bin/sh";
    sh[1] = (char *)file;
    memcpy(sh + 2, argv + 1, (n ? n - 1 : 0) * sizeof *sh);
    e = posix_spawn(pid, "/bin/sh", fa, attr, sh, envp);
    free(sh);
    return e;
}

/* Start the child with posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK), no
 * copy of our page tables), set up by its attributes: its own process group;
 * stdin /dev/null, stdout/stderr our pipes, no other fd of ours (a stray
 * holder of a pipe is what makes runs hang); the cwd.  exec keeps ignored
 * signals ignored (a caller ignoring SIGPIPE would make `yes | head` spin on
 * EPIPE) and blocked ones blocked (a caller using signalfd would leave
 * SIGTERM blocked and our timeout toothless): so default dispositions and an
 * empty mask.  Returns -1 on resource failure, 0 with *pid = -1 if it could
 * not be started (spawn_error, exit_code set), else 0 with its pid and the
 * read ends of its stdout/stderr in out[]. */
static int spawn(ix_proc *p, char *const *argv, char **envp, int devnull,
                 pid_t *pid, int out[2], ix_err *err)
{
    int fd[4] = {-1, -1, -1, -1}; /* stdout, stderr: r/w */
    *pid = -1;
    if (make_pipe(fd) < 0 || make_pipe(fd + 2) < 0) {
        ix_err_sys(err, "pipe");
        for (int i = 0; i < 4; i++)
            close_fd(&fd[i]);
        return -1;
    }
    int dir = AT_FDCWD, e = 0, cwd_failed = 0;
    if (p->cwd && (dir = open(p->cwd, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        e = errno, cwd_failed = 1;
    ix_buf file = IX_BUF_INIT;
    if (!e)
        e = find_program(argv[0], envp, dir, &file);
    if (!e) {
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t none, dfl;
        sigemptyset(&none);
        sigemptyset(&dfl);
        sigaddset(&dfl, SIGPIPE);
        sigaddset(&dfl, SIGXFSZ);
        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_init(&attr);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                            POSIX_SPAWN_SETSIGDEF);
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &dfl);
        if (posix_spawn_file_actions_adddup2(&fa, devnull, 0) ||
            posix_spawn_file_actions_adddup2(&fa, fd[1], 1) ||
            posix_spawn_file_actions_adddup2(&fa, fd[3], 2) ||
            (p->cwd && posix_spawn_file_actions_addfchdir_np(&fa, dir)) ||
            posix_spawn_file_actions_addclosefrom_np(&fa, 3))
            e = ENOMEM;
        else
            e = spawn_file(pid, file.data, &fa, &attr, argv, envp ? envp : environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        /* The one failure the child's fchdir adds: no search permission. */
        if (e && p->cwd && faccessat(dir, ".", X_OK, AT_EACCESS) < 0)
            e = errno, cwd_failed = 1;
    }
    ix_buf_free(&file);
    if (dir >= 0)
        close(dir);
    close_fd(&fd[1]);
    close_fd(&fd[3]);
    if (!e) {
        if (p->on_group)
            p->on_group(p->ctx, *pid);
        out[0] = fd[0];
        out[1] = fd[2];
        return 0;
    }
    *pid = -1;
    close_fd(&fd[0]);
    close_fd(&fd[2]);
    if (e == ENOMEM || e == EAGAIN) { /* out of processes or memory, not a bad command */
        errno = e;
        return ix_err_sys(err, "posix_spawn");
    }
    char ebuf[128];
    const char *es = strerror_r(e, ebuf, sizeof ebuf);
    if (cwd_failed)
        snprintf(p->spawn_error, sizeof p->spawn_error, "cannot chdir to %s: %s", p->cwd, es);
    else
        snprintf(p->spawn_error, sizeof p->spawn_error, "%s: %s", argv[0], es);
    p->exit_code = 127;
    return 0;
}

/* ---- what a command leaves behind ----
 *
 * A command can put a process out of reach of its group kill: setsid, a
 * double fork.  This process is a child subreaper, so whatever a command
 * started and left is re-parented to us rather than to init; when no
 * attempt is running any more, every child of ours that no attempt owns and
 * that started after the first of them is a leftover, and is killed.  The
 * lock keeps a sweep from running while another thread starts a child. */

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

static void attempt_begins(void)
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
static void attempt_started(pid_t pid)
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
        while (wait_child((pid_t)pid, &status, WNOHANG) == 0 && now_mono() < deadline)
            nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
    }
    if (d)
        closedir(d);
    return found;
}

/* Kill the leftovers, round after round: a killed one's own children come
 * to us next.  What a LEAVE attempt started stays, and is spared by later
 * sweeps too: it started before their first child. */
static void attempt_ends(int leave)
{
    pthread_mutex_lock(&live_lock);
    siginfo_t si;
    si.si_pid = 0;
    /* No child at all (the usual end of a command): nothing to look for. */
    int none = waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD;
    if (leave)
        leave_tick = boot_ticks();
    if (--live_attempts == 0) {
        double deadline = now_mono() + 2.0;
        if (!leave && !none && live_since)
            while (sweep_round(deadline) && now_mono() < deadline)
                ;
        live_since = 0;
    }
    pthread_mutex_unlock(&live_lock);
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
    attempt_begins();
    int started = spawn(p, argv, envp, devnull, &pid, fds, err);
    if (started < 0 || pid < 0) { /* resource failure, or it could not start */
        attempt_ends(1);
        return started;
    }
    attempt_started(pid);

    int pidfd = -1;
#ifdef SYS_pidfd_open
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0); /* -1 on old kernels: tick */
#endif
    double grace = p->kill_grace > 0 ? p->kill_grace : DEFAULT_GRACE;
    double start = now_mono();
    double deadline = p->timeout > 0 ? start + p->timeout : 0;
    double kill_at = 0, drain_end = 0;
    int status = 0, exited = 0, stopping = 0, killed = 0, rc = 0, big[2] = {0, 0};

    while (!exited || fds[0] >= 0 || fds[1] >= 0) {
        double t = now_mono();
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
        set_stamp(r);
        for (int i = 0; i < 2; i++) {
            if (idx[i] < 0 || !pfd[idx[i]].revents)
                continue;
            ssize_t n = read(fds[i], r->chunk, CHUNK);
            if (n >= 65536 && !big[i]) { /* it fills a default pipe: fewer, longer reads */
                (void)fcntl(fds[i], F_SETPIPE_SZ, PIPE_BIG); /* best effort: a cap may refuse */
                big[i] = 1;
            }
            if (n > 0)
                feed(r, i + 1, r->chunk, (size_t)n);
            else if (n == 0 || (errno != EINTR && errno != EAGAIN))
                close_fd(&fds[i]); /* EOF */
        }
        log_flush(r);
    }

    if (stopping) /* a stop ends the whole group, not just the child */
        kill(-pid, SIGKILL);
    if (wait_child(pid, &status, 0) < 0 && rc == 0)
        rc = ix_err_sys(err, "waitpid");
    attempt_ends(p->leave_running);
    if (p->on_group)
        p->on_group(p->ctx, 0);
    close_fd(&fds[0]);
    close_fd(&fds[1]);
    close_fd(&pidfd);
    set_stamp(r);
    end_stream(r, 1);
    end_stream(r, 2);
    log_flush(r);
    if (WIFEXITED(status)) {
        p->exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        p->exit_code = -1;
        p->term_signal = WTERMSIG(status);
    }
    return rc;
}

/* ---- environment ---- */

static size_t name_len(const char *s)
{
    const char *eq = strchr(s, '=');
    return eq ? (size_t)(eq - s) : strlen(s);
}

static int same_name(const char *a, const char *b)
{
    size_t n = name_len(a);
    return n == name_len(b) && strncmp(a, b, n) == 0;
}

/* environ with p->env applied, as a new array of borrowed strings; NULL when
 * there is nothing to apply. */
static char **build_env(const char *const *extra)
{
    if (!extra || !extra[0])
        return NULL;
    size_t n = 0, m = 0, k = 0;
    while (environ && environ[n])
        n++;
    while (extra[m])
        m++;
    char **envp = ix_xcalloc(n + m + 1, sizeof *envp);
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < m && !same_name(environ[i], extra[j]))
            j++;
        if (j == m)
            envp[k++] = environ[i];
    }
    for (size_t i = 0; i < m; i++) {
        size_t j = i + 1; /* a later entry for the same name wins */
        while (j < m && !same_name(extra[i], extra[j]))
            j++;
        if (j == m && strchr(extra[i], '='))
            envp[k++] = (char *)extra[i];
    }
    envp[k] = NULL;
    return envp;
}

/* ---- the run ---- */

/* Sleep, waking every TICK to honour cancel.  Returns -1 if cancelled. */
static int backoff_sleep(double secs, volatile sig_atomic_t *cancel)
{
    double end = now_mono() + secs;
    for (;;) {
        if (cancel && *cancel)
            return -1;
        double left = end - now_mono();
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
    char **envp = build_env(p->env);
    ix_buf cmd = IX_BUF_INIT, msg = IX_BUF_INIT;
    ix_proc_format_argv((const char *const *)argv, &cmd);
    int total = 1 + (p->retries > 0 ? p->retries : 0), rc = 0;
    double run_start = now_mono();

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
        log_event(&r, msg.data);
        double t0 = now_mono();
        rc = attempt(&r, argv, envp, devnull, err);
        if (rc < 0)
            break;
        if (!ix_proc_ok(p))
            log_open(&r);
        int retry = !ix_proc_ok(p) && !p->interrupted && i < total;
        char what[320];
        describe(p, now_mono() - t0, what, sizeof what);
        msg.len = 0;
        ix_buf_printf(&msg, "attempt %d/%d: %s%s", i, total, what, retry ? "; retrying" : "");
        log_event(&r, msg.data);
        if (!retry)
            break;
        if (p->backoff > 0 && backoff_sleep(p->backoff, p->cancel) < 0) {
            p->interrupted = 1;
            break;
        }
    }

    p->duration = now_mono() - run_start;
    log_finish(&r);
    if (rc == 0) { /* masked already: the ring was filled from the masked streams */
        p->tail = ring_copy(&r.tail);
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
