/* deps.c - see include/infraexec/model/deps.h */
#include "infraexec/model/deps.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Labels, normalized (lower case, single spaces).  Anything that reads as
 * "this task waits for" is a prerequisite; the rest describe the other
 * direction or a loose link, and never make a task wait. */
static const struct {
    const char *label, *relation;
    int prerequisite;
} labels[] = {
    {"depends on", "depends_on", 1},
    {"depends", "depends_on", 1},
    {"dependent on", "depends_on", 1},
    {"blocked by", "blocked_by", 1},
    {"prerequisite", "prerequisites", 1},
    {"prerequisites", "prerequisites", 1},
    {"requires", "requires", 1},
    {"after", "after", 1},
    {"blocks", "blocks", 0},
    {"blocking", "blocks", 0},
    {"unblocks", "unblocks", 0},
    {"required for", "required_for", 0},
    {"required by", "required_for", 0},
    {"enables", "enables", 0},
    {"related", "related", 0},
    {"related tasks", "related", 0},
    {"related to", "related", 0},
};

const char *ix_dep_relation(const char *label, size_t n, int *prerequisite)
{
    while (n && label[n - 1] && strchr(" \t\r\n:", label[n - 1]))
        n--;
    char norm[32];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)label[i];
        if (c && strchr(" \t\r\n-_", c)) {
            if (k && norm[k - 1] != ' ')
                norm[k++] = ' ';
        } else {
            norm[k++] = (char)tolower(c);
        }
        if (k + 1 >= sizeof norm)
            return NULL; /* longer than any label */
    }
    norm[k] = '\0';
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i++)
        if (strcmp(norm, labels[i].label) == 0) {
            *prerequisite = labels[i].prerequisite;
            return labels[i].relation;
        }
    return NULL;
}

size_t ix_dep_id_len(const char *s)
{
    if (strncmp(s, "TASK-", 5) != 0)
        return 0;
    size_t n = 5;
    while (isdigit((unsigned char)s[n]))
        n++;
    if (n == 5 || isalnum((unsigned char)s[n]) || s[n] == '_')
        return 0;
    return n;
}

long ix_dep_id_number(const char *id)
{
    const char *d = id ? strrchr(id, '-') : NULL;
    if (!d || !isdigit((unsigned char)d[1]))
        return -1;
    char *end;
    long v = strtol(d + 1, &end, 10);
    return *end ? -1 : v;
}

int ix_dep_id_cmp(const char *a, const char *b)
{
    long na = ix_dep_id_number(a), nb = ix_dep_id_number(b);
    if (na != nb)
        return na < 0 ? 1 : nb < 0 ? -1 : na < nb ? -1 : 1;
    return strcmp(a ? a : "", b ? b : "");
}
