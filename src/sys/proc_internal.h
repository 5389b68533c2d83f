/* proc_internal.h - private to src/sys/proc*.c: what the files of the proc
 * module (include/infraexec/sys/proc.h) share and nobody else may use.
 *
 *   proc.c       ix_proc_run: the attempts, their timeout, cancel and stop
 *                of the process group, retries; the display of a command
 *   procspawn.c  starting the child (posix_spawn, pipes, PATH, environment)
 *   proclog.c    its output: masked, cut into lines, the tail, the capped log
 *   procreap.c   what a command leaves behind (the child subreaper's sweep) */
#ifndef INFRAEXEC_PROC_INTERNAL_H
#define INFRAEXEC_PROC_INTERNAL_H

#include "infraexec/sys/proc.h"
#include "infraexec/sys/secrets.h"

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

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

/* CLOCK_MONOTONIC, in seconds. */
double ix_proc_now(void);

/* ---- tail: a fixed ring buffer, so memory stays flat however much a
 * command prints ---- */

typedef struct ring {
    char *buf;
    size_t cap, start, len;
} ring;

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

/* ---- proclog.c ---- */

/* Set r->stamp to now ("HH:MM:SS.mmm"): the time the next lines are logged at. */
void ix_proc_set_stamp(run *r);
/* Output from one read() of STREAM (1 stdout, 2 stderr). */
void ix_proc_feed(run *r, int stream, char *data, size_t n);
/* End of a stream: what the masker held back, then the partial line. */
void ix_proc_end_stream(run *r, int stream);
void ix_proc_log_flush(run *r);
/* A "---- MSG" line in the log, its secrets masked. */
void ix_proc_log_event(run *r, const char *msg);
void ix_proc_log_open(run *r);
void ix_proc_log_finish(run *r);
/* The ring's bytes as one string, the caller frees. */
char *ix_proc_ring_copy(const ring *r);

/* ---- procspawn.c ---- */

int ix_proc_spawn(ix_proc *p, char *const *argv, char **envp, int devnull,
                  pid_t *pid, int out[2], ix_err *err);
void ix_proc_close_fd(int *fd);
/* waitpid, again on EINTR. */
pid_t ix_proc_wait_child(pid_t pid, int *status, int flags);
char **ix_proc_build_env(const char *const *extra);

/* ---- procreap.c: around each attempt ---- */

void ix_proc_attempt_begins(void);
void ix_proc_attempt_started(pid_t pid);
void ix_proc_attempt_ends(int leave);

#endif
