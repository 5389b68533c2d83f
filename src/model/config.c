/* config.c - see include/infraexec/model/config.h */
#include "infraexec/model/config.h"

#include "infraexec/base/buf.h"
#include "infraexec/sys/fileio.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum {
    C_STR,      /* a string */
    C_PATH,     /* a string naming a file, made absolute */
    C_BOOL,     /* true / false */
    C_NUMBER,   /* a non-negative number */
    C_ARGV,     /* a non-empty list of strings: a command, never a shell line */
    C_STRS,     /* a list of strings */
    C_ADDR,     /* host:port, without user:password@ */
    C_ADDRS,    /* a list of them */
    C_PATHS,    /* a list of paths */
    C_URLS,     /* a list of http(s):// URLs, without user:password@ */
    C_MAP,      /* fixed keys: .fields */
    C_NAMED,    /* name -> map with .fields (projects, apps) */
    C_LIST,     /* a non-empty list of maps with .fields (an app's releases) */
    C_DURATION, /* 90, 90s, 30m, 2h (ix_config_duration) */
} ctype;

typedef struct field {
    const char *key;
    ctype type;
    const struct field *fields;
} field;

#define END {NULL, C_STR, NULL}

static const field registry_fields[] = {
    {"address", C_ADDR, NULL},           /* host:port */
    {"ca", C_PATH, NULL},                /* CA file that signs the registry's certificate */
    {"insecure_skip_verify", C_BOOL, NULL},
    {"certificate", C_PATH, NULL},       /* the registry's TLS certificate (registry_ip) */
    {"key", C_PATH, NULL},               /* and its key */
    {"old_addresses", C_ADDRS, NULL},    /* addresses that must no longer appear */
    {"restart", C_ARGV, NULL},           /* makes the registry load a new certificate */
    END,
};
static const field project_fields[] = {
    {"path", C_PATH, NULL},
    {"build", C_ARGV, NULL},             /* run in path with REGISTRY_URL and VERSION set */
    {"push", C_ARGV, NULL},              /* builds and pushes; default: build */
    {"images", C_STRS, NULL},            /* repositories the build pushes */
    {"lint", C_ARGV, NULL},              /* optional extra validation (sec-lint.sh) */
    END,
};
/* One HelmRelease of an app: a document of a file in the GitOps repository. */
static const field release_fields[] = {
    {"file", C_PATH, NULL},              /* the file holding it */
    {"document", C_STR, NULL},           /* its metadata.name, or 0-based index; default 0 */
    {"name", C_STR, NULL},               /* HelmRelease name; default: the document's */
    {"namespace", C_STR, NULL},          /* default: the app's, else the document's */
    {"tags", C_STRS, NULL},              /* YAML paths of image tags in that document */
    {"selector", C_STR, NULL},           /* label selector of its pods */
    {"health", C_URLS, NULL},            /* URLs that answer 2xx when it is healthy */
    {"service", C_STR, NULL},            /* its Service; default: the release's name */
    {"jobs", C_STR, NULL},               /* label selector of its migration / pre-install Jobs */
    {"proxy", C_URLS, NULL},             /* its URLs that answer only through its proxy to a backend */
    END,
};
static const field app_fields[] = {
    {"helmrelease", C_PATH, NULL},       /* one-release form: file in the GitOps repository */
    {"tags", C_STRS, NULL},              /* and YAML paths of image tags in it */
    {"releases", C_LIST, release_fields}, /* or every release of the app */
    {"project", C_STR, NULL},            /* the project whose images it deploys */
    {"namespace", C_STR, NULL},          /* where its releases and pods live */
    {"selector", C_STR, NULL},           /* label selector of all its pods */
    {"health", C_URLS, NULL},            /* URLs that answer 2xx when it is healthy */
    {"kustomization", C_STR, NULL},      /* NAMESPACE/NAME of the Flux Kustomization applying it */
    {"jobs", C_STR, NULL},               /* label selector of its migration / pre-install Jobs */
    END,
};
static const field gitops_fields[] = {
    {"path", C_PATH, NULL},
    {"names", C_STRS, NULL},             /* other names criteria use for the repository (beckerkube) */
    {"apps", C_NAMED, app_fields},
    {"validate", C_ARGV, NULL},          /* e.g. kubectl kustomize clusters/minikube */
    {"reconcile", C_ARGV, NULL},         /* optional, e.g. flux reconcile ... */
    {"lint", C_ARGV, NULL},
    {"remote", C_STR, NULL},             /* pushed to before reconciling; default origin */
    {"branch", C_STR, NULL},             /* the branch Flux follows; default: the checked-out one */
    {"kustomization", C_STR, NULL},      /* NAMESPACE/NAME Flux applies the repository with */
    {"archive", C_STR, NULL},            /* folder in the repository retired directories move to */
    {"health_ca", C_PATH, NULL},         /* CA of the apps' health URLs; default registry.ca */
    END,
};
static const field kube_fields[] = {
    {"context", C_STR, NULL},
    {"kubeconfig", C_PATH, NULL},
    {"settle", C_DURATION, NULL},        /* between the two reads of pods (restarts); default 10s */
    {"stable", C_DURATION, NULL},        /* a healthy container ran this long without a crash; default 5m */
    {"system", C_STRS, NULL},            /* namespaces of the cluster's own pods, not an app's */
    END,
};
static const field git_fields[] = {
    {"branch", C_STR, NULL},
    {"author_name", C_STR, NULL},
    {"author_email", C_STR, NULL},
    END,
};
static const field queue_fields[] = {
    {"remote", C_STR, NULL},             /* the tasks repository's remote (origin) */
    {"branch", C_STR, NULL},             /* its branch claims are pushed to */
    {"lease", C_DURATION, NULL},         /* a claim without pushed progress expires */
    {"runner", C_STR, NULL},             /* this runner's name in claims */
    END,
};
static const field top_fields[] = {
    {"registry", C_MAP, registry_fields},
    {"projects", C_NAMED, project_fields},
    {"gitops", C_MAP, gitops_fields},
    {"kube", C_MAP, kube_fields},
    {"git", C_MAP, git_fields},
    {"queue", C_MAP, queue_fields},
    {"registry_files", C_PATHS, NULL},   /* files that carry the registry address */
    {"search_roots", C_PATHS, NULL},     /* trees searched for stale addresses */
    {"architecture_doc", C_PATH, NULL},
    {"secrets", C_STRS, NULL},           /* values to mask in logs and reports */
    {"secret_env", C_STRS, NULL},        /* more variable-name patterns to mask */
    {"timeout", C_NUMBER, NULL},         /* default per-command timeout, seconds */
    {"command_log_max", C_NUMBER, NULL}, /* bytes of a command's log file, then cut */
    END,
};

static const char *type_name(ctype t)
{
    switch (t) {
    case C_STR: return "a string";
    case C_PATH: return "a path (string)";
    case C_BOOL: return "true or false";
    case C_NUMBER: return "a number";
    case C_ARGV: return "a command as a non-empty list of strings, e.g. [kubectl, kustomize, .]";
    case C_STRS: return "a list of strings";
    case C_ADDR: return "an address host:port";
    case C_ADDRS: return "a list of addresses host:port";
    case C_PATHS: return "a list of paths";
    case C_URLS: return "a list of http:// or https:// URLs";
    case C_MAP: return "a mapping";
    case C_NAMED: return "a mapping of names to settings";
    case C_LIST: return "a non-empty list of mappings";
    case C_DURATION: return "a duration such as 90s, 30m, 2h or a number of seconds";
    }
    return "?";
}

typedef struct checker {
    const ix_config *cfg;
    ix_err *err;
    int dups;   /* duplicate keys seen */
} checker;

static int bad(checker *c, const ix_fm_node *n, const char *where, ctype t)
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
    case C_STR:
    case C_PATH:
    case C_ADDR:
        if (n->kind != IX_FM_SCALAR)
            return bad(c, n, where, f->type);
        if (f->type == C_PATH)
            absolutize(c->cfg, n);
        return f->type == C_PATH ? 0 : refuse_userinfo(c, n, where, f->type == C_ADDR);
    case C_DURATION: {
        double secs;
        if (n->kind != IX_FM_SCALAR || ix_config_duration(n->value, &secs) < 0)
            return bad(c, n, where, C_DURATION);
        return 0;
    }
    case C_BOOL:
        if (n->kind != IX_FM_SCALAR || (strcmp(n->value, "true") && strcmp(n->value, "false")))
            return bad(c, n, where, C_BOOL);
        n->boolean = 1; /* every other true/false (a command word, a name) stays a string */
        return 0;
    case C_NUMBER: {
        char *end;
        if (n->kind != IX_FM_SCALAR || strtod(n->value, &end) < 0 || end == n->value || *end)
            return bad(c, n, where, C_NUMBER);
        return 0;
    }
    case C_ARGV:
    case C_STRS:
    case C_ADDRS:
    case C_PATHS:
    case C_URLS:
        if (n->kind != IX_FM_SEQ || (f->type == C_ARGV && !n->nchild))
            return bad(c, n, where, f->type);
        for (size_t i = 0; i < n->nchild; i++) {
            if (n->child[i].kind != IX_FM_SCALAR)
                return bad(c, &n->child[i], where, f->type);
            if (f->type == C_PATHS)
                absolutize(c->cfg, &n->child[i]);
            if (f->type == C_URLS && strncmp(n->child[i].value, "http://", 7) &&
                strncmp(n->child[i].value, "https://", 8))
                return bad(c, &n->child[i], where, C_URLS);
            /* secrets: may well be such a URL, and is masked */
            if ((f->type == C_ARGV || f->type == C_ADDRS || f->type == C_URLS) &&
                refuse_userinfo(c, &n->child[i], where, f->type == C_ADDRS) < 0)
                return -1;
        }
        return 0;
    case C_MAP:
        if (n->kind != IX_FM_MAP)
            return bad(c, n, where, C_MAP);
        return check_map(c, n, f->fields, where);
    case C_NAMED:
        if (n->kind != IX_FM_MAP)
            return bad(c, n, where, C_NAMED);
        for (size_t i = 0; i < n->nchild; i++) {
            char sub[256];
            join_key(sub, sizeof sub, where, n->child[i].key);
            if (n->child[i].kind != IX_FM_MAP)
                return bad(c, &n->child[i], sub, C_MAP);
            if (check_map(c, &n->child[i], f->fields, sub) < 0)
                return -1;
        }
        return 0;
    case C_LIST:
        if (n->kind != IX_FM_SEQ || !n->nchild)
            return bad(c, n, where, C_LIST);
        for (size_t i = 0; i < n->nchild; i++) {
            char sub[256];
            snprintf(sub, sizeof sub, "%.200s[%zu]", where, i);
            if (n->child[i].kind != IX_FM_MAP)
                return bad(c, &n->child[i], sub, C_MAP);
            if (check_map(c, &n->child[i], f->fields, sub) < 0)
                return -1;
        }
        return 0;
    }
    return 0;
}

static int check_map(checker *c, ix_fm_node *map, const field *fields, const char *where)
{
    for (size_t i = 0; i < map->nchild; i++) {
        ix_fm_node *n = &map->child[i];
        const field *f = fields;
        while (f->key && strcmp(f->key, n->key) != 0)
            f++;
        char sub[256];
        join_key(sub, sizeof sub, where, n->key);
        if (!f->key) {
            ix_buf known = IX_BUF_INIT;
            for (f = fields; f->key; f++)
                ix_buf_printf(&known, "%s%s", known.len ? ", " : "", f->key);
            ix_err_set(c->err, "%s:%d:%d: unknown key '%s' (known here: %s)", c->cfg->path,
                       n->key_line, n->key_col, sub, known.data);
            ix_buf_free(&known);
            return -1;
        }
        if (check_value(c, n, f, sub) < 0)
            return -1;
    }
    return 0;
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
        refuse_duplicates(&c) < 0 || check_map(&c, cfg->root, top_fields, "") < 0) {
        ix_config_free(cfg);
        return -1;
    }
    return 0;
}

void ix_config_free(ix_config *cfg)
{
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
