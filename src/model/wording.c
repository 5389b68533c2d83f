/* wording.c - see include/infraexec/model/wording.h */
#include "infraexec/model/wording.h"

#include "infraexec/base/buf.h"

#include <stdlib.h>
#include <string.h>

static int is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static int is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static int is_wordc(unsigned char c) { return is_alnum(c) || c == '_'; }

/* Lua's s:find("%b[]"): the first '[' whose brackets balance before the
 * end, *I and *J its bytes. */
static int balanced(const char *s, size_t len, size_t *i, size_t *j)
{
    for (size_t p = 0; p < len; p++) {
        if (s[p] != '[')
            continue;
        int depth = 1;
        for (size_t q = p + 1; q < len; q++) {
            if (s[q] == ']' && --depth == 0) {
                *i = p, *j = q;
                return 1;
            } else if (s[q] == '[') {
                depth++;
            }
        }
    }
    return 0;
}

/* `?{name[:type]}`? (Lua: ^`?{([%w_]+):?([%w_]*)}`?$) into P. */
static int hole(const char *s, size_t len, ix_wpiece *p)
{
    size_t q = 0;
    if (q < len && s[q] == '`')
        q++;
    if (q >= len || s[q] != '{')
        return 0;
    size_t name = ++q;
    while (q < len && is_wordc((unsigned char)s[q]))
        q++;
    if (q == name)
        return 0;
    size_t name_len = q - name, kind = q;
    if (q < len && s[q] == ':')
        kind = ++q;
    while (q < len && is_wordc((unsigned char)s[q]))
        q++;
    size_t kind_len = q - kind;
    if (q >= len || s[q] != '}')
        return 0;
    q++;
    if (q < len && s[q] == '`')
        q++;
    if (q != len)
        return 0;
    p->name_at = p->at + name, p->name_len = name_len;
    p->kind_at = p->at + (kind_len ? kind : name), p->kind_len = kind_len ? kind_len : name_len;
    return 1;
}

void ix_wording_piece(const char *text, ix_wpiece *p)
{
    const char *t = text + p->at;
    if (hole(t, p->len, p))
        p->type = IX_WPIECE_HOLE;
    else if (memchr(t, '{', p->len) || memchr(t, '}', p->len))
        p->type = IX_WPIECE_BAD;
    else
        p->type = IX_WPIECE_LIT;
}

/* Whether the placeholder P takes free text (its type is `text`). */
static int is_text(const ix_wording *w, const ix_wpiece *p)
{
    return p->kind_len == 4 && memcmp(w->text + p->kind_at, "text", 4) == 0;
}

/* The distinct pieces by their bytes: an open-addressing table of
 * piece index + 1. */
typedef struct piece_set {
    size_t *slot;
    size_t cap;
} piece_set;

/* A piece met while expanding: its bytes in the store's text, and the
 * piece of the same bytes in the set (its index + 1; 0 for a joined piece
 * not looked up yet: most are joined again or refused, never kept). */
typedef struct spiece {
    size_t at, len, same;
} spiece;

/* The pieces met while expanding, in one store, the text's pieces one
 * piece for the same bytes, a joined one looked up only once kept
 * (ix_wording_read keeps the ones its variants hold, renumbered), and the
 * lists of variants made, one after the other in ARENA (TOP words used):
 * a list is made above the ones it is made of, then moved down over them.
 * What a template of a line or two needs is in the store itself, on the
 * stack: allocating was most of the cost of reading one. */
typedef struct store {
    spiece *pieces;
    size_t npieces, cap;
    char *text; /* the pieces' bytes */
    size_t tlen, tcap;
    piece_set set;
    size_t nset; /* pieces in the set */
    size_t *arena, top, room;
    spiece pieces0[32];
    size_t slot0[64], arena0[256];
    char text0[256];
} store;

/* P (CAP entries of SIZE bytes; FIXED, the store's own, is not the heap's)
 * with room for NEED. */
static void *grow(void *p, const void *fixed, size_t *cap, size_t need, size_t size)
{
    size_t n = *cap, old = *cap; /* never 0: every buffer starts as the store's own */
    while (n < need)
        n *= 2;
    *cap = n;
    if (p != fixed)
        return ix_xrealloc(p, n * size);
    void *q = ix_xmalloc(n * size);
    memcpy(q, p, old * size);
    return q;
}

static size_t hash(const char *s, size_t len)
{
    size_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static size_t *find_slot(const piece_set *set, const store *st, const char *s, size_t len)
{
    size_t m = set->cap - 1;
    for (size_t h = hash(s, len) & m;; h = (h + 1) & m) {
        size_t *sl = &set->slot[h];
        if (!*sl)
            return sl;
        const spiece *p = &st->pieces[*sl - 1];
        if (p->len == len && memcmp(st->text + p->at, s, len) == 0)
            return sl;
    }
}

/* A new piece of LEN bytes, the last LEN of the text (added by the caller). */
static size_t new_piece(store *st, size_t len)
{
    if (st->npieces == st->cap)
        st->pieces = grow(st->pieces, st->pieces0, &st->cap, st->npieces + 1, sizeof *st->pieces);
    st->pieces[st->npieces] = (spiece){st->tlen - len, len, 0};
    return st->npieces++;
}

/* Room for LEN more bytes of text. */
static void text_room(store *st, size_t len)
{
    if (st->tlen + len > st->tcap)
        st->text = grow(st->text, st->text0, &st->tcap, st->tlen + len, 1);
}

/* Room in the set for one more piece. */
static void set_room(store *st)
{
    if (2 * (st->nset + 1) > st->set.cap) {
        piece_set grown = {ix_xcalloc(st->set.cap * 2, sizeof(size_t)), st->set.cap * 2};
        for (size_t i = 0; i < st->set.cap; i++) {
            if (st->set.slot[i]) {
                const spiece *q = &st->pieces[st->set.slot[i] - 1];
                *find_slot(&grown, st, st->text + q->at, q->len) = st->set.slot[i];
            }
        }
        if (st->set.slot != st->slot0)
            free(st->set.slot);
        st->set = grown;
    }
}

/* The piece in the set of the bytes of piece P, P itself when new. */
static size_t same_piece(store *st, size_t p)
{
    if (st->pieces[p].same)
        return st->pieces[p].same - 1;
    set_room(st);
    size_t *sl = find_slot(&st->set, st, st->text + st->pieces[p].at, st->pieces[p].len);
    if (!*sl)
        *sl = p + 1, st->nset++;
    st->pieces[p].same = *sl;
    return *sl - 1;
}

/* The piece of the text's bytes S (LEN of them). */
static size_t add_piece(store *st, const char *s, size_t len)
{
    set_room(st);
    size_t *sl = find_slot(&st->set, st, s, len);
    if (*sl)
        return *sl - 1;
    text_room(st, len);
    memcpy(st->text + st->tlen, s, len);
    st->tlen += len;
    size_t p = new_piece(st, len);
    st->pieces[p].same = *sl = p + 1, st->nset++;
    return p;
}

/* The piece of the bytes of pieces X and Y, joined. */
static size_t join_pieces(store *st, size_t x, size_t y)
{
    size_t xl = st->pieces[x].len, yl = st->pieces[y].len;
    text_room(st, xl + yl);
    memcpy(st->text + st->tlen, st->text + st->pieces[x].at, xl);
    memcpy(st->text + st->tlen + xl, st->text + st->pieces[y].at, yl);
    st->tlen += xl + yl;
    return new_piece(st, xl + yl);
}

/* A variant in the arena: its length in bytes, whether its first (LEFT)
 * and last (RIGHT) bytes are not spaces -- next to another variant such a
 * piece joins the piece beside it, as the bytes of the two would -- its
 * count of pieces, then the pieces (the store's). */
enum { LEN, EDGE, CNT, REC };
enum { LEFT = 1, RIGHT = 2 };
#define NONE ((size_t)-1)

/* Room for N more words at the top of the arena. */
static void room_for(store *st, size_t n)
{
    if (st->top + n > st->room)
        st->arena = grow(st->arena, st->arena0, &st->room, st->top + n, sizeof *st->arena);
}

/* Starts a variant of LEN bytes at the top, the list's *N-th; -1 once the
 * budget (bytes, every list's variants counted, as if each were a string
 * and its NUL) or the list's length is past the limits. */
static int open_variant(store *st, size_t len, size_t *budget, size_t *n)
{
    if (*n >= IX_WORDING_MAX_VARIANTS || len + 1 > *budget)
        return -1;
    *budget -= len + 1;
    ++*n;
    room_for(st, REC);
    size_t *v = st->arena + st->top;
    v[LEN] = len, v[EDGE] = 0, v[CNT] = 0;
    st->top += REC;
    return 0;
}

/* The text S (LEN bytes) as a variant: its whitespace-separated pieces. */
static int push_text(store *st, const char *s, size_t len, size_t *budget, size_t *n)
{
    size_t at = st->top;
    if (open_variant(st, len, budget, n) < 0)
        return -1;
    for (size_t i = 0;;) {
        while (i < len && is_space((unsigned char)s[i]))
            i++;
        size_t b = i;
        while (i < len && !is_space((unsigned char)s[i]))
            i++;
        if (i == b)
            break;
        size_t p = add_piece(st, s + b, i - b);
        room_for(st, 1);
        st->arena[st->top++] = p;
        st->arena[at + CNT]++;
    }
    if (len)
        st->arena[at + EDGE] = (!is_space((unsigned char)s[0]) ? LEFT : 0)
                               | (!is_space((unsigned char)s[len - 1]) ? RIGHT : 0);
    return 0;
}

/* The variants at A, B and C (NONE for none) joined, as a variant. */
static int push_joined(store *st, size_t a, size_t b, size_t c, size_t *budget, size_t *n)
{
    size_t parts[3] = {a, b, c}, len = 0, at = st->top;
    for (int k = 0; k < 3; k++)
        len += parts[k] != NONE ? st->arena[parts[k] + LEN] : 0;
    if (open_variant(st, len, budget, n) < 0)
        return -1;
    size_t edge = 0;
    len = 0;
    for (int k = 0; k < 3; k++) {
        size_t q = parts[k];
        if (q == NONE || !st->arena[q + LEN])
            continue;
        size_t cnt = st->arena[q + CNT], pe = st->arena[q + EDGE], skip = 0;
        if ((edge & RIGHT) && (pe & LEFT)) { /* the last piece so far and q's first are one */
            st->arena[st->top - 1] = join_pieces(st, st->arena[st->top - 1], st->arena[q + REC]);
            skip = 1;
        }
        room_for(st, cnt - skip);
        memcpy(st->arena + st->top, st->arena + q + REC + skip, (cnt - skip) * sizeof *st->arena);
        st->top += cnt - skip, st->arena[at + CNT] += cnt - skip;
        edge = (len ? edge & LEFT : pe & LEFT) | (pe & RIGHT);
        len += st->arena[q + LEN];
    }
    st->arena[at + EDGE] = edge;
    return 0;
}

/* "a [b] c" -> "a b c", "a  c": lib/wording.lua's expand() before, as a
 * list at the top of the arena (*N variants), each variant split into
 * pieces as it is made, not once made (a piece is split once however many
 * variants hold it).  A list has at least one variant more than the one it
 * is made of (rest * (inner + 1)), so a text DEPTH groups deep makes more
 * than DEPTH: past the limit it is refused as it would be once made, before
 * its recursion overflows the stack. */
static int expand(store *st, const char *s, size_t len, size_t *budget, size_t depth, size_t *n)
{
    size_t i, j;
    if (!balanced(s, len, &i, &j))
        return push_text(st, s, len, budget, n);
    if (depth >= IX_WORDING_MAX_VARIANTS)
        return -1;
    size_t rest = st->top, nrest = 0, inner, ninner = 0, before, nbefore = 0, out;
    size_t unlimited = (size_t)-1; /* the text before the group is no variant */
    int rc = expand(st, s + j + 1, len - j - 1, budget, depth + 1, &nrest);
    inner = st->top;
    if (rc == 0)
        rc = expand(st, s + i + 1, j - i - 1, budget, depth + 1, &ninner); /* groups nest */
    before = st->top;
    if (rc == 0)
        rc = push_text(st, s, i, &unlimited, &nbefore);
    out = st->top;
    for (size_t r = 0, rq = rest; rc == 0 && r < nrest; r++, rq += REC + st->arena[rq + CNT]) {
        for (size_t k = 0, kq = inner; rc == 0 && k < ninner; k++, kq += REC + st->arena[kq + CNT])
            rc = push_joined(st, before, kq, rq, budget, n);
        if (rc == 0)
            rc = push_joined(st, before, NONE, rq, budget, n);
    }
    if (rc == 0) { /* the list made, down over the ones it was made of */
        memmove(st->arena + rest, st->arena + out, (st->top - out) * sizeof *st->arena);
        st->top = rest + (st->top - out);
    }
    return rc;
}

int ix_wording_read(const char *s, size_t len, ix_wording *w, ix_err *err)
{
    memset(w, 0, sizeof *w);
    store st;
    st.npieces = st.tlen = st.top = st.nset = 0;
    /* Room for the pieces of the template's bytes at once (joined pieces
     * grow it). */
    st.pieces = st.pieces0, st.cap = sizeof st.pieces0 / sizeof *st.pieces0;
    if (len / 2 + 2 > st.cap)
        st.pieces = grow(st.pieces, st.pieces0, &st.cap, len / 2 + 2, sizeof *st.pieces);
    st.set.slot = st.slot0, st.set.cap = sizeof st.slot0 / sizeof *st.slot0;
    if (st.set.cap < 2 * st.cap) {
        while (st.set.cap < 2 * st.cap)
            st.set.cap *= 2;
        st.set.slot = ix_xcalloc(st.set.cap, sizeof *st.set.slot);
    } else {
        memset(st.slot0, 0, sizeof st.slot0);
    }
    st.text = st.text0, st.tcap = sizeof st.text0;
    if (len > st.tcap)
        st.text = grow(st.text, st.text0, &st.tcap, len, 1);
    st.arena = st.arena0, st.room = sizeof st.arena0 / sizeof *st.arena0;
    size_t budget = IX_WORDING_MAX_BYTES, n = 0;
    int rc = expand(&st, s, len, &budget, 0, &n);
    if (rc == 0) {
        /* The pieces the variants hold, one for the same bytes, numbered
         * in the order they first hold them, their bytes copied, in one
         * block (ix_wording_free). */
        size_t few[64], *map = st.npieces <= 64 ? few : ix_xmalloc(st.npieces * sizeof *map);
        for (size_t p = 0; p < st.npieces; p++)
            map[p] = (size_t)-1;
        size_t nrefs = st.top - n * REC, used = 0;
        char *block = ix_xmalloc(st.npieces * sizeof *w->pieces + (nrefs + n + 1) * sizeof *w->refs + st.tlen + 1);
        w->pieces = (ix_wpiece *)(void *)block;
        w->refs = nrefs ? (size_t *)(void *)(block + st.npieces * sizeof *w->pieces) : NULL;
        w->starts = (size_t *)(void *)(block + st.npieces * sizeof *w->pieces + nrefs * sizeof *w->refs);
        w->text = (char *)(w->starts + n + 1);
        w->nvariants = n;
        nrefs = 0;
        for (size_t k = 0, q = 0; k < n; k++, q += REC + st.arena[q + CNT]) {
            w->starts[k] = nrefs;
            for (size_t r = 0; r < st.arena[q + CNT]; r++) {
                size_t at = st.arena[q + REC + r], id;
                if (map[at] != (size_t)-1) { /* met before */
                    w->refs[nrefs++] = map[at];
                    continue;
                }
                if (map[id = same_piece(&st, at)] == (size_t)-1) {
                    const spiece *from = &st.pieces[id];
                    ix_wpiece *to = &w->pieces[w->npieces];
                    memset(to, 0, sizeof *to);
                    to->at = used, to->len = from->len;
                    memcpy(w->text + used, st.text + from->at, from->len);
                    used += from->len;
                    ix_wording_piece(w->text, to);
                    map[id] = w->npieces++;
                }
                w->refs[nrefs++] = map[at] = map[id];
            }
        }
        w->starts[n] = nrefs;
        w->text[used] = '\0';
        if (map != few)
            free(map);
    }
    if (st.arena != st.arena0)
        free(st.arena);
    if (st.pieces != st.pieces0)
        free(st.pieces);
    if (st.set.slot != st.slot0)
        free(st.set.slot);
    if (st.text != st.text0)
        free(st.text);
    if (rc < 0)
        return ix_err_set(err, "more than %d variants or %u bytes of them", IX_WORDING_MAX_VARIANTS,
                          IX_WORDING_MAX_BYTES);
    return 0;
}

void ix_wording_prefix(ix_wording *w)
{
    if (w->lows)
        return;
    size_t n = 1;
    for (size_t p = 0; p < w->npieces; p++)
        n += w->pieces[p].type == IX_WPIECE_LIT ? w->pieces[p].len : 0;
    w->lows = ix_xmalloc(n);
    size_t at = 0;
    for (size_t p = 0; p < w->npieces; p++) {
        ix_wpiece *pc = &w->pieces[p];
        if (pc->type != IX_WPIECE_LIT)
            continue;
        pc->low_at = at;
        pc->low_len = ix_wording_word(w->text + pc->at, pc->len, w->lows + at);
        at += pc->low_len;
    }
    for (size_t k = 0; k < w->nvariants; k++) {
        size_t items = 0;
        for (size_t r = w->starts[k]; r < w->starts[k + 1]; r++) {
            const ix_wpiece *pc = &w->pieces[w->refs[r]];
            if (pc->type == IX_WPIECE_HOLE && is_text(w, pc))
                break;
            items += pc->type == IX_WPIECE_HOLE || pc->low_len;
        }
        if (items > w->longest)
            w->longest = items;
    }
}

int ix_wording_fits(const ix_wording *w, size_t v, const ix_wword *plain, size_t n)
{
    size_t k = 0;
    for (size_t r = w->starts[v]; r < w->starts[v + 1]; r++) {
        const ix_wpiece *pc = &w->pieces[w->refs[r]];
        if (pc->type == IX_WPIECE_HOLE) {
            if (is_text(w, pc))
                return 1;
        } else if (!pc->low_len) {
            continue;
        }
        if (k >= n)
            return 0;
        if (pc->type == IX_WPIECE_LIT
            && (plain[k].len != pc->low_len || memcmp(plain[k].s, w->lows + pc->low_at, pc->low_len) != 0))
            return 0;
        k++;
    }
    return 1;
}

void ix_wording_free(ix_wording *w)
{
    free(w->pieces), free(w->lows); /* the pieces' block holds the refs, starts and text */
    memset(w, 0, sizeof *w);
}

/* M.words' leading and trailing marks (LEAD, TRAIL). */
static int is_lead(unsigned char c) { return c && strchr("*_`'\"([{<", c) != NULL; }
static int is_trail(unsigned char c) { return c && strchr("*_`'\".,;:!?)]}>", c) != NULL; }
/* A byte of "-", "–" or "—" (M.words' class [%-–—]). */
static int is_dash(unsigned char c) { return c == '-' || c == 0xE2 || c == 0x80 || c == 0x93 || c == 0x94; }

/* The end of the bold label TEXT opens with (Lua: ^%s*%*%*[^*\n]-%*%*%s*:%s*), else 0. */
static size_t bold_label(const char *t, size_t len)
{
    size_t i = 0;
    while (i < len && is_space((unsigned char)t[i]))
        i++;
    if (i + 1 >= len || t[i] != '*' || t[i + 1] != '*')
        return 0;
    for (i += 2; i < len && t[i] != '*' && t[i] != '\n'; i++)
        ; /* [^*\n]- can end only at the first '*' */
    if (i + 1 >= len || t[i] != '*' || t[i + 1] != '*')
        return 0;
    for (i += 2; i < len && is_space((unsigned char)t[i]); i++)
        ;
    if (i >= len || t[i] != ':')
        return 0;
    for (i++; i < len && is_space((unsigned char)t[i]); i++)
        ;
    return i;
}

typedef struct words_state {
    ix_wording_tok_fn fn;
    void *ctx;
    int any, after_boundary; /* a token yet; the last one a boundary */
} words_state;

static void boundary(words_state *st)
{
    if (st->any && !st->after_boundary) {
        st->fn(st->ctx, NULL, 0, 0);
        st->after_boundary = 1;
    }
}

/* One piece RAW (no space, no "~~"), as M.words' loop body reads it. */
static void piece_words(words_state *st, const char *raw, size_t len, int *code)
{
    int dash = 1, ticks = 0;
    for (size_t i = 0; i < len; i++) {
        dash = dash && is_dash((unsigned char)raw[i]);
        ticks += raw[i] == '`';
    }
    if (dash) {
        boundary(st);
        return;
    }
    if (raw[0] == '(' || raw[0] == '`')
        boundary(st);
    size_t s = 0, e = len;
    while (s < e && is_lead((unsigned char)raw[s]))
        s++;
    while (e > s && is_trail((unsigned char)raw[e - 1]))
        e--;
    int in_code = *code || ticks > 0;
    if (ticks % 2)
        *code = !*code;
    for (size_t i = s; i < e; i++) {
        if (is_alnum((unsigned char)raw[i])) {
            st->fn(st->ctx, raw + s, e - s, in_code);
            st->any = 1, st->after_boundary = 0;
            break;
        }
    }
    size_t q = len; /* [:;][%*_`'"%)]*$ */
    while (q > 0 && strchr("*_`'\")", raw[q - 1]) && raw[q - 1])
        q--;
    if (q > 0 && (raw[q - 1] == ':' || raw[q - 1] == ';'))
        boundary(st);
}

void ix_wording_words(const char *text, size_t len, ix_wording_tok_fn fn, void *ctx)
{
    size_t start = bold_label(text, len);
    const char *p = text + start;
    size_t n = len - start;
    ix_buf t = IX_BUF_INIT; /* the rest with every "~~" gone, when it has one */
    const char *tilde = memchr(p, '~', n);
    if (tilde && memmem(tilde, n - (size_t)(tilde - p), "~~", 2)) {
        ix_buf_reserve(&t, n);
        for (size_t i = 0; i < n; i++) {
            if (p[i] == '~' && i + 1 < n && p[i + 1] == '~') {
                i++;
                continue;
            }
            t.data[t.len++] = p[i];
        }
        p = t.data, n = t.len;
    }
    words_state st = {fn, ctx, 0, 0};
    int code = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && is_space((unsigned char)p[i]))
            i++;
        size_t b = i;
        while (i < n && !is_space((unsigned char)p[i]))
            i++;
        if (i > b)
            piece_words(&st, p + b, i - b, &code);
    }
    ix_buf_free(&t);
}

/* The first word ix_wording_words finds (a piece has at most one). */
typedef struct first_word {
    char *out;
    size_t n;
    int found;
} first_word;

static void take_first(void *ctx, const char *w, size_t len, int code)
{
    first_word *f = ctx;
    (void)code;
    if (!w || f->found)
        return;
    for (size_t i = 0; i < len; i++)
        f->out[i] = w[i] >= 'A' && w[i] <= 'Z' ? (char)(w[i] + 32) : w[i];
    f->n = len, f->found = 1;
}

size_t ix_wording_word(const char *raw, size_t len, char *out)
{
    /* Most pieces are letters, digits and dashes or slashes, a letter or
     * digit among them: no mark to trim, no dash piece, no label; the word
     * is the piece. */
    size_t i = 0;
    int any = 0;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (is_alnum(c))
            any = 1;
        else if (c != '-' && c != '/')
            break;
        out[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : (char)c;
    }
    if (i == len && any)
        return len;
    first_word f = {out, 0, 0};
    ix_wording_words(raw, len, take_first, &f);
    return f.n;
}
