/* git.c - see include/infraexec/git.h
 *
 * ix_git_commit_paths never touches the repository's index to build its
 * commit: it loads HEAD's tree into a private in-memory index, puts the named
 * paths' work-tree state into it, and writes a tree from that.  So whatever
 * the user has staged stays out of the commit, and only afterwards are the
 * committed paths copied into the real index (re-read from disk first, as
 * other programs change it behind our back). */
#include "infraexec/git.h"
#include "infraexec/buf.h"
#include "infraexec/dlib.h"

#include <errno.h>
#include <git2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* libgit2, loaded at the first ix_git_open or ix_git_user_name (dlib.h):
 * the functions this file calls. */
#define GIT_SYMS(X) \
    X(git_blob_create_from_workdir) X(git_buf_dispose) X(git_commit_create) \
    X(git_commit_free) X(git_commit_lookup) X(git_commit_tree) X(git_config_free) \
    X(git_config_get_bool) X(git_config_get_string_buf) X(git_config_open_default) \
    X(git_error_last) X(git_index_add) X(git_index_entrycount) X(git_index_free) \
    X(git_index_get_bypath) X(git_index_new) X(git_index_read) X(git_index_read_tree) \
    X(git_index_remove) X(git_index_remove_bypath) X(git_index_remove_directory) \
    X(git_index_write) X(git_index_write_tree_to) X(git_libgit2_init) X(git_libgit2_shutdown) \
    X(git_oid_equal) X(git_oid_tostr) X(git_reference_free) X(git_reference_lookup) \
    X(git_reference_name_to_id) X(git_reference_symbolic_target) X(git_reference_target) \
    X(git_reference_type) X(git_repository_config) X(git_repository_config_snapshot) \
    X(git_repository_free) X(git_repository_head) X(git_repository_head_unborn) \
    X(git_repository_index) X(git_repository_is_bare) X(git_repository_open_ext) \
    X(git_repository_state) X(git_repository_workdir) X(git_signature_default) \
    X(git_signature_free) X(git_signature_now) X(git_status_byindex) \
    X(git_status_list_entrycount) X(git_status_list_free) X(git_status_list_new) \
    X(git_status_options_init) X(git_tree_free) X(git_tree_id) X(git_tree_lookup)
GIT_SYMS(IX_DLDECL)
static const ix_dlsym git_syms[] = {GIT_SYMS(IX_DLSYM){NULL, NULL}};
static ix_dlib libgit2 = {.soname = "libgit2.so." LIBGIT2_SOVERSION,
                          .what = "git (commits, status, identity)",
                          .package = "libgit2-" LIBGIT2_SOVERSION, .syms = git_syms};

struct ix_git {
    git_repository *repo;
    char *workdir; /* absolute, no trailing slash */
};

/* Fail with "WHERE: WHAT: <libgit2's last error>" on one line: libgit2
 * messages sometimes span lines, and ours are one line by contract. */
static int fail_git(ix_err *err, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_git(ix_err *err, const char *where, const char *fmt, ...)
{
    const git_error *e = sym_git_error_last();
    char what[512], why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(why, sizeof why, "%s", e && e->message ? e->message : "unknown libgit2 error");
    for (char *p = why; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    for (size_t len = strlen(why); len && why[len - 1] == ' ';)
        why[--len] = '\0';
    return ix_err_set(err, "%s: %s: %s", where, what, why);
}

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
    if (ix_dlib_load(&libgit2, err) < 0)
        return -1;
    if (sym_git_libgit2_init() < 0)
        return fail_git(err, path, "cannot initialize libgit2");

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
        fail_git(err, path, "cannot open git repository");
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
        return fail_git(err, g->workdir, "cannot read HEAD");
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

/* HEAD's commit id into *id; *unborn = 1 (and rc 0) when there is none yet. */
static int head_id(ix_git *g, git_oid *id, int *unborn, ix_err *err)
{
    *unborn = 0;
    int rc = sym_git_reference_name_to_id(id, g->repo, "HEAD");
    if (rc == GIT_ENOTFOUND && sym_git_repository_head_unborn(g->repo) == 1) {
        *unborn = 1;
        return 0;
    }
    return rc < 0 ? fail_git(err, g->workdir, "cannot resolve HEAD") : 0;
}

int ix_git_head(ix_git *g, char out[41], ix_err *err)
{
    git_oid id;
    int unborn;
    out[0] = '\0';
    if (head_id(g, &id, &unborn, err) < 0)
        return -1;
    if (unborn)
        return ix_err_set(err, "%s: HEAD has no commit yet (unborn branch)", g->workdir);
    sym_git_oid_tostr(out, GIT_OID_HEXSZ + 1, &id);
    return 0;
}

static int cmp_str(const void *a, const void *b)
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
        return fail_git(err, g->workdir, "cannot read the index");

    git_status_options opts;
    sym_git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION); /* the macro trips -Wextra */
    opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    /* No rename detection: callers want paths, and a rename is two of them. */
    opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
    git_status_list *list = NULL;
    if (sym_git_status_list_new(&list, g->repo, &opts) < 0)
        return fail_git(err, g->workdir, "cannot compute status");

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
    qsort(out, k, sizeof *out, cmp_str);
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

/* ---- ix_git_commit_paths ---- */

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

/* Turn PATH (absolute, or relative to the work tree) into a clean
 * workdir-relative path in *rel, refusing anything outside the work tree. */
static int relative_path(const ix_git *g, const char *path, char **rel, ix_err *err)
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
                rc = fail_git(err, g->workdir, "cannot remove %s", rel);
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
            rc = fail_git(err, g->workdir, "cannot add %s", rel);
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
        return fail_git(err, g->workdir, "invalid user.name/user.email in git config");
    if (fallback && fallback->name && fallback->email) {
        if (sym_git_signature_now(sig, fallback->name, fallback->email) < 0)
            return fail_git(err, g->workdir, "invalid fallback identity");
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
        if (relative_path(g, paths[i], &rel[i], err) < 0)
            goto out;
    if (head_id(g, &id, &unborn, err) < 0)
        goto out;
    if (!unborn && (sym_git_commit_lookup(&parent, g->repo, &id) < 0 ||
                    sym_git_commit_tree(&parent_tree, parent) < 0)) {
        fail_git(err, g->workdir, "cannot read HEAD's commit");
        goto out;
    }
    if (sym_git_index_new(&idx) < 0 || (parent_tree && sym_git_index_read_tree(idx, parent_tree) < 0)) {
        fail_git(err, g->workdir, "cannot load HEAD's tree");
        goto out;
    }
    int trust = trust_filemode(g);
    for (size_t i = 0; i < n; i++)
        if (stage_path(g, idx, rel[i], trust, err) < 0)
            goto out;
    if (sym_git_index_write_tree_to(&tree_id, idx, g->repo) < 0) {
        fail_git(err, g->workdir, "cannot write the tree");
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
        fail_git(err, g->workdir, "cannot commit");
        goto out;
    }
    sym_git_oid_tostr(out_id, GIT_OID_HEXSZ + 1, &id);
    if (update_index(g, idx, rel, n) < 0) {
        fail_git(err, g->workdir, "made commit %s but could not update the index to match "
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

char *ix_git_user_name(const char *path)
{
    if (ix_dlib_load(&libgit2, NULL) < 0 || sym_git_libgit2_init() < 0)
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
