/* progress.h - what a person watching a run sees on stderr.
 *
 * On a terminal: one live line per criterion (spinner, elapsed time, the
 * last output line), redrawn at most ten times a second, then a final line
 * with the outcome.  Otherwise: plain timestamped lines, and a heartbeat
 * every 60 s while a command runs (builds take minutes).  Colour only on a
 * terminal and never when NO_COLOR is set.  Everything shown that comes from
 * a task or a command is masked (secrets.h), then made safe (safetext.h):
 * no ESC sequence of a task reaches the terminal. */
#ifndef INFRAEXEC_PROGRESS_H
#define INFRAEXEC_PROGRESS_H

#include "infraexec/engine/report.h"

#include <stdio.h>

typedef enum { IX_PROGRESS_OFF, IX_PROGRESS_PLAIN, IX_PROGRESS_TTY } ix_progress_mode;

typedef struct ix_progress {
    FILE *out;
    ix_progress_mode mode;
    int color;
    int index, total;          /* criterion being worked on, criteria to do */
    char text[1024];           /* its text, masked and made safe */
    const struct ix_secrets *secrets; /* NULL: nothing to mask */
    double started, last_draw, last_beat;
    char last_line[160];       /* last output line of the running command */
    int spin;
    double heartbeat;          /* seconds between heartbeats: $INFRAEXEC_HEARTBEAT or 60 */
} ix_progress;

/* Mode and colour from the stream: a TTY gets the live line; NO_COLOR wins. */
void ix_progress_init(ix_progress *p, FILE *out, int quiet);
void ix_progress_criterion(ix_progress *p, int index, int total, const char *text);
void ix_progress_done(ix_progress *p, const ix_crit_report *c, int done);
/* Callbacks for the Lua host (void *ui = ix_progress *). */
void ix_progress_command(void *ui, const ix_cmd_record *cmd, int finished);
void ix_progress_line(void *ui, int stream, const char *line, size_t len);
void ix_progress_tick(void *ui);

#endif
