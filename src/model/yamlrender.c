/* yamlrender.c - writing a new scalar value as YAML text: plain, quoted,
 * or the content lines of a block scalar (yamledit_internal.h). */
#include "yamledit_internal.h"

#include <stdlib.h>
#include <string.h>

/* Decode one UTF-8 sequence at s[*i] and advance; -1 if malformed
 * (truncated, overlong, surrogate or beyond U+10FFFF). */
long ix_yaml_utf8_next(const unsigned char *s, size_t n, size_t *i)
{
    unsigned c = s[(*i)++];
    int more = c < 0x80 ? 0 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : -1;
    static const long min[] = {0, 0x80, 0x800, 0x10000};
    if (more < 0 || c > 0xF4)
        return -1;
    long cp = more ? (long)(c & (0x3F >> more)) : (long)c;
    for (int k = 0; k < more; k++, (*i)++) {
        if (*i >= n || (s[*i] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[*i] & 0x3F);
    }
    if (cp < min[more] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    return cp;
}

/* Characters that only a double-quoted scalar can carry (as escapes):
 * line breaks (libyaml also breaks on NEL, LS, PS) and non-printables. */
int ix_yaml_needs_escape(long cp)
{
    return (cp < 0x20 && cp != '\t') || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF;
}

int ix_yaml_plain_ok(const char *v, int in_flow)
{
    size_t n = strlen(v);
    if (n == 0 || v[0] == ' ' || v[n - 1] == ' ' || v[n - 1] == ':')
        return 0;
    /* Indicators cannot start a plain scalar; libyaml also reads a leading
     * '?' or ':' as one inside flow collections, so quote those always. */
    if (strchr("#&*!|>'\"%@`,[]{}?:", v[0]) || (v[0] == '-' && (v[1] == ' ' || !v[1])))
        return 0;
    if (strncmp(v, "---", 3) == 0 || strncmp(v, "...", 3) == 0) /* document markers */
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '\t' || (v[i] == ':' && v[i + 1] == ' ') || (v[i] == ' ' && v[i + 1] == '#'))
            return 0;
        /* Flow indicators end a plain scalar inside {...}/[...]; PyYAML
         * also stops at '?' there, so quote for every reader. */
        if (in_flow && strchr(",[]{}:?", v[i]))
            return 0;
    }
    return 1;
}

void ix_yaml_put_single(ix_buf *b, const char *v)
{
    ix_buf_putc(b, '\'');
    for (; *v; v++) {
        if (*v == '\'')
            ix_buf_putc(b, '\'');
        ix_buf_putc(b, *v);
    }
    ix_buf_putc(b, '\'');
}

void ix_yaml_put_double(ix_buf *b, const char *v)
{
    static const struct { long cp; const char *esc; } named[] = {
        {'"', "\\\""}, {'\\', "\\\\"}, {0, "\\0"}, {7, "\\a"}, {8, "\\b"}, {9, "\\t"}, {10, "\\n"},
        {11, "\\v"}, {12, "\\f"}, {13, "\\r"}, {27, "\\e"}, {0x85, "\\N"}, {0x2028, "\\L"}, {0x2029, "\\P"},
    };
    const unsigned char *s = (const unsigned char *)v;
    size_t n = strlen(v), k;
    ix_buf_putc(b, '"');
    for (size_t i = 0; i < n;) {
        size_t at = i;
        long cp = ix_yaml_utf8_next(s, n, &i); /* the value was validated already */
        for (k = 0; k < sizeof named / sizeof *named && named[k].cp != cp; k++)
            ;
        if (k < sizeof named / sizeof *named)
            ix_buf_puts(b, named[k].esc);
        else if (ix_yaml_needs_escape(cp))
            ix_buf_printf(b, cp <= 0xFF ? "\\x%02lX" : "\\u%04lX", cp);
        else
            ix_buf_append(b, v + at, i - at);
    }
    ix_buf_putc(b, '"');
}

/* Encode V for a folded (>) block so that folding gives V back; this is
 * the rule libyaml's emitter uses: a line break between two text lines
 * that do not start with a blank would fold into a space, so write an
 * extra (empty) line there. */
static char *fold_encode(const char *v, size_t n)
{
    ix_buf b = IX_BUF_INIT;
    int breaks = 1, leading = 1;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '\n') {
            if (!breaks && !leading) {
                size_t k = i;
                while (k < n && v[k] == '\n')
                    k++;
                if (k < n && v[k] != ' ' && v[k] != '\t')
                    ix_buf_putc(&b, '\n');
            }
            breaks = 1;
        } else {
            if (breaks)
                leading = v[i] == ' ' || v[i] == '\t';
            breaks = 0;
        }
        ix_buf_putc(&b, v[i]);
    }
    return ix_buf_detach(&b);
}

/* Replace the content lines of a | or > block scalar.  The header line is
 * kept; [*rs, *re) is set to the content lines to replace, BODY gets the
 * new lines and WANT the value libyaml will read back (chomping applied). */
int ix_yaml_render_block(const char *s, size_t len, const target *t, const char *path, const char *v,
                         ix_buf *body, size_t *rs, size_t *re, ix_buf *want, ix_err *err)
{
    size_t n = strlen(v), hdr = t->start;
    char chomp = 0;
    int explicit = 0;
    for (size_t q = t->start + 1; q < t->end && !strchr(" \t\r\n#", s[q]); q++) {
        if (s[q] == '+' || s[q] == '-')
            chomp = s[q];
        else
            explicit = s[q] - '0';
    }
    while (hdr < t->end && s[hdr] != '\n')
        hdr++;
    /* The file's line ending: the header's, else the first in the file. */
    const char *eol = memchr(s + hdr, '\n', len - hdr) ? s + hdr : memchr(s, '\n', len);
    const char *nl = eol && eol > s && eol[-1] == '\r' ? "\r\n" : "\n";
    size_t cs = hdr < t->end ? hdr + 1 : hdr; /* first content byte */

    /* Content indentation: from the first non-blank content line, less the
     * spaces that belong to the value (explicit indicator); else guess. */
    size_t indent = 0, last = cs;
    int found = 0;
    for (size_t q = cs; q < t->end;) {
        size_t e = q, sp = 0;
        while (e < t->end && s[e] != '\n')
            e++;
        while (q + sp < e && s[q + sp] == ' ')
            sp++;
        int blank = q + sp == e || (q + sp + 1 == e && s[q + sp] == '\r');
        if (!blank && !found) {
            size_t own = strspn(t->value + strspn(t->value, "\n"), " ");
            found = 1;
            indent = sp > own ? sp - own : sp;
        }
        if (!blank || chomp == '+')
            last = e < t->end ? e + 1 : e;
        q = e + 1;
    }
    if (!found) {
        /* No content yet: indent past the key, skipping "- " entries. */
        size_t bol = t->start, col;
        while (bol > 0 && s[bol - 1] != '\n')
            bol--;
        for (col = bol; col < len && (s[col] == ' ' ||
                                      (s[col] == '-' && col + 1 < len && s[col + 1] == ' '));)
            col++;
        indent = col - bol + (explicit ? (size_t)explicit : 2);
    }
    *rs = cs;
    *re = last;
    int final_break = *re > *rs ? s[*re - 1] == '\n' : hdr < t->end;
    if (hdr >= t->end && n > 0)
        ix_buf_puts(body, nl); /* "key: |" at end of file without a newline */

    for (size_t i = 0; i < n;) {
        long cp = ix_yaml_utf8_next((const unsigned char *)v, n, &i);
        if (cp != '\n' && ix_yaml_needs_escape(cp))
            return ix_err_set(err, "path '%s': the block scalar at line %zu cannot hold control character U+%04lX",
                              path, t->line, cp);
    }
    /* Without an indicator libyaml takes the indentation from the first
     * non-empty line, so that line must not start with a blank. */
    if (!explicit && strchr(" \t", v[strspn(v, "\n")]) && v[strspn(v, "\n")])
        return ix_err_set(err, "path '%s': the block scalar at line %zu has no indentation indicator, so its first line cannot start with a space or tab",
                          path, t->line);

    size_t cn = n; /* strip/clip: trailing newlines are the indicator's job */
    if (chomp != '+')
        while (cn > 0 && v[cn - 1] == '\n')
            cn--;
    ix_buf_append(want, v, cn);
    if (cn > 0 && final_break && (chomp == 0 || (chomp == '+' && v[cn - 1] != '\n')))
        ix_buf_putc(want, '\n');

    char *c = t->style == YAML_FOLDED_SCALAR_STYLE ? fold_encode(v, cn) : ix_xstrndup(v, cn);
    size_t clen = strlen(c);
    for (size_t i = 0; i < clen;) {
        size_t j = i;
        while (j < clen && c[j] != '\n')
            j++;
        if (j > i) {
            ix_buf_printf(body, "%*s", (int)indent, "");
            ix_buf_append(body, c + i, j - i);
        }
        if (j < clen || final_break)
            ix_buf_puts(body, nl);
        i = j + 1;
    }
    free(c);
    return 0;
}
