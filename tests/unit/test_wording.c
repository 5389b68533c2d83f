/* test_wording.c - a wording template read: the variants in lib/wording.lua's
 * order, the pieces of each, placeholders and stray braces, the limits, the
 * template read without expanding it (its shape), and the word the
 * built-in M.words finds in a literal piece. */
#include "infraexec/base/buf.h"
#include "infraexec/model/wording.h"
#include "infraexec/model/wordshape.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* The variants of S as "piece piece | piece ...", a placeholder as
 * {name:kind}, a stray brace as !piece. */
static char *variants(const char *s)
{
    static char out[4096];
    ix_wording w;
    ix_err err;
    if (ix_wording_read(s, strlen(s), &w, &err) < 0) {
        snprintf(out, sizeof out, "error: %s", err.msg);
        return out;
    }
    size_t n = 0;
    out[0] = '\0';
    for (size_t v = 0; v < w.nvariants; v++) {
        n += (size_t)snprintf(out + n, sizeof out - n, "%s", v ? " | " : "");
        for (size_t r = w.starts[v]; r < w.starts[v + 1]; r++) {
            const ix_wpiece *p = &w.pieces[w.refs[r]];
            const char *sp = r > w.starts[v] ? " " : "";
            if (p->type == IX_WPIECE_HOLE)
                n += (size_t)snprintf(out + n, sizeof out - n, "%s{%.*s:%.*s}", sp, (int)p->name_len,
                                      w.text + p->name_at, (int)p->kind_len, w.text + p->kind_at);
            else
                n += (size_t)snprintf(out + n, sizeof out - n, "%s%s%.*s", sp,
                                      p->type == IX_WPIECE_BAD ? "!" : "", (int)p->len, w.text + p->at);
        }
    }
    ix_wording_free(&w);
    return out;
}

/* The shape of S as its pieces, "^" before one a variant opens with, a
 * stray brace as !piece, then " (empty)" when a variant has no item; with
 * WALK its variants walked (ix_wshape_next) as variants() writes them, but
 * a placeholder as its bytes; "-" when S does not read so. */
static char *shape(const char *s, int walk)
{
    static char out[1024];
    static ix_wshape sh;
    if (!ix_wording_shape(s, strlen(s), &sh))
        return "-";
    size_t n = 0;
    out[0] = '\0';
    for (int v = 0; walk; v++) {
        n += (size_t)snprintf(out + n, sizeof out - n, "%s", v ? " | " : "");
        for (size_t k = ix_wshape_held(&sh, 0), i = 0; k < sh.npieces; k = ix_wshape_held(&sh, k + 1), i++)
            n += (size_t)snprintf(out + n, sizeof out - n, "%s%.*s", i ? " " : "", (int)sh.pieces[k].len,
                                  s + sh.pieces[k].at);
        if (!ix_wshape_next(&sh))
            return out;
    }
    for (size_t k = 0; k < sh.npieces; k++) {
        const ix_wpiece *p = &sh.pieces[k];
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%s%s%.*s", k ? " " : "", sh.opens[k] ? "^" : "",
                              p->type == IX_WPIECE_BAD ? "!" : "", (int)p->len, s + p->at);
    }
    snprintf(out + n, sizeof out - n, "%s", sh.empty ? " (empty)" : "");
    return out;
}

static char *word(const char *raw)
{
    static char out[256];
    size_t n = ix_wording_word(raw, strlen(raw), out);
    out[n] = '\0';
    return n ? out : "(none)";
}

/* ix_wording_words as one line: each word "w" (lower-case kept as found),
 * "w`" inside a code span, "|" a note boundary. */
static void add_tok(void *ctx, const char *w, size_t len, int code)
{
    ix_buf *b = ctx;
    if (b->len)
        ix_buf_append(b, " ", 1);
    if (!w)
        ix_buf_append(b, "|", 1);
    else {
        ix_buf_append(b, w, len);
        if (code)
            ix_buf_append(b, "`", 1);
    }
}

static char *words(const char *text)
{
    static char out[512];
    ix_buf b = IX_BUF_INIT;
    ix_wording_words(text, strlen(text), add_tok, &b);
    snprintf(out, sizeof out, "%s", b.data ? b.data : "");
    ix_buf_free(&b);
    return out;
}

/* The variants (numbered from 1) of template S whose fixed prefix fits
 * the lower-case words of TEXT (split at spaces), as "1 3", "-" for none;
 * with LONGEST, the words passed are cut to w.longest. */
static char *fits(const char *s, const char *text, int longest)
{
    static char out[256], words[256];
    ix_wword plain[32];
    size_t n = 0, len = 0;
    snprintf(words, sizeof words, "%s", text);
    for (char *t = strtok(words, " "); t && n < 32; t = strtok(NULL, " "))
        plain[n].s = t, plain[n++].len = strlen(t);
    ix_wording w;
    ix_err err;
    if (ix_wording_read(s, strlen(s), &w, &err) < 0)
        return "error";
    ix_wording_prefix(&w);
    if (longest && n > w.longest)
        n = w.longest;
    out[0] = '\0';
    for (size_t v = 0; v < w.nvariants; v++)
        if (ix_wording_fits(&w, v, plain, n))
            len += (size_t)snprintf(out + len, sizeof out - len, "%s%zu", len ? " " : "", v + 1);
    ix_wording_free(&w);
    return len ? out : "-";
}

int main(void)
{
    is_str(variants("Build all [remaining] {project} containers"),
           "Build all remaining {project:project} containers | Build all {project:project} containers",
           "an optional group: with, then without");
    is_str(variants("[a][b] c"), "ab c | b c | a c | c", "groups side by side join their words");
    is_str(variants("[a [b]] c"), "a b c | a c | c", "groups nest: the inner one's variants first");
    is_str(variants("No [x] [y] z"), "No x y z | No y z | No x z | No z",
           "the last group varies slowest, as expand() made them");
    is_str(variants("URL[s] of {repo:name}"), "URLs of {repo:name} | URL of {repo:name}",
           "a group inside a word joins the bytes around it");
    is_str(variants("Seal[ed] secret[s]"), "Sealed secrets | Seal secrets | Sealed secret | Seal secret",
           "two words with groups inside");
    is_str(variants("a [b c"), "a [b c", "an unbalanced '[' is a literal");
    is_str(variants("a ] [b]"), "a ] b | a ]", "a lone ']' is a literal");
    is_str(variants("[[a] b"), "[a b | [ b", "Lua's %%b[]: the first '[' that balances");
    is_str(variants("[] x"), "x | x", "an empty group: two variants alike");
    is_str(variants("`{a}` {b}` `{c} {d:}"), "{a:a} {b:b} {c:c} {d:d}",
           "placeholders in backticks or not; an empty type is the name");
    is_str(variants("{x {} {a::b} } {a-b} {_:_}"), "!{x !{} !{a::b} !} !{a-b} {_:_}",
           "stray braces are pieces of their own");
    is_str(variants("a\tb\r\nc\vd\fe"), "a b c d e", "every space of C's isspace splits");
    is_str(variants("x\xc2\xa0y"), "x\xc2\xa0y", "a no-break space is not a space");
    is_str(variants("   "), "", "no pieces: one empty variant");

    ix_wording w;
    ix_err err;
    ok(ix_wording_read("a a [a] a", 9, &w, &err) == 0 && w.npieces == 1 && w.nvariants == 2 &&
           w.starts[2] - w.starts[1] == 3,
       "the same piece is one piece, referred to by every variant");
    ix_wording_free(&w);
    char big[128] = "x";
    for (int i = 0; i < 12; i++)
        strcat(big, " [y]");
    ok(ix_wording_read(big, strlen(big), &w, &err) == 0 && w.nvariants == 4096, "twelve groups: 4096 variants");
    ix_wording_free(&w);
    strcat(big, " [z]");
    ok(ix_wording_read(big, strlen(big), &w, &err) < 0 && strstr(err.msg, "more than 4096 variants") &&
           w.nvariants == 0 && !w.refs,
       "thirteen: refused, nothing kept (%s)", err.msg);
    ix_wording_free(&w);
    /* Nested groups (the fuzzer's slow input, 15 s with a 16 MiB budget):
     * the byte budget refuses them before the work grows. */
    static const char nested[] = "[s*sP [za][e s*s]P [za]&[[za]&[a][b]a]&[ [za][s]a][b]]a]&[ [za][s]a][b]~s]P [za][s][b]";
    ok(ix_wording_read(nested, strlen(nested), &w, &err) < 0 && strstr(err.msg, "more than"),
       "nested groups past the budget: refused (%s)", err.msg);
    ix_wording_free(&w);
    /* 40,000 groups side by side or one inside the other: more than 4096
     * variants, refused before the reading's recursion, a level a group,
     * overflows the stack (it did). */
    enum { DEEP = 40000 };
    char *deep = malloc(3 * DEEP + 2);
    deep[0] = 'x';
    for (int i = 0; i < DEEP; i++)
        memcpy(deep + 1 + 3 * i, "[a]", 3);
    deep[3 * DEEP + 1] = '\0';
    ok(ix_wording_read(deep, strlen(deep), &w, &err) < 0 && strstr(err.msg, "more than 4096 variants"),
       "40,000 groups side by side: refused (%s)", err.msg);
    ix_wording_free(&w);
    memset(deep, '[', DEEP), deep[DEEP] = 'a', memset(deep + DEEP + 1, ']', DEEP), deep[2 * DEEP + 1] = '\0';
    ok(ix_wording_read(deep, strlen(deep), &w, &err) < 0 && strstr(err.msg, "more than 4096 variants"),
       "40,000 groups nested: refused (%s)", err.msg);
    ix_wording_free(&w);
    memset(deep, '[', 1000), deep[1000] = 'a', memset(deep + 1001, ']', 1000), deep[2001] = '\0';
    ok(ix_wording_read(deep, strlen(deep), &w, &err) == 0 && w.nvariants == 1001 && w.npieces == 1,
       "1,000 nested: 1001 variants, all but one of no piece");
    ix_wording_free(&w);
    free(deep);

    static const char *const shapes[][3] = { /* template, shape, what it shows */
        {"Build all [remaining] {project} containers", "^Build all remaining {project} containers",
         "a shape: every piece in order, the first opens every variant"},
        {"[Verify] [that] {x:name} -- [a] b", "^Verify ^that ^{x:name} -- a b",
         "an item opens the variants leaving out the items before it; a dash is no item"},
        {"[a [b]] c", "^a b ^c",
         "nested groups: leaving out the outer one leaves out the inner"},
        {"[[a] b] c", "^a ^b ^c",
         "an item after a group closed opens a variant"},
        {"[a b] c", "^a b ^c",
         "but not one beside an item in the same group"},
        {"a [b] a", "^a b a",
         "the same bytes twice are two pieces"},
        {"[x] [-]", "^x - (empty)",
         "a variant of no items"},
        {"{b [x]", "!{b ^x (empty)",
         "a stray brace opens nothing, and is no item"},
        {"URL[s] of {repo:name}", "-",
         "a group inside a word: expanded"},
        {"[a][b] c", "-",
         "groups side by side join their words: expanded"},
        {"a [b c", "-",
         "unbalanced: expanded"},
        {"a ] [b]", "-",
         "a lone ']': expanded"},
        {"x [y] [y] [y] [y] [y] [y] [y] [y] [y]", "^x y y y y y y y y y",
         "nine short groups fit the budget"},
        {"x [y] [y] [y] [y] [y] [y] [y] [y] [y] [y] [y] [y]", "-",
         "twelve may not (2^12 variants): expanded, and ix_wording_read decides"},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
        is_str(shape(shapes[i][0], 0), shapes[i][1], "%s", shapes[i][2]);
    is_str(shape("No [x] [y] z", 1), "No x y z | No y z | No x z | No z", "walked: in the order of the expansion");
    is_str(shape("[[a] b] c [d]", 1), "a b c d | b c d | c d | a b c | b c | c",
           "walked: a group's own variants first, then the group left out");
    char longer[IX_WSHAPE_MAX_BYTES + 2];
    memset(longer, 'a', sizeof longer - 1), longer[sizeof longer - 1] = '\0';
    is_str(shape(longer, 0), "-", "past IX_WSHAPE_MAX_BYTES: expanded");

    is_str(word("Rotate"), "rotate", "a word, lower-cased");
    is_str(word("Sealed-Secrets/x"), "sealed-secrets/x", "letters, digits, dashes and slashes: the piece");
    is_str(word("--"), "(none)", "dashes alone: none");
    is_str(word("**Rotate**"), "rotate", "emphasis trimmed");
    is_str(word("`keys`,"), "keys", "code marks and punctuation trimmed");
    is_str(word("(see"), "see", "a leading parenthesis");
    is_str(word("apps/ffl/hr.yaml."), "apps/ffl/hr.yaml", "a path keeps its dots but the last");
    is_str(word("**x**:"), "(none)", "a bold label is no word");
    is_str(word("**x**:y"), "y", "what follows a bold label is");
    is_str(word("****:"), "(none)", "an empty bold label");
    is_str(word("**a*b**:"), "a*b", "a star inside is no label");
    is_str(word("~~Run~~"), "run", "strike marks dropped");
    is_str(word("a~~~b"), "a~b", "'~~' dropped left to right");
    is_str(word("\xe2\x80\x94"), "(none)", "an em dash is a note boundary");
    is_str(word("-\xe2\x80\x93-"), "(none)", "dashes");
    is_str(word("-x"), "-x", "a dash before letters stays");
    is_str(word("..."), "(none)", "punctuation only");
    is_str(word("\xc3\xa9"), "(none)", "no ASCII letter or digit: no word");
    is_str(word("\xc3\x89MILE"), "\xc3\x89mile", "lower-cased byte-wise, ASCII only");
    is_str(word("<URL>"), "url", "angle brackets");

    const char *t = "Build all [remaining] {project} containers";
    is_str(fits(t, "build all ffl containers", 0), "2", "a placeholder takes any word, in order");
    is_str(fits(t, "build all remaining containers containers", 0), "1 2",
           "both fit, in order: a placeholder takes a literal's word");
    is_str(fits(t, "build all ffl containers now and then", 0), "2", "what follows the prefix is not looked at");
    is_str(fits(t, "build all ffl", 0), "-", "a prefix longer than the text fits nothing");
    is_str(fits(t, "Build all ffl containers", 0), "-", "the words are the text's lower-case ones");
    is_str(fits(t, "build every ffl containers", 0), "-", "a literal other than the word: no fit");
    is_str(fits("**Build**: `all` {x:name} -- {notes:text} end", "build all a", 0), "-",
           "the literal's word as M.words finds it, no word for a dash: the prefix is 3 items");
    is_str(fits("**Build**: `all` {x:name} -- {notes:text} end", "all a", 0), "1",
           "a bold label makes no item; {text} ends the prefix");
    is_str(fits("{notes:text} and more", "x", 0), "1", "a prefix of nothing fits any text");
    is_str(fits("{notes:text} and more", "", 0), "1", "even none");
    is_str(fits("[a] {t:text} x y z", "a q", 1), "1 2", "the words past the longest prefix are not needed");
    is_str(fits("[a b c d] e", "a b c d e", 1), "1", "longest: the five items of the first variant");
    is_str(fits("[a b c d] e", "e", 1), "2", "and the second's one");
    is_str(fits("{text} x", "y", 0), "1", "the type text, by its name");
    is_str(fits("{x:texts} y", "a y", 0), "1", "another type's placeholder takes one word");
    is_str(fits("{x:texts} y", "a", 0), "-", "and then the next item needs one");

    is_str(words("Build **all** the `ffl` images."), "Build all the | ffl` images",
           "emphasis and punctuation trimmed; a code span, a boundary before it");
    is_str(words("  **secret name** : Rotate it"), "Rotate it", "a bold label at the start goes, spaces and all");
    is_str(words("Rotate **secret**: it"), "Rotate secret | it", "... only at the start: elsewhere a colon ends a note's lead");
    is_str(words("**a*b**: c"), "a*b | c", "a label holds no '*': not one");
    is_str(words("~~Old~~ new ~~~x"), "Old new ~x", "every \"~~\" goes, left to right");
    is_str(words("Deploy — see TASK-5"), "Deploy | see TASK-5", "a dash piece is a boundary");
    is_str(words("Deploy (see x) `a b` c"), "Deploy | see x | a` b` c", "before ( and `; a span runs until it closes");
    is_str(words("x: y; z:) w"), "x | y | z | w", "after : or ; (closing marks aside)");
    is_str(words("- x"), "x", "never a boundary first");
    is_str(words("a - - b"), "a | b", "never two in a row");
    is_str(words("¿qué? ñ ..."), "¿qué", "a word needs an ASCII letter or digit; the rest stays as it is");
    is_str(words("a\tb\vc\fd\re"), "a b c d e", "split at C-locale spaces");
    return tap_done();
}
