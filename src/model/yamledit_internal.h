/* yamledit_internal.h - private to src/model/yaml*.c: what the files of the
 * yamledit module (include/infraexec/model/yamledit.h) share and nobody
 * else may use.
 *
 *   yamllocate.c  the path, the event walker, finding the target scalar, ix_yaml_get
 *   yamltypes.c   plain-scalar resolution and explicit tags (ix_yaml_resolve)
 *   yamlrender.c  writing the new value: plain, quoted, or a block's lines
 *   yamlcheck.c   the self-check: the edit changed that one value only
 *   yamledit.c    ix_yaml_set, which splices and checks */
#ifndef INFRAEXEC_YAMLEDIT_INTERNAL_H
#define INFRAEXEC_YAMLEDIT_INTERNAL_H

#include "infraexec/model/yamledit.h"

#include <stddef.h>
#include <yaml.h>

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

void ix_yaml_walker_init(walker *w, const char *text, size_t len);
void ix_yaml_walker_free(walker *w);
/* The next event into w->ev; err may be NULL. */
int ix_yaml_walker_next(walker *w, ix_err *err);

/* The scalar a path names, as found in the text. */
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

/* Check the input and the path, and find the target scalar; TEXT and LEN
 * are moved past a BOM (its length in *BOM). */
int ix_yaml_find_target(const char **text, size_t *len, size_t *bom, int doc, const char *path,
                       target *t, ix_err *err);

/* The next code point of S[*I..N) (advancing *I), -1 if not valid UTF-8. */
long ix_yaml_utf8_next(const unsigned char *s, size_t n, size_t *i);
/* Whether code point CP must be escaped (so written double-quoted). */
int ix_yaml_needs_escape(long cp);

/* Whether PLAIN resolves as "str" under both YAML 1.1 and 1.2. */
int ix_yaml_resolves_str(const char *plain);
/* Whether V may be the value of a scalar explicitly tagged TAG (NULL: any). */
int ix_yaml_tag_ok(const char *tag, const char *v);

/* Whether V can be written as a plain scalar (IN_FLOW: inside [...] or {...}). */
int ix_yaml_plain_ok(const char *v, int in_flow);
void ix_yaml_put_single(ix_buf *b, const char *v);
void ix_yaml_put_double(ix_buf *b, const char *v);
int ix_yaml_render_block(const char *s, size_t len, const target *t, const char *path,
                         const char *v, ix_buf *body, size_t *rs, size_t *re, ix_buf *want,
                         ix_err *err);

int ix_yaml_same_stream(const char *old, size_t olen, const char *new, size_t nlen,
                        size_t target, const ix_buf *want);

#endif
