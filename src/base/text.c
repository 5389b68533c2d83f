/* text.c - see include/infraexec/base/text.h */
#include "infraexec/base/text.h"

#include "infraexec/base/buf.h"

#include <stdlib.h>
#include <stdint.h>
#include <string.h>

size_t ix_line_end(const char *text, size_t len, size_t off, size_t *content_end)
{
    /* memchr, not a byte loop: this runs over every byte of every task file
     * `list` reads.  A lone CR ends a line too. */
    const char *nl = memchr(text + off, '\n', len - off);
    const char *cr = memchr(text + off, '\r', (size_t)((nl ? nl : text + len) - (text + off)));
    size_t i = (size_t)((cr ? cr : nl ? nl : text + len) - text);
    *content_end = i;
    if (i < len && text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
        return i + 2;
    return i < len ? i + 1 : i;
}

void ix_lines_build(ix_lines *li, const char *text, size_t len)
{
    size_t cap = 64, end;
    li->start = ix_xmalloc(cap * sizeof *li->start);
    li->count = 0;
    li->len = len;
    for (size_t i = 0; i < len; i = ix_line_end(text, len, i, &end)) {
        if (li->count == cap) {
            cap *= 2;
            li->start = ix_xrealloc(li->start, cap * sizeof *li->start);
        }
        li->start[li->count++] = i;
    }
}

void ix_lines_free(ix_lines *li)
{
    free(li->start);
    li->start = NULL;
    li->count = 0;
}

size_t ix_lines_start(const ix_lines *li, size_t line)
{
    if (line < 1 || line > li->count)
        return li->len;
    return li->start[line - 1];
}

size_t ix_lines_next(const ix_lines *li, size_t line)
{
    return ix_lines_start(li, line + 1);
}

size_t ix_lines_content_end(const ix_lines *li, const char *text, size_t line)
{
    size_t end = ix_lines_next(li, line);
    size_t start = ix_lines_start(li, line);
    while (end > start && (text[end - 1] == '\n' || text[end - 1] == '\r'))
        end--;
    return end;
}

size_t ix_lines_at(const ix_lines *li, size_t off)
{
    size_t lo = 0, hi = li->count;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (li->start[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo + 1;
}

size_t ix_lines_char_offset(const ix_lines *li, const char *text, size_t line, size_t chars)
{
    size_t off = ix_lines_start(li, line);
    while (chars > 0 && off < li->len) {
        off++;
        while (off < li->len && ((unsigned char)text[off] & 0xC0) == 0x80)
            off++;
        chars--;
    }
    return off;
}

size_t ix_utf8_check(const char *text, size_t len, const char **what)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n;
        unsigned min;
        if (c == 0) {
            *what = "NUL byte";
            return i;
        }
        if (c < 0x80) {
            i++;
            /* then eight bytes at a time while none is NUL or above 0x7F */
            for (uint64_t v; i + 8 <= len; i += 8) {
                memcpy(&v, s + i, 8);
                if ((v | ((v - 0x0101010101010101ull) & ~v)) & 0x8080808080808080ull)
                    break;
            }
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            n = 1, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, min = 0x10000, c &= 0x07;
        } else {
            *what = "invalid UTF-8";
            return i;
        }
        if (i + n >= len) {
            *what = "invalid UTF-8 (truncated sequence)";
            return i;
        }
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                *what = "invalid UTF-8";
                return i;
            }
            c = (c << 6) | (s[i + k] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            *what = "invalid UTF-8";
            return i;
        }
        i += n + 1;
    }
    *what = NULL;
    return len;
}

int ix_is_blank(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            return 0;
    return 1;
}
