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

/* Strings made while expanding, in one buffer: string K is
 * b.data + at[K], len[K] bytes. */
typedef struct vlist {
    ix_buf b;
    size_t *at, *len;
    size_t n, cap;
} vlist;

static void vlist_free(vlist *v)
{
    ix_buf_free(&v->b);
    free(v->at), free(v->len);
    memset(v, 0, sizeof *v);
}

/* Appends A B C; -1 once the budget (bytes, every list's strings counted)
 * or the list's length is past the limits. */
static int vlist_push3(vlist *v, const char *a, size_t al, const char *b, size_t bl, const char *c,
                       size_t cl, size_t *budget)
{
    size_t n = al + bl + cl;
    if (v->n >= IX_WORDING_MAX_VARIANTS || n + 1 > *budget)
        return -1;
    *budget -= n + 1;
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 4;
        v->at = ix_xrealloc(v->at, v->cap * sizeof *v->at);
        v->len = ix_xrealloc(v->len, v->cap * sizeof *v->len);
    }
    ix_buf_reserve(&v->b, n);
    char *s = v->b.data + v->b.len;
    memcpy(s, a, al), memcpy(s + al, b, bl), memcpy(s + al + bl, c, cl);
    v->at[v->n] = v->b.len, v->len[v->n++] = n;
    v->b.len += n;
    v->b.data[v->b.len] = '\0';
    return 0;
}

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

/* "a [b] c" -> "a b c", "a  c": lib/wording.lua's expand() before. */
static int expand(const char *s, size_t len, vlist *out, size_t *budget)
{
    size_t i, j;
    if (!balanced(s, len, &i, &j))
        return vlist_push3(out, s, len, "", 0, "", 0, budget);
    vlist rest = {0}, inner = {0};
    int rc = expand(s + j + 1, len - j - 1, &rest, budget);
    if (rc == 0)
        rc = expand(s + i + 1, j - i - 1, &inner, budget); /* groups nest */
    for (size_t r = 0; rc == 0 && r < rest.n; r++) {
        for (size_t k = 0; rc == 0 && k < inner.n; k++)
            rc = vlist_push3(out, s, i, inner.b.data + inner.at[k], inner.len[k], rest.b.data + rest.at[r],
                             rest.len[r], budget);
        if (rc == 0)
            rc = vlist_push3(out, s, i, "", 0, rest.b.data + rest.at[r], rest.len[r], budget);
    }
    vlist_free(&rest), vlist_free(&inner);
    return rc;
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

static size_t hash(const char *s, size_t len)
{
    size_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static size_t *find_slot(piece_set *set, const ix_wording *w, const ix_buf *text, const char *s, size_t len)
{
    size_t m = set->cap - 1;
    for (size_t h = hash(s, len) & m;; h = (h + 1) & m) {
        size_t *sl = &set->slot[h];
        if (!*sl)
            return sl;
        const ix_wpiece *p = &w->pieces[*sl - 1];
        if (p->len == len && memcmp(text->data + p->at, s, len) == 0)
            return sl;
    }
}

/* The index in W of the piece S, added when new. */
static size_t add_piece(ix_wording *w, ix_buf *text, piece_set *set, size_t *cap, const char *s,
                        size_t len)
{
    if (2 * (w->npieces + 1) > set->cap) {
        piece_set grown = {ix_xcalloc(set->cap ? set->cap * 2 : 32, sizeof(size_t)), set->cap ? set->cap * 2 : 32};
        for (size_t i = 0; i < set->cap; i++) {
            if (set->slot[i]) {
                const ix_wpiece *p = &w->pieces[set->slot[i] - 1];
                *find_slot(&grown, w, text, text->data + p->at, p->len) = set->slot[i];
            }
        }
        free(set->slot);
        *set = grown;
    }
    size_t *sl = find_slot(set, w, text, s, len);
    if (*sl)
        return *sl - 1;
    if (w->npieces == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        w->pieces = ix_xrealloc(w->pieces, *cap * sizeof *w->pieces);
    }
    ix_wpiece *p = &w->pieces[w->npieces];
    memset(p, 0, sizeof *p);
    p->at = text->len, p->len = len;
    ix_buf_append(text, s, len);
    if (hole(s, len, p))
        p->type = IX_WPIECE_HOLE;
    else if (memchr(s, '{', len) || memchr(s, '}', len))
        p->type = IX_WPIECE_BAD;
    else
        p->type = IX_WPIECE_LIT;
    *sl = ++w->npieces;
    return w->npieces - 1;
}

int ix_wording_read(const char *s, size_t len, ix_wording *w, ix_err *err)
{
    memset(w, 0, sizeof *w);
    vlist v = {0};
    size_t budget = IX_WORDING_MAX_BYTES;
    if (expand(s, len, &v, &budget) < 0) {
        vlist_free(&v);
        return ix_err_set(err, "more than %d variants or %u bytes of them", IX_WORDING_MAX_VARIANTS,
                          IX_WORDING_MAX_BYTES);
    }
    ix_buf text = IX_BUF_INIT;
    piece_set set = {NULL, 0};
    size_t pcap = 0, nrefs = 0, rcap = 0;
    w->starts = ix_xmalloc((v.n + 1) * sizeof *w->starts);
    w->nvariants = v.n;
    for (size_t k = 0; k < v.n; k++) {
        const char *t = v.b.data + v.at[k];
        size_t n = v.len[k], i = 0;
        w->starts[k] = nrefs;
        for (;;) {
            while (i < n && is_space((unsigned char)t[i]))
                i++;
            size_t b = i;
            while (i < n && !is_space((unsigned char)t[i]))
                i++;
            if (i == b)
                break;
            if (nrefs == rcap) {
                rcap = rcap ? rcap * 2 : 16;
                w->refs = ix_xrealloc(w->refs, rcap * sizeof *w->refs);
            }
            w->refs[nrefs++] = add_piece(w, &text, &set, &pcap, t + b, i - b);
        }
    }
    w->starts[v.n] = nrefs;
    free(set.slot);
    vlist_free(&v);
    ix_buf_putc(&text, '\0'); /* data even for a template of no pieces */
    w->text = ix_buf_detach(&text);
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
    free(w->text), free(w->pieces), free(w->refs), free(w->starts), free(w->lows);
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
    first_word f = {out, 0, 0};
    ix_wording_words(raw, len, take_first, &f);
    return f.n;
}
