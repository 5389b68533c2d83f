/* yamllocate.c - following a path through libyaml's event stream to the
 * target scalar (yamledit_internal.h), and ix_yaml_get. */
#include "yamledit_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- text --- */

/* libyaml's yaml_mark_t.index counts characters, not bytes: verified with
 * libyaml 0.2.5, "x: é✅ # ü\nk: v\n" puts "v" at index 13 but byte 17.
 * (CRLF counts as two, like its bytes.)  Walk UTF-8 lead bytes to convert. */
static size_t byte_offset(const char *s, size_t len, size_t index)
{
    size_t pos = 0;
    for (; index > 0 && pos < len; index--) {
        pos++;
        while (pos < len && ((unsigned char)s[pos] & 0xC0) == 0x80)
            pos++;
    }
    return pos;
}

/* 1-based line of byte offset OFF. */
static size_t line_at(const char *s, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off; i++)
        line += s[i] == '\n';
    return line;
}

/* ---------------------------------------------------------------- path --- */

typedef struct ypath {
    char **key;
    size_t n;
} ypath;

static void path_free(ypath *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->key[i]);
    free(p->key);
}

static int path_parse(const char *s, ypath *p, ix_err *err)
{
    ix_buf cur = IX_BUF_INIT;
    p->key = NULL;
    p->n = 0;
    if (!s || !*s)
        return ix_err_set(err, "empty YAML path");
    for (const char *c = s;; c++) {
        if (*c == '\\' && (c[1] == '.' || c[1] == '\\')) {
            ix_buf_putc(&cur, *++c);
        } else if (*c == '.' || *c == '\0') {
            if (cur.len == 0) {
                path_free(p);
                return ix_err_set(err, "path '%s': empty key", s);
            }
            p->key = ix_xrealloc(p->key, (p->n + 1) * sizeof *p->key);
            p->key[p->n++] = ix_buf_detach(&cur);
            if (!*c)
                return 0;
        } else {
            ix_buf_putc(&cur, *c);
        }
    }
}

/* ------------------------------------------------------------- walker --- */

/* The walker (yamledit_internal.h). */

void ix_yaml_walker_init(walker *w, const char *text, size_t len)
{
    memset(w, 0, sizeof *w);
    w->text = text;
    w->len = len;
    yaml_parser_initialize(&w->parser);
    /* The caller strips a UTF-8 BOM; fixing the encoding keeps libyaml from
     * guessing UTF-16 and keeps mark.index relative to TEXT. */
    yaml_parser_set_encoding(&w->parser, YAML_UTF8_ENCODING);
    yaml_parser_set_input_string(&w->parser, (const unsigned char *)text, len);
}

void ix_yaml_walker_free(walker *w)
{
    if (w->have_ev)
        yaml_event_delete(&w->ev);
    for (size_t i = 0; i < w->nanchors; i++)
        free(w->anchors[i].name);
    free(w->anchors);
    yaml_parser_delete(&w->parser);
}

static int syntax_error(walker *w, ix_err *err)
{
    yaml_parser_t *p = &w->parser;
    if (p->error == YAML_READER_ERROR) /* problem_offset is in bytes */
        return ix_err_set(err, "invalid YAML at line %zu: %s",
                          line_at(w->text, p->problem_offset < w->len ? p->problem_offset : w->len),
                          p->problem);
    if (!p->problem)
        return ix_err_set(err, "invalid YAML (libyaml error %d)", (int)p->error);
    if (p->context)
        return ix_err_set(err, "invalid YAML at line %zu:%zu: %s (%s at line %zu)",
                          p->problem_mark.line + 1, p->problem_mark.column + 1, p->problem,
                          p->context, p->context_mark.line + 1);
    return ix_err_set(err, "invalid YAML at line %zu:%zu: %s", p->problem_mark.line + 1,
                      p->problem_mark.column + 1, p->problem);
}

static const char *ev_anchor(const yaml_event_t *e)
{
    const yaml_char_t *a = e->type == YAML_SCALAR_EVENT ? e->data.scalar.anchor
                         : e->type == YAML_MAPPING_START_EVENT ? e->data.mapping_start.anchor
                         : e->type == YAML_SEQUENCE_START_EVENT ? e->data.sequence_start.anchor
                         : NULL;
    return (const char *)a;
}

int ix_yaml_walker_next(walker *w, ix_err *err)
{
    if (w->have_ev)
        yaml_event_delete(&w->ev);
    w->have_ev = 0;
    if (!yaml_parser_parse(&w->parser, &w->ev))
        return syntax_error(w, err);
    w->have_ev = 1;
    w->ordinal++;
    const char *a = ev_anchor(&w->ev);
    if (a) {
        w->anchors = ix_xrealloc(w->anchors, (w->nanchors + 1) * sizeof *w->anchors);
        w->anchors[w->nanchors].name = ix_xstrdup(a);
        w->anchors[w->nanchors++].line = w->ev.start_mark.line + 1;
    }
    return 0;
}

/* Advance past the node whose first event is current; afterwards its last
 * event (the scalar itself, or the matching end event) is current. */
static int skip_node(walker *w, ix_err *err)
{
    int depth = 0;
    for (;;) {
        yaml_event_type_t t = w->ev.type;
        if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT)
            depth++;
        else if (t == YAML_MAPPING_END_EVENT || t == YAML_SEQUENCE_END_EVENT)
            depth--;
        if (depth <= 0)
            return 0;
        if (ix_yaml_walker_next(w, err))
            return -1;
    }
}

/* ------------------------------------------------------------- locate --- */

static int alias_error(walker *w, const char *path, const char *name, ix_err *err)
{
    const char *a = (const char *)w->ev.data.alias.anchor;
    size_t i = w->nanchors;
    while (i > 0 && strcmp(w->anchors[i - 1].name, a) != 0)
        i--;
    if (i == 0)
        return ix_err_set(err, "path '%s': '%s' at line %zu is an alias of undefined anchor &%s",
                          path, name, w->ev.start_mark.line + 1, a);
    return ix_err_set(err, "path '%s': '%s' at line %zu is an alias of &%s; edit the anchor at line %zu instead",
                      path, name, w->ev.start_mark.line + 1, a, w->anchors[i - 1].line);
}

/* Skip '&anchor' and '!tag' properties (and the blanks/comments after them)
 * that libyaml includes in a scalar's start mark. */
static size_t skip_properties(const char *s, size_t pos, size_t end)
{
    while (pos < end) {
        if (s[pos] == '&' || s[pos] == '!') {
            if (s[pos] == '!' && pos + 1 < end && s[pos + 1] == '<')
                while (pos < end && s[pos] != '>')
                    pos++;
            while (pos < end && !strchr(" \t\r\n", s[pos]))
                pos++;
        } else if (s[pos] == '#') {
            while (pos < end && s[pos] != '\n')
                pos++;
        } else if (strchr(" \t\r\n", s[pos])) {
            pos++;
        } else {
            break;
        }
    }
    return pos;
}

/* Follow the path from the current (root) event to the target scalar. */
static int descend(walker *w, const ypath *p, const char *path, target *t, ix_err *err)
{
    for (size_t i = 0; i <= p->n; i++) {
        const char *name = i ? p->key[i - 1] : "document root";
        size_t line = w->ev.start_mark.line + 1;
        yaml_event_type_t type = w->ev.type;
        if (type == YAML_ALIAS_EVENT)
            return alias_error(w, path, name, err);
        if (ev_anchor(&w->ev) && !t->shared[0])
            snprintf(t->shared, sizeof t->shared,
                     "path '%s': '%s' at line %zu carries anchor &%s, so editing %s would also change its aliases; refusing",
                     path, name, line, ev_anchor(&w->ev), i == p->n ? "it" : "inside it");
        if (i == p->n)
            break;
        const char *k = p->key[i];
        if (type == YAML_MAPPING_START_EVENT) {
            int merge = 0;
            t->in_flow |= w->ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
            for (;;) {
                if (ix_yaml_walker_next(w, err))
                    return -1;
                yaml_event_t *e = &w->ev;
                if (e->type == YAML_MAPPING_END_EVENT)
                    return ix_err_set(err, "path '%s': no key '%s' in the mapping at line %zu%s", path, k,
                                      line, merge ? " ('<<' merge keys are not followed)" : "");
                if (e->type == YAML_SCALAR_EVENT) {
                    const char *v = (const char *)e->data.scalar.value;
                    if (e->data.scalar.length == strlen(k) && memcmp(v, k, strlen(k)) == 0)
                        break; /* first match wins */
                    merge |= strcmp(v, "<<") == 0;
                }
                if (skip_node(w, err) || ix_yaml_walker_next(w, err) || skip_node(w, err))
                    return -1;
            }
            if (ix_yaml_walker_next(w, err)) /* the value node */
                return -1;
        } else if (type == YAML_SEQUENCE_START_EVENT) {
            t->in_flow |= w->ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
            size_t nd = strspn(k, "0123456789");
            if (k[nd] != '\0' || nd > 9)
                return ix_err_set(err, "path '%s': '%s' is not an index, but the node at line %zu is a sequence",
                                  path, k, line);
            long idx = atol(k);
            for (long n = 0;; n++) {
                if (ix_yaml_walker_next(w, err))
                    return -1;
                if (w->ev.type == YAML_SEQUENCE_END_EVENT)
                    return ix_err_set(err, "path '%s': index %ld out of range (the sequence at line %zu has %ld items)",
                                      path, idx, line, n);
                if (n == idx)
                    break;
                if (skip_node(w, err))
                    return -1;
            }
        } else {
            return ix_err_set(err, "path '%s': cannot look up '%s': '%s' at line %zu is a scalar", path, k,
                              name, line);
        }
    }
    const yaml_event_t *e = &w->ev;
    if (e->type != YAML_SCALAR_EVENT)
        return ix_err_set(err, "path '%s' ends at a %s (line %zu), not a scalar", path,
                          e->type == YAML_MAPPING_START_EVENT ? "mapping" : "sequence",
                          e->start_mark.line + 1);
    t->style = e->data.scalar.style;
    t->vlen = e->data.scalar.length;
    t->value = ix_xstrndup((const char *)e->data.scalar.value, t->vlen);
    t->start = byte_offset(w->text, w->len, e->start_mark.index);
    t->end = byte_offset(w->text, w->len, e->end_mark.index);
    if (e->data.scalar.anchor || e->data.scalar.tag)
        t->start = skip_properties(w->text, t->start, t->end);
    t->line = line_at(w->text, t->start);
    size_t bol = t->start;
    while (bol > 0 && w->text[bol - 1] != '\n')
        bol--;
    t->col = 1;
    for (size_t i = bol; i < t->start; i++)
        t->col += ((unsigned char)w->text[i] & 0xC0) != 0x80;
    t->tag = e->data.scalar.tag ? ix_xstrdup((const char *)e->data.scalar.tag) : NULL;
    t->ordinal = w->ordinal;
    return 0;
}

/* Locate PATH in document DOC of TEXT (no BOM) and check the whole stream
 * parses, so that a broken file is reported even past the target. */
static int locate(const char *text, size_t len, int doc, const ypath *p, const char *path,
                  target *t, ix_err *err)
{
    walker w;
    int rc = -1;
    memset(t, 0, sizeof *t);
    ix_yaml_walker_init(&w, text, len);
    if (ix_yaml_walker_next(&w, err)) /* STREAM-START */
        goto out;
    for (int d = 0;; d++) {
        if (ix_yaml_walker_next(&w, err))
            goto out;
        if (w.ev.type == YAML_STREAM_END_EVENT) {
            ix_err_set(err, "path '%s': no document %d (the text has %d)", path, doc, d);
            goto out;
        }
        if (ix_yaml_walker_next(&w, err)) /* root node */
            goto out;
        if (d == doc)
            break;
        if (skip_node(&w, err) || ix_yaml_walker_next(&w, err)) /* DOCUMENT-END */
            goto out;
    }
    if (descend(&w, p, path, t, err))
        goto out;
    while (w.ev.type != YAML_STREAM_END_EVENT)
        if (ix_yaml_walker_next(&w, err))
            goto out;
    rc = 0;
out:
    ix_yaml_walker_free(&w);
    if (rc) {
        free(t->value);
        free(t->tag);
        t->value = t->tag = NULL;
    }
    return rc;
}

/* Common argument checks; strips a UTF-8 BOM (it is copied back verbatim). */
static int prepare(const char **text, size_t *len, size_t *bom, int doc, const char *path,
                   ypath *p, ix_err *err)
{
    if (!*text)
        *text = "", *len = 0;
    *bom = *len >= 3 && memcmp(*text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    *text += *bom;
    *len -= *bom;
    if (*len >= 2 && ((unsigned char)(*text)[0] == 0xFE || (unsigned char)(*text)[0] == 0xFF) &&
        ((unsigned char)(*text)[1] == 0xFE || (unsigned char)(*text)[1] == 0xFF))
        return ix_err_set(err, "UTF-16/UTF-32 input is not supported, only UTF-8");
    if (doc < 0)
        return ix_err_set(err, "path '%s': invalid document index %d", path ? path : "", doc);
    /* libyaml also breaks lines at a lone CR, U+0085, U+2028 and U+2029;
     * the splicer only knows LF and CRLF, so such text is refused. */
    static const char *const breaks[] = {"\xC2\x85", "\xE2\x80\xA8", "\xE2\x80\xA9"};
    for (size_t i = 0; i < 3; i++)
        if (memmem(*text, *len, breaks[i], strlen(breaks[i])))
            return ix_err_set(err, "unsupported line break (U+0085, U+2028 or U+2029) in the YAML");
    for (size_t i = 0; i < *len; i++)
        if ((*text)[i] == '\r' && (i + 1 == *len || (*text)[i + 1] != '\n'))
            return ix_err_set(err, "unsupported line break (a CR without LF) in the YAML");
    /* YAML text cannot hold a NUL, and libyaml's idea of where a scalar
     * ends around one is not the splicer's (fuzz_yamlset). */
    const char *nul = memchr(*text, '\0', *len);
    if (nul)
        return ix_err_set(err, "a NUL byte at line %zu: not YAML text",
                          line_at(*text, (size_t)(nul - *text)));
    return path_parse(path, p, err);
}

/* Check the input and the path, and find the target scalar; TEXT and LEN
 * are moved past a BOM (its length in *BOM). */
int ix_yaml_find_target(const char **text, size_t *len, size_t *bom, int doc, const char *path,
                        target *t, ix_err *err)
{
    ypath p;
    if (prepare(text, len, bom, doc, path, &p, err))
        return -1;
    int rc = locate(*text, *len, doc, &p, path, t, err);
    path_free(&p);
    return rc ? -1 : 0;
}

int ix_yaml_get(const char *text, size_t len, int doc, const char *path, char **value, ix_err *err)
{
    target t;
    size_t bom;
    *value = NULL;
    if (ix_yaml_find_target(&text, &len, &bom, doc, path, &t, err))
        return -1;
    free(t.tag);
    if (strlen(t.value) != t.vlen) {
        free(t.value);
        return ix_err_set(err, "path '%s': value at line %zu contains a NUL character", path, t.line);
    }
    *value = t.value;
    return 0;
}
