/* secrets.h - values that must never appear in anything infraexec writes.
 *
 * A run collects them once: the values of environment variables whose names
 * look secret (*TOKEN*, *PASSWORD*, *SECRET*, *_KEY, plus patterns from the
 * config's secret_env) and the values the config lists under secrets.  Every
 * output path masks them as "***": command logs line by line, output tails,
 * Progress Log entries, and the reports. */
#ifndef INFRAEXEC_SECRETS_H
#define INFRAEXEC_SECRETS_H

#include "infraexec/buf.h"

#include <stddef.h>

typedef struct ix_secrets {
    char **values;   /* longest first, so a secret containing another is masked whole */
    size_t n;
} ix_secrets;

/* Add the values of environment variables whose names match the built-in
 * patterns or EXTRA (NULL-terminated fnmatch patterns, may be NULL). */
void ix_secrets_from_env(ix_secrets *s, const char *const *extra);
/* Add one value (values shorter than 4 bytes are ignored: masking "1" would
 * garble every report without protecting anything). */
void ix_secrets_add(ix_secrets *s, const char *value);
/* Replace every occurrence of every secret in B by "***"; also a tail of a
 * secret at the very start of B (a ring buffer may have cut one in half).
 * Returns the number of replacements. */
size_t ix_secrets_mask(const ix_secrets *s, ix_buf *b, int cut_at_start);
/* A masked copy of TEXT (NULL stays NULL); frees TEXT. */
char *ix_secrets_mask_owned(const ix_secrets *s, char *text);
void ix_secrets_free(ix_secrets *s);

#endif
