/* clock.h - the one place infraexec reads the wall clock.
 *
 * INFRAEXEC_NOW="YYYY-MM-DD HH:MM" overrides it, for tests and for
 * reproducible runs. */
#ifndef INFRAEXEC_CLOCK_H
#define INFRAEXEC_CLOCK_H

#include "infraexec/base/err.h"

typedef struct ix_now {
    char date[11];   /* YYYY-MM-DD */
    char stamp[17];  /* YYYY-MM-DD HH:MM */
} ix_now;

int ix_clock_now(ix_now *now, ix_err *err);

/* 1 when Y-MO-D is a day of the Gregorian calendar (2025-02-29 is not). */
int ix_clock_valid_date(int y, int mo, int d);

/* Monotonic seconds, for deadlines (not affected by INFRAEXEC_NOW). */
double ix_clock_mono(void);

#endif
