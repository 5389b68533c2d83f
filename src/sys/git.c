/* git.c - see include/infraexec/sys/git.h: the repository (open, branch,
 * HEAD, status) and git config's user.name.  The other operations are in
 * the git*.c files git_internal.h lists. */
#include "git_internal.h"
#include "infraexec/base/buf.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int ix_git_open(const char *path, ix_git **out, ix_err *err)
{
    *out = NULL;
    if (!path || !*path)
        return ix_err_set(err, "ix_git_open: no path given");
    /* libgit2 would report a missing path as "not a repository" too. */
    struct stat st;
    if (stat(path, &st) < 0)
        return ix_err_sys(err, "%s: cannot open", path);
    /* Reference-counted by libgit2, so pairing it with ix_git_close is safe
     * however many handles are open, and leaves nothing behind at exit. */
    if (ix_git_load(err) < 0)
        return -1;
    if (sym_git_libgit2_init() < 0)
        return ix_git_fail(err, path, "cannot initialize libgit2");

    git_repository *repo = NULL;
    int rc = sym_git_repository_open_ext(&repo, path, 0, NULL);
    if (rc == 0 && !sym_git_repository_is_bare(repo)) {
        ix_git *g = ix_xcalloc(1, sizeof *g);
        g->repo = repo;
        g->workdir = ix_xstrdup(sym_git_repository_workdir(repo));
        size_t len = strlen(g->workdir);
        if (len > 1 && g->workdir[len - 1] == '/')
            g->workdir[len - 1] = '\0';
        *out = g;
        return 0;
    }
    if (rc == GIT_ENOTFOUND)
        ix_err_set(err, "%s: not inside a git repository (searched it and its parents)", path);
    else if (rc < 0)
        ix_git_fail(err, path, "cannot open git repository");
    else
        ix_err_set(err, "%s: bare git repository (no work tree to commit from)", path);
    sym_git_repository_free(repo);
    sym_git_libgit2_shutdown();
    return -1;
}

void ix_git_close(ix_git *g)
{
    if (!g)
        return;
    sym_git_repository_free(g->repo);
    free(g->workdir);
    free(g);
    sym_git_libgit2_shutdown();
}

const char *ix_git_workdir(const ix_git *g)
{
    return g->workdir;
}

int ix_git_branch(ix_git *g, char **name, ix_err *err)
{
    *name = NULL;
    /* Look at HEAD itself rather than sym_git_repository_head(), which resolves
     * it and so fails on an unborn branch, whose name we still want. */
    git_reference *head = NULL;
    if (sym_git_reference_lookup(&head, g->repo, "HEAD") < 0)
        return ix_git_fail(err, g->workdir, "cannot read HEAD");
    int rc = 0;
    if (sym_git_reference_type(head) == GIT_REFERENCE_DIRECT) {
        char id[GIT_OID_HEXSZ + 1];
        sym_git_oid_tostr(id, sizeof id, sym_git_reference_target(head));
        rc = ix_err_set(err, "%s: HEAD is detached at %s, not on a branch", g->workdir, id);
    } else {
        const char *target = sym_git_reference_symbolic_target(head);
        if (strncmp(target, "refs/heads/", 11) == 0)
            *name = ix_xstrdup(target + 11);
        else
            rc = ix_err_set(err, "%s: HEAD points to %s, not to a local branch", g->workdir,
                            target);
    }
    sym_git_reference_free(head);
    return rc;
}

int ix_git_head_id(ix_git *g, git_oid *id, int *unborn, ix_err *err)
{
    *unborn = 0;
    int rc = sym_git_reference_name_to_id(id, g->repo, "HEAD");
    if (rc == GIT_ENOTFOUND && sym_git_repository_head_unborn(g->repo) == 1) {
        *unborn = 1;
        return 0;
    }
    return rc < 0 ? ix_git_fail(err, g->workdir, "cannot resolve HEAD") : 0;
}

int ix_git_head(ix_git *g, char out[41], ix_err *err)
{
    git_oid id;
    int unborn;
    out[0] = '\0';
    if (ix_git_head_id(g, &id, &unborn, err) < 0)
        return -1;
    if (unborn)
        return ix_err_set(err, "%s: HEAD has no commit yet (unborn branch)", g->workdir);
    sym_git_oid_tostr(out, GIT_OID_HEXSZ + 1, &id);
    return 0;
}

int ix_git_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ix_git_status(ix_git *g, char ***paths, size_t *n, ix_err *err)
{
    *paths = NULL;
    *n = 0;
    /* libgit2 caches the index on the repository, and the git CLI or another
     * process may have changed it since: refresh the copy status will use. */
    git_index *index = NULL;
    int rc = sym_git_repository_index(&index, g->repo);
    if (rc == 0)
        rc = sym_git_index_read(index, 1);
    sym_git_index_free(index);
    if (rc < 0)
        return ix_git_fail(err, g->workdir, "cannot read the index");

    git_status_options opts;
    sym_git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION); /* the macro trips -Wextra */
    opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    /* No rename detection: callers want paths, and a rename is two of them. */
    opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
    git_status_list *list = NULL;
    if (sym_git_status_list_new(&list, g->repo, &opts) < 0)
        return ix_git_fail(err, g->workdir, "cannot compute status");

    size_t count = sym_git_status_list_entrycount(list);
    char **out = count ? ix_xcalloc(count, sizeof *out) : NULL;
    size_t k = 0;
    for (size_t i = 0; i < count; i++) {
        const git_status_entry *e = sym_git_status_byindex(list, i);
        if (e->status == GIT_STATUS_CURRENT || (e->status & GIT_STATUS_IGNORED))
            continue;
        const git_diff_delta *d = e->head_to_index ? e->head_to_index : e->index_to_workdir;
        const char *p = d->new_file.path ? d->new_file.path : d->old_file.path;
        out[k++] = ix_xstrdup(p);
    }
    sym_git_status_list_free(list);
    if (k == 0) {
        free(out);
        return 0;
    }
    qsort(out, k, sizeof *out, ix_git_cmp_str);
    *paths = out;
    *n = k;
    return 0;
}

void ix_git_free_paths(char **paths, size_t n)
{
    for (size_t i = 0; paths && i < n; i++)
        free(paths[i]);
    free(paths);
}

char *ix_git_user_name(const char *path)
{
    if (ix_git_load(NULL) < 0 || sym_git_libgit2_init() < 0)
        return NULL;
    git_repository *repo = NULL;
    git_config *cfg = NULL;
    git_buf value = {0};
    char *name = NULL;
    int rc = path && sym_git_repository_open_ext(&repo, path, 0, NULL) == 0
                 ? sym_git_repository_config(&cfg, repo)
                 : sym_git_config_open_default(&cfg);
    if (rc == 0 && sym_git_config_get_string_buf(&value, cfg, "user.name") == 0 && value.ptr &&
        *value.ptr)
        name = ix_xstrdup(value.ptr);
    sym_git_buf_dispose(&value);
    sym_git_config_free(cfg);
    sym_git_repository_free(repo);
    sym_git_libgit2_shutdown();
    return name;
}
