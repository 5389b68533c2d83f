/* test_secrets.c - the stream masker (a secret cut anywhere between chunks
 * is still masked, nothing else is changed or lost) and the safe-text
 * function every human-facing surface writes through. */
#include "infraexec/base/safetext.h"
#include "infraexec/sys/secrets.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* TEXT fed to a masker in chunks cut at CUT1 and CUT2, then flushed. */
static char *masked_in_chunks(const ix_secrets *s, const char *text, size_t cut1, size_t cut2)
{
    ix_masker m;
    ix_masker_init(&m, s);
    ix_buf out = IX_BUF_INIT;
    size_t n = strlen(text);
    ix_masker_feed(&m, text, cut1, &out);
    ix_masker_feed(&m, text + cut1, cut2 - cut1, &out);
    ix_masker_feed(&m, text + cut2, n - cut2, &out);
    ix_masker_flush(&m, &out);
    ix_masker_free(&m);
    ix_buf_append(&out, "", 0);
    return ix_buf_detach(&out);
}

static void every_cut(const ix_secrets *s, const char *text, const char *want, const char *what)
{
    size_t n = strlen(text), bad = 0;
    for (size_t a = 0; a <= n; a++)
        for (size_t b = a; b <= n; b++) {
            char *got = masked_in_chunks(s, text, a, b);
            if (strcmp(got, want) != 0 && !bad++)
                printf("#   cut at %zu, %zu: got '%s'\n", a, b, got);
            free(got);
        }
    is_int(bad, 0, "%s: the same at every pair of cuts", what);
}

static void safe_is(const char *in, int flags, const char *want, const char *what)
{
    ix_buf b = IX_BUF_INIT;
    ix_safe_append(&b, in, strlen(in), flags);
    is_str(b.data, want, "safe text: %s", what);
    ix_buf_free(&b);
}

int main(void)
{
    ix_secrets s = {0};
    ix_secrets_add(&s, "tok-0123456789");
    ix_secrets_add(&s, "tok-01");              /* a prefix of the other one */
    ix_secrets_add(&s, "abc");                 /* too short: ignored */
    ix_secrets_add(&s, "-----BEGIN KEY-----\nAAAAline2\r\nBBBBline3\n-----END KEY-----");
    is_int(s.n, 7, "two values, a multi-line one and each of its 4 lines");
    ix_secrets_add(&s, "\nAAAAline2\n");
    is_int(s.n, 7, "line ends around a value are not part of it");

    every_cut(&s, "x tok-0123456789 y", "x *** y", "a secret cut by reads");
    every_cut(&s, "tok-0123456789tok-0123456789", "******", "two in a row");
    every_cut(&s, "tok-012 tok-01", "***2 ***", "the longest one that matches wins");
    every_cut(&s, "tok-0123456 end", "***23456 end", "a longer one that stops short");
    every_cut(&s, "abc tok", "abc tok", "text that only begins like one is kept at the end");
    every_cut(&s, "k=-----BEGIN KEY-----\nAAAAline2\r\nBBBBline3\n-----END KEY-----!",
              "k=***!", "a multi-line secret whole");
    every_cut(&s, "  AAAAline2\n  BBBBline3\n", "  ***\n  ***\n", "its lines, reindented");

    ix_buf b = IX_BUF_INIT;
    ix_buf_puts(&b, "a tok-0123456789 b tok-01");
    is_int(ix_secrets_mask(&s, &b), 2, "string masking counts replacements");
    is_str(b.data, "a *** b ***", "string masking");
    ix_buf_free(&b);

    json_t *j = json_pack("{s:s, s:[s, i], s:{s:s}}", "a", "tok-0123456789", "b", "x tok-01", 3,
                          "c", "d", "AAAAline2");
    ix_secrets_mask_json(&s, j);
    char *dump = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    is_str(dump, "{\"a\":\"***\",\"b\":[\"x ***\",3],\"c\":{\"d\":\"***\"}}", "JSON values masked");
    free(dump);
    json_decref(j);

    char msg[16] = "xtok-0123456789";
    ix_secrets_mask_inplace(&s, msg, sizeof msg);
    is_str(msg, "x***", "in place");
    char cut[8] = "ab tok-";                  /* full: cut inside a secret */
    ix_secrets_mask_inplace(&s, cut, sizeof cut);
    is_str(cut, "ab ***", "in place: half a secret at the end of a full buffer");
    char room[16] = "ab tok-";
    ix_secrets_mask_inplace(&s, room, sizeof room);
    is_str(room, "ab tok-", "in place: not full, not cut");

    ix_masker none;
    ix_masker_init(&none, NULL);
    ix_buf out = IX_BUF_INIT;
    ix_masker_feed(&none, "tok-0", 5, &out);
    is_str(out.data, "tok-0", "without secrets nothing is held back");
    ix_buf_free(&out);
    ix_masker_free(&none);
    ix_secrets_free(&s);

    safe_is("plain \xc3\xa9 text\twith tab", 0, "plain \xc3\xa9 text\twith tab", "UTF-8 and tab kept");
    safe_is("\033[2J\a\x7f", 0, "\\x1b[2J\\x07\\x7f", "ESC, BEL, DEL");
    safe_is("csi \xc2\x9b" "1m", 0, "csi \\xc2\\x9b1m", "C1 CSI as UTF-8");
    safe_is("lone \x9b and \xff", 0, "lone \\x9b and \\xff", "bytes that are not UTF-8");
    safe_is("\xed\xa0\x80 \xc0\xaf", 0, "\\xed\\xa0\\x80 \\xc0\\xaf", "surrogate, overlong");
    safe_is("a\n## b\r\n", 0, "a\\x0a## b\\x0d\\x0a", "one line: newline and CR shown");
    safe_is("a\n## b\r\n", IX_SAFE_LINES, "a\n## b\\x0d\n", "lines: newline kept, CR shown");
    safe_is("back\\slash", 0, "back\\slash", "a backslash stays");
    char e[8] = "ab\033cdef";
    ix_safe_inplace(e, sizeof e);
    is_str(e, "ab\\x1bc", "in place, cut to fit");
    return tap_done();
}
