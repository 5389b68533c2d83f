/* progress.c - see include/infraexec/engine/progress.h */
#include "infraexec/engine/progress.h"

#include "infraexec/sys/proc.h"
#include "infraexec/base/safetext.h"
#include "infraexec/sys/secrets.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void stamp(ix_progress *p)
{
    char buf[32];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(p->out, "[%s] ", buf);
}

static const char *paint(const ix_progress *p, const char *code)
{
    return p->color ? code : "";
}

void ix_progress_init(ix_progress *p, FILE *out, int quiet)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    const char *beat = getenv("INFRAEXEC_HEARTBEAT");
    p->heartbeat = beat && atof(beat) > 0 ? atof(beat) : 60;
    int tty = isatty(fileno(out));
    const char *term = getenv("TERM");
    p->mode = quiet ? IX_PROGRESS_OFF
                    : tty && term && strcmp(term, "dumb") != 0 ? IX_PROGRESS_TTY
                                                               : IX_PROGRESS_PLAIN;
    const char *no_color = getenv("NO_COLOR");
    p->color = p->mode == IX_PROGRESS_TTY && !(no_color && *no_color);
}

/* S as a person may see it, appended to OUT on one line: secrets masked
 * first (so no cut below can split one), then control characters shown. */
static void shown(const ix_progress *p, ix_buf *out, const char *s, size_t n)
{
    ix_buf m = IX_BUF_INIT;
    ix_buf_append(&m, s, n);
    ix_secrets_mask(p->secrets, &m);
    ix_safe_append(out, m.data, m.len, 0);
    ix_buf_free(&m);
}

static void draw(ix_progress *p, double t)
{
    static const char spinner[] = "|/-\\";
    fprintf(p->out, "\r\033[K%s%c%s [%d/%d] %.40s  %ds", paint(p, "\033[36m"),
            spinner[p->spin++ % 4], paint(p, "\033[0m"), p->index, p->total, p->text,
            (int)(t - p->started));
    if (p->last_line[0])
        fprintf(p->out, "  %s%.20s%s", paint(p, "\033[2m"), p->last_line, paint(p, "\033[0m"));
    fflush(p->out);
    p->last_draw = t;
}

void ix_progress_criterion(ix_progress *p, int index, int total, const char *text)
{
    p->index = index;
    p->total = total;
    ix_buf b = IX_BUF_INIT;
    shown(p, &b, text, strlen(text));
    snprintf(p->text, sizeof p->text, "%s", b.data);
    ix_buf_free(&b);
    p->started = p->last_beat = now_mono();
    p->last_line[0] = '\0';
    if (p->mode == IX_PROGRESS_TTY) {
        draw(p, p->started);
    } else if (p->mode == IX_PROGRESS_PLAIN) {
        stamp(p);
        fprintf(p->out, "criterion %d: %s\n", index, p->text);
        fflush(p->out);
    }
}

void ix_progress_done(ix_progress *p, const ix_crit_report *c, int done)
{
    if (p->mode == IX_PROGRESS_OFF)
        return;
    double secs = now_mono() - p->started;
    const char *what = done ? "done" : c->blocked ? "blocked" : "not done";
    if (p->mode == IX_PROGRESS_TTY) {
        fprintf(p->out, "\r\033[K%s%s%s [%d/%d] %s (%.1fs)", paint(p, done ? "\033[32m" : "\033[31m"),
                done ? "ok" : "--", paint(p, "\033[0m"), p->index, p->total, p->text, secs);
    } else {
        stamp(p);
        fprintf(p->out, "criterion %d: %s (%.1fs)", p->index, what, secs);
    }
    if (!done && c->reason) {
        ix_buf b = IX_BUF_INIT;
        shown(p, &b, c->reason, strlen(c->reason));
        fprintf(p->out, ": %s", b.data);
        ix_buf_free(&b);
    }
    fputc('\n', p->out);
    fflush(p->out);
}

void ix_progress_command(void *ui, const ix_cmd_record *cmd, int finished)
{
    ix_progress *p = ui;
    if (p->mode != IX_PROGRESS_PLAIN)
        return;
    stamp(p);
    if (finished) {
        fprintf(p->out, "  command finished: exit %d after %.1fs\n", cmd->exit_code, cmd->duration);
    } else {
        ix_buf b = IX_BUF_INIT, s = IX_BUF_INIT;
        if (cmd->argv)
            ix_proc_format_argv((const char *const *)cmd->argv, &b);
        else
            ix_buf_puts(&b, cmd->script);
        shown(p, &s, b.data, b.len);
        fprintf(p->out, cmd->argv ? "  command: %s\n" : "  command: bash -c %.60s\n", s.data);
        ix_buf_free(&b);
        ix_buf_free(&s);
    }
    fflush(p->out);
}

void ix_progress_line(void *ui, int stream, const char *line, size_t len)
{
    (void)stream;
    ix_progress *p = ui;
    if (p->mode == IX_PROGRESS_OFF)
        return; /* nobody sees it: no copy per line */
    /* Masked already (proc.h); control characters would break the live line
     * or worse.  Only the start is ever shown. */
    size_t n = len < sizeof p->last_line ? len : sizeof p->last_line, plain = 0;
    while (plain < n && (unsigned char)line[plain] >= 0x20 && (unsigned char)line[plain] < 0x7f)
        plain++;
    if (plain == n && n < sizeof p->last_line) { /* printable ASCII: no copy to make safe */
        memcpy(p->last_line, line, n);
        p->last_line[n] = '\0';
        return;
    }
    ix_buf b = IX_BUF_INIT;
    ix_safe_append(&b, line, n, 0);
    snprintf(p->last_line, sizeof p->last_line, "%s", b.data);
    ix_buf_free(&b);
}

void ix_progress_tick(void *ui)
{
    ix_progress *p = ui;
    double t = now_mono();
    if (p->mode == IX_PROGRESS_TTY && t - p->last_draw >= 0.1) {
        draw(p, t);
    } else if (p->mode == IX_PROGRESS_PLAIN && t - p->last_beat >= p->heartbeat) {
        p->last_beat = t;
        stamp(p);
        fprintf(p->out, "  still running after %dm%02ds%s%s\n", (int)(t - p->started) / 60,
                (int)(t - p->started) % 60, p->last_line[0] ? ": " : "", p->last_line);
        fflush(p->out);
    }
}
