/* claimrepo.c - the git-claimed queue's clone (claim_internal.h): the
 * settings and runner name, fetch and reset to the remote, commit and push
 * as a compare-and-swap. */
#include "claim_internal.h"

#include "infraexec/model/taskdir.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RUNNER_MAX 128

void ix_claim_backoff(int attempt)
{
    long ms = 10 + (long)((unsigned)getpid() * 7919u % 40u) + 10L * (attempt < 10 ? attempt : 10);
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

/* Runner names land in YAML as plain scalars and in commit messages. */
static int runner_ok(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > RUNNER_MAX || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
                                  (s[0] >= '0' && s[0] <= '9')))
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:@/-") == n;
}

static char *runner_name(const ctx *c, const char *opt, ix_err *err)
{
    const char *env = getenv("INFRAEXEC_RUNNER");
    const char *cfg = ix_config_str(&c->cfg, "queue.runner");
    const char *name = opt ? opt : env && *env ? env : cfg;
    ix_buf b = IX_BUF_INIT;
    if (name) {
        ix_buf_puts(&b, name);
    } else {
        char host[256] = "localhost";
        gethostname(host, sizeof host - 1);
        host[sizeof host - 1] = '\0';
        ix_buf_printf(&b, "%s:%ld", host, (long)getpid());
    }
    if (!runner_ok(b.data)) {
        ix_err_set(err, "runner name '%.*s' (from %s): use letters, digits and ._:@/- only, "
                   "starting with a letter or digit, at most %d bytes", RUNNER_MAX, b.data,
                   opt ? "--runner" : env && *env ? "INFRAEXEC_RUNNER" : cfg ? "queue.runner"
                                                                              : "the hostname",
                   RUNNER_MAX);
        ix_buf_free(&b);
        return NULL;
    }
    return ix_buf_detach(&b);
}

void ix_claim_ctx_close(ctx *c)
{
    ix_git_close(c->git);
    ix_config_free(&c->cfg);
    free(c->branch);
    free(c->runner);
    free(c->where);
}

int ix_claim_ctx_open(ctx *c, const ix_claim_opts *o, const char *where, ix_err *err)
{
    memset(c, 0, sizeof *c);
    c->where = ix_xstrdup(where);
    char *ws = ix_taskdir_workspace(where);
    int rc = ix_config_load(o->config, ws, &c->cfg, err);
    free(ws);
    if (rc < 0 || !(c->runner = runner_name(c, o->runner, err)) ||
        ix_git_open(where, &c->git, err) < 0)
        goto fail;
    c->remote = ix_config_str(&c->cfg, "queue.remote");
    if (!c->remote)
        c->remote = "origin";
    const char *b = ix_config_str(&c->cfg, "queue.branch");
    if (b)
        c->branch = ix_xstrdup(b);
    else if (ix_git_branch(c->git, &c->branch, err) < 0)
        goto fail;
    c->lease = 1800;
    const char *lease = ix_config_str(&c->cfg, "queue.lease");
    if (lease)
        ix_config_duration(lease, &c->lease); /* validated when loaded */
    c->ident.name = ix_config_str(&c->cfg, "git.author_name");
    c->ident.email = ix_config_str(&c->cfg, "git.author_email");
    if (!c->ident.name || !c->ident.email) {
        c->ident.name = "infraexec";
        c->ident.email = "infraexec@localhost";
    }
    return 0;
fail:
    ix_claim_ctx_close(c);
    memset(c, 0, sizeof *c);
    return -1;
}

int ix_claim_sync_remote(ctx *c, ix_err *err)
{
    if (ix_git_fetch(c->git, c->remote, c->branch, c->tip, err) < 0)
        return -1;
    return ix_git_reset_hard(c->git, c->tip, err);
}

/* Commit PATHS and push; *REJECTED when the remote moved meanwhile (the
 * local commit is then left for the caller's reset). */
int ix_claim_commit_push(ctx *c, const char *const *paths, size_t n, const char *msg,
                         int *rejected, ix_err *err)
{
    char id[41];
    *rejected = 0;
    if (paths && ix_git_commit_paths(c->git, paths, n, msg, &c->ident, id, err) < 0)
        return -1;
    if (ix_git_push(c->git, c->remote, c->branch, c->tip, rejected, err) < 0)
        return -1;
    if (!*rejected && ix_git_head(c->git, c->tip, err) < 0)
        return -1;
    return 0;
}
