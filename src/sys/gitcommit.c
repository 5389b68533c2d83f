/* gitcommit.c - ix_git_commit_paths (include/infraexec/sys/git.h) and the
 * paths it accepts.
 *
 * ix_git_commit_paths never touches the repository's index to build its
 * commit: it loads HEAD's tree into a private in-memory index, puts the named
 * paths' work-tree state into it, and writes a tree from that.  So whatever
 * the user has staged stays out of the commit, and only afterwards are the
 * committed paths copied into the real index (re-read from disk first, as
 * other programs change it behind our back). */
#include "git_internal.h"
#include "infraexec/base/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Append PATH to OUT (an absolute path, "" meaning "/") one component at a
 * time, resolving "." and ".." lexically as git does for pathspecs. */
static void push_components(ix_buf *out, const char *path)
{
    while (*path) {
        size_t len = strcspn(path, "/");
        if (len == 2 && path[0] == '.' && path[1] == '.') {
            char *slash = out->len ? strrchr(out->data, '/') : NULL;
            if (slash) {
                out->len = (size_t)(slash - out->data);
                out->data[out->len] = '\0';
            }
        } else if (len && !(len == 1 && path[0] == '.')) {
            ix_buf_putc(out, '/');
            ix_buf_append(out, path, len);
        }
        path += len + (path[len] == '/');
    }
}

/* The part of ABS under DIR, or NULL if ABS is not strictly inside it. */
static const char *under(const char *dir, const char *abs)
{
    size_t len = strcmp(dir, "/") == 0 ? 0 : strlen(dir);
    if (strncmp(abs, dir, len) != 0 || abs[len] != '/' || !abs[len + 1])
        return NULL;
    return abs + len + 1;
}

int ix_git_relative_path(const ix_git *g, const char *path, char **rel, ix_err *err)
{
    if (!path || !*path)
        return ix_err_set(err, "%s: empty or NULL path to commit", g->workdir);
    ix_buf abs = IX_BUF_INIT;
    if (path[0] != '/')
        push_components(&abs, g->workdir);
    push_components(&abs, path);
    const char *r = under(g->workdir, abs.data ? abs.data : "/");
    if (!r && path[0] == '/' && abs.len) {
        /* libgit2 resolved symlinks in the workdir (/tmp -> /private/tmp), so
         * resolve the caller's directory too; not the file, which may be a
         * deletion or a symlink to commit as such. */
        char *slash = strrchr(abs.data, '/');
        *slash = '\0';
        char *dir = realpath(slash == abs.data ? "/" : abs.data, NULL);
        if (dir) {
            ix_buf again = IX_BUF_INIT;
            push_components(&again, dir);
            push_components(&again, slash + 1);
            free(dir);
            ix_buf_free(&abs);
            abs = again;
            r = under(g->workdir, abs.data ? abs.data : "/");
        }
    }
    int rc = 0;
    if (!r)
        rc = ix_err_set(err, "%s: outside the work tree %s", path, g->workdir);
    else if (strncmp(r, ".git", 4) == 0 && (r[4] == '/' || !r[4]))
        rc = ix_err_set(err, "%s: inside the repository's .git directory", path);
    else
        *rel = ix_xstrdup(r);
    ix_buf_free(&abs);
    return rc;
}

/* Git never records a path through a symlink ("link/file" would commit some
 * other directory's file under a name the work tree does not have). */
static int check_no_symlink_dirs(const ix_git *g, const char *rel, ix_err *err)
{
    ix_buf p = IX_BUF_INIT;
    ix_buf_puts(&p, g->workdir);
    int rc = 0;
    for (const char *s = strchr(rel, '/'); s && rc == 0; s = strchr(s + 1, '/')) {
        struct stat st;
        p.len = strlen(g->workdir);
        ix_buf_printf(&p, "/%.*s", (int)(s - rel), rel);
        if (lstat(p.data, &st) == 0 && S_ISLNK(st.st_mode))
            rc = ix_err_set(err, "%s/%s: beyond a symbolic link (%s)", g->workdir, rel, p.data);
    }
    ix_buf_free(&p);
    return rc;
}

/* Put REL's work-tree state into IDX: a blob with its mode, or its removal. */
static int stage_path(ix_git *g, git_index *idx, const char *rel, int trust_mode, ix_err *err)
{
    if (check_no_symlink_dirs(g, rel, err) < 0)
        return -1;
    ix_buf full = IX_BUF_INIT;
    ix_buf_printf(&full, "%s/%s", g->workdir, rel);
    struct stat st;
    int rc = 0;
    if (lstat(full.data, &st) < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            /* Gone: commit the deletion, of a whole directory if it was one.
             * Not being in HEAD either is no error, just no change. */
            int r = sym_git_index_remove(idx, rel, 0);
            if ((r < 0 && r != GIT_ENOTFOUND) || sym_git_index_remove_directory(idx, rel, 0) < 0)
                rc = ix_git_fail(err, g->workdir, "cannot remove %s", rel);
        } else {
            rc = ix_err_sys(err, "%s: cannot stat", full.data);
        }
    } else if (S_ISDIR(st.st_mode)) {
        rc = ix_err_set(err, "%s: is a directory; name the files in it", full.data);
    } else if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
        rc = ix_err_set(err, "%s: neither a regular file nor a symlink", full.data);
    } else {
        git_index_entry e;
        memset(&e, 0, sizeof e);
        e.path = rel;
        e.mode = S_ISLNK(st.st_mode) ? GIT_FILEMODE_LINK
                 : (st.st_mode & S_IXUSR) ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB;
        if (!trust_mode && S_ISREG(st.st_mode)) { /* core.filemode=false: keep HEAD's x bit */
            const git_index_entry *old = sym_git_index_get_bypath(idx, rel, 0);
            e.mode = old && old->mode == GIT_FILEMODE_BLOB_EXECUTABLE ? old->mode
                                                                      : GIT_FILEMODE_BLOB;
        }
        /* Stat data lets git trust the entry once it is copied to the real
         * index; without it every committed file looks modified until
         * rehashed (and `git diff-files` lists it). */
        e.ctime.seconds = (int32_t)st.st_ctim.tv_sec;
        e.ctime.nanoseconds = (uint32_t)st.st_ctim.tv_nsec;
        e.mtime.seconds = (int32_t)st.st_mtim.tv_sec;
        e.mtime.nanoseconds = (uint32_t)st.st_mtim.tv_nsec;
        e.dev = (uint32_t)st.st_dev;
        e.ino = (uint32_t)st.st_ino;
        e.uid = st.st_uid;
        e.gid = st.st_gid;
        e.file_size = (uint32_t)st.st_size;
        /* From the work tree, so .gitattributes filters (eol...) apply. */
        if (sym_git_blob_create_from_workdir(&e.id, g->repo, rel) < 0 || sym_git_index_add(idx, &e) < 0)
            rc = ix_git_fail(err, g->workdir, "cannot add %s", rel);
    }
    ix_buf_free(&full);
    return rc;
}

static int signature(ix_git *g, const ix_git_identity *fallback, git_signature **sig,
                     ix_err *err)
{
    int rc = sym_git_signature_default(sig, g->repo);
    if (rc == 0)
        return 0;
    if (rc != GIT_ENOTFOUND)
        return ix_git_fail(err, g->workdir, "invalid user.name/user.email in git config");
    if (fallback && fallback->name && fallback->email) {
        if (sym_git_signature_now(sig, fallback->name, fallback->email) < 0)
            return ix_git_fail(err, g->workdir, "invalid fallback identity");
        return 0;
    }
    return ix_err_set(err, "%s: no git identity to commit as: set one with "
                      "`git config --global user.name \"Your Name\"` and "
                      "`git config --global user.email you@example.com`", g->workdir);
}

static int trust_filemode(ix_git *g)
{
    git_config *cfg = NULL;
    int value = 1;
    if (sym_git_repository_config_snapshot(&cfg, g->repo) == 0 &&
        sym_git_config_get_bool(&value, cfg, "core.filemode") < 0)
        value = 1;
    sym_git_config_free(cfg);
    return value;
}

/* After the commit: the real index gets the committed entries for these
 * paths, and keeps everything else it had staged.  Re-read first (libgit2
 * caches it), so what was staged meanwhile is kept too.  Returns libgit2's
 * error code. */
static int update_index(ix_git *g, git_index *committed, char **rel, size_t n)
{
    git_index *index;
    int rc = sym_git_repository_index(&index, g->repo);
    if (rc < 0)
        return rc;
    rc = sym_git_index_read(index, 1);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const git_index_entry *e = sym_git_index_get_bypath(committed, rel[i], 0);
        if (e)
            rc = sym_git_index_add(index, e);
        else if ((rc = sym_git_index_remove_bypath(index, rel[i])) == 0)
            rc = sym_git_index_remove_directory(index, rel[i], 0);
    }
    if (rc == 0)
        rc = sym_git_index_write(index);
    sym_git_index_free(index);
    return rc;
}

int ix_git_commit_paths(ix_git *g, const char *const *paths, size_t n, const char *message,
                        const ix_git_identity *fallback, char out_id[41], ix_err *err)
{
    out_id[0] = '\0';
    if (!paths || n == 0)
        return ix_err_set(err, "%s: no paths to commit", g->workdir);
    if (!message || !*message)
        return ix_err_set(err, "%s: empty commit message", g->workdir);
    /* A plain commit in the middle of a merge would silently drop its other parent. */
    if (sym_git_repository_state(g->repo) != GIT_REPOSITORY_STATE_NONE)
        return ix_err_set(err, "%s: a merge, rebase, cherry-pick or similar is in progress; "
                          "finish or abort it first", g->workdir);

    char **rel = ix_xcalloc(n, sizeof *rel);
    git_commit *parent = NULL;
    git_tree *parent_tree = NULL, *tree = NULL;
    git_index *idx = NULL;
    git_signature *sig = NULL;
    git_oid id, tree_id;
    int unborn, rc = -1;

    for (size_t i = 0; i < n; i++)
        if (ix_git_relative_path(g, paths[i], &rel[i], err) < 0)
            goto out;
    if (ix_git_head_id(g, &id, &unborn, err) < 0)
        goto out;
    if (!unborn && (sym_git_commit_lookup(&parent, g->repo, &id) < 0 ||
                    sym_git_commit_tree(&parent_tree, parent) < 0)) {
        ix_git_fail(err, g->workdir, "cannot read HEAD's commit");
        goto out;
    }
    if (sym_git_index_new(&idx) < 0 || (parent_tree && sym_git_index_read_tree(idx, parent_tree) < 0)) {
        ix_git_fail(err, g->workdir, "cannot load HEAD's tree");
        goto out;
    }
    int trust = trust_filemode(g);
    for (size_t i = 0; i < n; i++)
        if (stage_path(g, idx, rel[i], trust, err) < 0)
            goto out;
    if (sym_git_index_write_tree_to(&tree_id, idx, g->repo) < 0) {
        ix_git_fail(err, g->workdir, "cannot write the tree");
        goto out;
    }
    if (parent_tree ? sym_git_oid_equal(&tree_id, sym_git_tree_id(parent_tree))
                    : sym_git_index_entrycount(idx) == 0) {
        ix_buf list = IX_BUF_INIT;
        for (size_t i = 0; i < n; i++)
            ix_buf_printf(&list, "%s%s", i ? ", " : "", paths[i]);
        ix_err_set(err, "%s: nothing to commit for %s", g->workdir, list.data);
        ix_buf_free(&list);
        goto out;
    }
    if (signature(g, fallback, &sig, err) < 0)
        goto out;
    if (sym_git_tree_lookup(&tree, g->repo, &tree_id) < 0 ||
        sym_git_commit_create(&id, g->repo, "HEAD", sig, sig, NULL, message, tree, parent ? 1 : 0,
                          (const git_commit **)&parent) < 0) {
        ix_git_fail(err, g->workdir, "cannot commit");
        goto out;
    }
    sym_git_oid_tostr(out_id, GIT_OID_HEXSZ + 1, &id);
    if (update_index(g, idx, rel, n) < 0) {
        ix_git_fail(err, g->workdir, "made commit %s but could not update the index to match "
                 "(`git reset -q -- <paths>` will)", out_id);
        goto out;
    }
    rc = 0;
out:
    sym_git_signature_free(sig);
    sym_git_tree_free(tree);
    sym_git_index_free(idx);
    sym_git_tree_free(parent_tree);
    sym_git_commit_free(parent);
    ix_git_free_paths(rel, n);
    return rc;
}
