/* fuzz_config.c - libFuzzer target: infraexec.yaml, as ix_config_load reads it.
 *
 * The input is written to a file (the loader reads files: its size limit,
 * realpath and relative paths are part of what is tested) and loaded.
 *
 * Refused (-1): the message is one line, starts with the file's path and
 *   speaks of the config, never of "frontmatter" (unless the input does).
 * Loaded (0), then validated against sections declared as the installed
 *   Lua modules declare them (a copy, below: no Lua here): every node of the
 *   tree lies inside the file (line and key_line in 1..lines, [start, end)
 *   within the bytes); no map holds a key twice (duplicates are refused);
 *   nothing nests deeper than 64 levels; every path setting reached by
 *   ix_config_str, every write root and every dir is absolute (or empty).
 *
 * Any violation prints what was wrong and aborts. */
#include "infraexec/model/config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/ix_fuzz_config.XXXXXX";
static char file[sizeof dir + 32];
static const ix_config *cur;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "fuzz_config: violation: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (cur && cur->data)
        fprintf(stderr, "--- config ---\n%.4096s\n--- end ---\n", cur->data);
    abort();
}

/* As lua/infraexec/registry.lua, act/gitops.lua, apps.lua, observe/kube.lua
 * declare them (fewer keys: every type and flag is here). */
#define K(k, t) {k, IX_CONFIG_##t, NULL, 0, 0, NULL}
static const ix_config_field release_fields[] = {
    K("file", PATH), K("document", STR), K("health", URLS), K("tags", STRS), K(NULL, STR),
};
static const ix_config_field app_fields[] = {
    K("helmrelease", PATH), {"releases", IX_CONFIG_LIST, release_fields, 0, 0, NULL},
    K("project", STR), K(NULL, STR),
};
static const ix_config_field registry_fields[] = {
    K("address", ADDR), {"ca", IX_CONFIG_PATH, NULL, 1, 0, NULL},
    {"insecure_skip_verify", IX_CONFIG_BOOL, NULL, 0, 0, "TLS verification is off"},
    {"certificate", IX_CONFIG_PATH, NULL, 1, 0, NULL}, {"key", IX_CONFIG_PATH, NULL, 1, 0, NULL},
    K("old_addresses", ADDRS), K("restart", ARGV), K(NULL, STR),
};
static const ix_config_field gitops_fields[] = {
    {"path", IX_CONFIG_PATH, NULL, 1, 1, NULL}, {"apps", IX_CONFIG_NAMED, app_fields, 0, 0, NULL},
    K("validate", ARGV), K(NULL, STR),
};
static const ix_config_field kube_fields[] = {
    K("context", STR), K("kubeconfig", PATH), K("settle", DURATION), K(NULL, STR),
};
static const ix_config_field project_fields[] = {
    {"path", IX_CONFIG_PATH, NULL, 1, 1, NULL}, K("build", ARGV), K(NULL, STR),
};
static const ix_config_field declared[] = {
    {"registry", IX_CONFIG_MAP, registry_fields, 0, 0, NULL},
    {"projects", IX_CONFIG_NAMED, project_fields, 0, 0, NULL},
    {"gitops", IX_CONFIG_MAP, gitops_fields, 0, 0, NULL},
    {"kube", IX_CONFIG_MAP, kube_fields, 0, 0, NULL},
    {"registry_files", IX_CONFIG_PATHS, NULL, 1, 0, NULL},
    {"architecture_doc", IX_CONFIG_PATH, NULL, 1, 0, NULL},
    K(NULL, STR),
};

static void refused(const uint8_t *data, size_t size, const ix_err *err)
{
    if (!err->msg[0])
        fail("refused without a message");
    if (strchr(err->msg, '\n'))
        fail("message of more than one line: %s", err->msg);
    if (strncmp(err->msg, file, strlen(file)) != 0)
        fail("message does not start with the file: %s", err->msg);
    if (strstr(err->msg, "frontmatter") && !memmem(data, size, "frontmatter", 11))
        fail("a config message speaks of frontmatter: %s", err->msg);
}

static void remove_dir(void)
{
    unlink(file);
    rmdir(dir);
}

static void on_dup(void *ctx, const ix_fm_node *dup, const ix_fm_node *first)
{
    (void)ctx;
    fail("duplicate key '%s' at line %d (first at line %d) was accepted", dup->key,
         dup->key_line, first->key_line);
}

static void check_node(const ix_config *cfg, const ix_fm_node *n, int depth)
{
    size_t len = strlen(cfg->data);
    if (depth > 64)
        fail("a node %d levels deep was accepted", depth);
    if (n->line < 1 || (size_t)n->line > cfg->lines.count + 1)
        fail("node line %d outside the file (%zu lines)", n->line, cfg->lines.count);
    if (n->key && (n->key_line < 1 || (size_t)n->key_line > cfg->lines.count + 1))
        fail("key '%s' line %d outside the file", n->key, n->key_line);
    if (n->start > n->end || n->end > len)
        fail("node range [%zu,%zu) outside the file (%zu bytes)", n->start, n->end, len);
    for (size_t i = 0; i < n->nchild; i++)
        check_node(cfg, &n->child[i], depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    if (!file[0]) {
        if (!mkdtemp(dir))
            fail("mkdtemp failed");
        snprintf(file, sizeof file, "%s/infraexec.yaml", dir);
        atexit(remove_dir);
    }
    FILE *f = fopen(file, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        fail("cannot write %s", file);
    ix_config cfg;
    ix_err err = {{0}};
    if (ix_config_load(file, NULL, &cfg, &err) < 0) {
        refused(data, size, &err);
        return 0;
    }
    cur = &cfg;
    if (ix_config_validate(&cfg, declared, &err) < 0) {
        refused(data, size, &err);
        cur = NULL;
        ix_config_free(&cfg);
        return 0;
    }
    if (!cfg.root || cfg.root->kind != IX_FM_MAP)
        fail("loaded config without a root mapping");
    check_node(&cfg, cfg.root, 1);
    ix_fm_each_duplicate(cfg.root, on_dup, NULL);
    static const char *paths[] = {"registry.ca", "registry.certificate", "registry.key",
                                  "gitops.path", "kube.kubeconfig", "architecture_doc"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        const char *v = ix_config_str(&cfg, paths[i]);
        if (v && *v && v[0] != '/')
            fail("%s is not absolute: '%s'", paths[i], v);
    }
    for (size_t i = 0; i < cfg.nwrite_roots; i++)
        if (cfg.write_roots[i].path[0] && cfg.write_roots[i].path[0] != '/')
            fail("write root %s is not absolute: '%s'", cfg.write_roots[i].key, cfg.write_roots[i].path);
    for (size_t i = 0; i < cfg.ndirs; i++)
        if (cfg.dirs[i].path[0] && cfg.dirs[i].path[0] != '/')
            fail("dir %s is not absolute: '%s'", cfg.dirs[i].key, cfg.dirs[i].path);
    cur = NULL;
    ix_config_free(&cfg);
    return 0;
}
