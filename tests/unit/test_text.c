/* test_text.c - line index and UTF-8 checks. */
#include "infraexec/base/text.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

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

    return tap_done();
}
