/* yamledit.h - format-preserving get/set of one YAML scalar in a text buffer.
 *
 * ix_yaml_set() rewrites only the bytes of the addressed scalar: comments,
 * key order, blank lines, indentation, line endings (LF or CRLF), a UTF-8
 * BOM and all other documents of a multi-document stream are copied
 * byte for byte.  Both functions return 0 on success and -1 with a one-line
 * message in err (naming the path and a line) on failure; they never print.
 * The code is in src/model/yaml*.c, one concern a file
 * (src/model/yamledit_internal.h, private to them, lists which).
 *
 * PATH
 *   Dot-separated mapping keys and 0-based sequence indexes, e.g.
 *   "spec.values.workers.1.image.tag".  An all-digit component is a key when
 *   the node is a mapping and an index when it is a sequence.  Write "\."
 *   for a dot inside a key ("metadata.annotations.kubernetes\.io/name") and
 *   "\\" for a backslash.  Duplicate keys: the first match wins.  Merge keys
 *   ("<<: *base") are not followed.  DOC is the 0-based document index.
 *
 * REFUSED (error, nothing written)
 *   - the path runs through or ends at an alias (*x): edit the anchor instead;
 *   - set only: the target or one of its parents carries an anchor (&x),
 *     because the edit would silently change every alias of it too;
 *   - the path ends at a mapping or sequence, or does not exist;
 *   - invalid YAML anywhere in the stream, input that is not UTF-8, a new
 *     value that is not valid UTF-8, a value containing NUL (get);
 *   - set only: the scalar has an explicit tag (!!int, !!float, !!bool,
 *     !!null, !!timestamp, !!binary) that the new value cannot satisfy
 *     ("abc" for !!int, "maybe" for !!bool, non-base64 for !!binary); the
 *     message starts with the scalar's "LINE:COL: ".
 *
 * TYPE OF THE NEW VALUE (set)
 *   A string stays a string.  When the old scalar is a string (quoted, or
 *   plain and "str" under both YAML 1.1 and 1.2, see ix_yaml_resolve) and
 *   the new value written plain would resolve as anything else under
 *   either (yes, No, on, ~, null, "", 012, 0o12, 0x1F, 1_000, 1.20, 1e3,
 *   .inf, 2024-01-01, 22:22), it is quoted: a quoted scalar keeps its
 *   quote character, a plain one gets "double quotes".  So tag: "1.19"
 *   set to 1.20 gives tag: "1.20", the string.  A plain non-string
 *   ("replicas: 3", "enabled: yes") stays plain, so 4 or no keep their
 *   type; a value of another kind is written as a hand edit would be.
 *   A tagged scalar keeps its tag, which decides its type.
 *
 * STYLE OF THE NEW VALUE (set)
 *   - plain stays plain when the value reads back as the same string of
 *     the same type ("0.1.18", "a:b", "x#y" over a string).  Values that
 *     would be misread (empty, leading/trailing spaces, a leading
 *     indicator such as * & ! | > ' " % @ ` { } [ ] , # ? : or "- ",
 *     "---"/"...", containing ": " or " #" or a tab, ending in ':', or
 *     any of , [ ] { } : ? inside a flow collection) are written in
 *     'single quotes' (unless the type rule above quotes them first: ""
 *     over a plain string); values with newlines or control characters in
 *     "double quotes" with escapes.
 *   - 'single' stays single (' doubled); it switches to "double" only if
 *     the value has a newline or control character, which single quotes
 *     cannot hold on one line.
 *   - "double" stays double, escaping " \ and control characters.
 *   - | and > block scalars keep their header line (indicator, chomping and
 *     indentation indicators, comment) verbatim; the content lines are
 *     replaced by the lines of the new value at the block's indentation.
 *     The chomping indicator still applies, so with "|" the value read back
 *     ends in exactly one newline, with "|-" in none, and "|+" keeps the
 *     value's trailing newlines.  Trailing blank lines after a "|"/"|-"
 *     block are kept.  A value whose first line starts with a space is
 *     refused for a block without an explicit indentation indicator.
 *   - multi-line plain or quoted scalars are handled: they are replaced by
 *     a single-line scalar of the same style.
 *   - an empty value written as "key:" or "- " becomes "key: VALUE".
 *
 * SELF-CHECK
 *   Before returning, set re-parses its output and requires every event of
 *   the whole stream to equal the original's except the target scalar,
 *   whose value must be the new value (after block chomping), and
 *   ix_yaml_get on the output must return it.  Otherwise it fails with an
 *   "internal error" instead of returning a file that means something else.
 */
#ifndef INFRAEXEC_YAMLEDIT_H
#define INFRAEXEC_YAMLEDIT_H

#include <stddef.h>

#include "infraexec/base/buf.h"
#include "infraexec/base/err.h"

/* Find the scalar at PATH in document DOC of TEXT (LEN bytes, need not be
 * NUL-terminated) and store its decoded value in *VALUE (caller frees). */
int ix_yaml_get(const char *text, size_t len, int doc, const char *path,
                char **value, ix_err *err);

/* How the plain scalar PLAIN resolves under SCHEMA 11 (the YAML 1.1 type
 * repository) or 12 (the YAML 1.2 core schema): "str", "null", "bool",
 * "int", "float", "timestamp" (1.1), "merge" or "value" (1.1).  The rules
 * are the table in yamledit.c. */
const char *ix_yaml_resolve(const char *plain, int schema);

/* Append to OUT a copy of TEXT in which only the scalar at PATH is replaced
 * by NEW_VALUE (see STYLE above).  On failure OUT is left as it was. */
int ix_yaml_set(const char *text, size_t len, int doc, const char *path,
                const char *new_value, ix_buf *out, ix_err *err);

#endif
