/* yamledit.c - format-preserving scalar get/set; see infraexec/model/yamledit.h.
 *
 * The approach: stream libyaml events, follow PATH to the target scalar,
 * take its byte range from the event marks, and splice a new rendering of
 * the value into an otherwise untouched copy of the text.  No emitter is
 * involved, so nothing outside the scalar can change. */
#include "yamledit_internal.h"

#include <stdlib.h>
#include <string.h>

int ix_yaml_set(const char *text, size_t len, int doc, const char *path, const char *new_value,
                ix_buf *out, ix_err *err)
{
    target t;
    size_t bom;
    if (ix_yaml_find_target(&text, &len, &bom, doc, path, &t, err))
        return -1;

    ix_buf body = IX_BUF_INIT, want = IX_BUF_INIT, res = IX_BUF_INIT;
    char *check = NULL;
    size_t rs = t.start, re = t.end, vlen = new_value ? strlen(new_value) : 0;
    int escape = 0;
    int rc = -1;
    if (t.shared[0]) {
        ix_err_set(err, "%s", t.shared);
        goto out;
    }
    if (!new_value) {
        ix_err_set(err, "path '%s': no new value given", path);
        goto out;
    }
    for (size_t i = 0; i < vlen;) {
        long cp = ix_yaml_utf8_next((const unsigned char *)new_value, vlen, &i);
        if (cp < 0) {
            ix_err_set(err, "path '%s': the new value is not valid UTF-8", path);
            goto out;
        }
        escape |= ix_yaml_needs_escape(cp);
    }

    if (!ix_yaml_tag_ok(t.tag, new_value)) {
        /* The new value is left out: it may hold line breaks. */
        const char *short_tag = strncmp(t.tag, "tag:yaml.org,2002:", 18) == 0 ? t.tag + 18 : NULL;
        ix_err_set(err, "%zu:%zu: path '%s': the scalar is tagged %s%s and the new value is not one; refusing",
                   t.line, t.col, path, short_tag ? "!!" : "", short_tag ? short_tag : t.tag);
        goto out;
    }
    if (t.style == YAML_LITERAL_SCALAR_STYLE || t.style == YAML_FOLDED_SCALAR_STYLE) {
        if (ix_yaml_render_block(text, len, &t, path, new_value, &body, &rs, &re, &want, err))
            goto out;
    } else {
        if (t.start == t.end) {
            /* An empty value ("key:" or "-") has a zero-width range right
             * after the indicator; anywhere else there is no safe spot. */
            if (t.start == 0 || !strchr(":-", text[t.start - 1])) {
                ix_err_set(err, "path '%s': the empty value at line %zu has no place to write to; add a value by hand",
                           path, t.line);
                goto out;
            }
            ix_buf_putc(&body, ' ');
        }
        /* Keep the type: a string stays a string even where the new text,
         * written plain, would resolve as a bool, number, null or date. */
        int plain = t.style == YAML_PLAIN_SCALAR_STYLE;
        int retype = plain && !t.tag && ix_yaml_resolves_str(t.value) && !ix_yaml_resolves_str(new_value);
        if (escape || t.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE || retype)
            ix_yaml_put_double(&body, new_value);
        else if (t.style == YAML_SINGLE_QUOTED_SCALAR_STYLE || !ix_yaml_plain_ok(new_value, t.in_flow))
            ix_yaml_put_single(&body, new_value);
        else
            ix_buf_puts(&body, new_value);
        ix_buf_append(&want, new_value, vlen);
    }

    ix_buf_append(&res, text - bom, bom + rs);
    ix_buf_append(&res, body.data ? body.data : "", body.len);
    ix_buf_append(&res, text + re, len - re);

    /* Self-check: the whole stream must mean what it meant before, except
     * for the one value, and reading the path back must give that value. */
    if (!ix_yaml_same_stream(text, len, res.data + bom, res.len - bom, t.ordinal, &want) ||
        ix_yaml_get(res.data, res.len, doc, path, &check, NULL) ||
        strlen(check) != want.len || memcmp(check, want.data, want.len) != 0) {
        ix_err_set(err, "internal error: setting '%s' (line %zu) did not read back as the new value; output discarded",
                   path, t.line);
        goto out;
    }
    ix_buf_append(out, res.data, res.len);
    rc = 0;
out:
    free(check);
    free(t.value);
    free(t.tag);
    ix_buf_free(&body);
    ix_buf_free(&want);
    ix_buf_free(&res);
    return rc;
}
