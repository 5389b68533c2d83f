/* config.h - infraexec.yaml: the facts about a homelab that the seed agent
 * had hard-coded (registry address and CA, project paths and builds, the
 * GitOps repository, expected kube context and git branch ...).
 *
 * Found by walking up from the task's workspace (as git finds .git), or
 * given with --config.  Validated against the schema in config.c: an
 * unknown key or a wrong type is an error naming file:line:col.  Relative
 * paths are resolved against the file's directory.  The whole file reaches
 * Lua as infraexec.config(); docs/config.md describes every key. */
#ifndef INFRAEXEC_CONFIG_H
#define INFRAEXEC_CONFIG_H

#include "infraexec/base/err.h"
#include "infraexec/model/frontmatter.h"

typedef struct ix_config {
    char *path;          /* the file, or NULL when there is none */
    char *dir;           /* its directory */
    char *data;          /* its bytes (the tree points into positions here) */
    ix_lines lines;
    ix_fm_node *root;    /* validated tree; paths already made absolute */
} ix_config;

/* Load PATH, or when PATH is NULL the nearest infraexec.yaml at or above
 * START_DIR.  No file found is not an error: cfg->path stays NULL. */
int ix_config_load(const char *path, const char *start_dir, ix_config *cfg, ix_err *err);
void ix_config_free(ix_config *cfg);

/* Scalar at a dotted path ("registry.address"), or NULL. */
const char *ix_config_str(const ix_config *cfg, const char *dotted);

/* A duration as the config writes it: seconds ("90"), or a number with s,
 * m, h or d ("90s", "30m", "2h", "1d"), at most a year.  -1 when it is none. */
int ix_config_duration(const char *s, double *seconds);

#endif
