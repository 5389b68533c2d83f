/* secrets.h - values that must never appear in anything infraexec writes.
 *
 * A run collects them once: the values of environment variables whose names
 * look secret (*TOKEN*, *PASSWORD*, *SECRET*, *_KEY, plus patterns from the
 * config's secret_env) and the values the config lists under secrets.  A
 * value that spans lines (an SSH key) is masked whole, and each of its lines
 * on its own too, wherever it shows up.
 *
 * One masker does all the masking, as "***".  It works on a stream, not on
 * lines: fed chunk by chunk (a command's output as read), it holds back the
 * few bytes at the end of a chunk that could begin a secret until the next
 * chunk decides, so a secret cut by a read, a line cap or a ring buffer is
 * still masked.  Strings (reports, events, the Progress Log, commit
 * messages, error messages) are masked as a stream of one chunk. */
#ifndef INFRAEXEC_SECRETS_H
#define INFRAEXEC_SECRETS_H

#include "infraexec/base/buf.h"
#include "infraexec/model/frontmatter.h"

#include <jansson.h>
#include <stddef.h>

typedef struct ix_secrets {
    char **values;   /* longest first, so a secret containing another is masked whole */
    size_t *lens;
    size_t n;
    unsigned char starts[256];  /* 1 for each byte some secret begins with */
} ix_secrets;

/* Add the values of environment variables whose names match the built-in
 * patterns or EXTRA (NULL-terminated fnmatch patterns, may be NULL). */
void ix_secrets_from_env(ix_secrets *s, const char *const *extra);
/* Add one value, and each of its lines if it has several (values and lines
 * shorter than 4 bytes are ignored: masking "1" would garble every report
 * without protecting anything). */
void ix_secrets_add(ix_secrets *s, const char *value);
/* The run's secrets from infraexec.yaml's ROOT (NULL: none): the
 * environment's (ix_secrets_from_env, with every secret_env: list's
 * patterns added) and the values of every secrets: list. */
void ix_secrets_from_config(ix_secrets *s, const ix_fm_node *root);
void ix_secrets_free(ix_secrets *s);

/* The stream masker. */
typedef struct ix_masker {
    const ix_secrets *s;   /* NULL or empty: text passes unchanged */
    ix_buf held;           /* the end of the stream so far that may begin a secret */
    ix_buf work;           /* held + the next chunk */
    size_t count;          /* replacements so far */
} ix_masker;

void ix_masker_init(ix_masker *m, const ix_secrets *s);
/* Mask DATA as the continuation of the stream; append to OUT what is
 * settled (all of it but a possible beginning of a secret at its end). */
void ix_masker_feed(ix_masker *m, const char *data, size_t n, ix_buf *out);
/* End of the stream: append what was held back.  The masker can be fed
 * again afterwards, as a new stream. */
void ix_masker_flush(ix_masker *m, ix_buf *out);
void ix_masker_free(ix_masker *m);

/* Mask the whole of B in place; returns the number of replacements. */
size_t ix_secrets_mask(const ix_secrets *s, ix_buf *b);
/* A masked copy of TEXT (NULL stays NULL); frees TEXT. */
char *ix_secrets_mask_owned(const ix_secrets *s, char *text);
/* Mask the NUL-terminated string in BUF (SIZE bytes) in place, cutting the
 * result to fit (error messages).  A full BUF counts as cut: the beginning
 * of a secret at its end is masked too. */
void ix_secrets_mask_inplace(const ix_secrets *s, char *buf, size_t size);
/* Mask every string value in J, recursively (events, JSON reports: the
 * value is masked before the JSON writer escapes it). */
void ix_secrets_mask_json(const ix_secrets *s, json_t *j);

#endif
