/* fuzz_wording.c - libFuzzer target: a wording template read
 * (ix_wording_read) and each literal piece's word (ix_wording_word).
 *
 * The input is a template.  Either it is refused for its size (nothing
 * kept) or the variants refer only to pieces there are, in order, every
 * piece is distinct, non-empty and without a space, a placeholder's name
 * and type are word characters inside it, a stray brace's piece holds a
 * brace and a literal none; a literal's word is no longer than the piece,
 * lower-case and holds an ASCII letter or digit.  Each variant fits the
 * words of its own fixed prefix (a placeholder's a word of its own), no
 * longer than the longest, and neither one word shorter nor with another
 * word for a literal.  The input read as a criterion's text
 * (ix_wording_words): each word is no longer than the input, holds an ASCII letter
 * or digit and no space; boundaries never come first or twice in a row.
 * When the template reads without expanding it (ix_wording_shape), the
 * expansion agrees: it is not refused, the shape's variants walked
 * (ix_wshape_next) are its variants, the same pieces in the same order, the
 * first holds every piece, the pieces a variant opens with (its first item)
 * are those the shape says open one, and a variant has no item when and
 * only when the shape says one has none.  Any violation aborts. */
#include "infraexec/model/wording.h"
#include "infraexec/model/wordshape.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static int alnum(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static int wordchars(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!alnum((unsigned char)s[i]) && s[i] != '_')
            return 0;
    return n > 0;
}

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_wording: %s\n", what);
        abort();
    }
}

typedef struct text_check {
    size_t size, ntoks;
    int last_boundary;
} text_check;

static void tok(void *ctx, const char *w, size_t len, int code)
{
    text_check *t = ctx;
    (void)code;
    if (!w) {
        check(t->ntoks > 0 && !t->last_boundary, "a boundary neither first nor twice");
        t->last_boundary = 1;
    } else {
        int letter = 0;
        for (size_t i = 0; i < len; i++) {
            check(!space((unsigned char)w[i]), "a word holds no space");
            letter = letter || alnum((unsigned char)w[i]);
        }
        check(len > 0 && len <= t->size && letter, "a word is non-empty, no longer than the text, with a letter or digit");
        t->last_boundary = 0;
    }
    t->ntoks++;
}

static int same(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* The first item of variant V of W (ix_wording_prefix done): a
 * placeholder or a literal with a word; NULL for none. */
static const ix_wpiece *first_item(const ix_wording *w, size_t v)
{
    for (size_t r = w->starts[v]; r < w->starts[v + 1]; r++) {
        const ix_wpiece *p = &w->pieces[w->refs[r]];
        if (p->type == IX_WPIECE_HOLE || (p->type == IX_WPIECE_LIT && p->low_len))
            return p;
    }
    return NULL;
}

/* W, the expansion of S, against its shape SH (see the top). */
static void check_shape(const char *s, ix_wshape *sh, const ix_wording *w)
{
    int empty = 0, more = 1;
    for (size_t v = 0; v < w->nvariants; v++, more = ix_wshape_next(sh)) {
        check(more, "as many variants walked as expanded");
        size_t k = ix_wshape_held(sh, 0), n = 0;
        for (size_t r = w->starts[v]; r < w->starts[v + 1]; r++, n++, k = ix_wshape_held(sh, k + 1)) {
            const ix_wpiece *p = &w->pieces[w->refs[r]];
            check(k < sh->npieces && same(s + sh->pieces[k].at, sh->pieces[k].len, w->text + p->at, p->len),
                  "a variant walked holds the expanded one's pieces, in order");
        }
        check(k == sh->npieces, "and no more");
        check(v > 0 || n == sh->npieces, "the first variant holds every piece of the shape");
        const ix_wpiece *f = first_item(w, v);
        empty = empty || !f;
        int opens = 0;
        for (size_t q = 0; f && q < sh->npieces && !opens; q++)
            opens = sh->opens[q] && same(s + sh->pieces[q].at, sh->pieces[q].len, w->text + f->at, f->len);
        check(!f || opens, "a variant's first item is a piece the shape says opens one");
    }
    check(empty == sh->empty, "a variant has no item when the shape says so");
    for (size_t q = 0; q < sh->npieces; q++) {
        int found = !sh->opens[q];
        for (size_t v = 0; v < w->nvariants && !found; v++) {
            const ix_wpiece *f = first_item(w, v);
            found = f && same(s + sh->pieces[q].at, sh->pieces[q].len, w->text + f->at, f->len);
        }
        check(found, "a piece the shape says opens a variant opens one");
    }
    check(!more, "as many variants expanded as walked");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    text_check tc = {size, 0, 0};
    ix_wording_words((const char *)data, size, tok, &tc);
    ix_wording w;
    ix_err err;
    if (ix_wording_read((const char *)data, size, &w, &err) < 0) {
        static ix_wshape refused;
        check(!ix_wording_shape((const char *)data, size, &refused), "a template refused has no shape");
        check(w.nvariants == 0 && !w.refs && !w.pieces && strstr(err.msg, "variants"), "a refusal keeps nothing");
        return 0;
    }
    check(w.nvariants >= 1 && w.nvariants <= IX_WORDING_MAX_VARIANTS, "variants counted");
    check(w.starts[0] == 0, "the first variant starts at 0");
    for (size_t v = 0; v < w.nvariants; v++) {
        check(w.starts[v] <= w.starts[v + 1], "variants in order");
        for (size_t r = w.starts[v]; r < w.starts[v + 1]; r++)
            check(w.refs[r] < w.npieces, "a variant refers to a piece there is");
    }
    char *word = malloc(size + 1);
    for (size_t i = 0; i < w.npieces; i++) {
        const ix_wpiece *p = &w.pieces[i];
        const char *s = w.text + p->at;
        check(p->len > 0, "a piece is not empty");
        for (size_t k = 0; k < p->len; k++)
            check(!space((unsigned char)s[k]), "a piece holds no space");
        for (size_t j = 0; j < i; j++)
            check(w.pieces[j].len != p->len || memcmp(w.text + w.pieces[j].at, s, p->len) != 0,
                  "pieces are distinct");
        int brace = memchr(s, '{', p->len) || memchr(s, '}', p->len);
        if (p->type == IX_WPIECE_HOLE) {
            check(p->name_at >= p->at && p->name_at + p->name_len <= p->at + p->len &&
                      p->kind_at >= p->at && p->kind_at + p->kind_len <= p->at + p->len,
                  "a placeholder's name and type are inside it");
            check(wordchars(w.text + p->name_at, p->name_len) && wordchars(w.text + p->kind_at, p->kind_len),
                  "a placeholder's name and type are word characters");
        } else {
            check(brace == (p->type == IX_WPIECE_BAD), "a stray brace holds a brace, a literal none");
        }
        if (p->type == IX_WPIECE_LIT) {
            size_t n = ix_wording_word(s, p->len, word);
            int any = 0;
            check(n <= p->len, "a word is no longer than its piece");
            for (size_t k = 0; k < n; k++) {
                check(!(word[k] >= 'A' && word[k] <= 'Z'), "a word is lower-case");
                any = any || alnum((unsigned char)word[k]);
            }
            check(n == 0 || any, "a word holds a letter or digit");
        }
    }
    free(word);
    ix_wording_prefix(&w);
    static ix_wshape sh;
    if (ix_wording_shape((const char *)data, size, &sh))
        check_shape((const char *)data, &sh, &w);
    ix_wword *plain = malloc((w.longest + 1) * sizeof *plain);
    for (size_t v = 0; v < w.nvariants; v++) {
        size_t n = 0, lit = (size_t)-1;
        for (size_t r = w.starts[v]; r < w.starts[v + 1]; r++) {
            const ix_wpiece *p = &w.pieces[w.refs[r]];
            if (p->type == IX_WPIECE_HOLE && p->kind_len == 4 && memcmp(w.text + p->kind_at, "text", 4) == 0)
                break;
            if (p->type == IX_WPIECE_HOLE) {
                check(n < w.longest, "a prefix no longer than the longest");
                plain[n].s = "{", plain[n++].len = 1;
            } else if (p->type == IX_WPIECE_LIT && p->low_len) {
                check(n < w.longest, "a prefix no longer than the longest");
                check(p->low_len <= p->len, "a literal's word no longer than its piece");
                lit = n;
                plain[n].s = w.lows + p->low_at, plain[n++].len = p->low_len;
            }
        }
        check(ix_wording_fits(&w, v, plain, n), "a variant fits its own prefix");
        check(n == 0 || !ix_wording_fits(&w, v, plain, n - 1), "not a word shorter");
        if (lit != (size_t)-1) { /* no literal's word is a brace */
            plain[lit].s = "{", plain[lit].len = 1;
            check(!ix_wording_fits(&w, v, plain, n), "nor another word for a literal");
        }
    }
    free(plain);
    ix_wording_free(&w);
    return 0;
}
