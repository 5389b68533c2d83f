/* claimlease.c - a claim's lease (claim_internal.h): its stamps, and
 * whether a claim is live or may be taken over. */
#include "claim_internal.h"

#include "infraexec/model/frontmatter.h"

#include <stdio.h>
#include <string.h>

void ix_claim_utc_stamp(char out[32], time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* claimed_at as written by ix_claim_utc_stamp; 0 for anything else. */
time_t ix_claim_parse_utc(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    char z = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 || z != 'Z')
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    return t < 0 ? 0 : t;
}

static int in_list(char **v, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

/* Whether the stamp STAMP (claimed_at, claim_heartbeat) is within the
 * lease; one in the future is not: a task file cannot hold the queue
 * forever. */
static int fresh(const char *stamp, double lease, time_t now)
{
    time_t at = ix_claim_parse_utc(stamp);
    return at && at <= now + 60 && difftime(now, at) <= lease; /* whole seconds: never early */
}

/* A claim is live while its claimed_at or the holder's last heartbeat
 * (claim_heartbeat, pushed while a long command runs) is younger than the
 * lease, or while the holder's commits within the lease show progress
 * pushed.  RECENT: the subjects of those commits. */
int ix_claim_live_claim(const ix_task *t, double lease, char **recent, size_t nrecent)
{
    const char *by = ix_fm_str(t->fm, "claimed_by");
    if (!by || !*by)
        return 0;
    time_t now = time(NULL);
    if (fresh(ix_fm_str(t->fm, "claimed_at"), lease, now) ||
        fresh(ix_fm_str(t->fm, "claim_heartbeat"), lease, now))
        return 1;
    int live = 0;
    for (int k = 0; k < 2 && !live && t->id; k++) {
        ix_buf want = IX_BUF_INIT;
        ix_buf_printf(&want, "%s: %s by %s", t->id, k ? "progress" : "claimed", by);
        live = in_list(recent, nrecent, want.data);
        ix_buf_free(&want);
    }
    return live;
}

void ix_claim_lease_text(char out[32], double secs)
{
    if (secs >= 3600 && (long long)secs % 3600 == 0)
        snprintf(out, 32, "%lldh", (long long)secs / 3600);
    else if (secs >= 60 && (long long)secs % 60 == 0)
        snprintf(out, 32, "%lldm", (long long)secs / 60);
    else
        snprintf(out, 32, "%gs", secs);
}
