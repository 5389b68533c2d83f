/* text.h - byte-level helpers shared by the parsers: line index, UTF-8;
 * and a text's words for lib/classify.lua (flat, the pairs filter).
 *
 * Line numbers are 1-based, as every message infraexec prints.  A line ends
 * at "\n", "\r\n" or a lone "\r", the same rule cmark and libyaml use, so
 * positions from either parser map onto the same lines. */
#ifndef INFRAEXEC_TEXT_H
#define INFRAEXEC_TEXT_H

#include "infraexec/base/buf.h"

#include <stddef.h>
#include <stdint.h>

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

/* An ASCII letter or digit: Lua's %w in the C locale. */
static inline int ix_ascii_alnum(unsigned char c)
{
    return (unsigned char)((c | 32) - 'a') < 26 || (unsigned char)(c - '0') < 10;
}

/* Whether every byte of [S, S+LEN) is ASCII (below 0x80). */
int ix_text_ascii(const char *s, size_t len);

/* The words of [S, S+LEN) as " a b c " into OUT (room for LEN + 2 bytes),
 * its length returned: each run of bytes other than ASCII letters, digits
 * and "'" one space, letters lower-case, one space at either end ("  "
 * for a text of no word).  What Lua's s:lower():gsub("[^%w']+", " ")
 * trimmed and padded gives in the C locale, which infraexec never leaves. */
size_t ix_text_flat(const char *s, size_t len, char *out);

/* The pairs of adjacent bytes a text holds, each a bit of a hash: a phrase
 * with a pair the text lacks is not in it.  Many phrases looked for in one
 * text are mostly ruled out so, without a search. */
typedef struct ix_text_pairs {
    uint64_t bit[64];
} ix_text_pairs;

void ix_text_pairs_of(ix_text_pairs *p, const char *s, size_t len);
/* Whether " S " (with FLAT: ix_text_flat of S) may be in the text P was
 * made of: 0 only when one of its pairs is not. */
int ix_text_may_hold(const ix_text_pairs *p, const char *s, size_t len, int flat);

#endif
