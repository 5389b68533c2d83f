/* wordshape.c - see include/infraexec/model/wordshape.h */
#include "infraexec/model/wordshape.h"

#include <string.h>

static int is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

enum { MAX_GROUPS = IX_WSHAPE_MAX_GROUPS };

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
    /* The open groups (OPEN, DEPTH of them), the brackets balanced and
     * beside no other byte.  An item opens the variants that leave out
     * every item before it, and only those: each of those must be in a
     * group that does not hold this one, i.e. whose innermost group has
     * closed.  HOLDS: an item's innermost group is the open one at that
     * depth (BLOCKING of them), OUTSIDE: an item outside every group. */
    size_t open[MAX_GROUPS], depth = 0, g = 0, lows = 0, blocking = 0;
    unsigned char holds[MAX_GROUPS];
    int outside = 0;
    sh->npieces = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] == '[') {
            if (g == MAX_GROUPS || (i > 0 && !is_space((unsigned char)s[i - 1]) && s[i - 1] != '['))
                return 0;
            sh->groups[g].parent = depth ? open[depth - 1] + 1 : 0, sh->groups[g].in = 1;
            holds[depth] = 0, open[depth++] = g++, i++;
            continue;
        }
        if (s[i] == ']') {
            if (depth == 0 || (!space_at(s, len, i + 1) && s[i + 1] != ']'))
                return 0;
            blocking -= holds[--depth];
            sh->groups[open[depth]].end = sh->npieces, i++;
            continue;
        }
        if (is_space((unsigned char)s[i])) {
            i++;
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
        sh->group_of[sh->npieces] = depth ? open[depth - 1] + 1 : 0;
        sh->opens[sh->npieces++] = item && !outside && !blocking;
        if (item && !depth)
            outside = 1;
        else if (item && !holds[depth - 1])
            holds[depth - 1] = 1, blocking++;
    }
    if (depth || !within_limits(g, len))
        return 0;
    sh->ngroups = g, sh->empty = !outside; /* every group left out leaves the items outside them */
    return 1;
}

/* Steps the groups of PARENT (a group + 1, 0 for the template), the first
 * one fastest, to their next variant: 1 when they all wrap around to the
 * first (every group in).  A group in steps its own groups, and once they
 * wrap is left out; a group left out is in again, and wraps. */
static int step(ix_wshape *sh, size_t parent)
{
    for (size_t g = 0; g < sh->ngroups; g++) {
        ix_wgroup *gr = &sh->groups[g];
        if (gr->parent != parent)
            continue;
        if (gr->in) {
            if (step(sh, g + 1))
                gr->in = 0;
            return 0;
        }
        gr->in = 1;
    }
    return 1;
}

int ix_wshape_next(ix_wshape *sh) { return !step(sh, 0); }

size_t ix_wshape_held(const ix_wshape *sh, size_t k)
{
    for (; k < sh->npieces; k++) {
        size_t g = sh->group_of[k];
        while (g && sh->groups[g - 1].in)
            g = sh->groups[g - 1].parent;
        if (!g)
            return k;
    }
    return k;
}

/* The byte after the ']' closing the '[' at byte I of S. */
static size_t past_group(const char *s, size_t len, size_t i)
{
    size_t depth = 0;
    for (; i < len; i++) {
        if (s[i] == '[')
            depth++;
        else if (s[i] == ']' && --depth == 0)
            return i + 1;
    }
    return len;
}

/* ix_wshape_fits from byte I, K words taken.  The ways tried are at most
 * the variants ix_wording_read would make (the shape's limits), each
 * walked no further than its bytes. */
static int fits_from(const char *s, size_t len, size_t i, size_t k, const ix_wword *plain, size_t n)
{
    char low[IX_WSHAPE_MAX_BYTES];
    while (i < len) {
        if (s[i] == '[') {
            if (fits_from(s, len, past_group(s, len, i), k, plain, n))
                return 1;
            i++; /* the group in */
            continue;
        }
        if (s[i] == ']' || is_space((unsigned char)s[i])) {
            i++;
            continue;
        }
        ix_wpiece p = {.at = i};
        while (!space_at(s, len, i) && s[i] != '[' && s[i] != ']')
            i++;
        p.len = i - p.at;
        ix_wording_piece(s, &p);
        size_t wlen = 0;
        if (p.type == IX_WPIECE_HOLE) {
            if (p.kind_len == 4 && memcmp(s + p.kind_at, "text", 4) == 0)
                return 1; /* the fixed prefix ends */
        } else if (p.type != IX_WPIECE_LIT || !(wlen = ix_wording_word(s + p.at, p.len, low))) {
            continue; /* no item */
        }
        if (k >= n)
            return 0;
        if (p.type == IX_WPIECE_LIT && (plain[k].len != wlen || memcmp(plain[k].s, low, wlen) != 0))
            return 0;
        k++;
    }
    return 1;
}

int ix_wshape_fits(const char *s, size_t len, const ix_wword *plain, size_t n)
{
    return fits_from(s, len, 0, 0, plain, n);
}
