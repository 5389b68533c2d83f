/* test_proc.c - ix_proc_* against real processes (bash, sleep, head...). */
#include "infraexec/sys/proc.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/ix_test_proc.XXXXXX";

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path)
{
    ix_buf b = IX_BUF_INIT;
    char chunk[4096];
    int fd = open(path, O_RDONLY);
    ssize_t n;
    while (fd >= 0 && (n = read(fd, chunk, sizeof chunk)) > 0)
        ix_buf_append(&b, chunk, (size_t)n);
    if (fd >= 0)
        close(fd);
    return ix_buf_detach(&b);
}

static int run_script(ix_proc *p, const char *script)
{
    ix_err err = {{0}};
    p->script = script;
    int rc = ix_proc_run(p, &err);
    if (rc < 0)
        printf("# ix_proc_run: %s\n", err.msg);
    return rc;
}

/* ---- ix_proc_format_argv ---- */

static void check_format(const char *const *argv, const char *want, const char *what)
{
    ix_buf b = IX_BUF_INIT;
    ix_proc_format_argv(argv, &b);
    is_str(b.data, want, "format_argv: %s", what);
    ix_buf_free(&b);
}

static void test_format_argv(void)
{
    check_format((const char *[]){"ls", "-la", "/tmp/x_y.z", "a=b", "user@host:1,2", NULL},
                 "ls -la /tmp/x_y.z a=b user@host:1,2", "safe words stay bare");
    check_format((const char *[]){"echo", "", "a b", "$HOME", "*", "~x", NULL},
                 "echo '' 'a b' '$HOME' '*' '~x'", "empty and special words are quoted");
    check_format((const char *[]){"echo", "it's", NULL}, "echo 'it'\\''s'", "embedded single quote");
    check_format((const char *[]){"bash", "-c", "echo a\nexit 1\t", NULL},
                 "bash -c $'echo a\\nexit 1\\t'", "control characters use $'...'");
    check_format((const char *[]){"printf", "a'b\\\x01", NULL}, "printf $'a\\'b\\\\\\x01'",
                 "$'...' escapes quote, backslash, other controls");
    check_format((const char *[]){"A=b", "x", NULL}, "'A=b' x", "argv[0] with = is quoted");
    check_format((const char *[]){"caf\xc3\xa9", NULL}, "'caf\xc3\xa9'", "non-ASCII is single-quoted");
    check_format((const char *[]){NULL}, "", "empty argv gives empty string");
    ix_buf b = IX_BUF_INIT;
    is_int(ix_proc_format_argv(NULL, &b), -1, "format_argv: NULL argv is -1");
    ix_buf_puts(&b, "$ ");
    ix_proc_format_argv((const char *[]){"true", NULL}, &b);
    is_str(b.data, "$ true", "format_argv appends");
    ix_buf_free(&b);
}

/* ---- misuse ---- */

static void test_misuse(void)
{
    ix_err err = {{0}};
    ix_proc p = IX_PROC_INIT;
    is_int(ix_proc_run(&p, &err), -1, "neither argv nor script: -1");
    ok(strstr(err.msg, "exactly one") != NULL, "... with a message (%s)", err.msg);
    p.argv = (const char *[]){"true", NULL};
    p.script = "true";
    is_int(ix_proc_run(&p, &err), -1, "both argv and script: -1");
    p.script = NULL;
    p.argv = (const char *[]){NULL};
    is_int(ix_proc_run(&p, &err), -1, "empty argv: -1");
    ok(strstr(err.msg, "empty") != NULL, "... with a message (%s)", err.msg);
    is_int(ix_proc_run(NULL, &err), -1, "NULL proc: -1");
    ok(!ix_proc_ok(NULL), "ix_proc_ok(NULL) is false");
    ix_proc_clear(&p);
}

/* ---- basics ---- */

static void test_argv_basics(void)
{
    ix_err err = {{0}};
    ix_proc p = IX_PROC_INIT;
    p.argv = (const char *[]){"echo", "hello", "world; $x", NULL};
    is_int(ix_proc_run(&p, &err), 0, "echo runs");
    ok(ix_proc_ok(&p), "... ok");
    is_int(p.exit_code, 0, "... exit 0");
    is_int(p.attempts, 1, "... one attempt");
    is_str(p.tail, "hello world; $x\n", "... argv passed verbatim, no shell");
    is_int(p.tail_len, 16, "... tail_len");
    ok(p.duration > 0 && p.duration < 5, "... duration %.3f", p.duration);

    /* reuse of the same struct resets the outputs */
    p.argv = (const char *[]){"false", NULL};
    is_int(ix_proc_run(&p, &err), 0, "false runs (a failing command is not an error)");
    is_int(p.exit_code, 1, "... exit 1");
    ok(!ix_proc_ok(&p), "... not ok");
    is_str(p.tail, "", "... empty tail, not the previous run's");
    ix_proc_clear(&p);
    ok(p.tail == NULL && p.exit_code == -1 && p.attempts == 0, "ix_proc_clear resets outputs");

    p.argv = (const char *[]){"cat", NULL};
    p.timeout = 5;
    ix_proc_run(&p, &err);
    ok(ix_proc_ok(&p) && p.tail_len == 0 && !p.timed_out, "stdin is /dev/null: cat ends at once");
    ix_proc_clear(&p);
}

static void test_spawn_failure(void)
{
    ix_err err = {{0}};
    ix_proc p = IX_PROC_INIT;
    p.argv = (const char *[]){"nosuchcmd-ix", NULL};
    is_int(ix_proc_run(&p, &err), 0, "missing command: run returns 0");
    is_int(p.exit_code, 127, "... exit 127");
    is_str(p.spawn_error, "nosuchcmd-ix: No such file or directory", "... spawn_error");
    is_int(p.attempts, 1, "... one attempt");
    ok(!ix_proc_ok(&p), "... not ok");

    p.argv = (const char *[]){"/etc/passwd", NULL};
    ix_proc_run(&p, &err);
    is_str(p.spawn_error, "/etc/passwd: Permission denied", "non-executable file: spawn_error");

    p.argv = (const char *[]){"true", NULL};
    p.cwd = "/nonexistent-ix-dir";
    ix_proc_run(&p, &err);
    is_int(p.exit_code, 127, "bad cwd: exit 127");
    is_str(p.spawn_error, "cannot chdir to /nonexistent-ix-dir: No such file or directory",
           "... spawn_error names the dir");
    ix_proc_clear(&p);
}

static void test_cwd_env(void)
{
    ix_err err = {{0}};
    ix_proc p = IX_PROC_INIT;
    char real[PATH_MAX], want[PATH_MAX + 2];
    ok(realpath(tmpdir, real) != NULL, "realpath of temp dir");
    snprintf(want, sizeof want, "%s\n", real);
    p.argv = (const char *[]){"pwd", "-P", NULL};
    p.cwd = tmpdir;
    ix_proc_run(&p, &err);
    is_str(p.tail, want, "cwd is applied");
    p.cwd = NULL;

    setenv("IX_TEST_KEEP", "kept", 1);
    setenv("IX_TEST_GONE", "still here", 1);
    p.argv = (const char *[]){"sh", "-c", "echo \"$IX_A|$HOME|$IX_TEST_KEEP|${IX_TEST_GONE-unset}\"", NULL};
    p.env = (const char *[]){"IX_A=one", "HOME=/override", "IX_A=two", "IX_TEST_GONE", NULL};
    ix_proc_run(&p, &err);
    is_str(p.tail, "two|/override|kept|unset\n", "env adds, overrides (last wins), keeps, unsets");

    p.argv = (const char *[]){"ls", NULL};
    p.env = (const char *[]){"PATH=/nonexistent-ix-dir", NULL};
    ix_proc_run(&p, &err);
    is_str(p.spawn_error, "ls: No such file or directory", "PATH lookup uses the child's env");
    ok(getenv("PATH") && strcmp(getenv("PATH"), "/nonexistent-ix-dir") != 0,
       "... the caller's environment is untouched");
    ix_proc_clear(&p);
}

static void test_script(void)
{
    ix_proc p = IX_PROC_INIT;
    run_script(&p, "false | true; echo after");
    is_int(p.exit_code, 1, "script runs with pipefail");
    is_str(p.tail, "", "... and -e stops it");

    run_script(&p, "echo \"$0\"; echo err >&2; exit 7");
    is_int(p.exit_code, 7, "script exit code");
    is_str(p.tail, "bash\nerr\n", "stdout and stderr both in tail");

    run_script(&p, "kill -9 $$");
    is_int(p.term_signal, 9, "killed by SIGKILL: term_signal 9");
    is_int(p.exit_code, -1, "... exit_code -1");
    ok(!p.timed_out && !p.interrupted && !ix_proc_ok(&p), "... not timed out, not ok");

    /* own process group: pgrp (field 5 of /proc/PID/stat) equals the pid */
    run_script(&p, "read -r s < /proc/$$/stat; set -- ${s##*) }; [ \"$3\" = $$ ] && echo own");
    is_str(p.tail, "own\n", "child leads its own process group");

    int fds[2];
    ok(pipe(fds) == 0, "a pipe without CLOEXEC in the caller");
    char script[128];
    snprintf(script, sizeof script, "[ ! -e /dev/fd/%d ] && [ ! -e /dev/fd/%d ]", fds[0], fds[1]);
    run_script(&p, script);
    is_int(p.exit_code, 0, "... is not inherited by the child");
    close(fds[0]);
    close(fds[1]);
    ix_proc_clear(&p);
}

/* ---- output: log, on_line, tail ---- */

typedef struct lines {
    ix_buf text;      /* "1:line\n" per call */
    size_t lens[8];
    int n;
} lines;

static void collect(void *ctx, int stream, const char *line, size_t len)
{
    lines *l = ctx;
    if (l->n < 8)
        l->lens[l->n] = len;
    l->n++;
    if (len < 100)
        ix_buf_printf(&l->text, "%d:%.*s\n", stream, (int)len, line);
    if (line[len] != '\0')
        ix_buf_puts(&l->text, "NOT-NUL-TERMINATED\n");
}

static int is_stamp(const char *s)
{
    const char *pat = "dd:dd:dd.ddd ";
    for (int i = 0; pat[i]; i++)
        if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
            return 0;
    return 1;
}

static void test_log_and_lines(void)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/log1", tmpdir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    lines got = {IX_BUF_INIT, {0}, 0};
    ix_proc p = IX_PROC_INIT;
    p.log_fd = fd;
    p.on_line = collect;
    p.ctx = &got;
    run_script(&p, "echo out1; echo err1 >&2; sleep 0.05; echo; printf partial");
    close(fd);
    ok(ix_proc_ok(&p), "logged run ok");
    is_str(got.text.data, "1:out1\n2:err1\n1:\n1:partial\n", "on_line gets each line, then the partial one");

    char *log = slurp(path);
    int all_stamped = 1, nlines = 0;
    for (char *l = log; *l; l = strchr(l, '\n') + 1, nlines++)
        if (!is_stamp(l))
            all_stamped = 0;
    ok(all_stamped, "every log line starts with HH:MM:SS.mmm");
    is_int(nlines, 6, "log: 4 output lines + attempt start/end");
    ok(strstr(log, " ---- attempt 1/1: bash -eo pipefail -c 'echo out1;") != NULL, "log: attempt start with command");
    ok(strstr(log, " out| out1\n") && strstr(log, " err| err1\n") && strstr(log, " out| \n"), "log: out| and err| lines");
    ok(strstr(log, " out| partial\n") != NULL, "log: partial last line flushed");
    ok(strstr(log, " ---- attempt 1/1: exit 0 after 0.") != NULL, "log: attempt end with exit and time");
    free(log);
    ix_buf_free(&got.text);

    /* long lines are split at 64 KiB, and a line of exactly 64 KiB is one line */
    lines big = {IX_BUF_INIT, {0}, 0};
    p.log_fd = -1;
    p.ctx = &big;
    run_script(&p, "head -c 150000 /dev/zero | tr '\\0' x; echo; head -c 65536 /dev/zero | tr '\\0' y; echo");
    is_int(big.n, 4, "150000 + 65536 byte lines: 4 callbacks");
    ok(big.lens[0] == 65536 && big.lens[1] == 65536 && big.lens[2] == 18928 && big.lens[3] == 65536,
       "... split 65536/65536/18928, then 65536 whole (%zu %zu %zu %zu)",
       big.lens[0], big.lens[1], big.lens[2], big.lens[3]);
    ok(!big.text.data || strstr(big.text.data, "NOT-NUL") == NULL, "... lines are NUL-terminated");
    ix_buf_free(&big.text);
    ix_proc_clear(&p);
}

static void test_tail_ring(void)
{
    ix_proc p = IX_PROC_INIT;
    p.tail_max = 10;
    run_script(&p, "printf 0123456789abcdef");
    is_str(p.tail, "6789abcdef", "tail keeps the last tail_max bytes");

    ix_buf want = IX_BUF_INIT;
    for (int i = 1; i <= 300; i++)
        ix_buf_printf(&want, "line%d\n", i);
    p.tail_max = 23;
    run_script(&p, "for i in $(seq 1 300); do echo line$i; done; sleep 0.01");
    is_int(p.tail_len, 23, "many small writes: tail_len == tail_max");
    is_str(p.tail, want.data + want.len - 23, "... ring wraps correctly");
    ix_buf_free(&want);
    ix_proc_clear(&p);
}

static void count_bytes(void *ctx, int stream, const char *line, size_t len)
{
    (void)line;
    ((size_t *)ctx)[stream - 1] += len;
}

static void test_big_output(void)
{
    size_t bytes[2] = {0, 0};
    struct rusage before, after;
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    ix_proc p = IX_PROC_INIT;
    p.log_fd = fd; /* exercise line splitting and logging too */
    p.on_line = count_bytes;
    p.ctx = bytes;
    getrusage(RUSAGE_SELF, &before);
    double t0 = now();
    run_script(&p, "head -c 200000000 /dev/zero | tr '\\0' a; head -c 1000000 /dev/zero | tr '\\0' b >&2; head -c 1000000 /dev/zero | tr '\\0' a");
    double secs = now() - t0;
    getrusage(RUSAGE_SELF, &after);
    close(fd);
    ok(ix_proc_ok(&p), "200 MB of output: ok (%.1fs)", secs);
    ok(bytes[0] == 201000000 && bytes[1] == 1000000, "... every byte was read (%zu + %zu)", bytes[0], bytes[1]);
    is_int(p.tail_len, 65536, "... tail is exactly 64 KiB (default tail_max)");
    size_t bad = 0;
    for (size_t i = 0; i < p.tail_len; i++)
        bad += p.tail[i] != 'a';
    /* stdout and stderr are separate pipes: only the last stdout megabyte,
     * written after stderr finished, is sure to end the tail. */
    is_int(bad, 0, "... tail holds the last output");
    long growth = after.ru_maxrss - before.ru_maxrss;
    ok(growth < 16 * 1024, "... peak RSS grew %ld KiB (< 16 MiB)", growth);
    ix_proc_clear(&p);
}

/* ---- timeouts, signals, process groups ---- */

static void test_timeouts(void)
{
    ix_err err = {{0}};
    ix_proc p = IX_PROC_INIT;
    p.argv = (const char *[]){"sleep", "30", NULL};
    p.timeout = 0.3;
    ix_proc_run(&p, &err);
    ok(p.timed_out, "sleep 30 with timeout 0.3: timed_out");
    is_int(p.term_signal, SIGTERM, "... stopped by SIGTERM");
    is_int(p.exit_code, -1, "... exit_code -1");
    ok(!ix_proc_ok(&p), "... not ok");
    ok(p.duration > 0.25 && p.duration < 5, "... after %.2fs", p.duration);
    p.argv = NULL;

    p.timeout = 0.3;
    p.kill_grace = 0.3;
    run_script(&p, "trap '' TERM; sleep 30");
    is_int(p.term_signal, SIGKILL, "SIGTERM ignored: SIGKILL after kill_grace");
    ok(p.timed_out && p.duration < 5, "... timed out after %.2fs", p.duration);
    p.kill_grace = 0;

    /* a caller that blocks SIGTERM (signalfd style) must not pass that on */
    sigset_t term, old;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, &old);
    p.kill_grace = 10;
    p.script = NULL;
    p.argv = (const char *[]){"sleep", "30", NULL};
    ix_proc_run(&p, &err);
    sigprocmask(SIG_SETMASK, &old, NULL);
    is_int(p.term_signal, SIGTERM, "caller blocking SIGTERM: child still dies of SIGTERM");
    ok(p.duration < 5, "... promptly (%.2fs)", p.duration);
    p.argv = NULL;
    p.kill_grace = 0;

    p.timeout = 1;
    double t0 = now();
    run_script(&p, "sleep 30 & sleep 30");
    double secs = now() - t0;
    ok(p.timed_out, "'sleep 30 & sleep 30', timeout 1: timed out");
    ok(secs < 10, "... returned after %.2fs (background job holding stdout does not hang it)", secs);

    p.timeout = 0;
    t0 = now();
    run_script(&p, "sleep 30 & echo $!; echo done");
    secs = now() - t0;
    ok(ix_proc_ok(&p) && p.exit_code == 0, "'sleep 30 &; echo done', no timeout: exit 0");
    ok(secs < 5, "... returned promptly (%.2fs)", secs);
    ok(p.tail && strstr(p.tail, "\ndone\n") != NULL, "... output read");
    /* the leftover was killed: gone, or a zombie waiting for init */
    int bg = p.tail ? atoi(p.tail) : 0, gone = 0;
    for (int i = 0; i < 100 && bg > 0 && !gone; i++) {
        char path[64], *stat;
        snprintf(path, sizeof path, "/proc/%d/stat", bg);
        stat = slurp(path);
        char *rp = strrchr(stat, ')');
        gone = !rp || rp[2] == 'Z';
        free(stat);
        if (!gone)
            usleep(20000);
    }
    ok(bg > 0 && gone, "... and the background sleep %d was killed", bg);
    ix_proc_clear(&p);
}

/* ---- retries ---- */

static void test_retries(void)
{
    char marker_env[PATH_MAX + 16], logpath[PATH_MAX];
    snprintf(marker_env, sizeof marker_env, "IX_DIR=%s", tmpdir);
    snprintf(logpath, sizeof logpath, "%s/log2", tmpdir);
    int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    ix_proc p = IX_PROC_INIT;
    p.env = (const char *[]){marker_env, NULL};
    p.retries = 1;
    p.log_fd = fd;
    run_script(&p, "if [ -e \"$IX_DIR/marker\" ]; then echo second; else touch \"$IX_DIR/marker\"; echo first >&2; exit 3; fi");
    close(fd);
    ok(ix_proc_ok(&p), "fails once, then succeeds: ok");
    is_int(p.attempts, 2, "... 2 attempts");
    is_str(p.tail, "second\n", "... tail is the last attempt's only");
    char *log = slurp(logpath);
    ok(strstr(log, "---- attempt 1/2: exit 3 after ") && strstr(log, "; retrying\n"), "log: attempt 1 failed, retrying");
    ok(strstr(log, " err| first\n") && strstr(log, " out| second\n"), "log: both attempts' output");
    ok(strstr(log, "---- attempt 2/2: exit 0 after ") != NULL, "log: attempt 2 succeeded");
    free(log);
    p.log_fd = -1;
    p.env = NULL;

    run_script(&p, "echo boom >&2; exit 4");
    is_int(p.attempts, 2, "always failing, retries 1: 2 attempts");
    is_int(p.exit_code, 4, "... exit code preserved");
    ok(p.tail && strstr(p.tail, "boom") != NULL, "... stderr in tail");

    p.retries = 2;
    p.backoff = 0.2;
    run_script(&p, "exit 1");
    is_int(p.attempts, 3, "retries 2: 3 attempts");
    ok(p.duration >= 0.4 && p.duration < 5, "... backoff waited (%.2fs)", p.duration);

    p.retries = 5;
    p.backoff = 0;
    run_script(&p, "true");
    is_int(p.attempts, 1, "success stops retrying");

    p.retries = 1;
    p.timeout = 0.2;
    run_script(&p, "sleep 30");
    ok(p.attempts == 2 && p.timed_out, "timeouts are retried");

    p.retries = 2;
    p.timeout = 0;
    p.argv = (const char *[]){"nosuchcmd-ix", NULL};
    p.script = NULL;
    ix_err err;
    ix_proc_run(&p, &err);
    ok(p.attempts == 3 && p.exit_code == 127, "a spawn failure is a failed attempt");
    ix_proc_clear(&p);
}

/* ---- cancel, EINTR, SIGPIPE ---- */

static volatile sig_atomic_t cancel_flag, alarms;

static void on_alarm_cancel(int sig) { (void)sig; cancel_flag = 1; }
static void on_alarm_count(int sig) { (void)sig; alarms++; }

static void arm(void (*handler)(int), long first_us, long every_us)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler; /* no SA_RESTART: syscalls see EINTR */
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, every_us}, {0, first_us}};
    setitimer(ITIMER_REAL, &it, NULL);
}

static void disarm(void)
{
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    signal(SIGALRM, SIG_DFL);
}

static void test_cancel(void)
{
    ix_err err = {{0}};
    ix_proc p = IX_PROC_INIT;
    p.cancel = &cancel_flag;
    p.retries = 3;
    p.argv = (const char *[]){"sleep", "30", NULL};
    cancel_flag = 0;
    arm(on_alarm_cancel, 300000, 0);
    ix_proc_run(&p, &err);
    disarm();
    ok(p.interrupted, "cancel during run: interrupted");
    is_int(p.attempts, 1, "... no retry");
    is_int(p.term_signal, SIGTERM, "... child got SIGTERM");
    ok(!p.timed_out && !ix_proc_ok(&p), "... not timed out, not ok");
    ok(p.duration < 5, "... promptly (%.2fs)", p.duration);

    p.argv = (const char *[]){"false", NULL};
    p.backoff = 10;
    cancel_flag = 0;
    arm(on_alarm_cancel, 300000, 0);
    ix_proc_run(&p, &err);
    disarm();
    ok(p.interrupted && p.attempts == 1, "cancel during backoff: interrupted after 1 attempt");
    is_int(p.exit_code, 1, "... last exit code kept");
    ok(p.duration < 5, "... backoff cut short (%.2fs)", p.duration);

    cancel_flag = 1;
    ix_proc_run(&p, &err);
    ok(p.interrupted && p.attempts == 0 && p.exit_code == -1 && p.tail && !p.tail[0],
       "cancelled before start: no attempt");
    cancel_flag = 0;
    ix_proc_clear(&p);
}

static volatile sig_atomic_t chlds;
static void on_chld(int sig) { (void)sig; chlds++; }

static void test_eintr_sigpipe(void)
{
    /* a SIGALRM every ms, and a caller's SIGCHLD handler, both without
     * SA_RESTART: poll/read/waitpid/nanosleep all see EINTR */
    struct sigaction sa, old_chld;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sigaction(SIGCHLD, &sa, &old_chld);
    char logpath[PATH_MAX];
    snprintf(logpath, sizeof logpath, "%s/log3", tmpdir);
    int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ix_proc p = IX_PROC_INIT;
    p.log_fd = fd;
    p.retries = 1;
    p.backoff = 0.1;
    alarms = 0;
    arm(on_alarm_count, 1000, 1000);
    run_script(&p, "for i in 1 2 3; do echo tick$i; sleep 0.1; done; exit 2");
    disarm();
    close(fd);
    ok(p.attempts == 2 && p.exit_code == 2, "signal storm: run completes normally");
    is_str(p.tail, "tick1\ntick2\ntick3\n", "... output intact");
    ok(alarms > 50 && chlds >= 2, "... %d alarms and %d SIGCHLD were delivered", (int)alarms, (int)chlds);
    char *log = slurp(logpath);
    ok(strstr(log, "---- attempt 2/2: exit 2") != NULL, "... log complete");
    free(log);
    sigaction(SIGCHLD, &old_chld, NULL);

    /* log to a pipe nobody reads: the write fails, the caller lives on */
    int fds[2];
    ok(pipe(fds) == 0, "pipe for a dead log reader");
    close(fds[0]);
    p.log_fd = fds[1];
    p.retries = 0;
    run_script(&p, "echo hi");
    close(fds[1]);
    ok(ix_proc_ok(&p), "log write hits EPIPE: still ok, no SIGPIPE death");
    is_str(p.tail, "hi\n", "... output still collected");
    sigset_t pend;
    sigpending(&pend);
    ok(!sigismember(&pend, SIGPIPE), "... no SIGPIPE left pending");

    /* a caller ignoring SIGPIPE: the child still gets the default */
    signal(SIGPIPE, SIG_IGN);
    p.log_fd = -1;
    run_script(&p, "set +o pipefail; yes | head -c 10 >/dev/null; echo ${PIPESTATUS[0]}");
    signal(SIGPIPE, SIG_DFL);
    is_str(p.tail, "141\n", "caller ignores SIGPIPE: child's yes still dies of it");
    ix_proc_clear(&p);
}

/* ---- spawning as execvp would: what posix_spawn leaves to us ---- */

static void test_spawn_like_execvp(void)
{
    ix_err err = {{0}};
    ix_proc p = IX_PROC_INIT;
    char path[PATH_MAX];
    /* an executable without #!: execvp runs it with /bin/sh */
    snprintf(path, sizeof path, "%s/noshebang", tmpdir);
    FILE *f = fopen(path, "w");
    fputs("echo ran by sh \"$1\"\n", f);
    fclose(f);
    chmod(path, 0755);
    p.argv = (const char *[]){path, "arg1", NULL};
    ix_proc_run(&p, &err);
    ok(ix_proc_ok(&p), "script without #!: runs");
    is_str(p.tail, "ran by sh arg1\n", "... through /bin/sh, with its arguments");

    /* a relative PATH entry is searched from the child's directory */
    p.argv = (const char *[]){"noshebang", "rel", NULL};
    p.env = (const char *[]){"PATH=.", NULL};
    p.cwd = tmpdir;
    ix_proc_run(&p, &err);
    is_str(p.tail, "ran by sh rel\n", "PATH=. finds the program in the child's cwd");
    p.cwd = NULL;
    ix_proc_run(&p, &err);
    is_str(p.spawn_error, "noshebang: No such file or directory", "... and not in ours");
    p.env = NULL;

    /* an fd of ours without CLOEXEC does not reach the child */
    int fd = open("/dev/null", O_RDONLY);
    char check[64];
    snprintf(check, sizeof check, "test -e /proc/self/fd/%d && echo leaked || echo closed", fd);
    p.argv = (const char *[]){"sh", "-c", check, NULL};
    ix_proc_run(&p, &err);
    close(fd);
    is_str(p.tail, "closed\n", "a caller's inheritable fd is closed in the child");
    ix_proc_clear(&p);
    unlink(path);
}

/* PID was killed: gone, or a zombie (of whoever reaps it). */
static int killed(int pid)
{
    for (int i = 0; i < 50 && pid > 0; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/stat", pid);
        char *stat = slurp(path), *rp = strrchr(stat, ')');
        int gone = !rp || rp[2] == 'Z';
        free(stat);
        if (gone)
            return 1;
        usleep(20000);
    }
    return 0;
}

/* Zombies earlier tests left to us (a service they killed themselves)
 * would send every end to the sweep. */
static void reap_strays(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

/* Leftovers that are dead when the command ends are reaped without a look
 * at /proc; what is still alive beside them is killed all the same: a
 * daemon beside a zombie, and a live group whose leader is one (its
 * members are ours once it died). */
static void test_dead_leftovers(void)
{
    char script[2 * PATH_MAX + 256];
    snprintf(script, sizeof script,
             "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! >%s/daemon.pid; "
             "head -c 0 < <(yes)", tmpdir);
    ix_proc p = IX_PROC_INIT;
    reap_strays();
    run_script(&p, script);
    ok(ix_proc_ok(&p), "a daemon beside `head -c 0 < <(yes)`: exit 0");
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/daemon.pid", tmpdir);
    char *pid = slurp(path);
    ok(killed(atoi(pid)), "... the daemon %d was killed (yes died a zombie of ours)", atoi(pid));
    if (atoi(pid) > 0)
        kill(atoi(pid), SIGKILL);
    free(pid);
    unlink(path);

    /* The leader outlives bash and dies while another of its group holds
     * our stdout a little longer: a zombie of ours when the pipes close,
     * its member alive. */
    snprintf(script, sizeof script,
             "setsid sh -c 'sleep 300 </dev/null >/dev/null 2>&1 & echo $! >%s/member.pid; "
             "sleep 0.08 & sleep 0.02' & echo $! >%s/leader.pid", tmpdir, tmpdir);
    reap_strays();
    run_script(&p, script);
    ok(ix_proc_ok(&p), "a group whose leader dies before the pipes close: exit 0");
    snprintf(path, sizeof path, "%s/member.pid", tmpdir);
    pid = slurp(path);
    ok(killed(atoi(pid)), "... its member %d was killed", atoi(pid));
    if (atoi(pid) > 0)
        kill(atoi(pid), SIGKILL);
    free(pid);
    unlink(path);
    snprintf(path, sizeof path, "%s/leader.pid", tmpdir);
    pid = slurp(path);
    ok(atoi(pid) > 0 && kill(atoi(pid), 0) < 0 && errno == ESRCH,
       "... and the leader %d was reaped", atoi(pid));
    free(pid);
    unlink(path);
    ix_proc_clear(&p);
}

/* A service a LEAVE command started survives the next command, however soon
 * that one starts (both within one clock tick, without the wait). */
static void test_leave_then_next(void)
{
    char pidfile[PATH_MAX], script[PATH_MAX + 96];
    snprintf(pidfile, sizeof pidfile, "%s/service.pid", tmpdir);
    snprintf(script, sizeof script, "setsid sleep 30 </dev/null >/dev/null 2>&1 & echo $! >%s",
             pidfile);
    int alive = 1;
    for (int round = 0; round < 5; round++) {
        ix_proc p = IX_PROC_INIT;
        p.leave_running = 1;
        run_script(&p, script);
        ix_proc_clear(&p);
        ix_proc q = IX_PROC_INIT;
        q.argv = (const char *[]){"true", NULL};
        ix_err err = {{0}};
        ix_proc_run(&q, &err);
        ix_proc_clear(&q);
        char *pid = slurp(pidfile);
        int n = atoi(pid);
        alive &= n > 0 && kill(n, 0) == 0;
        if (n > 0)
            kill(n, SIGKILL);
        free(pid);
    }
    ok(alive, "a service left running survives the command right after it (5 rounds)");
    unlink(pidfile);
}

/* ---- the log, created only when there is something to keep ---- */

static int log_opens;
static char lazy_path[PATH_MAX];
static int open_lazy_log(void *ctx)
{
    (void)ctx;
    log_opens++;
    return open(lazy_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

static void lazy_run(ix_proc *p, const char *script)
{
    unlink(lazy_path);
    log_opens = 0;
    p->open_log = open_lazy_log;
    run_script(p, script);
    p->open_log = NULL;
}

static void test_lazy_log(void)
{
    ix_proc p = IX_PROC_INIT;
    snprintf(lazy_path, sizeof lazy_path, "%s/lazy.log", tmpdir);
    struct stat st;
    lazy_run(&p, "true");
    ok(ix_proc_ok(&p) && log_opens == 0 && stat(lazy_path, &st) < 0,
       "silent success: no log is created");

    lazy_run(&p, "echo one; echo two >&2");
    char *log = slurp(lazy_path);
    is_int(log_opens, 1, "output: the log is opened once");
    ok(strstr(log, "---- attempt 1/1: bash -eo pipefail -c 'echo one; echo two >&2'\n") &&
       strstr(log, " out| one\n") && strstr(log, " err| two\n") &&
       strstr(log, "---- attempt 1/1: exit 0 after"), "... and holds the attempt lines and output");
    free(log);

    lazy_run(&p, "exit 3");
    log = slurp(lazy_path);
    ok(log_opens == 1 && strstr(log, "---- attempt 1/1: bash") &&
       strstr(log, "---- attempt 1/1: exit 3 after"), "silent failure: the log has its attempts");
    free(log);

    /* fails silently once, then succeeds: the failure is kept */
    char marker[PATH_MAX + 64];
    snprintf(marker, sizeof marker, "test -e %s/lazy.m && exit 0; touch %s/lazy.m; exit 1",
             tmpdir, tmpdir);
    p.retries = 1;
    lazy_run(&p, marker);
    log = slurp(lazy_path);
    ok(ix_proc_ok(&p) && p.attempts == 2 && strstr(log, "attempt 1/2: exit 1") &&
       strstr(log, "attempt 2/2: exit 0"), "failed then ok: the log has both attempts");
    free(log);
    p.retries = 0;
    ix_proc_clear(&p);
    char m[PATH_MAX + 16];
    snprintf(m, sizeof m, "%s/lazy.m", tmpdir);
    unlink(m);
    unlink(lazy_path);
}

/* A chatty command: every line is in the log once, whole and in order, each
 * with its stamp, however reads cut the lines (most are logged straight from
 * the read buffer, a line cut by a read goes through the line buffer); and
 * the stamp follows the clock across seconds (only the milliseconds are
 * formatted per read). */
static void test_log_many_lines(void)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/log4", tmpdir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ix_proc p = IX_PROC_INIT;
    p.log_fd = fd;
    run_script(&p, "seq 1 300000; echo; printf 'x%.0s' $(seq 1 70000); echo; sleep 1.2; echo after");
    close(fd);
    ok(ix_proc_ok(&p), "300,000 lines, a blank one, a 70,000-byte one: ok");
    char *log = slurp(path), *l = log;
    int bad = 0, n = 0;
    char want[32];
    l = strchr(l, '\n') + 1; /* the attempt line */
    while (n < 300000 && *l) {
        snprintf(want, sizeof want, "out| %d\n", ++n);
        bad += !is_stamp(l) || strncmp(l + 13, want, strlen(want)) != 0;
        l = strchr(l, '\n') + 1;
    }
    is_int(bad, 0, "every line of seq logged once, in order, stamped (%d lines)", n);
    ok(is_stamp(l) && strncmp(l + 13, "out| \n", 6) == 0, "... then the blank line");
    char *x = strstr(l, " out| x"), *after = x ? strstr(x, " out| after\n") : NULL;
    ok(x && strspn(x + 6, "x") == 65536 && x[6 + 65536] == '\n', "... the long line cut at 64 KiB");
    int h1, m1, s1, h2, m2, s2;
    ok(after && sscanf(x - 12, "%d:%d:%d", &h1, &m1, &s1) == 3 &&
           sscanf(after - 12, "%d:%d:%d", &h2, &m2, &s2) == 3 &&
           ((h2 * 60 + m2) * 60 + s2 - ((h1 * 60 + m1) * 60 + s1) + 86400) % 86400 >= 1,
       "... and the line 1.2 s later is stamped a second later or more");
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    int lag = after ? ((tm.tm_hour * 60 + tm.tm_min) * 60 + tm.tm_sec -
                       ((h2 * 60 + m2) * 60 + s2) + 86400) % 86400 : -1;
    ok(lag >= 0 && lag <= 2, "... with the local time it was written at (%d s ago)", lag);
    free(log);
    unlink(path);
    ix_proc_clear(&p);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_format_argv();
    test_misuse();
    test_argv_basics();
    test_spawn_failure();
    test_cwd_env();
    test_script();
    test_log_and_lines();
    test_log_many_lines();
    test_tail_ring();
    test_big_output();
    test_timeouts();
    test_retries();
    test_cancel();
    test_eintr_sigpipe();
    test_spawn_like_execvp();
    test_lazy_log();
    test_dead_leftovers();
    test_leave_then_next();

    const char *files[] = {"marker", "log1", "log2", "log3"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", tmpdir, files[i]);
        unlink(path);
    }
    rmdir(tmpdir);
    return tap_done();
}
