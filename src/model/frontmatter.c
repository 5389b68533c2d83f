/* frontmatter.c - see include/infraexec/model/frontmatter.h */
#include "infraexec/model/frontmatter.h"

#include "infraexec/base/buf.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Deeper collections are refused: the tree is built and walked by recursion
 * (here, in the JSON and Lua conversions), and 47,500 nested '[' in a 94 KB
 * task file would otherwise overflow the stack. */
#define MAX_DEPTH 64

typedef struct fm_parser {
    yaml_parser_t yp;
    const char *file;
    const char *what;   /* "frontmatter" or "config", for messages */
    int depth;          /* collections open around the current event */
    const char *text;
    const ix_lines *lines;
    size_t start;       /* byte offset of the YAML block in the file */
    size_t first_line;  /* file line (1-based) of the YAML block's first line */
    ix_err *err;
} fm_parser;

/* libyaml marks count characters, not bytes: map line + column to bytes. */
static size_t mark_offset(const fm_parser *p, yaml_mark_t m)
{
    return ix_lines_char_offset(p->lines, p->text, p->first_line + m.line, m.column);
}

static int next_event(fm_parser *p, yaml_event_t *ev)
{
    if (yaml_parser_parse(&p->yp, ev))
        return 0;
    const char *problem = p->yp.problem ? p->yp.problem : "parse error";
    if (p->yp.error == YAML_READER_ERROR) {
        /* The reader (bad bytes, control characters) leaves problem_mark
         * unset and reports a byte offset into the YAML block instead. */
        size_t off = p->start + p->yp.problem_offset, line = ix_lines_at(p->lines, off), col = 1;
        for (size_t i = ix_lines_start(p->lines, line); i < off; i++)
            col += ((unsigned char)p->text[i] & 0xC0) != 0x80;  /* characters, as libyaml counts */
        return ix_err_set(p->err, "%s:%zu:%zu: invalid YAML %s: %s", p->file, line, col, p->what,
                          problem);
    }
    yaml_mark_t m = p->yp.problem_mark;
    return ix_err_set(p->err, "%s:%zu:%zu: invalid YAML %s: %s",
                      p->file, p->first_line + m.line, m.column + 1, p->what, problem);
}

static void set_pos(fm_parser *p, ix_fm_node *n, const yaml_event_t *ev)
{
    n->line = (int)(p->first_line + ev->start_mark.line);
    n->col = (int)ev->start_mark.column + 1;
    n->start = mark_offset(p, ev->start_mark);
    n->end = mark_offset(p, ev->end_mark);
}

static ix_fm_style scalar_style(yaml_scalar_style_t s)
{
    switch (s) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: return IX_FM_SINGLE;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return IX_FM_DOUBLE;
    case YAML_LITERAL_SCALAR_STYLE:
    case YAML_FOLDED_SCALAR_STYLE: return IX_FM_BLOCK;
    default: return IX_FM_PLAIN;
    }
}

static int parse_node(fm_parser *p, yaml_event_t *ev, ix_fm_node *n);

static ix_fm_node *add_child(ix_fm_node *parent)
{
    parent->child = ix_xrealloc(parent->child, (parent->nchild + 1) * sizeof *parent->child);
    ix_fm_node *c = &parent->child[parent->nchild++];
    memset(c, 0, sizeof *c);
    return c;
}

/* Reads events up to the collection's end into N's children. */
static int parse_collection(fm_parser *p, ix_fm_node *n, int is_map)
{
    if (++p->depth > MAX_DEPTH)
        return ix_err_set(p->err, "%s:%d:%d: %s nests collections deeper than %d levels",
                          p->file, n->line, n->col, p->what, MAX_DEPTH);
    for (;;) {
        yaml_event_t ev;
        if (next_event(p, &ev) < 0)
            return -1;
        if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
            n->end = mark_offset(p, ev.end_mark);
            yaml_event_delete(&ev);
            p->depth--;
            return 0;
        }
        ix_fm_node *c = add_child(n);
        if (is_map) {
            if (ev.type != YAML_SCALAR_EVENT) {
                int line = (int)(p->first_line + ev.start_mark.line);
                int col = (int)ev.start_mark.column + 1;
                yaml_event_delete(&ev);
                return ix_err_set(p->err, "%s:%d:%d: %s keys must be plain strings",
                                  p->file, line, col, p->what);
            }
            c->key = ix_xstrdup((const char *)ev.data.scalar.value);
            c->key_line = (int)(p->first_line + ev.start_mark.line);
            c->key_col = (int)ev.start_mark.column + 1;
            yaml_event_delete(&ev);
            if (next_event(p, &ev) < 0)
                return -1;
        }
        int rc = parse_node(p, &ev, c);
        yaml_event_delete(&ev);
        if (rc < 0)
            return -1;
    }
}

static int parse_node(fm_parser *p, yaml_event_t *ev, ix_fm_node *n)
{
    set_pos(p, n, ev);
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n->kind = IX_FM_SCALAR;
        n->value = ix_xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
        n->style = scalar_style(ev->data.scalar.style);
        return 0;
    case YAML_ALIAS_EVENT:
        n->kind = IX_FM_ALIAS;
        n->value = ix_xstrdup((const char *)ev->data.alias.anchor);
        return 0;
    case YAML_SEQUENCE_START_EVENT:
        n->kind = IX_FM_SEQ;
        return parse_collection(p, n, 0);
    case YAML_MAPPING_START_EVENT:
        n->kind = IX_FM_MAP;
        return parse_collection(p, n, 1);
    default:
        return ix_err_set(p->err, "%s:%d:%d: unexpected YAML event in %s",
                          p->file, n->line, n->col, p->what);
    }
}

/* libyaml counts U+0085, U+2028 and U+2029 as line breaks and skips a BOM
 * anywhere; positions would then disagree with the file's lines, and an
 * edit would land on the wrong bytes (or an error name the wrong line).
 * Such YAML is refused. */
static int check_bytes(const fm_parser *p, size_t end)
{
    static const struct { const char *bytes; const char *name; } bad[] = {
        {"\xC2\x85", "U+0085 NEXT LINE"},
        {"\xE2\x80\xA8", "U+2028 LINE SEPARATOR"},
        {"\xE2\x80\xA9", "U+2029 PARAGRAPH SEPARATOR"},
        {"\xEF\xBB\xBF", "a byte order mark"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *hit = memmem(p->text + p->start, end - p->start, bad[i].bytes, strlen(bad[i].bytes));
        if (hit) {
            size_t off = (size_t)(hit - p->text), line = ix_lines_at(p->lines, off);
            return ix_err_set(p->err, "%s:%zu:%zu: %s in the %s is not supported", p->file, line,
                              off - ix_lines_start(p->lines, line) + 1, bad[i].name, p->what);
        }
    }
    return 0;
}

int ix_fm_parse(const char *file, const char *what, const char *text, const ix_lines *lines,
                size_t start, size_t end, ix_fm_node **out, ix_err *err)
{
    fm_parser p = {.file = file, .what = what, .text = text, .lines = lines, .start = start,
                   .first_line = ix_lines_at(lines, start), .err = err};
    if (check_bytes(&p, end) < 0)
        return -1;
    ix_fm_node *root = ix_xcalloc(1, sizeof *root);
    root->kind = IX_FM_MAP;
    root->line = (int)p.first_line;
    root->col = 1;
    root->start = start;
    root->end = end;

    yaml_parser_initialize(&p.yp);
    yaml_parser_set_input_string(&p.yp, (const unsigned char *)text + start, end - start);
    int rc = 0, saw_doc = 0;
    for (;;) {
        yaml_event_t ev;
        if ((rc = next_event(&p, &ev)) < 0)
            break;
        yaml_event_type_t type = ev.type;
        if (type == YAML_MAPPING_START_EVENT && !saw_doc) {
            saw_doc = 1;
            rc = parse_collection(&p, root, 1);
        } else if (type == YAML_SCALAR_EVENT || type == YAML_SEQUENCE_START_EVENT ||
                   type == YAML_ALIAS_EVENT || type == YAML_MAPPING_START_EVENT) {
            rc = ix_err_set(err, "%s:%zu:%zu: %s must be a mapping of keys to values",
                            file, p.first_line + ev.start_mark.line, ev.start_mark.column + 1, what);
        } else if (type == YAML_DOCUMENT_START_EVENT && saw_doc) {
            rc = ix_err_set(err, "%s:%zu:%zu: %s holds more than one YAML document",
                            file, p.first_line + ev.start_mark.line, ev.start_mark.column + 1, what);
        }
        yaml_event_delete(&ev);
        if (rc < 0 || type == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&p.yp);
    if (rc < 0) {
        ix_fm_free(root);
        return -1;
    }
    *out = root;
    return 0;
}

static void free_children(ix_fm_node *n)
{
    for (size_t i = 0; i < n->nchild; i++)
        free_children(&n->child[i]);
    free(n->child);
    free(n->key);
    free(n->value);
}

void ix_fm_free(ix_fm_node *node)
{
    if (!node)
        return;
    free_children(node);
    free(node);
}

static void copy_node(ix_fm_node *to, const ix_fm_node *from)
{
    *to = *from;
    to->key = from->key ? ix_xstrdup(from->key) : NULL;
    to->value = from->value ? ix_xstrdup(from->value) : NULL;
    to->child = from->nchild ? ix_xcalloc(from->nchild, sizeof *to->child) : NULL;
    for (size_t i = 0; i < from->nchild; i++)
        copy_node(&to->child[i], &from->child[i]);
}

ix_fm_node *ix_fm_dup(const ix_fm_node *node)
{
    if (!node)
        return NULL;
    ix_fm_node *d = ix_xmalloc(sizeof *d);
    copy_node(d, node);
    return d;
}

const ix_fm_node *ix_fm_get(const ix_fm_node *map, const char *key)
{
    if (!map || map->kind != IX_FM_MAP)
        return NULL;
    for (size_t i = 0; i < map->nchild; i++)
        if (strcmp(map->child[i].key, key) == 0)
            return &map->child[i];
    return NULL;
}

static int by_key_then_place(const void *a, const void *b)
{
    const ix_fm_node *x = *(const ix_fm_node *const *)a, *y = *(const ix_fm_node *const *)b;
    int d = strcmp(x->key, y->key);
    return d ? d : (x > y) - (x < y);   /* children are stored in file order */
}

void ix_fm_each_duplicate(const ix_fm_node *n, ix_fm_dup_fn fn, void *ctx)
{
    if (n->kind == IX_FM_MAP && n->nchild > 1) {
        /* Sorted, so a map of many keys costs n log n, not n^2. */
        const ix_fm_node **keys = ix_xcalloc(n->nchild, sizeof *keys);
        for (size_t i = 0; i < n->nchild; i++)
            keys[i] = &n->child[i];
        qsort(keys, n->nchild, sizeof *keys, by_key_then_place);
        for (size_t i = 1, first = 0; i < n->nchild; i++) {
            if (strcmp(keys[i]->key, keys[first]->key) != 0)
                first = i;
            else
                fn(ctx, keys[i], keys[first]);
        }
        free(keys);
    }
    for (size_t i = 0; i < n->nchild; i++)
        ix_fm_each_duplicate(&n->child[i], fn, ctx);
}

const char *ix_fm_str(const ix_fm_node *map, const char *key)
{
    const ix_fm_node *n = ix_fm_get(map, key);
    return n && n->kind == IX_FM_SCALAR ? n->value : NULL;
}
