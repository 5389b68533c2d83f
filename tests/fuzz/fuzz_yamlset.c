/* fuzz_yamlset.c - libFuzzer target: format-preserving ix_yaml_set.
 *
 * Input layout: PATH '\0' VALUE '\0' YAML.  PATH may start with "D|" (D a
 * digit) to address document D; otherwise document 0.  Inputs without two
 * NUL separators are used as YAML with a few fixed paths and values.
 *
 * When ix_yaml_set succeeds:
 *   - ix_yaml_get on the output returns the new value: exactly, for a
 *     plain or quoted target; after the block's chomping for | and >
 *     (strip: no trailing newline, clip: exactly one, keep: the value's own,
 *     one added when it has none -- except at the end of the text, where a
 *     block may end without a line break);
 *   - the output differs from the input in one contiguous span, and that
 *     span lies inside the target scalar's bytes (for an empty value:
 *     right at it), found here independently with libyaml;
 *   - a string target (untagged; quoted, or plain and "str" under YAML
 *     1.1 and 1.2 per ix_yaml_resolve) stays a string: if written plain,
 *     the new value resolves as "str" under both;
 *   - the output parses to the same event stream as the input (types,
 *     anchors, tags, styles, collection styles, scalar values) except the
 *     target scalar.
 * ix_yaml_get is also run on the input and must not disagree with itself.
 * Any violation prints what was wrong and aborts.
 *
 * An "internal error" from ix_yaml_set (its own self-check failed: it
 * rendered a value that does not read back) also aborts, since it means a
 * value that set promises to write could not be written; set
 * FUZZ_YAMLSET_ALLOW_INTERNAL=1 to let those pass. */
#include "infraexec/model/yamledit.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static const char *cur_yaml, *cur_path, *cur_value;
static size_t cur_ylen;
static const char *cur_out;
static size_t cur_olen;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "fuzz_yamlset: violation: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n  path: '%s'\n  value: '%s'\n--- yaml (%zu bytes) ---\n", cur_path,
            cur_value, cur_ylen);
    fwrite(cur_yaml, 1, cur_ylen < 4096 ? cur_ylen : 4096, stderr);
    if (cur_out) {
        fprintf(stderr, "\n--- output (%zu bytes) ---\n", cur_olen);
        fwrite(cur_out, 1, cur_olen < 4096 ? cur_olen : 4096, stderr);
    }
    fprintf(stderr, "\n--- end ---\n");
    abort();
}

/* ------------------------------------------------------- the oracle --- */

/* libyaml's mark.index counts characters: byte offset of character IDX. */
static size_t byte_at(const char *s, size_t len, size_t idx)
{
    size_t pos = 0;
    while (idx > 0 && pos < len) {
        pos++;
        while (pos < len && ((unsigned char)s[pos] & 0xC0) == 0x80)
            pos++;
        idx--;
    }
    return pos;
}

typedef struct events {
    yaml_event_t *ev;
    size_t n;
    int ok;
} events;

static void events_load(events *es, const char *text, size_t len)
{
    yaml_parser_t p;
    memset(es, 0, sizeof *es);
    yaml_parser_initialize(&p);
    yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e))
            break;
        es->ev = realloc(es->ev, (es->n + 1) * sizeof *es->ev);
        es->ev[es->n++] = e;
        if (e.type == YAML_STREAM_END_EVENT) {
            es->ok = 1;
            break;
        }
    }
    yaml_parser_delete(&p);
}

static void events_free(events *es)
{
    for (size_t i = 0; i < es->n; i++)
        yaml_event_delete(&es->ev[i]);
    free(es->ev);
}

/* Index just past the node starting at event I. */
static size_t skip(const events *es, size_t i)
{
    int depth = 0;
    for (; i < es->n; i++) {
        yaml_event_type_t t = es->ev[i].type;
        if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT)
            depth++;
        else if (t == YAML_MAPPING_END_EVENT || t == YAML_SEQUENCE_END_EVENT)
            depth--;
        if (depth <= 0)
            return i + 1;
    }
    return es->n;
}

/* Split PATH like yamledit.h says ("\." and "\\" escapes); NULL if a key
 * is empty. */
static char **split_path(const char *path, size_t *n)
{
    char **keys = NULL;
    char *cur = malloc(strlen(path) + 1);
    size_t len = 0;
    *n = 0;
    for (const char *c = path;; c++) {
        if (*c == '\\' && (c[1] == '.' || c[1] == '\\')) {
            cur[len++] = *++c;
        } else if (*c == '.' || !*c) {
            if (!len) {
                for (size_t i = 0; i < *n; i++)
                    free(keys[i]);
                free(keys);
                free(cur);
                return NULL;
            }
            cur[len] = '\0';
            keys = realloc(keys, (*n + 1) * sizeof *keys);
            keys[(*n)++] = strndup(cur, len);
            len = 0;
            if (!*c)
                break;
        } else {
            cur[len++] = *c;
        }
    }
    free(cur);
    return keys;
}

/* Event index of the scalar at PATH in document DOC, or (size_t)-1. */
static size_t find_target(const events *es, int doc, const char *path)
{
    size_t nk, i = 1, found = (size_t)-1; /* past STREAM-START */
    char **keys = split_path(path, &nk);
    if (!keys)
        return found;
    for (int d = 0; i < es->n && es->ev[i].type == YAML_DOCUMENT_START_EVENT; d++) {
        if (d == doc)
            break;
        i = skip(es, i + 1) + 1; /* root node, DOCUMENT-END */
    }
    if (i >= es->n || es->ev[i].type != YAML_DOCUMENT_START_EVENT)
        goto out;
    i++;
    for (size_t k = 0; k < nk; k++) {
        yaml_event_t *e = &es->ev[i];
        if (e->type == YAML_MAPPING_START_EVENT) {
            size_t j = i + 1;
            for (;;) {
                if (j >= es->n || es->ev[j].type == YAML_MAPPING_END_EVENT)
                    goto out;
                yaml_event_t *key = &es->ev[j];
                if (key->type == YAML_SCALAR_EVENT && key->data.scalar.length == strlen(keys[k]) &&
                    memcmp(key->data.scalar.value, keys[k], strlen(keys[k])) == 0)
                    break;
                j = skip(es, skip(es, j));
            }
            i = skip(es, j);
        } else if (e->type == YAML_SEQUENCE_START_EVENT) {
            size_t nd = strspn(keys[k], "0123456789");
            if (keys[k][nd] || nd > 9)
                goto out;
            long idx = atol(keys[k]);
            size_t j = i + 1;
            for (long m = 0; m < idx; m++) {
                if (j >= es->n || es->ev[j].type == YAML_SEQUENCE_END_EVENT)
                    goto out;
                j = skip(es, j);
            }
            if (j >= es->n || es->ev[j].type == YAML_SEQUENCE_END_EVENT)
                goto out;
            i = j;
        } else {
            goto out;
        }
    }
    if (i < es->n && es->ev[i].type == YAML_SCALAR_EVENT)
        found = i;
out:
    for (size_t k = 0; k < nk; k++)
        free(keys[k]);
    free(keys);
    return found;
}

static int same_s(const yaml_char_t *a, const yaml_char_t *b)
{
    return a == b || (a && b && strcmp((const char *)a, (const char *)b) == 0);
}

/* Events equal in what a reader sees (and in scalar/collection style). */
static int same_event(const yaml_event_t *a, const yaml_event_t *b)
{
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case YAML_SCALAR_EVENT:
        return same_s(a->data.scalar.anchor, b->data.scalar.anchor) &&
               same_s(a->data.scalar.tag, b->data.scalar.tag) &&
               a->data.scalar.style == b->data.scalar.style &&
               a->data.scalar.length == b->data.scalar.length &&
               memcmp(a->data.scalar.value, b->data.scalar.value, a->data.scalar.length) == 0;
    case YAML_ALIAS_EVENT:
        return same_s(a->data.alias.anchor, b->data.alias.anchor);
    case YAML_SEQUENCE_START_EVENT:
        return same_s(a->data.sequence_start.anchor, b->data.sequence_start.anchor) &&
               same_s(a->data.sequence_start.tag, b->data.sequence_start.tag) &&
               a->data.sequence_start.style == b->data.sequence_start.style;
    case YAML_MAPPING_START_EVENT:
        return same_s(a->data.mapping_start.anchor, b->data.mapping_start.anchor) &&
               same_s(a->data.mapping_start.tag, b->data.mapping_start.tag) &&
               a->data.mapping_start.style == b->data.mapping_start.style;
    default:
        return 1;
    }
}

/* Length of the line break at S (libyaml's: LF, CR, NEL, LS, PS), or 0. */
static size_t brk(const char *s, size_t n)
{
    if (s[0] == '\n' || s[0] == '\r')
        return 1;
    if (n >= 2 && !memcmp(s, "\xC2\x85", 2))
        return 2;
    if (n >= 3 && (!memcmp(s, "\xE2\x80\xA8", 3) || !memcmp(s, "\xE2\x80\xA9", 3)))
        return 3;
    return 0;
}

/* ------------------------------------------------------------ the run --- */

static char *strip_nl(const char *v)
{
    size_t n = strlen(v);
    while (n > 0 && v[n - 1] == '\n')
        n--;
    return strndup(v, n);
}

/* Is GOT what a block scalar with chomping CHOMP ('-', 0 or '+') reads back
 * for VALUE?  AT_EOF: the block ends the text, so its last line break may
 * be missing. */
static int block_value_ok(const char *value, const char *got, char chomp, int at_eof)
{
    char *base = strip_nl(value);
    size_t bl = strlen(base);
    char *w1 = NULL, *w2 = NULL;
    int ok;
    if (chomp == '-') {
        ok = strcmp(got, base) == 0;
    } else if (chomp == 0) {
        w1 = malloc(bl + 2);
        memcpy(w1, base, bl);
        strcpy(w1 + bl, bl ? "\n" : "");
        ok = strcmp(got, w1) == 0 || (at_eof && strcmp(got, base) == 0);
    } else {
        size_t vl = strlen(value);
        w2 = malloc(vl + 2);
        strcpy(w2, value);
        if (vl && value[vl - 1] != '\n')
            strcat(w2, "\n");
        ok = strcmp(got, w2) == 0 || (at_eof && strcmp(got, value) == 0);
    }
    free(base);
    free(w1);
    free(w2);
    return ok;
}

static void run(const char *yaml, size_t ylen, int doc, const char *path, const char *value)
{
    cur_yaml = yaml, cur_ylen = ylen, cur_path = path, cur_value = value;
    cur_out = NULL;

    ix_buf out = IX_BUF_INIT;
    ix_err err = {{0}};
    char *got = NULL, *before = NULL, *before2 = NULL;

    /* get is deterministic and agrees with set on what exists */
    int grc = ix_yaml_get(yaml, ylen, doc, path, &before, &err);
    int grc2 = ix_yaml_get(yaml, ylen, doc, path, &before2, &err);
    if (grc != grc2 || (grc == 0 && strcmp(before, before2) != 0))
        fail("ix_yaml_get is not deterministic");

    if (ix_yaml_set(yaml, ylen, doc, path, value, &out, &err) < 0) {
        if (out.len != 0)
            fail("failed set wrote output: %s", err.msg);
        if (strncmp(err.msg, "internal error:", 15) == 0 && !getenv("FUZZ_YAMLSET_ALLOW_INTERNAL"))
            fail("set's self-check failed: %s", err.msg);
        if (getenv("FUZZ_VERBOSE"))
            fprintf(stderr, "fuzz_yamlset: refused: %s\n", err.msg);
        goto done;
    }
    cur_out = out.data, cur_olen = out.len;
    if (grc != 0)
        fail("set succeeded where get fails: %s", err.msg);

    /* ---- the target, found independently ---- */
    size_t bom = ylen >= 3 && memcmp(yaml, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    if (out.len < bom || memcmp(out.data, yaml, bom) != 0)
        fail("BOM not kept");
    events a, b;
    events_load(&a, yaml + bom, ylen - bom);
    events_load(&b, out.data + bom, out.len - bom);
    if (!a.ok)
        fail("set succeeded on YAML that libyaml rejects");
    if (!b.ok)
        fail("output is not valid YAML");
    size_t ti = find_target(&a, doc, path);
    if (ti == (size_t)-1)
        fail("oracle did not find the target");
    const yaml_event_t *te = &a.ev[ti];
    size_t ts = bom + byte_at(yaml + bom, ylen - bom, te->start_mark.index);
    size_t tend = bom + byte_at(yaml + bom, ylen - bom, te->end_mark.index);
    yaml_scalar_style_t style = te->data.scalar.style;
    int block = style == YAML_LITERAL_SCALAR_STYLE || style == YAML_FOLDED_SCALAR_STYLE;

    /* ---- one contiguous change, inside the target ---- */
    /* Common prefix and suffix: the changed input bytes are [pre, ylen-suf)
     * (the match may slide past the real edit where the new bytes repeat
     * the old ones, so containment is checked directly below). */
    size_t pre = 0, suf = 0;
    while (pre < ylen && pre < out.len && yaml[pre] == out.data[pre])
        pre++;
    while (suf < ylen - pre && suf < out.len - pre &&
           yaml[ylen - 1 - suf] == out.data[out.len - 1 - suf])
        suf++;
    /* The output must be yaml[0, ts) + X + yaml[tend, ylen): everything
     * outside the target's bytes kept, in one piece on each side. */
    size_t tail = ylen - tend;
    if (pre < ts || out.len < ts + tail ||
        memcmp(out.data + out.len - tail, yaml + tend, tail) != 0)
        fail("bytes outside the target [%zu,%zu) changed (common prefix %zu, suffix %zu)", ts,
             tend, pre, suf);

    /* ---- the stream means the same except the target ---- */
    if (a.n != b.n)
        fail("%zu events before, %zu after", a.n, b.n);
    for (size_t i = 0; i < a.n; i++) {
        if (i == ti) {
            if (b.ev[i].type != YAML_SCALAR_EVENT ||
                !same_s(a.ev[i].data.scalar.anchor, b.ev[i].data.scalar.anchor) ||
                !same_s(a.ev[i].data.scalar.tag, b.ev[i].data.scalar.tag))
                fail("target event's kind, anchor or tag changed");
            continue;
        }
        if (!same_event(&a.ev[i], &b.ev[i]))
            fail("event %zu (type %d) changed", i, (int)a.ev[i].type);
    }
    int at_eof = 1;
    for (size_t i = tend; i < ylen; i++)
        if (yaml[i] != ' ' && yaml[i] != '\n' && yaml[i] != '\r' && yaml[i] != '\t')
            at_eof = 0;
    yaml_scalar_style_t nstyle = b.ev[ti].data.scalar.style;
    /* Was the target a string: untagged and quoted, block, or plain str? */
    int was_str = !te->data.scalar.tag &&
                  (style != YAML_PLAIN_SCALAR_STYLE ||
                   (!strcmp(ix_yaml_resolve((const char *)te->data.scalar.value, 11), "str") &&
                    !strcmp(ix_yaml_resolve((const char *)te->data.scalar.value, 12), "str")));
    char *nval = strndup((const char *)b.ev[ti].data.scalar.value, b.ev[ti].data.scalar.length);
    events_free(&a);
    events_free(&b);

    /* ---- read back ---- */
    if (ix_yaml_get(out.data, out.len, doc, path, &got, &err) < 0)
        fail("get on the output failed: %s", err.msg);
    if (strcmp(got, nval) != 0)
        fail("get returns '%s' but libyaml reads '%s'", got, nval);
    if (!block) {
        if (strcmp(got, value) != 0)
            fail("get returns '%s', want '%s'", got, value);
        if (was_str && nstyle == YAML_PLAIN_SCALAR_STYLE &&
            (strcmp(ix_yaml_resolve(got, 11), "str") || strcmp(ix_yaml_resolve(got, 12), "str")))
            fail("string target written plain as '%s', which YAML 1.1 reads as %s and 1.2 as %s", got,
                 ix_yaml_resolve(got, 11), ix_yaml_resolve(got, 12));
        if (style == YAML_DOUBLE_QUOTED_SCALAR_STYLE && nstyle != style)
            fail("double-quoted target changed style to %d", (int)nstyle);
        if (style == YAML_SINGLE_QUOTED_SCALAR_STYLE && nstyle != style &&
            nstyle != YAML_DOUBLE_QUOTED_SCALAR_STYLE)
            fail("single-quoted target changed style to %d", (int)nstyle);
    } else {
        /* The header: past any &anchor / !tag, the indicator, then digits
         * and the chomping indicator. */
        char chomp = 0;
        size_t p = ts, k;
        while (p < tend) {
            if (yaml[p] == '&' || yaml[p] == '!') {
                if (yaml[p] == '!' && p + 1 < tend && yaml[p + 1] == '<')
                    while (p < tend && yaml[p] != '>')
                        p++;
                while (p < tend && !strchr(" \t", yaml[p]) && !brk(yaml + p, tend - p))
                    p++;
            } else if (yaml[p] == '#') {
                while (p < tend && !brk(yaml + p, tend - p))
                    p++;
            } else if (yaml[p] == ' ' || yaml[p] == '\t') {
                p++;
            } else if ((k = brk(yaml + p, tend - p)) > 0) {
                p += k;
            } else if (tend - p >= 3 && !memcmp(yaml + p, "\xEF\xBB\xBF", 3)) {
                p += 3; /* a BOM, which libyaml skips at a line start */
            } else {
                break;
            }
        }
        if (p >= tend || (yaml[p] != '|' && yaml[p] != '>'))
            fail("oracle: no block indicator in the target's bytes");
        for (size_t q = p + 1; q < tend && strchr("0123456789+-", yaml[q]); q++)
            if (yaml[q] == '+' || yaml[q] == '-')
                chomp = yaml[q];
        if (nstyle != style)
            fail("block target changed style to %d", (int)nstyle);
        if (!block_value_ok(value, got, chomp, at_eof))
            fail("block (chomp '%c') reads back '%s' for value '%s'", chomp ? chomp : ' ', got,
                 value);
    }
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "fuzz_yamlset: ok: '%s' = '%s' (style %d -> %d), target [%zu,%zu)\n", path,
                got, (int)style, (int)nstyle, ts, tend);
    free(nval);
done:
    free(got);
    free(before);
    free(before2);
    ix_buf_free(&out);
    cur_out = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    const char *s = (const char *)data;
    const char *z1 = memchr(s, '\0', size);
    const char *z2 = z1 ? memchr(z1 + 1, '\0', size - (size_t)(z1 + 1 - s)) : NULL;
    if (!z2) {
        /* Plain YAML: try a few paths and values. */
        static const char *const paths[] = {"a", "a.b", "0", "a.0", "spec.values.backend.image.tag"};
        static const char *const values[] = {"x", "", "two\nlines\n", "a: b", "'q\"", "1.2.3"};
        for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
            run(s, size, 0, paths[i], values[(size + i) % (sizeof values / sizeof *values)]);
        return 0;
    }
    char *path = strndup(s, (size_t)(z1 - s));
    char *value = strndup(z1 + 1, (size_t)(z2 - z1 - 1));
    int doc = 0;
    const char *p = path;
    if (p[0] >= '0' && p[0] <= '9' && p[1] == '|') {
        doc = p[0] - '0';
        p += 2;
    }
    run(z2 + 1, size - (size_t)(z2 + 1 - s), doc, p, value);
    free(path);
    free(value);
    return 0;
}
