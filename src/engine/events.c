/* events.c - see include/infraexec/engine/events.h */
#include "infraexec/engine/events.h"

#include "infraexec/sys/secrets.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

void ix_events_open(ix_events *e, int fd)
{
    e->f = NULL;
    e->secrets = NULL;
    if (fd < 0)
        return;
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3); /* ours to close; children never see it */
    if (copy >= 0 && !(e->f = fdopen(copy, "w")))
        close(copy);
}

void ix_events_emit(ix_events *e, const char *type, json_t *fields)
{
    if (!e->f) {
        json_decref(fields);
        return;
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char stamp[40];
    size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(stamp + n, sizeof stamp - n, ".%03ldZ", (long)(tv.tv_usec / 1000));
    json_t *ev = json_pack("{s:s, s:s}", "event", type, "time", stamp);
    json_object_update(ev, fields);
    json_decref(fields);
    ix_secrets_mask_json(e->secrets, ev); /* argv, script, text, reason... */
    char *line = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(ev);
    if (line) {
        fprintf(e->f, "%s\n", line);
        fflush(e->f);
        free(line);
    }
}

void ix_events_close(ix_events *e)
{
    if (e->f)
        fclose(e->f);
    e->f = NULL;
}
