/* wording.h - a rule's wording template read ("Build all [remaining]
 * {project} containers with version {version}"; docs/lua-api.md,
 * "Wordings"): its variants, each optional `[group]` with and without, and
 * the whitespace-separated pieces of each (a placeholder, a stray brace or
 * literal text).  Pure: lib/wording.lua (through src/lua/luawording.c) turns
 * pieces into items, checks the placeholder types against its live table and
 * words the errors.
 *
 * The variants come in the order lib/wording.lua has always made them: for
 * the first `[...]` (Lua's %b[]), each variant of what follows it, with each
 * variant of the group's inside and then without the group.  A group inside
 * a word ("URL[s]") joins the bytes around it: the pieces are those of the
 * variants' bytes, as if each were split once made.  Bytes are read as Lua
 * reads them in the C locale: space is \t \n \v \f \r and ' ', a word
 * character ASCII alnum. */
#ifndef INFRAEXEC_MODEL_WORDING_H
#define INFRAEXEC_MODEL_WORDING_H

#include "infraexec/base/err.h"

#include <stddef.h>

/* At most this many variants (2^12: twelve groups side by side; no
 * installed template has more than 32) and this many bytes of them, every
 * list made while expanding counted; a template past either is refused
 * when read.  Reading costs about what the bytes do: with 16 MiB, one
 * fuzzed template of nested groups took 15 s under the sanitizers. */
#define IX_WORDING_MAX_VARIANTS 4096
#define IX_WORDING_MAX_BYTES (1u << 20)

typedef enum ix_wpiece_type {
    IX_WPIECE_LIT,  /* literal text: words for lib/wording.lua's M.words */
    IX_WPIECE_HOLE, /* `{name}`, `{name:type}`, optionally in backticks */
    IX_WPIECE_BAD   /* holds '{' or '}' but is no placeholder */
} ix_wpiece_type;

typedef struct ix_wpiece {
    ix_wpiece_type type;
    size_t at, len;             /* the piece: text + at, len bytes */
    size_t name_at, name_len;   /* HOLE: its name and type, in text */
    size_t kind_at, kind_len;   /* the type is the name when not given */
    size_t low_at, low_len;     /* LIT: its word (ix_wording_word) in lows, 0 long for none */
} ix_wpiece;

/* A read template; owns everything (its pieces, refs, starts and text
 * are one block, at pieces: ix_wording_free frees it). */
typedef struct ix_wording {
    char *text;                 /* the distinct pieces' bytes */
    ix_wpiece *pieces;          /* distinct pieces, in first-seen order */
    size_t npieces;
    size_t *refs;               /* variant V: pieces[refs[starts[V]]] ... */
    size_t *starts;             /* ... up to refs[starts[V + 1]] (nvariants + 1 entries) */
    size_t nvariants;
    char *lows;                 /* ix_wording_prefix: the literals' words (NULL before) */
    size_t longest;             /* ... and the most items a variant's fixed prefix has */
} ix_wording;

/* A word of a text: S, LEN bytes. */
typedef struct ix_wword {
    const char *s;
    size_t len;
} ix_wword;

/* Sets the type of the piece P of TEXT (its at and len set; a piece holds
 * no space) and, for a placeholder, its name and type (name_at ...). */
void ix_wording_piece(const char *text, ix_wpiece *p);

/* Read the template S (LEN bytes) into W; -1 and ERR for one with too many
 * variants (W is then empty). */
int ix_wording_read(const char *s, size_t len, ix_wording *w, ix_err *err);
void ix_wording_free(ix_wording *w);

/* Finds each literal piece's word and W->longest, once: before
 * ix_wording_fits (most templates are never asked). */
void ix_wording_prefix(ix_wording *w);

/* Whether variant V of W (ix_wording_prefix done) may fit a text of the lower-case words PLAIN (N of
 * them, or at least W->longest): its fixed prefix -- its items before the
 * first `{text}` placeholder, a literal piece of no word making none, a
 * stray brace none either -- is no longer than the text, and each literal
 * item is the text's word at its place (a placeholder takes any word). */
int ix_wording_fits(const ix_wording *w, size_t v, const ix_wword *plain, size_t n);

/* A criterion's text as lib/wording.lua's wording.words reads it: once the
 * bold label at its start ("**secret**: ...") and every "~~" are gone,
 * each whitespace-separated piece, emphasis and punctuation trimmed,
 * holding an ASCII letter or digit, is a word; a note may begin at a dash
 * piece, before a piece opening with "(" or "`", after one ending with
 * ":" or ";" (closing marks aside).  FN gets each word's bytes (not
 * lower-cased) and whether it is inside a code span or holds a backtick,
 * or W NULL for a note boundary (never two in a row, never first). */
typedef void (*ix_wording_tok_fn)(void *ctx, const char *w, size_t len, int code);
void ix_wording_words(const char *text, size_t len, ix_wording_tok_fn fn, void *ctx);

/* The word lib/wording.lua's built-in M.words finds in the piece RAW (LEN
 * bytes, no space), lower-cased into OUT (room for LEN bytes): its length,
 * 0 for none (punctuation, a dash, a bold label). */
size_t ix_wording_word(const char *raw, size_t len, char *out);

#endif
