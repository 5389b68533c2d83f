/* gitread.c - reading a repository's objects (include/infraexec/sys/git.h):
 * recent commit subjects, a file at a commit, ancestry, HEAD's files. */
#include "git_internal.h"
#include "infraexec/base/buf.h"

#include <stdlib.h>
#include <string.h>

int ix_git_has_commit(git_repository *repo, const git_oid *id)
{
    git_odb *odb = NULL;
    int yes = sym_git_repository_odb(&odb, repo) == 0 && sym_git_odb_exists(odb, id);
    sym_git_odb_free(odb);
    return yes;
}

int ix_git_recent_subjects(ix_git *g, const char *commit, long long since, char ***subjects,
                           size_t *n, ix_err *err)
{
    *subjects = NULL;
    *n = 0;
    git_oid id;
    git_revwalk *walk = NULL;
    if (sym_git_oid_fromstr(&id, commit) < 0 || sym_git_revwalk_new(&walk, g->repo) < 0 ||
        sym_git_revwalk_sorting(walk, GIT_SORT_TIME) < 0 || sym_git_revwalk_push(walk, &id) < 0) {
        sym_git_revwalk_free(walk);
        return ix_git_fail(err, g->workdir, "cannot walk the history of %s", commit);
    }
    char **v = NULL;
    size_t nv = 0;
    int rc = 0;
    while (sym_git_revwalk_next(&id, walk) == 0) {
        git_commit *c = NULL;
        if (sym_git_commit_lookup(&c, g->repo, &id) < 0) {
            rc = ix_git_fail(err, g->workdir, "cannot read a commit");
            break;
        }
        int old = (long long)sym_git_commit_time(c) < since;
        if (!old) {
            const char *s = sym_git_commit_summary(c);
            v = ix_xrealloc(v, (nv + 1) * sizeof *v);
            v[nv++] = ix_xstrdup(s ? s : "");
        }
        sym_git_commit_free(c);
        if (old)
            break;
    }
    sym_git_revwalk_free(walk);
    if (rc < 0) {
        ix_git_free_paths(v, nv);
        return -1;
    }
    *subjects = v;
    *n = nv;
    return 0;
}

/* A full commit id (40 hex digits) into *ID: git_oid_fromstr reads 40
 * characters whatever the string's length. */
static int parse_id(const ix_git *g, const char *s, git_oid *id, ix_err *err)
{
    if (strlen(s) != GIT_OID_HEXSZ || strspn(s, "0123456789abcdefABCDEF") != GIT_OID_HEXSZ ||
        sym_git_oid_fromstr(id, s) < 0)
        return ix_err_set(err, "%s: not a full commit id (40 hex digits): %.60s", g->workdir, s);
    return 0;
}

int ix_git_contains(ix_git *g, const char *commit, const char *ancestor, int *answer, ix_err *err)
{
    *answer = -1;
    git_oid c, a;
    if (parse_id(g, commit, &c, err) < 0 || parse_id(g, ancestor, &a, err) < 0)
        return -1;
    if (!ix_git_has_commit(g->repo, &c) || !ix_git_has_commit(g->repo, &a))
        return 0; /* unknown here (never fetched): not "no" */
    if (sym_git_oid_equal(&c, &a)) {
        *answer = 1;
        return 0;
    }
    int rc = sym_git_graph_descendant_of(g->repo, &c, &a);
    if (rc < 0)
        return ix_git_fail(err, g->workdir, "cannot tell whether %.12s contains %.12s", commit, ancestor);
    *answer = rc;
    return 0;
}

int ix_git_show(ix_git *g, const char *commit, const char *path, ix_buf *out, int *missing,
                ix_err *err)
{
    *missing = 0;
    git_oid id;
    char *rel;
    if (parse_id(g, commit, &id, err) < 0 || ix_git_relative_path(g, path, &rel, err) < 0)
        return -1;
    git_commit *c = NULL;
    git_tree *tree = NULL;
    git_tree_entry *e = NULL;
    git_blob *blob = NULL;
    int rc = 0;
    if (sym_git_commit_lookup(&c, g->repo, &id) < 0 || sym_git_commit_tree(&tree, c) < 0) {
        rc = ix_git_fail(err, g->workdir, "cannot read commit %s", commit);
    } else if (sym_git_tree_entry_bypath(&e, tree, rel) < 0 ||
               sym_git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
        *missing = 1;
    } else if (sym_git_blob_lookup(&blob, g->repo, sym_git_tree_entry_id(e)) < 0) {
        rc = ix_git_fail(err, g->workdir, "cannot read %s at %s", rel, commit);
    } else {
        ix_buf_append(out, sym_git_blob_rawcontent(blob), (size_t)sym_git_blob_rawsize(blob));
    }
    sym_git_blob_free(blob);
    sym_git_tree_entry_free(e);
    sym_git_tree_free(tree);
    sym_git_commit_free(c);
    free(rel);
    return rc;
}

/* ---- ix_git_tree_files ---- */

typedef struct tree_files {
    const char *prefix; /* the directory's path, with its '/' */
    char **paths;
    size_t n;
} tree_files;

static int tree_file(const char *root, const git_tree_entry *e, void *payload)
{
    tree_files *f = payload;
    if (sym_git_tree_entry_type(e) != GIT_OBJECT_BLOB)
        return 0; /* subtrees are walked; a submodule is no file of this tree */
    ix_buf p = IX_BUF_INIT;
    ix_buf_printf(&p, "%s%s%s", f->prefix, root, sym_git_tree_entry_name(e));
    f->paths = ix_xrealloc(f->paths, (f->n + 1) * sizeof *f->paths);
    f->paths[f->n++] = ix_buf_detach(&p);
    return 0;
}

int ix_git_tree_files(ix_git *g, const char *path, char ***paths, size_t *n, ix_err *err)
{
    *paths = NULL;
    *n = 0;
    char *rel;
    if (ix_git_relative_path(g, path, &rel, err) < 0)
        return -1;
    git_oid head;
    int unborn;
    git_commit *c = NULL;
    git_tree *tree = NULL, *sub = NULL;
    git_tree_entry *e = NULL;
    int rc = ix_git_head_id(g, &head, &unborn, err);
    if (rc == 0 && !unborn &&
        (sym_git_commit_lookup(&c, g->repo, &head) < 0 || sym_git_commit_tree(&tree, c) < 0))
        rc = ix_git_fail(err, g->workdir, "cannot read HEAD's tree");
    if (rc == 0 && !unborn && sym_git_tree_entry_bypath(&e, tree, rel) == 0) {
        ix_buf prefix = IX_BUF_INIT;
        ix_buf_printf(&prefix, "%s/", rel);
        tree_files f = {prefix.data, NULL, 0};
        if (sym_git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
            f.paths = ix_xcalloc(1, sizeof *f.paths);
            f.paths[f.n++] = ix_xstrdup(rel);
        } else if (sym_git_tree_entry_type(e) == GIT_OBJECT_TREE &&
                   (sym_git_tree_lookup(&sub, g->repo, sym_git_tree_entry_id(e)) < 0 ||
                    sym_git_tree_walk(sub, GIT_TREEWALK_PRE, tree_file, &f) < 0)) {
            rc = ix_git_fail(err, g->workdir, "cannot read %s at HEAD", rel);
        }
        ix_buf_free(&prefix);
        if (rc == 0 && f.n)
            qsort(f.paths, f.n, sizeof *f.paths, ix_git_cmp_str);
        if (rc == 0) {
            *paths = f.paths;
            *n = f.n;
        } else {
            ix_git_free_paths(f.paths, f.n);
        }
    }
    sym_git_tree_entry_free(e);
    sym_git_tree_free(sub);
    sym_git_tree_free(tree);
    sym_git_commit_free(c);
    free(rel);
    return rc;
}
