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

int ix_text_ascii(const char *s, size_t len)
{
    size_t i = 0;
    for (uint64_t v; i + 8 <= len; i += 8) { /* eight bytes at a time */
        memcpy(&v, s + i, 8);
        if (v & 0x8080808080808080ull)
            return 0;
    }
    for (; i < len; i++)
        if ((unsigned char)s[i] & 0x80)
            return 0;
    return 1;
}

/* A byte of a word as ix_text_flat writes it: ASCII letters lower-case,
 * digits and "'" as they are; 0 for every other byte. */
#define UPPER_LOWER(c) [c] = c, [c - 32] = c
static const unsigned char word_byte[256] = {
    UPPER_LOWER('a'), UPPER_LOWER('b'), UPPER_LOWER('c'), UPPER_LOWER('d'), UPPER_LOWER('e'),
    UPPER_LOWER('f'), UPPER_LOWER('g'), UPPER_LOWER('h'), UPPER_LOWER('i'), UPPER_LOWER('j'),
    UPPER_LOWER('k'), UPPER_LOWER('l'), UPPER_LOWER('m'), UPPER_LOWER('n'), UPPER_LOWER('o'),
    UPPER_LOWER('p'), UPPER_LOWER('q'), UPPER_LOWER('r'), UPPER_LOWER('s'), UPPER_LOWER('t'),
    UPPER_LOWER('u'), UPPER_LOWER('v'), UPPER_LOWER('w'), UPPER_LOWER('x'), UPPER_LOWER('y'),
    UPPER_LOWER('z'), ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
    ['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9', ['\''] = '\'',
};
#undef UPPER_LOWER

size_t ix_text_flat(const char *s, size_t len, char *out)
{
    size_t n = 0;
    int gap = 0; /* other bytes since the last word byte written */
    out[n++] = ' ';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = word_byte[(unsigned char)s[i]];
        if (!c) {
            gap = n > 1;
        } else {
            if (gap)
                out[n++] = ' ';
            gap = 0;
            out[n++] = (char)c;
        }
    }
    out[n++] = ' ';
    return n;
}

/* A pair's bit: the low six bits of each byte (ASCII letters, digits,
 * "'" and the space differ there but for digits and "p"-"y", "'" and
 * "g": a filter only). */
#define PAIR(a, b) ((((unsigned)(a) & 63) << 6) | ((unsigned)(b) & 63))
#define HAS(p, a, b) ((p)->bit[PAIR(a, b) >> 6] >> (PAIR(a, b) & 63) & 1)

void ix_text_pairs_of(ix_text_pairs *p, const char *s, size_t len)
{
    memset(p, 0, sizeof *p);
    for (size_t i = 1; i < len; i++) {
        unsigned h = PAIR((unsigned char)s[i - 1], (unsigned char)s[i]);
        p->bit[h >> 6] |= (uint64_t)1 << (h & 63);
    }
}

int ix_text_may_hold(const ix_text_pairs *p, const char *s, size_t len, int flat)
{
    /* The phrase's bytes in order, S's between two spaces; flat, each run
     * of other bytes a space (so never two spaces side by side, unless S
     * has no word: then its one pair is not asked). */
    unsigned prev = ' ';
    for (size_t i = 0; i < len; i++) {
        unsigned c = (unsigned char)s[i];
        if (flat && !(c = word_byte[c])) {
            if (prev == ' ')
                continue;
            c = ' ';
        }
        if (!HAS(p, prev, c))
            return 0;
        prev = c;
    }
    return (flat && prev == ' ') || HAS(p, prev, ' ');
}
