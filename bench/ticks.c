/* ticks.c - time, in isolation, the task-file update that `infraexec run`
 * makes after each criterion: one locked, durable update that ticks a box
 * and appends a Progress Log line (ix_task_update_file, the very function
 * run.c calls, carrying its parse and the file's stat from one update to
 * the next as run.c does; written in place when it can be, as pieces over
 * the file it knows, see fileio.h).  It also times
 * ix_task_parse on the file as it stands before each update, which is what
 * an update costs more when it cannot follow the edit without a parse.
 *
 *   ticks FILE N      tick criteria 1..N of FILE one update at a time
 *
 * Prints "update_us MEDIAN", "parse_us MEDIAN" and "bytes START END" on
 * stdout.  Built by bench/run twice: as is, and with -DNO_FSYNC, where the
 * fsync below replaces libc's for the statically linked libixcore (a
 * bench-only build; infraexec itself has no such switch).  The difference is
 * what durability costs per tick. */
#include "infraexec/base/buf.h"
#include "infraexec/base/err.h"
#include "infraexec/sys/fileio.h"
#include "infraexec/model/task.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#ifdef NO_FSYNC
int fsync(int fd)
{
    (void)fd;
    return 0;
}

int fdatasync(int fd)
{
    (void)fd;
    return 0;
}
#endif

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: ticks FILE N\n");
        return 2;
    }
    const char *path = argv[1];
    int n = atoi(argv[2]);
    if (n < 1)
        return 2;
    double *upd = calloc((size_t)n, sizeof *upd), *parse = calloc((size_t)n, sizeof *parse);
    size_t first = 0, last = 0;
    ix_err err;
    ix_task *latest = NULL;
    struct stat seen;
    if (stat(path, &seen) < 0 || ix_task_load(path, &latest, &err) < 0) {
        fprintf(stderr, "ticks: %s\n", err.msg);
        return 1;
    }
    for (int i = 1; i <= n; i++) {
        /* The parse alone, on the bytes the update is about to re-parse. */
        ix_buf b = IX_BUF_INIT;
        if (ix_file_read(path, (size_t)1 << 30, &b, &err) < 0) {
            fprintf(stderr, "ticks: %s\n", err.msg);
            return 1;
        }
        if (i == 1)
            first = b.len;
        ix_task *t;
        double t0 = now();
        if (ix_task_parse(path, b.data, b.len, &t, &err) < 0) {
            fprintf(stderr, "ticks: %s\n", err.msg);
            return 1;
        }
        parse[i - 1] = now() - t0;
        ix_task_free(t);
        ix_buf_free(&b);

        /* The same change run.c makes for a criterion that succeeded. */
        char msg[200];
        snprintf(msg, sizeof msg, "Completed criterion %d: step %d: `true` (`true` succeeded)", i,
                 i);
        ix_task_change chg = {.ticks = &i, .nticks = 1, .message = msg,
                              .stamp = "2025-01-01 00:00", .keep_written = 1,
                              .hint = latest, .take = &latest, .seen = &seen};
        t0 = now();
        if (ix_task_update_file(path, &chg, &err) < 0) {
            fprintf(stderr, "ticks: %s\n", err.msg);
            return 1;
        }
        upd[i - 1] = now() - t0;
        ix_task_free(latest);
        latest = chg.written;
        if (chg.patched)
            seen = chg.after;
        else if (stat(path, &seen) < 0)
            return 1;
    }
    ix_task_free(latest);
    ix_buf b = IX_BUF_INIT;
    if (ix_file_read(path, (size_t)1 << 30, &b, &err) == 0)
        last = b.len;
    ix_buf_free(&b);
    printf("update_us %.1f\nparse_us %.1f\nbytes %zu %zu\n", median(upd, n) * 1e6,
           median(parse, n) * 1e6, first, last);
    free(upd);
    free(parse);
    return 0;
}
