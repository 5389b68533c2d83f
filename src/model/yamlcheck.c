/* yamlcheck.c - ix_yaml_set's self-check (yamledit_internal.h): the edited
 * text parses to the same events as the old one but for the one value. */
#include "yamledit_internal.h"

#include <string.h>

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
int ix_yaml_same_stream(const char *old, size_t olen, const char *new, size_t nlen, size_t target,
                        const ix_buf *want)
{
    walker a, b;
    int same = 1;
    ix_yaml_walker_init(&a, old, olen);
    ix_yaml_walker_init(&b, new, nlen);
    while (same) {
        if (ix_yaml_walker_next(&a, NULL) || ix_yaml_walker_next(&b, NULL))
            same = 0;
        else
            same = same_event(&a.ev, &b.ev, b.ordinal == target, want);
        if (same && a.ev.type == YAML_STREAM_END_EVENT)
            break;
    }
    ix_yaml_walker_free(&a);
    ix_yaml_walker_free(&b);
    return same;
}
