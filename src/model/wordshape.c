/* wordshape.c - see include/infraexec/model/wordshape.h */
#include "infraexec/model/wordshape.h"

#include <string.h>

static int is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* At most this many groups (2^12 variants, ix_wording_read's limit; the
 * budget refuses fewer once the template is a few bytes long). */
enum { MAX_GROUPS = 12 };

/* Whether ix_wording_read expands G groups of a template of LEN bytes
 * within its limits: it makes 2G + 1 lists (of the template, and of what
 * is inside each group and what follows it), each of at most 2^G variants
 * of at most LEN bytes and a NUL. */
static int within_limits(size_t g, size_t len)
{
    size_t variants = (size_t)1 << g;
    return variants <= IX_WORDING_MAX_VARIANTS && (2 * g + 1) * variants * (len + 1) <= IX_WORDING_MAX_BYTES;
}

/* Whether byte I of S (LEN bytes) is past an end or a space. */
static int space_at(const char *s, size_t len, size_t i) { return i >= len || is_space((unsigned char)s[i]); }

int ix_wording_shape(const char *s, size_t len, ix_wshape *sh)
{
    if (len > IX_WSHAPE_MAX_BYTES)
        return 0;
    /* Each group's ']' (ends, by the order of the '['s), the brackets
     * balanced and beside no other byte. */
    size_t ends[MAX_GROUPS], open[MAX_GROUPS], depth = 0, g = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '[') {
            if (g == MAX_GROUPS || (i > 0 && !is_space((unsigned char)s[i - 1]) && s[i - 1] != '['))
                return 0;
            open[depth++] = g++;
        } else if (s[i] == ']') {
            if (depth == 0 || (!space_at(s, len, i + 1) && s[i + 1] != ']'))
                return 0;
            ends[open[--depth]] = i;
        }
    }
    if (depth || !within_limits(g, len))
        return 0;
    /* The pieces.  An item opens the variants that leave out every item
     * before it, and only those: each of them must be in a group that does
     * not hold this one, i.e. whose innermost group has closed (BLOCK: the
     * last of those ']'s, SIZE_MAX for an item outside every group). */
    size_t inner[MAX_GROUPS], lows = 0, block = 0;
    int any = 0; /* an item before */
    sh->npieces = 0, sh->empty = 1;
    g = depth = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] == '[') {
            inner[depth++] = ends[g++], i++;
            continue;
        }
        if (s[i] == ']' || is_space((unsigned char)s[i])) {
            depth -= s[i] == ']', i++;
            continue;
        }
        size_t at = i;
        while (!space_at(s, len, i) && s[i] != '[' && s[i] != ']')
            i++;
        ix_wpiece *p = &sh->pieces[sh->npieces];
        memset(p, 0, sizeof *p);
        p->at = at, p->len = i - at;
        ix_wording_piece(s, p);
        if (p->type == IX_WPIECE_LIT) {
            p->low_at = lows, p->low_len = ix_wording_word(s + at, p->len, sh->lows + lows);
            lows += p->low_len;
        }
        int item = p->type == IX_WPIECE_HOLE || p->low_len;
        sh->opens[sh->npieces++] = item && (!any || block < at);
        if (item) {
            size_t end = depth ? inner[depth - 1] : (size_t)-1;
            any = 1, block = end > block ? end : block;
            sh->empty = sh->empty && depth;
        }
    }
    return 1;
}
