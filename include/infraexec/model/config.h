/* config.h - infraexec.yaml: the facts about a workspace that handlers
 * need (where things are, which commands build and validate them ...).
 *
 * Found by walking up from the task's workspace (as git finds .git), or
 * given with --config.  The schema is in two parts: the core's own keys
 * (git, queue, secrets, secret_env, timeout, command_log_max), fixed in
 * config.c and checked when the file is loaded; and the sections the Lua
 * modules declare (lua/infraexec/config.lua), checked by
 * ix_config_validate once the handlers are loaded.  An unknown key or a
 * wrong type is an error naming file:line:col.  Relative paths are resolved
 * against the file's directory.  The whole file reaches Lua as
 * infraexec.config(); docs/config.md describes every key. */
#ifndef INFRAEXEC_CONFIG_H
#define INFRAEXEC_CONFIG_H

#include "infraexec/base/err.h"
#include "infraexec/model/frontmatter.h"

/* The validation vocabulary: what a key's value must be. */
typedef enum {
    IX_CONFIG_STR,      /* a string */
    IX_CONFIG_PATH,     /* a string naming a file, made absolute */
    IX_CONFIG_BOOL,     /* true / false */
    IX_CONFIG_NUMBER,   /* a non-negative number */
    IX_CONFIG_ARGV,     /* a non-empty list of strings: a command, never a shell line */
    IX_CONFIG_STRS,     /* a list of strings */
    IX_CONFIG_ADDR,     /* host:port, without user:password@ */
    IX_CONFIG_ADDRS,    /* a list of them */
    IX_CONFIG_PATHS,    /* a list of paths */
    IX_CONFIG_URLS,     /* a list of http(s):// URLs, without user:password@ */
    IX_CONFIG_MAP,      /* fixed keys: .fields */
    IX_CONFIG_NAMED,    /* name -> map with .fields (one per project, app ...) */
    IX_CONFIG_LIST,     /* a non-empty list of maps with .fields (an app's releases) */
    IX_CONFIG_DURATION, /* 90, 90s, 30m, 2h (ix_config_duration) */
} ix_config_type;

/* One key of a schema; an array of them ends with a NULL key. */
typedef struct ix_config_field {
    const char *key;
    ix_config_type type;
    const struct ix_config_field *fields; /* MAP, NAMED, LIST */
    int write;          /* PATH, PATHS: handlers may write under it */
    int dir;            /* PATH: a directory that must exist before a run */
    const char *warn;   /* BOOL: the run's warning when it is true */
} ix_config_field;

/* What validation found for the run: a path and the key that names it. */
typedef struct ix_config_path {
    char *key;          /* where: "SECTION.NAME.path" */
    const char *path;   /* into the tree */
} ix_config_path;

typedef struct ix_config {
    char *path;          /* the file, or NULL when there is none */
    char *dir;           /* its directory */
    char *data;          /* its bytes (the tree points into positions here) */
    ix_lines lines;
    ix_fm_node *root;    /* the tree; validated keys' paths already made absolute */
    int validated;       /* 1 once ix_config_validate checked the declared sections */
    ix_config_path *write_roots; /* paths of keys declared write */
    size_t nwrite_roots;
    ix_config_path *dirs;        /* paths of keys declared dir */
    size_t ndirs;
    char **warnings;             /* warn texts of declared switches that are true */
    size_t nwarnings;
} ix_config;

/* Load PATH, or when PATH is NULL the nearest infraexec.yaml at or above
 * START_DIR, checking the core's keys; the other top-level sections are
 * left for ix_config_validate.  No file found is not an error: cfg->path
 * stays NULL. */
int ix_config_load(const char *path, const char *start_dir, ix_config *cfg, ix_err *err);

/* Check every top-level section that is not the core's against DECLARED
 * (NULL-key terminated; a key of the core's own may not be declared
 * again): an undeclared section is an unknown key.  Fills write_roots,
 * dirs and warnings.  A config without a file validates trivially. */
int ix_config_validate(ix_config *cfg, const ix_config_field *declared, ix_err *err);

/* The type a declaration names ("path", "named" ...), or -1. */
int ix_config_type_named(const char *name);
/* The names, comma-separated, for messages. */
const char *ix_config_type_names(void);
void ix_config_free(ix_config *cfg);

/* Scalar at a dotted path ("queue.lease"), or NULL. */
const char *ix_config_str(const ix_config *cfg, const char *dotted);

/* A duration as the config writes it: seconds ("90"), or a number with s,
 * m, h or d ("90s", "30m", "2h", "1d"), at most a year.  -1 when it is none. */
int ix_config_duration(const char *s, double *seconds);

#endif
