/* fuzz_config.c - libFuzzer target: infraexec.yaml, as ix_config_load reads it.
 *
 * The input is written to a file (the loader reads files: its size limit,
 * realpath and relative paths are part of what is tested) and loaded.
 *
 * Refused (-1): the message is one line, starts with the file's path and
 *   speaks of the config, never of "frontmatter" (unless the input does).
 * Loaded (0): every node of the tree lies inside the file (line and key_line
 *   in 1..lines, [start, end) within the bytes); no map holds a key twice
 *   (duplicates are refused); nothing nests deeper than 64 levels; every
 *   path setting reached by ix_config_str is absolute (or empty).
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
        if (!err.msg[0])
            fail("refused without a message");
        if (strchr(err.msg, '\n'))
            fail("message of more than one line: %s", err.msg);
        if (strncmp(err.msg, file, strlen(file)) != 0)
            fail("message does not start with the file: %s", err.msg);
        if (strstr(err.msg, "frontmatter") && !memmem(data, size, "frontmatter", 11))
            fail("a config message speaks of frontmatter: %s", err.msg);
        return 0;
    }
    cur = &cfg;
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
    cur = NULL;
    ix_config_free(&cfg);
    return 0;
}
