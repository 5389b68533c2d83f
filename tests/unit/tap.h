/* tap.h - a minimal TAP producer for the C unit tests (run by prove).
 *
 * Each test file is one program: call ok()/is_str()/is_int() as many times
 * as needed and end main() with `return tap_done();`, which prints the plan
 * and fails the program if any check failed. */
#ifndef INFRAEXEC_TAP_H
#define INFRAEXEC_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) \
    tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) \
    tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)

static inline int tap_ok(int pass, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#include <stdarg.h>
static inline int tap_vok(int pass, const char *file, int line, const char *fmt, va_list ap)
{
    tap_count++;
    printf("%sok %d - ", pass ? "" : "not ", tap_count);
    vprintf(fmt, ap);
    printf("\n");
    if (!pass) {
        tap_failed++;
        printf("#   failed at %s:%d\n", file, line);
    }
    fflush(stdout);
    return pass;
}
static inline int tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_vok(pass, file, line, fmt, ap);
    va_end(ap);
    return pass;
}
static inline int tap_is_int(long long got, long long want, const char *file, int line,
                             const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static inline int tap_is_int(long long got, long long want, const char *file, int line,
                             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int pass = tap_vok(got == want, file, line, fmt, ap);
    va_end(ap);
    if (!pass)
        printf("#   got: %lld\n#   expected: %lld\n", got, want);
    return pass;
}
static inline int tap_is_str(const char *got, const char *want, const char *file, int line,
                             const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static inline int tap_is_str(const char *got, const char *want, const char *file, int line,
                             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int pass = tap_vok(got && want && strcmp(got, want) == 0, file, line, fmt, ap);
    va_end(ap);
    if (!pass)
        printf("#   got: '%s'\n#   expected: '%s'\n", got ? got : "(null)", want ? want : "(null)");
    return pass;
}
static inline int tap_done(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed ? 1 : 0;
}

#endif
