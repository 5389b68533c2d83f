/* wordshape.h - a wording template read without expanding its groups
 * (model/wording.h expands them): its pieces in the template's order and
 * which of them a variant may open with, enough for lib/wording.lua to
 * check a template and index it when the handlers load.  Pure.
 *
 * A template reads so when every variant is made of the template's own
 * pieces, whole: its brackets balance, no group joins the bytes beside it
 * (before each '[' a space, the start or another '[', after each ']' a
 * space, the end or another ']': "URL[s]" and "[a][b]" do not), it is at
 * most IX_WSHAPE_MAX_BYTES long, and it has too few groups for
 * ix_wording_read to refuse it.  Then the pieces are those between spaces
 * and brackets; the first variant (every group in) holds each of them in
 * the template's order and every other variant some of them in the same
 * order, so a check of the first variant's pieces finds what a check of
 * every variant's finds first. */
#ifndef INFRAEXEC_MODEL_WORDSHAPE_H
#define INFRAEXEC_MODEL_WORDSHAPE_H

#include "infraexec/model/wording.h"

#include <stddef.h>

/* Longer templates are expanded (ix_wording_read); none installed is
 * half as long. */
#define IX_WSHAPE_MAX_BYTES 256

/* At most this many groups (2^12 variants, ix_wording_read's limit; its
 * budget refuses fewer once a template is a few bytes long). */
#define IX_WSHAPE_MAX_GROUPS 12

/* A group: the one it is in, and whether the variant walked holds it. */
typedef struct ix_wgroup {
    size_t parent; /* its group + 1, 0 for none */
    size_t end;    /* the first piece after it */
    int in;
} ix_wgroup;

/* A template read without expanding it.  It owns nothing: the pieces'
 * bytes, names and types are the template's (at, name_at and kind_at
 * index it), their words are in lows. */
typedef struct ix_wshape {
    ix_wpiece pieces[IX_WSHAPE_MAX_BYTES / 2 + 1]; /* in order; the same bytes twice are two */
    size_t npieces;
    /* opens[K]: pieces[K] is the first item of some variant (a
     * placeholder, or a literal with a word, every item before it in a
     * group left out); a stray brace's is 0 */
    unsigned char opens[IX_WSHAPE_MAX_BYTES / 2 + 1];
    int empty;                         /* some variant has no item: none outside every group */
    char lows[IX_WSHAPE_MAX_BYTES];    /* a literal's word (ix_wording_word): low_at, low_len (0: none) */
    ix_wgroup groups[IX_WSHAPE_MAX_GROUPS]; /* by the order of their '[' */
    size_t ngroups;
    unsigned char group_of[IX_WSHAPE_MAX_BYTES / 2 + 1]; /* a piece's innermost group + 1, 0 for none */
} ix_wshape;

/* 1 with SH filled when the template S (LEN bytes) reads so, else 0 (SH
 * is then unspecified): ix_wording_read it. */
int ix_wording_shape(const char *s, size_t len, ix_wshape *sh);

/* The variants of SH one after the other, in ix_wording_read's order, none
 * made: ix_wording_shape leaves SH at the first (every group in);
 * ix_wshape_next goes to the next one, 0 after the last (SH is then at the
 * first again).  ix_wshape_held: the first piece at K or after it that the
 * variant holds (npieces for none). */
int ix_wshape_next(ix_wshape *sh);
size_t ix_wshape_held(const ix_wshape *sh, size_t k);

/* Whether some variant of the template S (LEN bytes), one ix_wording_shape
 * reads, fits the lower-case words PLAIN (N of them) as ix_wording_fits
 * says a variant of it expanded does: read from S as it is walked, each
 * group tried left out and then in, a way given up at its first literal
 * that is not the text's word, nothing kept. */
int ix_wshape_fits(const char *s, size_t len, const ix_wword *plain, size_t n);

#endif
