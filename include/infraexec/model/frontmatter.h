/* frontmatter.h - the YAML block at the top of a task file, as a tree.
 *
 * Parsed with libyaml.  Every node keeps its position in the *file* (not in
 * the YAML block), so messages and edits can point at exact bytes.  Values
 * are kept as strings: a task's dates and versions are text, not numbers. */
#ifndef INFRAEXEC_FRONTMATTER_H
#define INFRAEXEC_FRONTMATTER_H

#include "infraexec/base/err.h"
#include "infraexec/base/text.h"

#include <stddef.h>

typedef enum { IX_FM_SCALAR, IX_FM_SEQ, IX_FM_MAP, IX_FM_ALIAS } ix_fm_kind;

typedef enum {
    IX_FM_PLAIN, IX_FM_SINGLE, IX_FM_DOUBLE, IX_FM_BLOCK
} ix_fm_style;

typedef struct ix_fm_node {
    ix_fm_kind kind;
    char *key;              /* key in the parent map, else NULL */
    int key_line, key_col;  /* position of the key (1-based) */
    char *value;            /* scalar value, alias name; NULL for collections */
    ix_fm_style style;
    int boolean;            /* set by a schema check (config.c): read as true/false */
    int line, col;          /* position of the value (1-based) */
    size_t start, end;      /* byte range of the value in the file, quotes included */
    struct ix_fm_node *child;
    size_t nchild;
} ix_fm_node;

/* Parse the YAML in TEXT[start, end) of a file whose line index is LINES.
 * The result is a map node (the YAML must be a mapping).  WHAT names the
 * block in messages ("frontmatter", "config").  Collections nested deeper
 * than 64 levels are refused with FILE:LINE:COL, and so is YAML holding
 * U+0085, U+2028, U+2029 or a byte order mark (libyaml's lines would then
 * disagree with the file's). */
int ix_fm_parse(const char *file, const char *what, const char *text, const ix_lines *lines,
                size_t start, size_t end, ix_fm_node **out, ix_err *err);
void ix_fm_free(ix_fm_node *node);
/* A deep copy (NULL for NULL). */
ix_fm_node *ix_fm_dup(const ix_fm_node *node);

/* Child of a map by key, or NULL. */
const ix_fm_node *ix_fm_get(const ix_fm_node *map, const char *key);
/* Calls FN for every key that repeats an earlier key of the same map, in any
 * map of the tree, with DUP the repeat and FIRST the earliest.  The tree
 * keeps both; ix_fm_get finds the first (other YAML tools take the last). */
typedef void (*ix_fm_dup_fn)(void *ctx, const ix_fm_node *dup, const ix_fm_node *first);
void ix_fm_each_duplicate(const ix_fm_node *n, ix_fm_dup_fn fn, void *ctx);

/* Scalar value of a map's key, or NULL when missing or not a scalar. */
const char *ix_fm_str(const ix_fm_node *map, const char *key);

#endif
