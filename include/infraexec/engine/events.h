/* events.h - `run --events FD`: newline-delimited JSON for an orchestrator
 * following a long run live.  One object per line, flushed as it happens:
 *   {"event": "criterion_started", "time": "...", "index": 3, "text": "..."}
 *   command_started {index, argv|script, cwd}   output {index, stream, line}
 *   command_finished {index, exit_code, signal, timed_out, attempts, duration}
 *   criterion_finished {index, state, rule, reason}   report {report}
 *   criterion_confirmed {index, confirmed_by} (run --confirm, after a yes)
 * Every string of every event is masked (secrets.h) before it is written. */
#ifndef INFRAEXEC_EVENTS_H
#define INFRAEXEC_EVENTS_H

#include <jansson.h>
#include <stdio.h>

typedef struct ix_events {
    FILE *f;       /* NULL: events are off */
    const struct ix_secrets *secrets;  /* NULL: nothing to mask */
} ix_events;

/* Start writing to FD (-1: off).  The descriptor stays the caller's. */
void ix_events_open(ix_events *e, int fd);
/* Write {"event": TYPE, "time": ..., FIELDS...}; takes FIELDS' reference. */
void ix_events_emit(ix_events *e, const char *type, json_t *fields);
void ix_events_close(ix_events *e);

#endif
