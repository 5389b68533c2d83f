/* text.c - see include/infraexec/text.h */
#include "infraexec/text.h"

#include "infraexec/buf.h"

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

static int same_line(const char *a, const ix_lines *la, size_t i, const char *b,
                     const ix_lines *lb, size_t j)
{
    size_t as = ix_lines_start(la, i), bs = ix_lines_start(lb, j);
    size_t an = ix_lines_content_end(la, a, i) - as, bn = ix_lines_content_end(lb, b, j) - bs;
    return an == bn && memcmp(a + as, b + bs, an) == 0;
}

/* One step of the edit script: ' ' keep, '-' drop a line of A, '+' add a
 * line of B; line numbers are 1-based. */
typedef struct diff_op {
    char kind;
    size_t a, b;
} diff_op;

static void put_line(ix_buf *out, char mark, const char *text, const ix_lines *li, size_t l)
{
    size_t s = ix_lines_start(li, l), e = ix_lines_content_end(li, text, l);
    ix_buf_putc(out, mark);
    ix_buf_append(out, text + s, e - s);
    ix_buf_putc(out, '\n');
    if (l == li->count && li->len && text[li->len - 1] != '\n' && text[li->len - 1] != '\r')
        ix_buf_puts(out, "\\ No newline at end of file\n");
}

/* The edit script: common head and tail, and a longest common subsequence
 * of the lines between (when that middle is small enough to table; else
 * the middle is shown replaced as a block). */
static diff_op *edit_script(const char *a, const ix_lines *la, const char *b, const ix_lines *lb,
                            size_t *nops)
{
    size_t pre = 0, suf = 0;
    while (pre < la->count && pre < lb->count && same_line(a, la, pre + 1, b, lb, pre + 1))
        pre++;
    while (suf < la->count - pre && suf < lb->count - pre &&
           same_line(a, la, la->count - suf, b, lb, lb->count - suf))
        suf++;
    size_t n = la->count - pre - suf, m = lb->count - pre - suf;
    diff_op *ops = ix_xcalloc(la->count + lb->count + 1, sizeof *ops);
    size_t k = 0;
    for (size_t i = 1; i <= pre; i++)
        ops[k++] = (diff_op){' ', i, i};
    unsigned *lcs = (n + 1) * (m + 1) <= 4000000 ? ix_xcalloc((n + 1) * (m + 1), sizeof *lcs) : NULL;
    if (lcs) {
#define L(i, j) lcs[(i) * (m + 1) + (j)]
        for (size_t i = n; i-- > 0;)
            for (size_t j = m; j-- > 0;)
                L(i, j) = same_line(a, la, pre + i + 1, b, lb, pre + j + 1)
                              ? L(i + 1, j + 1) + 1
                              : (L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1));
        size_t i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && same_line(a, la, pre + i + 1, b, lb, pre + j + 1))
                ops[k++] = (diff_op){' ', pre + ++i, pre + ++j};
            else if (i < n && (j == m || L(i + 1, j) >= L(i, j + 1)))
                ops[k++] = (diff_op){'-', pre + ++i, pre + j}; /* removals first, as diff -u */
            else
                ops[k++] = (diff_op){'+', pre + i, pre + ++j};
        }
#undef L
        free(lcs);
    } else {
        for (size_t i = 1; i <= n; i++)
            ops[k++] = (diff_op){'-', pre + i, pre};
        for (size_t j = 1; j <= m; j++)
            ops[k++] = (diff_op){'+', pre + n, pre + j};
    }
    for (size_t i = 1; i <= suf; i++)
        ops[k++] = (diff_op){' ', la->count - suf + i, lb->count - suf + i};
    *nops = k;
    return ops;
}

/* "3,4", or "3" for a one-line range, as diff -u writes them. */
static void put_range(ix_buf *out, size_t start, size_t count)
{
    if (count == 1)
        ix_buf_printf(out, "%zu", start);
    else
        ix_buf_printf(out, "%zu,%zu", start, count);
}

void ix_text_diff(const char *path, const char *a, size_t alen, const char *b, size_t blen,
                  ix_buf *out)
{
    if (alen == blen && memcmp(a, b, alen) == 0)
        return;
    ix_lines la, lb;
    ix_lines_build(&la, a, alen);
    ix_lines_build(&lb, b, blen);
    size_t n;
    diff_op *ops = edit_script(a, &la, b, &lb, &n);
    const size_t ctx = 3;
    ix_buf_printf(out, "--- %s\n+++ %s\n", path, path);
    /* Hunks: changes with up to 2*ctx kept lines between them share one. */
    for (size_t i = 0; i < n;) {
        if (ops[i].kind == ' ') {
            i++;
            continue;
        }
        size_t start = i > ctx ? i - ctx : 0, last = i;
        for (size_t k = i + 1; k < n && k - last <= 2 * ctx; k++)
            if (ops[k].kind != ' ')
                last = k;
        size_t end = last + 1 + ctx < n ? last + 1 + ctx : n;
        size_t a0 = ops[start].a, b0 = ops[start].b, an = 0, bn = 0;
        for (size_t k = start; k < end; k++) {
            an += ops[k].kind != '+';
            bn += ops[k].kind != '-';
        }
        /* A range's start is its first line, or the line before when empty. */
        if (ops[start].kind == '+' && an)
            a0++;
        if (ops[start].kind == '-' && bn)
            b0++;
        ix_buf_puts(out, "@@ -");
        put_range(out, a0, an);
        ix_buf_puts(out, " +");
        put_range(out, b0, bn);
        ix_buf_puts(out, " @@\n");
        for (size_t k = start; k < end; k++) {
            if (ops[k].kind == '+')
                put_line(out, '+', b, &lb, ops[k].b);
            else
                put_line(out, ops[k].kind, a, &la, ops[k].a);
        }
        i = end;
    }
    free(ops);
    ix_lines_free(&la);
    ix_lines_free(&lb);
}
