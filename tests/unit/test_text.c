/* test_text.c - line index and UTF-8 checks. */
#include "infraexec/base/text.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* A small linear congruential generator: the same cases every run. */
static unsigned rnd(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 16;
}

int main(void)
{
    ix_lines li;
    const char *t = "a\r\nb\nc\rd";
    ix_lines_build(&li, t, strlen(t));
    is_int(li.count, 4, "CRLF, LF, lone CR and an unterminated line");
    is_int(ix_lines_start(&li, 3), 5, "third line starts after CRLF and LF");
    is_int(ix_lines_content_end(&li, t, 1), 1, "content end excludes CRLF");
    is_int(ix_lines_at(&li, 7), 4, "offset 7 is on line 4");
    ix_lines_free(&li);
    const char *u = "x: \xC3\xA9\xE2\x9C\x85 y";
    ix_lines_build(&li, u, strlen(u));
    is_int(ix_lines_char_offset(&li, u, 1, 6), 9, "character columns count code points");
    ix_lines_free(&li);
    const char *what;
    is_int(ix_utf8_check("ok \xE2\x9C\x85", 6, &what), 6, "valid UTF-8");
    is_int(ix_utf8_check("\xED\xA0\x80", 3, &what), 0, "surrogates are invalid");
    is_int(ix_utf8_check("\xC0\xAF", 2, &what), 0, "overlong forms are invalid");
    /* the check skips ASCII eight bytes at a time: a bad byte at every
     * offset of a long ASCII run is still found there */
    char run[40];
    int found = 1;
    for (size_t at = 0; at < sizeof run; at++) {
        const char *bad[] = {"\0", "\xFF", "\xE2\x9C"};
        for (size_t k = 0; k < 3; k++) {
            memset(run, 'a', sizeof run);
            memcpy(run + at, bad[k], at + 2 <= sizeof run ? (k == 2 ? 2 : 1) : 1);
            found &= ix_utf8_check(run, sizeof run, &what) == at;
        }
    }
    ok(found, "NUL, a non-UTF-8 byte, a truncated sequence: found at every offset of an ASCII run");
    memset(run, 'a', sizeof run);
    memcpy(run + 17, "\xC3\xA9", 2);
    is_int(ix_utf8_check(run, sizeof run, &what), sizeof run, "valid UTF-8 amid ASCII");
    const char *lone = "aaaaaaaaaaaaaaaaaaaaa\rbbbbbbbbbbbbbbbbbbbbbbbbbb\ncc";
    ix_lines_build(&li, lone, strlen(lone));
    ok(li.count == 3 && ix_lines_start(&li, 2) == 22 && ix_lines_start(&li, 3) == 49,
       "a lone CR before a later LF still ends a line");
    ix_lines_free(&li);

    /* the words of a text, flat */
    char out[64];
    size_t n = ix_text_flat("  Do--NOT run'it!! ", 19, out);
    ok(n == 15 && memcmp(out, " do not run'it ", 15) == 0, "flat: runs one space, lower case, one space at each end");
    is_int(ix_text_flat("", 0, out), 2, "flat of nothing: two spaces");
    n = ix_text_flat("\xC3\xA9x\0Y", 5, out);
    ok(n == 5 && memcmp(out, " x y ", 5) == 0, "flat: bytes past ASCII and NUL are not words");

    /* the pairs filter never rules out a phrase that is there: random
     * texts over a small alphabet, every phrase " S " cut from them, and
     * flat(E) of random E put into them */
    static const char alpha[] = "aAbB '-.z\xC3\xA9\0";
    unsigned seed = 15;
    int missed = 0, ruled_out = 0;
    for (int round = 0; round < 20000; round++) {
        char h[48], e[12], f[16 + 48];
        size_t hn = 1 + rnd(&seed) % sizeof h;
        for (size_t i = 0; i < hn; i++)
            h[i] = alpha[rnd(&seed) % (sizeof alpha - 1)];
        size_t en = rnd(&seed) % sizeof e;
        for (size_t i = 0; i < en; i++)
            e[i] = alpha[rnd(&seed) % (sizeof alpha - 1)];
        ix_text_pairs p;
        /* " S ": any space-bounded piece of the text */
        ix_text_pairs_of(&p, h, hn);
        for (size_t i = 0; i < hn; i++)
            for (size_t j = i + 1; j < hn; j++)
                if (h[i] == ' ' && h[j] == ' ')
                    missed += !ix_text_may_hold(&p, h + i + 1, j - i - 1, 0);
        /* flat(E) inside a text */
        size_t m = ix_text_flat(e, en, f);
        memcpy(f + m, h, hn);
        ix_text_pairs_of(&p, f, m + hn);
        missed += !ix_text_may_hold(&p, e, en, 1);
        ix_text_pairs_of(&p, h, hn);
        ruled_out += !ix_text_may_hold(&p, e, en, 1);
    }
    is_int(missed, 0, "the pairs filter never rules out a phrase the text holds");
    ok(ruled_out > 1000, "... and rules many out (%d of 20000)", ruled_out);

    return tap_done();
}
