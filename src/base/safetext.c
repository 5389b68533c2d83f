/* safetext.c - see include/infraexec/base/safetext.h */
#include "infraexec/base/safetext.h"

#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at S (at most N bytes), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned min;
    unsigned cp;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2, min = 0x80, cp = s[0] & 0x1fu;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3, min = 0x800, cp = s[0] & 0x0fu;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4, min = 0x10000, cp = s[0] & 0x07u;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static void put_hex(ix_buf *out, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ix_buf_printf(out, "\\x%02x", s[i]);
}

void ix_safe_append(ix_buf *out, const char *text, size_t n, int flags)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t plain = 0, i = 0;
    ix_buf_append(out, "", 0); /* a valid string even when empty */
    while (i < n) {
        unsigned char c = s[i];
        size_t len = 1;
        int bad;
        if (c < 0x80) {
            bad = (c < 0x20 && c != '\t' && !(c == '\n' && (flags & IX_SAFE_LINES))) ||
                  c == 0x7f;
        } else {
            len = utf8_len(s + i, n - i);
            bad = !len || (len == 2 && c == 0xc2 && s[i + 1] <= 0x9f); /* C1 */
            len = len ? len : 1;
        }
        if (bad) {
            ix_buf_append(out, s + plain, i - plain);
            put_hex(out, s + i, len);
            plain = i + len;
        }
        i += len;
    }
    ix_buf_append(out, s + plain, n - plain);
}

char *ix_safe_dup(const char *s, int flags)
{
    if (!s)
        return NULL;
    ix_buf b = IX_BUF_INIT;
    ix_safe_append(&b, s, strlen(s), flags);
    return ix_buf_detach(&b);
}

void ix_safe_inplace(char *buf, size_t size)
{
    if (!size)
        return;
    ix_buf b = IX_BUF_INIT;
    ix_safe_append(&b, buf, strlen(buf), 0);
    snprintf(buf, size, "%s", b.data);
    ix_buf_free(&b);
}
