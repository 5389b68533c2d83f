/* fuzz_frontmatter.c - libFuzzer target: the frontmatter tree's positions.
 *
 * The input goes through ix_task_parse twice: wrapped as
 * "---\n" INPUT "\n---\n" (so most inputs reach libyaml) and as it is.
 * When it parses, every node of the frontmatter tree must point into the
 * frontmatter block it came from:
 *
 *   - the root spans exactly the lines between the two '---' fences;
 *   - every node's line and key_line lie in the block (the closing fence's
 *     line for an empty value at the end), col/key_col >= 1 and not past
 *     the end of that line, start <= end, and [start, end) inside the
 *     block; start lies on the node's line;
 *   - the bytes agree with the node: a quoted scalar's range ends with its
 *     quote and starts with it (or with an &anchor / !tag), a block scalar
 *     starts with '|' or '>', a plain scalar starts and ends with its
 *     value's first and last byte, an alias starts with '*'.
 *
 * These are the positions ix_task_set_updated splices at and lint messages
 * point at.  Any violation prints the node and aborts. */
#include "infraexec/model/task.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ix_task *cur;

static void fail(const ix_fm_node *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

static void fail(const ix_fm_node *n, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "fuzz_frontmatter: violation: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n  node: key='%s' kind=%d style=%d value='%s' line=%d col=%d key_line=%d "
                    "key_col=%d [%zu,%zu)\n",
            n->key ? n->key : "", (int)n->kind, (int)n->style, n->value ? n->value : "",
            n->line, n->col, n->key_line, n->key_col, n->start, n->end);
    if (n->start <= n->end && n->end <= cur->len)
        fprintf(stderr, "  bytes: '%.*s'\n", (int)(n->end - n->start), cur->data + n->start);
    fprintf(stderr, "--- file (%zu bytes) ---\n", cur->len);
    fwrite(cur->data, 1, cur->len < 4096 ? cur->len : 4096, stderr);
    fprintf(stderr, "\n--- end ---\n");
    abort();
}

/* Characters (UTF-8 code points) on LINE before its terminator. */
static size_t line_chars(const ix_task *t, size_t line)
{
    size_t s = ix_lines_start(&t->lines, line), e = ix_lines_content_end(&t->lines, t->data, line);
    size_t n = 0;
    for (size_t i = s; i < e; i++)
        n += ((unsigned char)t->data[i] & 0xC0) != 0x80;
    return n;
}

typedef struct block {
    size_t start, end;          /* bytes of the YAML between the fences */
    size_t first_line, close;   /* its first line, the closing fence's line */
} block;

static void check_pos(const ix_task *t, const block *b, const ix_fm_node *n, int line, int col,
                      const char *what)
{
    if (line < (int)b->first_line || line > (int)b->close)
        fail(n, "%s line %d outside the frontmatter (lines %zu..%zu)", what, line, b->first_line,
             b->close);
    if (col < 1 || (size_t)col - 1 > line_chars(t, (size_t)line))
        fail(n, "%s col %d outside line %d (%zu characters)", what, col, line,
             line_chars(t, (size_t)line));
}

static void check_node(const ix_task *t, const block *b, const ix_fm_node *n, int is_root)
{
    if (n->start > n->end)
        fail(n, "start %zu > end %zu", n->start, n->end);
    if (n->end > t->len)
        fail(n, "end %zu past the end of the file (%zu)", n->end, t->len);
    if (n->start < b->start || n->end > b->end)
        fail(n, "range [%zu,%zu) outside the frontmatter [%zu,%zu)", n->start, n->end, b->start,
             b->end);
    if (!is_root) {
        check_pos(t, b, n, n->line, n->col, "value");
        size_t ls = ix_lines_start(&t->lines, (size_t)n->line);
        size_t le = ix_lines_content_end(&t->lines, t->data, (size_t)n->line);
        if (n->start < ls || n->start > le)
            fail(n, "start %zu is not on line %d [%zu,%zu]", n->start, n->line, ls, le);
        if (n->key)
            check_pos(t, b, n, n->key_line, n->key_col, "key");
    }
    const char *s = t->data + n->start;
    size_t len = n->end - n->start;
    int props = len > 0 && (s[0] == '&' || s[0] == '!');
    switch (n->kind) {
    case IX_FM_SCALAR: {
        if (!n->value)
            fail(n, "scalar without a value");
        size_t vlen = strlen(n->value);
        switch (n->style) {
        case IX_FM_SINGLE:
        case IX_FM_DOUBLE: {
            char q = n->style == IX_FM_SINGLE ? '\'' : '"';
            if (len < 2 || s[len - 1] != q || (!props && s[0] != q))
                fail(n, "quoted scalar's range is not delimited by %c", q);
            break;
        }
        case IX_FM_BLOCK:
            if (len < 1 || (!props && s[0] != '|' && s[0] != '>'))
                fail(n, "block scalar's range does not start with its indicator");
            break;
        case IX_FM_PLAIN:
            if (vlen > 0 && (len == 0 || (!props && s[0] != n->value[0]) ||
                             s[len - 1] != n->value[vlen - 1]))
                fail(n, "plain scalar's range does not hold its value");
            break;
        }
        break;
    }
    case IX_FM_ALIAS:
        if (len < 2 || s[0] != '*')
            fail(n, "alias range does not start with '*'");
        break;
    case IX_FM_SEQ:
    case IX_FM_MAP:
        if (n->value)
            fail(n, "collection with a value");
        for (size_t i = 0; i < n->nchild; i++) {
            if ((n->kind == IX_FM_MAP) != (n->child[i].key != NULL))
                fail(&n->child[i], "key present in a sequence or missing in a mapping");
            check_node(t, b, &n->child[i], 0);
        }
        break;
    default:
        fail(n, "unknown kind");
    }
}

static void check(const char *data, size_t size)
{
    ix_task *t;
    ix_err err = {{0}};
    if (ix_task_parse("fuzz.md", data, size, &t, &err) < 0)
        return;
    cur = t;
    const ix_fm_node *root = t->fm;
    if (!root || root->kind != IX_FM_MAP)
        fail(root, "frontmatter root is not a map");
    /* The block, found the way task.c does: line 2 up to the first line
     * after line 1 that is "---" and blanks. */
    block b;
    b.first_line = 2;
    b.close = 0;
    for (size_t l = 2; l <= t->lines.count && !b.close; l++) {
        size_t ls = ix_lines_start(&t->lines, l), le = ix_lines_content_end(&t->lines, t->data, l);
        if (le - ls >= 3 && memcmp(t->data + ls, "---", 3) == 0 &&
            ix_is_blank(t->data + ls + 3, t->data + le))
            b.close = l;
    }
    if (!b.close)
        fail(root, "parsed without a closing fence");
    b.start = ix_lines_start(&t->lines, 2);
    b.end = ix_lines_start(&t->lines, b.close);
    if (root->start != b.start)
        fail(root, "root starts at %zu, not at line 2 (%zu)", root->start, b.start);
    check_node(t, &b, root, 1);
    /* The accessors agree with the tree. */
    const char *keys[] = {"id", "title", "status", "priority", "created", "updated"};
    const char *const *vals[] = {&t->id, &t->title, &t->status, &t->priority, &t->created,
                                 &t->updated};
    for (size_t i = 0; i < 6; i++)
        if (ix_fm_str(t->fm, keys[i]) != *vals[i])
            fail(root, "field %s does not match ix_fm_str", keys[i]);
    ix_task_free(t);
    cur = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    char *w = malloc(size + 9);
    memcpy(w, "---\n", 4);
    memcpy(w + 4, data, size);
    memcpy(w + 4 + size, "\n---\n", 5);
    check(w, size + 9);
    free(w);
    check((const char *)data, size);
    return 0;
}
