/* git_internal.h - private to src/sys/git*.c: what the files of the git
 * module (include/infraexec/sys/git.h) share and nobody else may use.
 *
 *   gitlib.c     libgit2's symbol table (loaded on first use, dlib.h) and
 *                ix_git_fail, the one-line error message
 *   git.c        the repository: open, branch, HEAD, status, user.name
 *   gitcommit.c  ix_git_commit_paths and the paths it accepts
 *   gitdiff.c    unified diffs of two buffers
 *   gitremote.c  pull, fetch, reset, push, remote tips, credentials
 *   gitread.c    reading objects: history, show, contains, tree files */
#ifndef INFRAEXEC_GIT_INTERNAL_H
#define INFRAEXEC_GIT_INTERNAL_H

#include "infraexec/sys/git.h"
#include "infraexec/base/dlib.h"

#include <git2.h>

/* The libgit2 functions the git*.c files call, as sym_<function> pointers
 * (defined in gitlib.c, filled by ix_git_load). */
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
GIT_SYMS(IX_DLEXTERN)

struct ix_git {
    git_repository *repo;
    char *workdir; /* absolute, no trailing slash */
};

/* Load libgit2 (once; later calls return the first outcome, see dlib.h). */
int ix_git_load(ix_err *err);

/* Fail with "WHERE: WHAT: <libgit2's last error>" on one line: libgit2
 * messages sometimes span lines, and ours are one line by contract. */
int ix_git_fail(ix_err *err, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* HEAD's commit id into *id; *unborn = 1 (and rc 0) when there is none yet. */
int ix_git_head_id(ix_git *g, git_oid *id, int *unborn, ix_err *err);

/* Turn PATH (absolute, or relative to the work tree) into a clean
 * workdir-relative path in *rel (the caller frees), refusing anything
 * outside the work tree or inside .git. */
int ix_git_relative_path(const ix_git *g, const char *path, char **rel, ix_err *err);

/* Whether REPO has commit ID. */
int ix_git_has_commit(git_repository *repo, const git_oid *id);

/* qsort's comparison for an array of strings, bytewise. */
int ix_git_cmp_str(const void *a, const void *b);

#endif
