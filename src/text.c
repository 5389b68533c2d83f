/* text.c - see include/infraexec/text.h */
#include "infraexec/text.h"

#include "infraexec/buf.h"

#include <stdlib.h>
#include <string.h>

void ix_lines_build(ix_lines *li, const char *text, size_t len)
{
    size_t cap = 64;
    li->start = ix_xmalloc(cap * sizeof *li->start);
    li->count = 0;
    li->len = len;
    size_t i = 0;
    while (i < len) {
        if (li->count == cap) {
            cap *= 2;
            li->start = ix_xrealloc(li->start, cap * sizeof *li->start);
        }
        li->start[li->count++] = i;
        while (i < len && text[i] != '\n' && text[i] != '\r')
            i++;
        if (i < len && text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
            i += 2;
        else if (i < len)
            i++;
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

static void diff_lines(ix_buf *out, char mark, const char *text, const ix_lines *li, size_t from,
                       size_t to)
{
    for (size_t l = from; l <= to; l++) {
        size_t s = ix_lines_start(li, l), e = ix_lines_content_end(li, text, l);
        ix_buf_putc(out, mark);
        ix_buf_append(out, text + s, e - s);
        ix_buf_putc(out, '\n');
    }
    if (from <= to && to == li->count && li->len &&
        text[li->len - 1] != '\n' && text[li->len - 1] != '\r')
        ix_buf_puts(out, "\\ No newline at end of file\n");
}

static int same_line(const char *a, const ix_lines *la, size_t i, const char *b,
                     const ix_lines *lb, size_t j)
{
    size_t as = ix_lines_start(la, i), bs = ix_lines_start(lb, j);
    size_t an = ix_lines_next(la, i) - as, bn = ix_lines_next(lb, j) - bs;
    return an == bn && memcmp(a + as, b + bs, an) == 0;
}

void ix_text_diff(const char *path, const char *a, size_t alen, const char *b, size_t blen,
                  ix_buf *out)
{
    if (alen == blen && memcmp(a, b, alen) == 0)
        return;
    ix_lines la, lb;
    ix_lines_build(&la, a, alen);
    ix_lines_build(&lb, b, blen);
    /* Common leading and trailing lines; what is between is the change. */
    size_t pre = 0;
    while (pre < la.count && pre < lb.count && same_line(a, &la, pre + 1, b, &lb, pre + 1))
        pre++;
    size_t suf = 0;
    while (suf < la.count - pre && suf < lb.count - pre &&
           same_line(a, &la, la.count - suf, b, &lb, lb.count - suf))
        suf++;
    size_t ctx = 3;
    size_t first = pre > ctx ? pre - ctx : 0;          /* 0-based first line shown */
    size_t a_last = la.count - suf, b_last = lb.count - suf;  /* last changed, 1-based */
    size_t a_end = a_last + (suf < ctx ? suf : ctx), b_end = b_last + (suf < ctx ? suf : ctx);
    ix_buf_printf(out, "--- %s\n+++ %s\n@@ -%zu,%zu +%zu,%zu @@\n", path, path,
                  first + 1, a_end - first, first + 1, b_end - first);
    diff_lines(out, ' ', a, &la, first + 1, pre);
    diff_lines(out, '-', a, &la, pre + 1, a_last);
    diff_lines(out, '+', b, &lb, pre + 1, b_last);
    diff_lines(out, ' ', a, &la, a_last + 1, a_end);
    ix_lines_free(&la);
    ix_lines_free(&lb);
}
