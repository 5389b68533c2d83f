/* safetext.h - untrusted text made safe for a person's terminal or a
 * Markdown reader.
 *
 * Task files are untrusted, and so is what commands print: an ESC sequence
 * in a criterion can clear a terminal or set its title, a newline in a
 * title can open a heading of the report.  Every human-facing surface
 * (progress on stderr, error messages, the Markdown report, Progress Log
 * entries) writes such text through ix_safe_append: each byte of a control
 * character - C0 (0x00-0x1f) but tab, DEL (0x7f), C1 (U+0080-U+009F) - and
 * each byte that is not valid UTF-8 is shown as \xNN (ESC as \x1b, BEL as
 * \x07, CSI U+009B as \xc2\x9b); a backslash stays as it is.  Newlines are
 * kept only where the surface is multi-line (IX_SAFE_LINES); elsewhere a
 * newline is \x0a, so a title or criterion can never start a line.  JSON
 * keeps the text intact: the JSON writer escapes control characters itself. */
#ifndef INFRAEXEC_SAFETEXT_H
#define INFRAEXEC_SAFETEXT_H

#include "infraexec/base/buf.h"

#include <stddef.h>

#define IX_SAFE_LINES 1   /* keep "\n" (a lone "\r" is still escaped) */

void ix_safe_append(ix_buf *out, const char *s, size_t n, int flags);
/* A safe copy of S (NULL stays NULL). */
char *ix_safe_dup(const char *s, int flags);
/* Make the NUL-terminated one-line text in BUF (SIZE bytes) safe in place,
 * cutting it to fit. */
void ix_safe_inplace(char *buf, size_t size);

#endif
