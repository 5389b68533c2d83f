/* progress.c - see include/infraexec/progress.h */
#include "infraexec/progress.h"

#include "infraexec/proc.h"

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
    p->text = text;
    p->started = p->last_beat = now_mono();
    p->last_line[0] = '\0';
    if (p->mode == IX_PROGRESS_TTY) {
        draw(p, p->started);
    } else if (p->mode == IX_PROGRESS_PLAIN) {
        stamp(p);
        fprintf(p->out, "criterion %d: %s\n", index, text);
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
    if (!done && c->reason)
        fprintf(p->out, ": %s", c->reason);
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
        ix_buf b = IX_BUF_INIT;
        if (cmd->argv)
            ix_proc_format_argv((const char *const *)cmd->argv, &b);
        else
            ix_buf_printf(&b, "bash -c %.60s", cmd->script);
        fprintf(p->out, "  command: %s\n", b.data);
        ix_buf_free(&b);
    }
    fflush(p->out);
}

void ix_progress_line(void *ui, int stream, const char *line, size_t len)
{
    (void)stream;
    ix_progress *p = ui;
    if (p->mode == IX_PROGRESS_OFF)
        return; /* nobody sees it: no copy per line */
    size_t n = len < sizeof p->last_line - 1 ? len : sizeof p->last_line - 1;
    /* Control characters would break the live line. */
    for (size_t i = 0; i < n; i++)
        p->last_line[i] = (unsigned char)line[i] < 0x20 ? ' ' : line[i];
    p->last_line[n] = '\0';
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
