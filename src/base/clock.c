/* clock.c - see include/infraexec/base/clock.h */
#include "infraexec/base/clock.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* S has a digit wherever PATTERN has 'd' and PATTERN's byte elsewhere
 * (sscanf alone would take "+026" or " 12" for numbers). */
static int digits_at(const char *s, const char *pattern)
{
    for (; *pattern; s++, pattern++)
        if (*pattern == 'd' ? !isdigit((unsigned char)*s) : *s != *pattern)
            return 0;
    return 1;
}

int ix_clock_valid_date(int y, int mo, int d)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1)
        return 0;
    int leap = mo == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    return d <= days[mo - 1] + leap;
}

int ix_clock_now(ix_now *now, ix_err *err)
{
    const char *fixed = getenv("INFRAEXEC_NOW");
    if (fixed && *fixed) {
        int y, mo, d, h, mi;
        char tail;
        if (strlen(fixed) != 16 || !digits_at(fixed, "dddd-dd-dd dd:dd") ||
            sscanf(fixed, "%4d-%2d-%2d %2d:%2d%c", &y, &mo, &d, &h, &mi, &tail) != 5 ||
            !ix_clock_valid_date(y, mo, d) || h > 23 || mi > 59)
            return ix_err_set(err, "INFRAEXEC_NOW='%s': expected \"YYYY-MM-DD HH:MM\"", fixed);
        snprintf(now->stamp, sizeof now->stamp, "%s", fixed);
    } else {
        time_t t = time(NULL);
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(now->stamp, sizeof now->stamp, "%Y-%m-%d %H:%M", &tm);
    }
    memcpy(now->date, now->stamp, 10);
    now->date[10] = '\0';
    return 0;
}

double ix_clock_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
