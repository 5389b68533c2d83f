/* git.c - see include/infraexec/sys/git.h
 *
 * ix_git_commit_paths never touches the repository's index to build its
 * commit: it loads HEAD's tree into a private in-memory index, puts the named
 * paths' work-tree state into it, and writes a tree from that.  So whatever
 * the user has staged stays out of the commit, and only afterwards are the
 * committed paths copied into the real index (re-read from disk first, as
 * other programs change it behind our back). */
#include "infraexec/sys/git.h"
#include "infraexec/base/buf.h"
#include "infraexec/base/dlib.h"

#include <errno.h>
#include <git2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* libgit2, loaded at the first ix_git_open, ix_git_user_name or ix_git_diff (dlib.h):
 * the functions this file calls. */
#define GIT_SYMS(X) \
    X(git_annotated_commit_free) X(git_annotated_commit_from_ref) X(git_annotated_commit_id) \
    X(git_blob_create_from_workdir) X(git_blob_free) X(git_blob_lookup) X(git_blob_rawcontent) \
    X(git_blob_rawsize) X(git_branch_upstream_merge) X(git_branch_upstream_remote) \
    X(git_buf_dispose) X(git_checkout_options_init) X(git_checkout_tree) X(git_commit_create) \
    X(git_commit_free) X(git_commit_lookup) X(git_commit_summary) X(git_commit_time) \
    X(git_commit_tree) X(git_config_free) X(git_config_get_bool) X(git_config_get_string_buf) \
    X(git_config_open_default) X(git_credential_ssh_key_from_agent) \
    X(git_credential_userpass_plaintext_new) X(git_error_last) \
    X(git_fetch_options_init) X(git_graph_descendant_of) X(git_index_add) \
    X(git_index_entrycount) X(git_index_free) X(git_index_get_bypath) X(git_index_new) \
    X(git_index_read) X(git_index_read_tree) X(git_index_remove) X(git_index_remove_bypath) \
    X(git_index_remove_directory) X(git_index_write) X(git_index_write_tree_to) \
    X(git_libgit2_init) X(git_libgit2_shutdown) X(git_merge_analysis) X(git_object_free) \
    X(git_object_lookup) X(git_odb_exists) X(git_odb_free) X(git_oid_equal) X(git_oid_fromstr) \
    X(git_oid_tostr) X(git_packbuilder_free) X(git_packbuilder_insert_walk) \
    X(git_packbuilder_new) X(git_packbuilder_object_count) X(git_packbuilder_write) \
    X(git_diff_options_init) X(git_patch_free) X(git_patch_from_buffers) X(git_patch_print) \
    X(git_push_options_init) X(git_reference_create) X(git_reference_create_matching) \
    X(git_reference_free) X(git_reference_lookup) X(git_reference_name_to_id) \
    X(git_reference_symbolic_target) X(git_reference_target) X(git_reference_type) \
    X(git_remote_connect) X(git_remote_create_anonymous) X(git_remote_disconnect) \
    X(git_remote_fetch) X(git_remote_free) X(git_remote_init_callbacks) X(git_remote_lookup) \
    X(git_remote_ls) \
    X(git_remote_push) X(git_repository_config) X(git_repository_config_snapshot) \
    X(git_repository_free) X(git_repository_head) X(git_repository_head_unborn) \
    X(git_repository_index) X(git_repository_is_bare) X(git_repository_odb) \
    X(git_repository_open) X(git_repository_open_ext) X(git_repository_path) \
    X(git_repository_state) X(git_repository_workdir) X(git_reset) X(git_revwalk_free) \
    X(git_revwalk_hide) X(git_revwalk_new) X(git_revwalk_next) X(git_revwalk_push) \
    X(git_revwalk_sorting) X(git_signature_default) X(git_signature_free) X(git_signature_now) \
    X(git_status_byindex) X(git_status_list_entrycount) X(git_status_list_free) \
    X(git_status_list_new) X(git_status_options_init) X(git_tree_entry_bypath) \
    X(git_tree_entry_free) X(git_tree_entry_id) X(git_tree_entry_name) X(git_tree_entry_type) \
    X(git_tree_free) X(git_tree_id) X(git_tree_lookup) X(git_tree_walk)
GIT_SYMS(IX_DLDECL)
static const ix_dlsym git_syms[] = {GIT_SYMS(IX_DLSYM){NULL, NULL}};
static ix_dlib libgit2 = {.soname = "libgit2.so." LIBGIT2_SOVERSION,
                          .what = "git (commits, status, identity, diffs)",
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
    /* libgit2 says "no callback set" when the credentials we have were not
     * enough: say where infraexec takes them from. */
    int auth = e && (e->klass == GIT_ERROR_HTTP || e->klass == GIT_ERROR_SSH) &&
               strstr(why, "authenticat"); /* "authentication required", "error authenticating" */
    const char *hint = auth ? " (https: set INFRAEXEC_GIT_USERNAME and INFRAEXEC_GIT_PASSWORD; "
                              "ssh: a key in ssh-agent)"
                            : "";
    return ix_err_set(err, "%s: %s: %s%s", where, what, why, hint);
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

/* ---- unified diffs ---- */

/* "3,4", or "3" for a one-line range, as diff -u writes them. */
static void put_range(ix_buf *out, size_t start, size_t count)
{
    if (count == 1)
        ix_buf_printf(out, "%zu", start);
    else
        ix_buf_printf(out, "%zu,%zu", start, count);
}

/* git_patch_print's callback.  It writes what git_patch_to_buf would, but
 * our own file header and hunk headers without git's function context
 * ("@@ -3,4 +3,4 @@ spec:"), which diff -u does not print. */
static int put_patch_line(const git_diff_delta *delta, const git_diff_hunk *hunk,
                          const git_diff_line *line, void *payload)
{
    (void)delta;
    ix_buf *out = payload;
    switch (line->origin) {
    case GIT_DIFF_LINE_FILE_HDR:
        break;
    case GIT_DIFF_LINE_HUNK_HDR:
        ix_buf_puts(out, "@@ -");
        put_range(out, (size_t)hunk->old_start, hunk->old_lines);
        ix_buf_puts(out, " +");
        put_range(out, (size_t)hunk->new_start, hunk->new_lines);
        ix_buf_puts(out, " @@\n");
        break;
    case GIT_DIFF_LINE_CONTEXT:
    case GIT_DIFF_LINE_ADDITION:
    case GIT_DIFF_LINE_DELETION:
        ix_buf_putc(out, line->origin);
        ix_buf_append(out, line->content, line->content_len);
        break;
    default: /* the EOFNL lines: their content is "\n\\ No newline at end of file\n" */
        ix_buf_append(out, line->content, line->content_len);
    }
    return 0;
}

int ix_git_diff(const char *path, const char *a, size_t alen, const char *b, size_t blen,
                ix_buf *out, ix_err *err)
{
    if (alen == blen && memcmp(a, b, alen) == 0)
        return 0;
    if (ix_dlib_load(&libgit2, err) < 0)
        return -1;
    if (sym_git_libgit2_init() < 0)
        return fail_git(err, path, "cannot initialize libgit2");
    git_diff_options opts;
    sym_git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
    opts.flags |= GIT_DIFF_FORCE_TEXT; /* a NUL byte is still a line's, not "Binary files differ" */
    git_patch *patch = NULL;
    ix_buf_printf(out, "--- %s\n+++ %s\n", path, path);
    int rc = 0;
    if (sym_git_patch_from_buffers(&patch, a, alen, path, b, blen, path, &opts) < 0 ||
        sym_git_patch_print(patch, put_patch_line, out) < 0)
        rc = fail_git(err, path, "cannot diff");
    sym_git_patch_free(patch);
    sym_git_libgit2_shutdown();
    return rc;
}

/* ---- pull: fetch and fast-forward only ---- */

/* The branch's upstream: branch.NAME.remote / .merge, else origin/NAME. */
static void upstream_of(ix_git *g, const char *branch, char **remote, char **ref)
{
    ix_buf local = IX_BUF_INIT;
    ix_buf_printf(&local, "refs/heads/%s", branch);
    git_buf rb = {0}, mb = {0};
    int has_remote = sym_git_branch_upstream_remote(&rb, g->repo, local.data) == 0;
    int has_merge = sym_git_branch_upstream_merge(&mb, g->repo, local.data) == 0;
    *remote = ix_xstrdup(has_remote ? rb.ptr : "origin");
    ix_buf r = IX_BUF_INIT;
    if (has_merge && strncmp(mb.ptr, "refs/heads/", 11) == 0)
        ix_buf_printf(&r, "refs/remotes/%s/%s", *remote, mb.ptr + 11);
    else
        ix_buf_printf(&r, "refs/remotes/%s/%s", *remote, branch);
    *ref = ix_buf_detach(&r);
    sym_git_buf_dispose(&rb);
    sym_git_buf_dispose(&mb);
    ix_buf_free(&local);
}

int ix_git_pull_ff(ix_git *g, char **what, ix_err *err)
{
    *what = NULL;
    char *branch, *remote_name = NULL, *ref = NULL;
    if (ix_git_branch(g, &branch, err) < 0)
        return -1;
    upstream_of(g, branch, &remote_name, &ref);
    git_remote *remote = NULL;
    git_reference *up = NULL, *moved = NULL;
    git_annotated_commit *theirs = NULL;
    git_object *target = NULL;
    int rc = -1;
    git_fetch_options fo;
    sym_git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
    if (sym_git_remote_lookup(&remote, g->repo, remote_name) < 0) {
        fail_git(err, g->workdir, "no remote '%s'", remote_name);
        goto out;
    }
    if (sym_git_remote_fetch(remote, NULL, &fo, "fetch (infraexec --pull)") < 0) {
        fail_git(err, g->workdir, "cannot fetch from '%s'", remote_name);
        goto out;
    }
    if (sym_git_reference_lookup(&up, g->repo, ref) < 0) {
        fail_git(err, g->workdir, "no %s after fetching", ref);
        goto out;
    }
    if (sym_git_annotated_commit_from_ref(&theirs, g->repo, up) < 0) {
        fail_git(err, g->workdir, "cannot read %s", ref);
        goto out;
    }
    git_merge_analysis_t analysis;
    git_merge_preference_t pref;
    const git_annotated_commit *heads[1] = {theirs};
    if (sym_git_merge_analysis(&analysis, &pref, g->repo, heads, 1) < 0) {
        fail_git(err, g->workdir, "cannot compare %s with %s", branch, ref);
        goto out;
    }
    char id[GIT_OID_HEXSZ + 1];
    sym_git_oid_tostr(id, sizeof id, sym_git_annotated_commit_id(theirs));
    ix_buf msg = IX_BUF_INIT;
    if (analysis & GIT_MERGE_ANALYSIS_UP_TO_DATE) {
        ix_buf_printf(&msg, "%s is up to date with %s", branch, ref + 13);
    } else if (!(analysis & GIT_MERGE_ANALYSIS_FASTFORWARD)) {
        ix_err_set(err, "%s: %s and %s have diverged; not merging (fast-forward only), "
                        "the local state is used", g->workdir, branch, ref + 13);
        goto out;
    } else {
        /* Check the new tree out first (SAFE: refuses to overwrite local
         * changes), and only then move the branch: a failure leaves both. */
        git_checkout_options co;
        sym_git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
        co.checkout_strategy = GIT_CHECKOUT_SAFE;
        if (sym_git_object_lookup(&target, g->repo, sym_git_annotated_commit_id(theirs),
                              GIT_OBJECT_COMMIT) < 0 ||
            sym_git_checkout_tree(g->repo, target, &co) < 0) {
            fail_git(err, g->workdir, "cannot fast-forward %s to %s (local changes in the way?)",
                     branch, ref + 13);
            goto out;
        }
        ix_buf local = IX_BUF_INIT;
        ix_buf_printf(&local, "refs/heads/%s", branch);
        int set = sym_git_reference_create(&moved, g->repo, local.data,
                                       sym_git_annotated_commit_id(theirs), 1,
                                       "pull: fast-forward (infraexec --pull)");
        ix_buf_free(&local);
        if (set < 0) {
            fail_git(err, g->workdir, "cannot move %s to %s", branch, id);
            goto out;
        }
        ix_buf_printf(&msg, "%s fast-forwarded to %s (%.12s)", branch, ref + 13, id);
    }
    *what = ix_buf_detach(&msg);
    rc = 0;
out:
    sym_git_reference_free(moved);
    sym_git_reference_free(up);
    sym_git_object_free(target);
    sym_git_annotated_commit_free(theirs);
    sym_git_remote_free(remote);
    free(ref);
    free(remote_name);
    free(branch);
    return rc;
}

/* ---- remotes ---- */

/* Credentials, never from a task file: for https, INFRAEXEC_GIT_USERNAME
 * (default "git") and INFRAEXEC_GIT_PASSWORD (a token) from the
 * environment; for ssh, the agent.  Each is offered once per operation:
 * libgit2 asks again after a refusal, and what was refused once will be
 * refused forever. */
typedef struct remote_cb {
    int asked;     /* the agent was asked once */
    int asked_pw;  /* the environment's password was offered once */
    int rejected;  /* the server refused the ref update */
} remote_cb;

static int credentials(git_credential **out, const char *url, const char *user,
                       unsigned int allowed, void *payload)
{
    (void)url;
    remote_cb *cb = payload;
    const char *pw = getenv("INFRAEXEC_GIT_PASSWORD");
    if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && pw && *pw && !cb->asked_pw++) {
        const char *name = getenv("INFRAEXEC_GIT_USERNAME");
        return sym_git_credential_userpass_plaintext_new(out, name && *name ? name
                                                         : user ? user : "git", pw);
    }
    if (!(allowed & GIT_CREDENTIAL_SSH_KEY) || cb->asked++)
        return GIT_PASSTHROUGH;
    return sym_git_credential_ssh_key_from_agent(out, user ? user : "git");
}

/* remote.NAME.pushurl (when PUSH) or remote.NAME.url, the caller frees. */
static char *remote_url(ix_git *g, const char *name, int push)
{
    git_config *cfg = NULL;
    git_buf value = {0};
    char key[300], *url = NULL;
    if (sym_git_repository_config_snapshot(&cfg, g->repo) < 0)
        return NULL;
    for (int k = push ? 0 : 1; k < 2 && !url; k++) {
        snprintf(key, sizeof key, "remote.%s.%s", name, k == 0 ? "pushurl" : "url");
        if (sym_git_config_get_string_buf(&value, cfg, key) == 0 && value.ptr && *value.ptr)
            url = ix_xstrdup(value.ptr);
        sym_git_buf_dispose(&value);
    }
    sym_git_config_free(cfg);
    return url;
}

/* The remote by its URL only: git_remote_lookup reads its settings with
 * regular expressions, and libgit2 1.5 with PCRE2 leaks a match block per
 * use; the refspecs are ours anyway. */
static int open_remote(ix_git *g, const char *name, int push, git_remote **r, char **url,
                       ix_err *err)
{
    *r = NULL;
    *url = remote_url(g, name, push);
    if (!*url)
        return ix_err_set(err, "%s: no git remote '%s' (remote.%s.url is not set)", g->workdir,
                          name, name);
    if (sym_git_remote_create_anonymous(r, g->repo, *url) < 0) {
        free(*url);
        *url = NULL;
        return fail_git(err, g->workdir, "bad URL of git remote '%s'", name);
    }
    return 0;
}

/* The directory of a remote on disk, or NULL for a network URL. */
static char *local_remote(const char *url)
{
    if (strncmp(url, "file://", 7) == 0)
        return ix_xstrdup(url + 7);
    if (url[0] == '/' || url[0] == '.')
        return ix_xstrdup(url);
    return NULL;
}

/* Copy the commits of FROM (a repository) reachable from TIP but not from
 * HAVE (may be NULL) into TO's object store, as one pack. */
static int copy_objects(git_repository *from, git_repository *to, const git_oid *tip,
                        const git_oid *have, ix_err *err, const char *where)
{
    git_packbuilder *pb = NULL;
    git_revwalk *walk = NULL;
    ix_buf packdir = IX_BUF_INIT;
    int rc = 0;
    if (sym_git_packbuilder_new(&pb, from) < 0 || sym_git_revwalk_new(&walk, from) < 0 ||
        sym_git_revwalk_push(walk, tip) < 0 || (have && sym_git_revwalk_hide(walk, have) < 0) ||
        sym_git_packbuilder_insert_walk(pb, walk) < 0)
        rc = fail_git(err, where, "cannot pack the commits to copy");
    ix_buf_printf(&packdir, "%sobjects/pack", sym_git_repository_path(to));
    if (rc == 0 && sym_git_packbuilder_object_count(pb) &&
        sym_git_packbuilder_write(pb, packdir.data, 0, NULL, NULL) < 0)
        rc = fail_git(err, where, "cannot write a pack into %s", packdir.data);
    sym_git_revwalk_free(walk);
    sym_git_packbuilder_free(pb);
    ix_buf_free(&packdir);
    return rc;
}

/* Whether REPO has commit ID. */
static int has_commit(git_repository *repo, const git_oid *id)
{
    git_odb *odb = NULL;
    int yes = sym_git_repository_odb(&odb, repo) == 0 && sym_git_odb_exists(odb, id);
    sym_git_odb_free(odb);
    return yes;
}

/* Fetch from a remote on disk, without libgit2's remote machinery (whose
 * configuration lookups leak, see open_remote). */
static int fetch_local(ix_git *g, const char *dir, const char *branch, const char *track,
                       git_oid *out, ix_err *err)
{
    git_repository *rr = NULL;
    if (sym_git_repository_open(&rr, dir) < 0)
        return fail_git(err, g->workdir, "cannot open the remote repository %s", dir);
    ix_buf ref = IX_BUF_INIT;
    ix_buf_printf(&ref, "refs/heads/%s", branch);
    git_oid have;
    int known = sym_git_reference_name_to_id(&have, g->repo, track) == 0 && has_commit(rr, &have);
    int rc = 0;
    if (sym_git_reference_name_to_id(out, rr, ref.data) < 0)
        rc = ix_err_set(err, "%s: remote %s has no branch '%s'", g->workdir, dir, branch);
    else if (!has_commit(g->repo, out))
        rc = copy_objects(rr, g->repo, out, known ? &have : NULL, err, g->workdir);
    if (rc == 0 && sym_git_reference_create(NULL, g->repo, track, out, 1, "infraexec: fetch") < 0)
        rc = fail_git(err, g->workdir, "cannot update %s", track);
    ix_buf_free(&ref);
    sym_git_repository_free(rr);
    return rc;
}

int ix_git_fetch(ix_git *g, const char *remote, const char *branch, char out[41], ix_err *err)
{
    out[0] = '\0';
    ix_buf track0 = IX_BUF_INIT;
    ix_buf_printf(&track0, "refs/remotes/%s/%s", remote, branch);
    char *url0 = remote_url(g, remote, 0), *dir = url0 ? local_remote(url0) : NULL;
    if (dir) {
        git_oid tip;
        int lrc = fetch_local(g, dir, branch, track0.data, &tip, err);
        if (lrc == 0)
            sym_git_oid_tostr(out, GIT_OID_HEXSZ + 1, &tip);
        free(dir);
        free(url0);
        ix_buf_free(&track0);
        return lrc;
    }
    free(url0);
    ix_buf_free(&track0);
    git_remote *r = NULL;
    char *url;
    if (open_remote(g, remote, 0, &r, &url, err) < 0)
        return -1;
    free(url);
    ix_buf spec = IX_BUF_INIT, track = IX_BUF_INIT;
    ix_buf_printf(&spec, "+refs/heads/%s:refs/remotes/%s/%s", branch, remote, branch);
    ix_buf_printf(&track, "refs/remotes/%s/%s", remote, branch);
    char *specs[] = {spec.data};
    git_strarray refspecs = {specs, 1};
    git_fetch_options fo;
    sym_git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
    remote_cb cb = {0, 0, 0};
    fo.callbacks.credentials = credentials;
    fo.callbacks.payload = &cb;
    git_oid id;
    int rc = 0;
    if (sym_git_remote_fetch(r, &refspecs, &fo, "infraexec: fetch") < 0)
        rc = fail_git(err, g->workdir, "cannot fetch %s from %s", branch, remote);
    else if (sym_git_reference_name_to_id(&id, g->repo, track.data) < 0)
        rc = ix_err_set(err, "%s: remote %s has no branch '%s'", g->workdir, remote, branch);
    else
        sym_git_oid_tostr(out, GIT_OID_HEXSZ + 1, &id);
    sym_git_remote_free(r);
    ix_buf_free(&spec);
    ix_buf_free(&track);
    return rc;
}

int ix_git_reset_hard(ix_git *g, const char *commit, ix_err *err)
{
    git_oid id;
    git_object *obj = NULL;
    if (sym_git_oid_fromstr(&id, commit) < 0 ||
        sym_git_object_lookup(&obj, g->repo, &id, GIT_OBJECT_COMMIT) < 0)
        return fail_git(err, g->workdir, "no commit %s", commit);
    git_checkout_options co;
    sym_git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
    co.checkout_strategy = GIT_CHECKOUT_FORCE;
    int rc = sym_git_reset(g->repo, obj, GIT_RESET_HARD, &co) < 0
                 ? fail_git(err, g->workdir, "cannot reset to %s", commit) : 0;
    sym_git_object_free(obj);
    return rc;
}

/* Push to a remote on disk: objects first (a pack the remote did not have),
 * then the ref, compared and swapped under its lock. */
static int push_local(ix_git *g, const char *dir, const char *ref, const git_oid *head,
                      const git_oid *expect, int *rejected, ix_err *err)
{
    git_repository *rr = NULL;
    git_reference *out = NULL;
    int rc = -1;
    if (sym_git_repository_open(&rr, dir) < 0) {
        fail_git(err, g->workdir, "cannot open the remote repository %s", dir);
        goto done;
    }
    if (copy_objects(g->repo, rr, head, expect, err, g->workdir) < 0)
        goto done;
    int r = expect ? sym_git_reference_create_matching(&out, rr, ref, head, 1, expect,
                                                   "infraexec: push")
                   : sym_git_reference_create(&out, rr, ref, head, 0, "infraexec: push");
    if (r == GIT_EMODIFIED || r == GIT_EEXISTS || r == GIT_ELOCKED) {
        *rejected = 1;
        rc = 0;
    } else if (r < 0) {
        fail_git(err, g->workdir, "cannot update %s in %s", ref, dir);
    } else {
        rc = 0;
    }
done:
    sym_git_reference_free(out);
    sym_git_repository_free(rr);
    return rc;
}

static int on_push_update(const char *ref, const char *status, void *payload)
{
    (void)ref;
    if (status)
        ((remote_cb *)payload)->rejected = 1;
    return 0;
}

int ix_git_push(ix_git *g, const char *remote, const char *branch, const char *expect,
                int *rejected, ix_err *err)
{
    *rejected = 0;
    git_oid head, old;
    int unborn;
    if (head_id(g, &head, &unborn, err) < 0)
        return -1;
    if (unborn)
        return ix_err_set(err, "%s: nothing to push (no commit yet)", g->workdir);
    if (expect && sym_git_oid_fromstr(&old, expect) < 0)
        return ix_err_set(err, "%s: not a commit id: %s", g->workdir, expect);
    if (expect && !sym_git_oid_equal(&head, &old) &&
        sym_git_graph_descendant_of(g->repo, &head, &old) != 1) {
        *rejected = 1; /* would not be a fast-forward: never forced */
        return 0;
    }
    git_remote *r = NULL;
    char *url = remote_url(g, remote, 1), *dir = url ? local_remote(url) : NULL;
    if (!dir) {
        free(url);
        if (open_remote(g, remote, 1, &r, &url, err) < 0)
            return -1;
    }
    ix_buf ref = IX_BUF_INIT, spec = IX_BUF_INIT, track = IX_BUF_INIT;
    ix_buf_printf(&ref, "refs/heads/%s", branch);
    ix_buf_printf(&spec, "refs/heads/%s:refs/heads/%s", branch, branch);
    ix_buf_printf(&track, "refs/remotes/%s/%s", remote, branch);
    int rc;
    if (dir) {
        rc = push_local(g, dir, ref.data, &head, expect ? &old : NULL, rejected, err);
    } else {
        char *specs[] = {spec.data};
        git_strarray refspecs = {specs, 1};
        git_push_options po;
        sym_git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
        remote_cb cb = {0, 0, 0};
        po.callbacks.credentials = credentials;
        po.callbacks.push_update_reference = on_push_update;
        po.callbacks.payload = &cb;
        rc = sym_git_remote_push(r, &refspecs, &po);
        if (rc == GIT_ENONFASTFORWARD || (rc == 0 && cb.rejected)) {
            *rejected = 1;
            rc = 0;
        } else if (rc < 0) {
            rc = fail_git(err, g->workdir, "cannot push %s to %s", branch, remote);
        }
    }
    if (rc == 0 && !*rejected &&
        sym_git_reference_create(NULL, g->repo, track.data, &head, 1, "infraexec: push") < 0)
        rc = fail_git(err, g->workdir, "pushed, but cannot update %s", track.data);
    free(dir);
    free(url);
    sym_git_remote_free(r);
    ix_buf_free(&ref);
    ix_buf_free(&spec);
    ix_buf_free(&track);
    return rc;
}

int ix_git_remote_tip(ix_git *g, const char *remote, const char *branch, char out[41],
                      int *missing, ix_err *err)
{
    out[0] = '\0';
    *missing = 0;
    ix_buf ref = IX_BUF_INIT;
    ix_buf_printf(&ref, "refs/heads/%s", branch);
    git_oid id;
    int found = 0, rc = 0;
    /* The push URL: the tip wanted is the one of the repository pushed to. */
    char *url = remote_url(g, remote, 1), *dir = url ? local_remote(url) : NULL;
    if (dir) {
        git_repository *rr = NULL;
        if (sym_git_repository_open(&rr, dir) < 0)
            rc = fail_git(err, g->workdir, "cannot open the remote repository %s", dir);
        else
            found = sym_git_reference_name_to_id(&id, rr, ref.data) == 0;
        sym_git_repository_free(rr);
    } else {
        git_remote *r = NULL;
        free(url);
        url = NULL;
        rc = open_remote(g, remote, 1, &r, &url, err);
        git_remote_callbacks cbs;
        sym_git_remote_init_callbacks(&cbs, GIT_REMOTE_CALLBACKS_VERSION);
        remote_cb cb = {0, 0, 0};
        cbs.credentials = credentials;
        cbs.payload = &cb;
        const git_remote_head **heads = NULL;
        size_t n = 0;
        if (rc == 0 && (sym_git_remote_connect(r, GIT_DIRECTION_FETCH, &cbs, NULL, NULL) < 0 ||
                        sym_git_remote_ls(&heads, &n, r) < 0))
            rc = fail_git(err, g->workdir, "cannot list the branches of git remote '%s'", remote);
        for (size_t i = 0; rc == 0 && i < n && !found; i++)
            if (strcmp(heads[i]->name, ref.data) == 0) {
                id = heads[i]->oid;
                found = 1;
            }
        if (r)
            sym_git_remote_disconnect(r);
        sym_git_remote_free(r);
    }
    if (rc == 0 && found)
        sym_git_oid_tostr(out, GIT_OID_HEXSZ + 1, &id);
    else if (rc == 0)
        *missing = 1;
    free(dir);
    free(url);
    ix_buf_free(&ref);
    return rc;
}

int ix_git_push_head(ix_git *g, const char *remote, const char *branch, char out[41], ix_err *err)
{
    out[0] = '\0';
    char before[41], head[41], after[41];
    int missing, rejected;
    if (ix_git_head(g, head, err) < 0 ||
        ix_git_remote_tip(g, remote, branch, before, &missing, err) < 0)
        return -1;
    if (ix_git_push(g, remote, branch, missing ? NULL : before, &rejected, err) < 0)
        return -1;
    if (rejected)
        return ix_err_set(err, "%s: push to %s/%s rejected: the remote branch is at %.12s, which "
                          "HEAD %.12s does not contain (someone else pushed: pull, then push; "
                          "never forced)", g->workdir, remote, branch,
                          missing ? "(none)" : before, head);
    /* A push that "succeeded" proves nothing by itself (a hook, a mirror,
     * a proxy may answer ok and keep the old ref): read the branch back. */
    if (ix_git_remote_tip(g, remote, branch, after, &missing, err) < 0) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        return ix_err_set(err, "%s: pushed %.12s to %s/%s but cannot read the branch back: %s",
                          g->workdir, head, remote, branch, why);
    }
    if (missing || strcmp(after, head) != 0)
        return ix_err_set(err, "%s: pushed %.12s to %s/%s, but the remote branch is at %s",
                          g->workdir, head, remote, branch, missing ? "nothing (no such branch)" : after);
    memcpy(out, after, 41);
    return 0;
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
        return fail_git(err, g->workdir, "cannot walk the history of %s", commit);
    }
    char **v = NULL;
    size_t nv = 0;
    int rc = 0;
    while (sym_git_revwalk_next(&id, walk) == 0) {
        git_commit *c = NULL;
        if (sym_git_commit_lookup(&c, g->repo, &id) < 0) {
            rc = fail_git(err, g->workdir, "cannot read a commit");
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
    if (!has_commit(g->repo, &c) || !has_commit(g->repo, &a))
        return 0; /* unknown here (never fetched): not "no" */
    if (sym_git_oid_equal(&c, &a)) {
        *answer = 1;
        return 0;
    }
    int rc = sym_git_graph_descendant_of(g->repo, &c, &a);
    if (rc < 0)
        return fail_git(err, g->workdir, "cannot tell whether %.12s contains %.12s", commit, ancestor);
    *answer = rc;
    return 0;
}

int ix_git_show(ix_git *g, const char *commit, const char *path, ix_buf *out, int *missing,
                ix_err *err)
{
    *missing = 0;
    git_oid id;
    char *rel;
    if (parse_id(g, commit, &id, err) < 0 || relative_path(g, path, &rel, err) < 0)
        return -1;
    git_commit *c = NULL;
    git_tree *tree = NULL;
    git_tree_entry *e = NULL;
    git_blob *blob = NULL;
    int rc = 0;
    if (sym_git_commit_lookup(&c, g->repo, &id) < 0 || sym_git_commit_tree(&tree, c) < 0) {
        rc = fail_git(err, g->workdir, "cannot read commit %s", commit);
    } else if (sym_git_tree_entry_bypath(&e, tree, rel) < 0 ||
               sym_git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
        *missing = 1;
    } else if (sym_git_blob_lookup(&blob, g->repo, sym_git_tree_entry_id(e)) < 0) {
        rc = fail_git(err, g->workdir, "cannot read %s at %s", rel, commit);
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
    if (relative_path(g, path, &rel, err) < 0)
        return -1;
    git_oid head;
    int unborn;
    git_commit *c = NULL;
    git_tree *tree = NULL, *sub = NULL;
    git_tree_entry *e = NULL;
    int rc = head_id(g, &head, &unborn, err);
    if (rc == 0 && !unborn &&
        (sym_git_commit_lookup(&c, g->repo, &head) < 0 || sym_git_commit_tree(&tree, c) < 0))
        rc = fail_git(err, g->workdir, "cannot read HEAD's tree");
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
            rc = fail_git(err, g->workdir, "cannot read %s at HEAD", rel);
        }
        ix_buf_free(&prefix);
        if (rc == 0 && f.n)
            qsort(f.paths, f.n, sizeof *f.paths, cmp_str);
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
