/* text.h - byte-level helpers shared by the parsers: line index, UTF-8.
 *
 * Line numbers are 1-based, as every message infraexec prints.  A line ends
 * at "\n", "\r\n" or a lone "\r", the same rule cmark and libyaml use, so
 * positions from either parser map onto the same lines. */
#ifndef INFRAEXEC_TEXT_H
#define INFRAEXEC_TEXT_H

#include "infraexec/base/buf.h"

#include <stddef.h>

typedef struct ix_lines {
    size_t *start;  /* start[i] = byte offset of line i+1 */
    size_t count;   /* number of lines (a final line without EOL counts) */
    size_t len;     /* length of the text indexed */
} ix_lines;

void ix_lines_build(ix_lines *li, const char *text, size_t len);
void ix_lines_free(ix_lines *li);
/* The line starting at OFF, without an index: *CONTENT_END is where its
 * content ends (before its terminator); returns the next line's start, LEN
 * at the end. */
size_t ix_line_end(const char *text, size_t len, size_t off, size_t *content_end);
/* Offset of the first byte of LINE (1-based); len if past the end. */
size_t ix_lines_start(const ix_lines *li, size_t line);
/* Offset just past the line's terminator (the next line's start). */
size_t ix_lines_next(const ix_lines *li, size_t line);
/* Offset of the end of LINE's content (before its terminator). */
size_t ix_lines_content_end(const ix_lines *li, const char *text, size_t line);
/* 1-based line containing byte OFF. */
size_t ix_lines_at(const ix_lines *li, size_t off);
/* Byte offset of the CHARS-th character (0-based) on LINE, counting UTF-8
 * code points as libyaml does for its marks. */
size_t ix_lines_char_offset(const ix_lines *li, const char *text, size_t line, size_t chars);

/* Offset of the first invalid UTF-8 byte (or NUL), or len if the text is
 * valid.  *what says which problem was found. */
size_t ix_utf8_check(const char *text, size_t len, const char **what);

/* True if the line [p, end) holds only spaces and tabs. */
int ix_is_blank(const char *p, const char *end);

#endif
