/* report_internal.h - private to src/engine/report*.c: what the files of
 * the report module (include/infraexec/engine/report.h) share and nobody
 * else may use.
 *
 *   report.c      counts and verdict, freeing, masking secrets
 *   reportmd.c    the Markdown for people (and the next steps both renderings give)
 *   reportjson.c  the JSON for orchestrators */
#ifndef INFRAEXEC_REPORT_INTERNAL_H
#define INFRAEXEC_REPORT_INTERNAL_H

#include "infraexec/engine/report.h"

#include <jansson.h>
#include <stddef.h>

/* The next steps of R, as a JSON array of strings (reportmd.c). */
json_t *ix_report_next_steps(const ix_report *r);
/* A JSON string, or null for NULL; invalid UTF-8 becomes U+FFFD (reportjson.c). */
json_t *ix_report_jstr(const char *s);
/* The length of a NULL-terminated string array, 0 for NULL (report.c). */
size_t ix_report_strv_len(char *const *v);

#endif
