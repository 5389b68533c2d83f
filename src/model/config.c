/* config.c - see include/infraexec/model/config.h */
#include "infraexec/model/config.h"

#include "infraexec/base/buf.h"
#include "infraexec/sys/fileio.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef ix_config_field field;

#define KEY(k, t) {k, IX_CONFIG_##t, NULL, 0, 0, NULL}
#define SUB(k, t, f) {k, IX_CONFIG_##t, f, 0, 0, NULL}
#define END KEY(NULL, STR)

/* The core's own keys: what the C engine reads.  Every other section is
 * declared by the Lua module that reads it (lua/infraexec/core/config.lua). */
static const field git_fields[] = {
    KEY("branch", STR),       /* read in Lua: the branch handlers commit on */
    KEY("author_name", STR),
    KEY("author_email", STR),
    END,
};
static const field queue_fields[] = {
    KEY("remote", STR),       /* the tasks repository's remote (origin) */
    KEY("branch", STR),       /* its branch claims are pushed to */
    KEY("lease", DURATION),   /* a claim without pushed progress expires */
    KEY("runner", STR),       /* this runner's name in claims */
    END,
};
static const field core_fields[] = {
    SUB("git", MAP, git_fields),
    SUB("queue", MAP, queue_fields),
    KEY("secrets", STRS),     /* values to mask in logs and reports */
    KEY("secret_env", STRS),  /* more variable-name patterns to mask */
    KEY("timeout", NUMBER),   /* default per-command timeout, seconds */
    KEY("command_log_max", NUMBER), /* bytes of a command's log file, then cut */
    END,
};

/* Declarations name the types in Lua; index = ix_config_type. */
static const char *const type_words[] = {
    "string", "path", "bool", "number", "argv", "strings", "addr",
    "addrs", "paths", "urls", "map", "named", "list", "duration",
};
#define NTYPES (sizeof type_words / sizeof *type_words)
_Static_assert(NTYPES == IX_CONFIG_DURATION + 1, "a word for every ix_config_type, in its order");

int ix_config_type_named(const char *name)
{
    for (size_t i = 0; name && i < NTYPES; i++)
        if (strcmp(name, type_words[i]) == 0)
            return (int)i;
    return -1;
}

const char *ix_config_type_names(void)
{
    static char all[256];
    if (!all[0])
        for (size_t i = 0; i < NTYPES; i++)
            snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", i ? ", " : "",
                     type_words[i]);
    return all;
}

static const char *type_name(ix_config_type t)
{
    switch (t) {
    case IX_CONFIG_STR: return "a string";
    case IX_CONFIG_PATH: return "a path (string)";
    case IX_CONFIG_BOOL: return "true or false";
    case IX_CONFIG_NUMBER: return "a number";
    case IX_CONFIG_ARGV: return "a command as a non-empty list of strings, e.g. [kubectl, kustomize, .]";
    case IX_CONFIG_STRS: return "a list of strings";
    case IX_CONFIG_ADDR: return "an address host:port";
    case IX_CONFIG_ADDRS: return "a list of addresses host:port";
    case IX_CONFIG_PATHS: return "a list of paths";
    case IX_CONFIG_URLS: return "a list of http:// or https:// URLs";
    case IX_CONFIG_MAP: return "a mapping";
    case IX_CONFIG_NAMED: return "a mapping of names to settings";
    case IX_CONFIG_LIST: return "a non-empty list of mappings";
    case IX_CONFIG_DURATION: return "a duration such as 90s, 30m, 2h or a number of seconds";
    }
    return "?";
}

typedef struct checker {
    ix_config *cfg;
    ix_err *err;
    int dups;   /* duplicate keys seen */
} checker;

static void note_path(ix_config_path **v, size_t *n, const char *key, const char *path)
{
    *v = ix_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = (ix_config_path){ix_xstrdup(key), path};
}

static int bad(checker *c, const ix_fm_node *n, const char *where, ix_config_type t)
{
    return ix_err_set(c->err, "%s:%d:%d: %s must be %s", c->cfg->path, n->line, n->col, where,
                      type_name(t));
}

/* Credentials in a URL (scheme://user:password@host) or an address
 * (user:password@host:port) would be repeated by every reason, log, report
 * and event that names the URL; no masking can find every spelling of it,
 * so the config may not hold them at all. */
static int has_userinfo(const char *v, int address)
{
    const char *scheme = strstr(v, "://");
    if (scheme)
        v = scheme + 3;
    else if (!address)
        return 0;
    size_t authority = strcspn(v, "/?#");
    const char *at = memchr(v, '@', authority);
    return at != NULL;
}

static int refuse_userinfo(checker *c, const ix_fm_node *n, const char *where, int address)
{
    if (n->kind != IX_FM_SCALAR || !has_userinfo(n->value, address))
        return 0;
    return ix_err_set(c->err, "%s:%d:%d: %s: no user:password@ in addresses and URLs (it would "
                      "be shown in logs, reasons and reports); give credentials in an "
                      "environment variable named like *PASSWORD* or under secrets",
                      c->cfg->path, n->line, n->col, where);
}

static void absolutize(const ix_config *cfg, ix_fm_node *n)
{
    if (n->value[0] == '/' || !n->value[0])
        return;
    ix_buf b = IX_BUF_INIT;
    ix_buf_printf(&b, "%s/%s", cfg->dir, n->value);
    free(n->value);
    n->value = ix_buf_detach(&b);
}

static int check_map(checker *c, ix_fm_node *map, const field *fields, const char *where);

/* "where.key" for messages; long names are cut, not overflowed. */
static void join_key(char *out, size_t size, const char *where, const char *key)
{
    if (snprintf(out, size, "%s%s%s", where, *where ? "." : "", key) >= (int)size)
        out[size - 1] = '\0';
}

static int check_value(checker *c, ix_fm_node *n, const field *f, const char *where)
{
    switch (f->type) {
    case IX_CONFIG_STR:
    case IX_CONFIG_PATH:
    case IX_CONFIG_ADDR:
        if (n->kind != IX_FM_SCALAR)
            return bad(c, n, where, f->type);
        if (f->type == IX_CONFIG_PATH) {
            absolutize(c->cfg, n);
            if (f->write)
                note_path(&c->cfg->write_roots, &c->cfg->nwrite_roots, where, n->value);
            if (f->dir)
                note_path(&c->cfg->dirs, &c->cfg->ndirs, where, n->value);
        }
        return f->type == IX_CONFIG_PATH ? 0 : refuse_userinfo(c, n, where, f->type == IX_CONFIG_ADDR);
    case IX_CONFIG_DURATION: {
        double secs;
        if (n->kind != IX_FM_SCALAR || ix_config_duration(n->value, &secs) < 0)
            return bad(c, n, where, IX_CONFIG_DURATION);
        return 0;
    }
    case IX_CONFIG_BOOL:
        if (n->kind != IX_FM_SCALAR || (strcmp(n->value, "true") && strcmp(n->value, "false")))
            return bad(c, n, where, IX_CONFIG_BOOL);
        n->boolean = 1; /* every other true/false (a command word, a name) stays a string */
        if (f->warn && strcmp(n->value, "true") == 0) {
            c->cfg->warnings = ix_xrealloc(c->cfg->warnings,
                                           (c->cfg->nwarnings + 1) * sizeof *c->cfg->warnings);
            c->cfg->warnings[c->cfg->nwarnings++] = ix_xstrdup(f->warn);
        }
        return 0;
    case IX_CONFIG_NUMBER: {
        char *end;
        if (n->kind != IX_FM_SCALAR || strtod(n->value, &end) < 0 || end == n->value || *end)
            return bad(c, n, where, IX_CONFIG_NUMBER);
        return 0;
    }
    case IX_CONFIG_ARGV:
    case IX_CONFIG_STRS:
    case IX_CONFIG_ADDRS:
    case IX_CONFIG_PATHS:
    case IX_CONFIG_URLS:
        if (n->kind != IX_FM_SEQ || (f->type == IX_CONFIG_ARGV && !n->nchild))
            return bad(c, n, where, f->type);
        for (size_t i = 0; i < n->nchild; i++) {
            if (n->child[i].kind != IX_FM_SCALAR)
                return bad(c, &n->child[i], where, f->type);
            if (f->type == IX_CONFIG_PATHS)
                absolutize(c->cfg, &n->child[i]);
            if (f->type == IX_CONFIG_PATHS && f->write)
                note_path(&c->cfg->write_roots, &c->cfg->nwrite_roots, where, n->child[i].value);
            if (f->type == IX_CONFIG_URLS && strncmp(n->child[i].value, "http://", 7) &&
                strncmp(n->child[i].value, "https://", 8))
                return bad(c, &n->child[i], where, IX_CONFIG_URLS);
            /* secrets: may well be such a URL, and is masked */
            if ((f->type == IX_CONFIG_ARGV || f->type == IX_CONFIG_ADDRS || f->type == IX_CONFIG_URLS) &&
                refuse_userinfo(c, &n->child[i], where, f->type == IX_CONFIG_ADDRS) < 0)
                return -1;
        }
        return 0;
    case IX_CONFIG_MAP:
        if (n->kind != IX_FM_MAP)
            return bad(c, n, where, IX_CONFIG_MAP);
        return check_map(c, n, f->fields, where);
    case IX_CONFIG_NAMED:
        if (n->kind != IX_FM_MAP)
            return bad(c, n, where, IX_CONFIG_NAMED);
        for (size_t i = 0; i < n->nchild; i++) {
            char sub[256];
            join_key(sub, sizeof sub, where, n->child[i].key);
            if (n->child[i].kind != IX_FM_MAP)
                return bad(c, &n->child[i], sub, IX_CONFIG_MAP);
            if (check_map(c, &n->child[i], f->fields, sub) < 0)
                return -1;
        }
        return 0;
    case IX_CONFIG_LIST:
        if (n->kind != IX_FM_SEQ || !n->nchild)
            return bad(c, n, where, IX_CONFIG_LIST);
        for (size_t i = 0; i < n->nchild; i++) {
            char sub[256];
            snprintf(sub, sizeof sub, "%.200s[%zu]", where, i);
            if (n->child[i].kind != IX_FM_MAP)
                return bad(c, &n->child[i], sub, IX_CONFIG_MAP);
            if (check_map(c, &n->child[i], f->fields, sub) < 0)
                return -1;
        }
        return 0;
    }
    return 0;
}

static const field *find_field(const field *fields, const char *key)
{
    while (fields && fields->key && strcmp(fields->key, key) != 0)
        fields++;
    return fields && fields->key ? fields : NULL;
}

static int unknown_key(checker *c, const ix_fm_node *n, const char *where, const field *fields,
                       const field *more)
{
    ix_buf known = IX_BUF_INIT;
    for (const field *t[] = {fields, more}, **p = t; p < t + 2; p++)
        for (const field *f = *p; f && f->key; f++)
            ix_buf_printf(&known, "%s%s", known.len ? ", " : "", f->key);
    ix_err_set(c->err, "%s:%d:%d: unknown key '%s' (known here: %s)", c->cfg->path, n->key_line,
               n->key_col, where, known.data ? known.data : "none");
    ix_buf_free(&known);
    return -1;
}

/* Keys of MAP against FIELDS.  At the top (MAP the root): the core's keys
 * are FIELDS, and the other sections are checked against DECLARED, or
 * left for later when DECLARED is NULL (the handlers are not loaded yet). */
static int check_keys(checker *c, ix_fm_node *map, const field *fields, const field *declared,
                      int top, const char *where)
{
    for (size_t i = 0; i < map->nchild; i++) {
        ix_fm_node *n = &map->child[i];
        const field *f = find_field(fields, n->key);
        char sub[256];
        join_key(sub, sizeof sub, where, n->key);
        if (top && (f ? declared != NULL : declared == NULL))
            continue; /* the core's key, checked at load; or a section not declared yet */
        f = f ? f : find_field(declared, n->key);
        if (!f)
            return unknown_key(c, n, sub, fields, declared);
        if (check_value(c, n, f, sub) < 0)
            return -1;
    }
    return 0;
}

static int check_map(checker *c, ix_fm_node *map, const field *fields, const char *where)
{
    return check_keys(c, map, fields, NULL, 0, where);
}

static void on_duplicate(void *ctx, const ix_fm_node *dup, const ix_fm_node *first)
{
    checker *c = ctx;
    if (!c->dups++)
        ix_err_set(c->err, "%s:%d:%d: duplicate key '%s' (first at line %d)", c->cfg->path,
                   dup->key_line, dup->key_col, dup->key, first->key_line);
}

/* YAML tools disagree on which of two equal keys wins; the config is refused. */
static int refuse_duplicates(checker *c)
{
    ix_fm_each_duplicate(c->cfg->root, on_duplicate, c);
    return c->dups ? -1 : 0;
}

static char *find_upwards(const char *start)
{
    char dir[PATH_MAX];
    if (!realpath(start, dir))
        return NULL;
    for (;;) {
        char cand[PATH_MAX + 32];
        snprintf(cand, sizeof cand, "%s/infraexec.yaml", strcmp(dir, "/") ? dir : "");
        if (access(cand, F_OK) == 0)
            return ix_xstrdup(cand);
        char *slash = strrchr(dir, '/');
        if (!slash || strcmp(dir, "/") == 0)
            return NULL;
        if (slash == dir)
            slash[1] = '\0';
        else
            *slash = '\0';
    }
}

int ix_config_load(const char *path, const char *start_dir, ix_config *cfg, ix_err *err)
{
    memset(cfg, 0, sizeof *cfg);
    char *found = path ? ix_xstrdup(path) : find_upwards(start_dir);
    if (!found)
        return 0;
    char real[PATH_MAX];
    if (!realpath(found, real)) {
        ix_err_sys(err, "%s: cannot open config", found);
        free(found);
        return -1;
    }
    free(found);
    cfg->path = ix_xstrdup(real);
    cfg->dir = ix_xstrdup(real);
    *strrchr(cfg->dir, '/') = '\0';
    ix_buf b = IX_BUF_INIT;
    if (ix_file_read(cfg->path, (size_t)1 << 20, &b, err) < 0) {
        ix_buf_free(&b);
        ix_config_free(cfg);
        return -1;
    }
    cfg->data = ix_buf_detach(&b);
    size_t len = strlen(cfg->data);
    ix_lines_build(&cfg->lines, cfg->data, len);
    checker c = {cfg, err, 0};
    if (ix_fm_parse(cfg->path, "config", cfg->data, &cfg->lines, 0, len, &cfg->root, err) < 0 ||
        refuse_duplicates(&c) < 0 || check_keys(&c, cfg->root, core_fields, NULL, 1, "") < 0) {
        ix_config_free(cfg);
        return -1;
    }
    return 0;
}

int ix_config_validate(ix_config *cfg, const ix_config_field *declared, ix_err *err)
{
    for (const field *f = declared; f && f->key; f++)
        if (find_field(core_fields, f->key))
            return ix_err_set(err, "infraexec.config: '%s' is a key of the core; a module "
                              "cannot declare it", f->key);
    if (cfg->validated)
        return 0;
    checker c = {cfg, err, 0};
    static const field none[] = {END};
    if (cfg->root && check_keys(&c, cfg->root, core_fields, declared ? declared : none, 1, "") < 0)
        return -1;
    cfg->validated = 1;
    return 0;
}

static void free_paths(ix_config_path *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].key);
    free(v);
}

void ix_config_free(ix_config *cfg)
{
    free_paths(cfg->write_roots, cfg->nwrite_roots);
    free_paths(cfg->dirs, cfg->ndirs);
    for (size_t i = 0; i < cfg->nwarnings; i++)
        free(cfg->warnings[i]);
    free(cfg->warnings);
    ix_fm_free(cfg->root);
    ix_lines_free(&cfg->lines);
    free(cfg->data);
    free(cfg->path);
    free(cfg->dir);
    memset(cfg, 0, sizeof *cfg);
}

int ix_config_duration(const char *s, double *seconds)
{
    if (!s)
        return -1;
    /* Digits and an optional fraction only: no sign, exponent or hex. */
    size_t len = strspn(s, "0123456789");
    if (len && s[len] == '.' && strspn(s + len + 1, "0123456789"))
        len += 1 + strspn(s + len + 1, "0123456789");
    if (!len)
        return -1;
    const char *end = s + len;
    double v = strtod(s, NULL);
    double unit = !*end ? 1 : strcmp(end, "s") == 0 ? 1 : strcmp(end, "m") == 0 ? 60
                : strcmp(end, "h") == 0 ? 3600 : strcmp(end, "d") == 0 ? 86400 : -1;
    /* A year at most: more is a typo, and stays far from overflow. */
    if (unit < 0 || v * unit > 365 * 86400.0)
        return -1;
    *seconds = v * unit;
    return 0;
}

const char *ix_config_str(const ix_config *cfg, const char *dotted)
{
    const ix_fm_node *n = cfg->root;
    char key[256];
    for (const char *p = dotted; n && *p;) {
        size_t k = strcspn(p, ".");
        snprintf(key, sizeof key, "%.*s", (int)k, p);
        n = ix_fm_get(n, key);
        p += k + (p[k] == '.');
    }
    return n && n->kind == IX_FM_SCALAR ? n->value : NULL;
}
