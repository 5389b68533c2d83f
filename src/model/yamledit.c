/* yamledit.c - format-preserving scalar get/set; see infraexec/model/yamledit.h.
 *
 * The approach: stream libyaml events, follow PATH to the target scalar,
 * take its byte range from the event marks, and splice a new rendering of
 * the value into an otherwise untouched copy of the text.  No emitter is
 * involved, so nothing outside the scalar can change. */
#include "infraexec/model/yamledit.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

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

/* Decode one UTF-8 sequence at s[*i] and advance; -1 if malformed
 * (truncated, overlong, surrogate or beyond U+10FFFF). */
static long utf8_next(const unsigned char *s, size_t n, size_t *i)
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
static int needs_escape(long cp)
{
    return (cp < 0x20 && cp != '\t') || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF;
}

/* --------------------------------------------------------------- types --- */

/* Plain-scalar resolution: the YAML 1.1 type repository (yaml.org/type/)
 * and the YAML 1.2 core schema (spec 1.2.2, 10.3.2), first match wins,
 * anything else is "str".  Deliberate widenings, all harmless because a
 * string that gets quoted stays the same string: null/bool/.inf/.nan match
 * in any case (some readers fold case); 1.1 floats follow PyYAML and
 * go-yaml ("[0-9_]*" after the point, where the spec's "[0-9.]*" would
 * make every version "0.1.18" a float, which no reader does); 1.1 floats
 * and timestamps take PyYAML's slightly wider forms; "<<" and "=" are the
 * 1.1 merge and value types. */
static const struct {
    int schema; /* 11 or 12 */
    const char *type, *re;
    int icase;
} yaml_types[] = {
    {11, "null", "^(null|~)?$", 1},
    {11, "bool", "^(y|yes|n|no|true|false|on|off)$", 1},
    {11, "int", "^[-+]?0b[01_]+$", 0},
    {11, "int", "^[-+]?0[0-7_]+$", 0},
    {11, "int", "^[-+]?(0|[1-9][0-9_]*)$", 0},
    {11, "int", "^[-+]?0x[0-9a-fA-F_]+$", 0},
    {11, "int", "^[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+$", 0}, /* base 60: 22:22 */
    {11, "float", "^[-+]?[0-9][0-9_]*\\.[0-9_]*([eE][-+][0-9]+)?$", 0},
    {11, "float", "^[-+]?\\.[0-9_]+([eE][-+][0-9]+)?$", 0},
    {11, "float", "^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*$", 0},
    {11, "float", "^[-+]?\\.inf$", 1},
    {11, "float", "^\\.nan$", 1},
    {11, "timestamp", "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", 0},
    {11, "timestamp", "^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
                      "(\\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?$", 0},
    {11, "merge", "^<<$", 0},
    {11, "value", "^=$", 0},
    {12, "null", "^(null|~)?$", 1},
    {12, "bool", "^(true|false)$", 1},
    {12, "int", "^[-+]?[0-9]+$", 0},
    {12, "int", "^0o[0-7]+$", 0},
    {12, "int", "^0x[0-9a-fA-F]+$", 0},
    {12, "float", "^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$", 0},
    {12, "float", "^[-+]?\\.inf$", 1},
    {12, "float", "^\\.nan$", 1},
};

const char *ix_yaml_resolve(const char *plain, int schema)
{
    for (size_t i = 0; i < sizeof yaml_types / sizeof *yaml_types; i++) {
        if (yaml_types[i].schema != schema)
            continue;
        regex_t re;
        /* Compiled per call: the table is small and this stays thread-safe. */
        if (regcomp(&re, yaml_types[i].re, REG_EXTENDED | REG_NOSUB | (yaml_types[i].icase ? REG_ICASE : 0)))
            return "?"; /* cannot happen with the fixed table; never "str", so callers quote */
        int hit = regexec(&re, plain, 0, NULL, 0) == 0;
        regfree(&re);
        if (hit)
            return yaml_types[i].type;
    }
    return "str";
}

static int resolves_str(const char *plain)
{
    return strcmp(ix_yaml_resolve(plain, 11), "str") == 0 &&
           strcmp(ix_yaml_resolve(plain, 12), "str") == 0;
}

/* Base64 as !!binary takes it: whitespace ignored, '=' padding only at the end. */
static int base64_ok(const char *v)
{
    size_t n = 0, pad = 0;
    for (; *v; v++) {
        if (strchr(" \t\r\n", *v))
            continue;
        if (*v == '=')
            pad++;
        else if (pad || !(((*v | 0x20) >= 'a' && (*v | 0x20) <= 'z') || (*v >= '0' && *v <= '9') ||
                          *v == '+' || *v == '/'))
            return 0;
        n++;
    }
    return n % 4 == 0 && pad <= 2;
}

/* Does V satisfy the explicit tag TAG?  Only the scalar types of the YAML
 * type repository are checked; !!str and other tags take anything. */
static int tag_ok(const char *tag, const char *v)
{
    static const char pre[] = "tag:yaml.org,2002:";
    if (!tag || strncmp(tag, pre, sizeof pre - 1) != 0)
        return 1;
    const char *want = tag + sizeof pre - 1;
    if (strcmp(want, "binary") == 0)
        return base64_ok(v);
    static const char *const checked[] = {"int", "float", "bool", "null", "timestamp"};
    size_t k = 0;
    while (k < 5 && strcmp(want, checked[k]) != 0)
        k++;
    if (k == 5)
        return 1;
    for (int schema = 11; schema <= 12; schema++) {
        const char *got = ix_yaml_resolve(v, schema);
        if (strcmp(got, want) == 0 || (strcmp(want, "float") == 0 && strcmp(got, "int") == 0))
            return 1;
    }
    return 0;
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

/* An event cursor over one parser that remembers where anchors were defined,
 * so an alias error can point at the anchor's line. */
typedef struct walker {
    yaml_parser_t parser;
    yaml_event_t ev;
    int have_ev;
    size_t ordinal; /* events parsed so far; the self-check matches on it */
    const char *text;
    size_t len;
    struct { char *name; size_t line; } *anchors;
    size_t nanchors;
} walker;

static void walker_init(walker *w, const char *text, size_t len)
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

static void walker_free(walker *w)
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

static int walker_next(walker *w, ix_err *err)
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
        if (walker_next(w, err))
            return -1;
    }
}

/* ------------------------------------------------------------- locate --- */

typedef struct target {
    yaml_scalar_style_t style;
    char *value; /* decoded */
    size_t vlen;
    size_t start, end; /* bytes in the BOM-less text; start is past &anchor/!tag */
    size_t line, col;  /* of start, 1-based */
    char *tag;         /* explicit tag as libyaml resolves it, or NULL */
    size_t ordinal;
    int in_flow;       /* inside a {...} or [...] collection */
    char shared[512];  /* why set must refuse (an anchor on the path), or "" */
} target;

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
                if (walker_next(w, err))
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
                if (skip_node(w, err) || walker_next(w, err) || skip_node(w, err))
                    return -1;
            }
            if (walker_next(w, err)) /* the value node */
                return -1;
        } else if (type == YAML_SEQUENCE_START_EVENT) {
            t->in_flow |= w->ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
            size_t nd = strspn(k, "0123456789");
            if (k[nd] != '\0' || nd > 9)
                return ix_err_set(err, "path '%s': '%s' is not an index, but the node at line %zu is a sequence",
                                  path, k, line);
            long idx = atol(k);
            for (long n = 0;; n++) {
                if (walker_next(w, err))
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
    walker_init(&w, text, len);
    if (walker_next(&w, err)) /* STREAM-START */
        goto out;
    for (int d = 0;; d++) {
        if (walker_next(&w, err))
            goto out;
        if (w.ev.type == YAML_STREAM_END_EVENT) {
            ix_err_set(err, "path '%s': no document %d (the text has %d)", path, doc, d);
            goto out;
        }
        if (walker_next(&w, err)) /* root node */
            goto out;
        if (d == doc)
            break;
        if (skip_node(&w, err) || walker_next(&w, err)) /* DOCUMENT-END */
            goto out;
    }
    if (descend(&w, p, path, t, err))
        goto out;
    while (w.ev.type != YAML_STREAM_END_EVENT)
        if (walker_next(&w, err))
            goto out;
    rc = 0;
out:
    walker_free(&w);
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
static int find_target(const char **text, size_t *len, size_t *bom, int doc, const char *path,
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
    if (find_target(&text, &len, &bom, doc, path, &t, err))
        return -1;
    free(t.tag);
    if (strlen(t.value) != t.vlen) {
        free(t.value);
        return ix_err_set(err, "path '%s': value at line %zu contains a NUL character", path, t.line);
    }
    *value = t.value;
    return 0;
}

/* ---------------------------------------------------------- rendering --- */

static int plain_ok(const char *v, int in_flow)
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

static void put_single(ix_buf *b, const char *v)
{
    ix_buf_putc(b, '\'');
    for (; *v; v++) {
        if (*v == '\'')
            ix_buf_putc(b, '\'');
        ix_buf_putc(b, *v);
    }
    ix_buf_putc(b, '\'');
}

static void put_double(ix_buf *b, const char *v)
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
        long cp = utf8_next(s, n, &i); /* the value was validated already */
        for (k = 0; k < sizeof named / sizeof *named && named[k].cp != cp; k++)
            ;
        if (k < sizeof named / sizeof *named)
            ix_buf_puts(b, named[k].esc);
        else if (needs_escape(cp))
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
static int render_block(const char *s, size_t len, const target *t, const char *path, const char *v,
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
        long cp = utf8_next((const unsigned char *)v, n, &i);
        if (cp != '\n' && needs_escape(cp))
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

/* ------------------------------------------------------------ checking --- */

static int same_str(const yaml_char_t *a, const yaml_char_t *b)
{
    return a == b || (a && b && strcmp((const char *)a, (const char *)b) == 0);
}

static int same_event(const yaml_event_t *a, const yaml_event_t *b, int is_target, const ix_buf *want)
{
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case YAML_SCALAR_EVENT:
        if (!same_str(a->data.scalar.anchor, b->data.scalar.anchor) ||
            !same_str(a->data.scalar.tag, b->data.scalar.tag))
            return 0;
        if (is_target) /* its style may legitimately change (plain -> quoted) */
            return b->data.scalar.length == want->len &&
                   memcmp(b->data.scalar.value, want->data, want->len) == 0;
        return a->data.scalar.style == b->data.scalar.style &&
               a->data.scalar.length == b->data.scalar.length &&
               memcmp(a->data.scalar.value, b->data.scalar.value, a->data.scalar.length) == 0;
    case YAML_ALIAS_EVENT:
        return same_str(a->data.alias.anchor, b->data.alias.anchor);
    case YAML_SEQUENCE_START_EVENT:
        return same_str(a->data.sequence_start.anchor, b->data.sequence_start.anchor) &&
               same_str(a->data.sequence_start.tag, b->data.sequence_start.tag) &&
               a->data.sequence_start.style == b->data.sequence_start.style;
    case YAML_MAPPING_START_EVENT:
        return same_str(a->data.mapping_start.anchor, b->data.mapping_start.anchor) &&
               same_str(a->data.mapping_start.tag, b->data.mapping_start.tag) &&
               a->data.mapping_start.style == b->data.mapping_start.style;
    default:
        return 1;
    }
}

/* Does NEW parse to the same event stream as OLD, except that event number
 * TARGET is a scalar with value WANT? */
static int same_stream(const char *old, size_t olen, const char *new, size_t nlen, size_t target,
                       const ix_buf *want)
{
    walker a, b;
    int same = 1;
    walker_init(&a, old, olen);
    walker_init(&b, new, nlen);
    while (same) {
        if (walker_next(&a, NULL) || walker_next(&b, NULL))
            same = 0;
        else
            same = same_event(&a.ev, &b.ev, b.ordinal == target, want);
        if (same && a.ev.type == YAML_STREAM_END_EVENT)
            break;
    }
    walker_free(&a);
    walker_free(&b);
    return same;
}

/* ---------------------------------------------------------------- set --- */

int ix_yaml_set(const char *text, size_t len, int doc, const char *path, const char *new_value,
                ix_buf *out, ix_err *err)
{
    target t;
    size_t bom;
    if (find_target(&text, &len, &bom, doc, path, &t, err))
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
        long cp = utf8_next((const unsigned char *)new_value, vlen, &i);
        if (cp < 0) {
            ix_err_set(err, "path '%s': the new value is not valid UTF-8", path);
            goto out;
        }
        escape |= needs_escape(cp);
    }

    if (!tag_ok(t.tag, new_value)) {
        /* The new value is left out: it may hold line breaks. */
        const char *short_tag = strncmp(t.tag, "tag:yaml.org,2002:", 18) == 0 ? t.tag + 18 : NULL;
        ix_err_set(err, "%zu:%zu: path '%s': the scalar is tagged %s%s and the new value is not one; refusing",
                   t.line, t.col, path, short_tag ? "!!" : "", short_tag ? short_tag : t.tag);
        goto out;
    }
    if (t.style == YAML_LITERAL_SCALAR_STYLE || t.style == YAML_FOLDED_SCALAR_STYLE) {
        if (render_block(text, len, &t, path, new_value, &body, &rs, &re, &want, err))
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
        int retype = plain && !t.tag && resolves_str(t.value) && !resolves_str(new_value);
        if (escape || t.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE || retype)
            put_double(&body, new_value);
        else if (t.style == YAML_SINGLE_QUOTED_SCALAR_STYLE || !plain_ok(new_value, t.in_flow))
            put_single(&body, new_value);
        else
            ix_buf_puts(&body, new_value);
        ix_buf_append(&want, new_value, vlen);
    }

    ix_buf_append(&res, text - bom, bom + rs);
    ix_buf_append(&res, body.data ? body.data : "", body.len);
    ix_buf_append(&res, text + re, len - re);

    /* Self-check: the whole stream must mean what it meant before, except
     * for the one value, and reading the path back must give that value. */
    if (!same_stream(text, len, res.data + bom, res.len - bom, t.ordinal, &want) ||
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
