/* git.h - the git repositories infraexec commits its changes to.
 *
 * This module owns every git operation of infraexec, done in-process with
 * libgit2 (never by running the git binary): finding the repository around a
 * path, reading its branch, HEAD and status, and committing exactly the files
 * a task changed - nothing else, whatever else is dirty or staged - so a
 * GitOps repository only ever gets the commits infraexec means to make.
 *
 * It initializes libgit2 itself (ix_git_open takes a reference, ix_git_close
 * drops it), never prints, and reads identity and settings from the usual
 * git config files (repository, ~/.gitconfig, XDG, /etc/gitconfig).  One
 * ix_git must not be used by two threads at once; separate ix_git handles,
 * even on the same repository, may be used from separate threads.
 *
 * The code is in src/sys/git*.c, one concern a file (src/sys/git_internal.h,
 * private to them, lists which). */
#ifndef INFRAEXEC_GIT_H
#define INFRAEXEC_GIT_H

#include <stddef.h>

#include "infraexec/base/buf.h"
#include "infraexec/base/err.h"

typedef struct ix_git ix_git; /* an open repository with a work tree */

/* Open the repository whose work tree contains PATH (a file or directory
 * anywhere inside it; the search goes upward, stopping at a filesystem
 * boundary as git does).  Fails for a path outside any repository and for a
 * bare repository.  Close with ix_git_close. */
int ix_git_open(const char *path, ix_git **out, ix_err *err);
void ix_git_close(ix_git *g); /* NULL is fine */

/* The work tree: absolute, symlinks resolved, no trailing slash.  Valid until
 * ix_git_close. */
const char *ix_git_workdir(const ix_git *g);

/* The checked-out branch ("main", "feature/x"), which the caller frees.
 * Works on an unborn branch (no commit yet); a detached HEAD is an error
 * naming the commit. */
int ix_git_branch(ix_git *g, char **name, ix_err *err);

/* HEAD's commit id as 40 hex digits; an error on an unborn branch. */
int ix_git_head(ix_git *g, char out[41], ix_err *err);

/* Every changed path, relative to the work tree and sorted bytewise:
 * modified, added, deleted, type-changed, conflicted and untracked, staged
 * or not (a rename shows as its two paths, deleted and added).  Files in
 * untracked directories are listed one by one; ignored files are left out.  *paths is NULL when
 * nothing changed; free it with ix_git_free_paths. */
int ix_git_status(ix_git *g, char ***paths, size_t *n, ix_err *err);
void ix_git_free_paths(char **paths, size_t n);

typedef struct ix_git_identity {
    const char *name, *email;
} ix_git_identity;

/* Commit the current work-tree state of exactly these N paths on top of HEAD
 * (or as the first commit of an unborn branch), and write its id to out_id.
 *
 * Paths are absolute or relative to the work tree (not to the current
 * directory), and name files or symlinks: a path missing from the work tree
 * commits its deletion (all files under it, if it was a directory).  Paths
 * outside the work tree, inside .git, behind a symlink or naming an existing
 * directory are refused.  A named path is committed even if .gitignore
 * matches it (like `git add -f`): the caller said it changed it.
 *
 * The commit's tree is HEAD's tree with only these paths replaced; other
 * changes, staged or not, stay out of it and are left as they were: the
 * index afterwards holds the committed state for these paths and is
 * untouched elsewhere.  If none of the paths differ from HEAD, fails with
 * "nothing to commit for <paths>".
 *
 * The message is stored exactly as given (no whitespace cleanup) and must not
 * be empty.  Author and committer are user.name/user.email from git config;
 * if those are not set, FALLBACK (may be NULL) is used; without either, it
 * fails saying how to configure one (GIT_AUTHOR_* variables are not read).
 * On a detached HEAD the commit moves HEAD only; use ix_git_branch first to
 * insist on a branch.  Refused while a merge, rebase, cherry-pick... is in
 * progress.  Like all of libgit2 it runs no hooks (pre-commit, commit-msg)
 * and does not sign (commit.gpgSign is ignored).
 *
 * If the commit was made but the index could not be updated afterwards (say
 * another git holds index.lock), returns -1 with out_id filled and a message
 * saying so: the branch has the commit, `git status` will show it reverted
 * in the index until `git reset -q -- <paths>` is run. */
int ix_git_commit_paths(ix_git *g, const char *const *paths, size_t n, const char *message,
                        const ix_git_identity *fallback, char out_id[41], ix_err *err);

/* The user.name git config gives: the repository's around PATH when PATH is
 * inside one (its .git/config, then the global, XDG and system files), else
 * those files alone; NULL when none sets it or PATH is NULL and nothing is
 * configured.  The caller frees it. */
char *ix_git_user_name(const char *path);
/* Append to OUT the unified diff of A -> B labelled PATH, as `diff -u`
 * prints it: "--- PATH", "+++ PATH", hunks with three lines of context (changes
 * with up to six kept lines between share one), "\ No newline at end of file".  Nothing is
 * appended when A and B are equal.  libgit2 makes it, loaded on first use:
 * when it cannot be loaded, fails saying so with OUT unchanged. */
int ix_git_diff(const char *path, const char *a, size_t alen, const char *b, size_t blen,
                ix_buf *out, ix_err *err);
/* `git pull --ff-only` for the checked-out branch: fetch its upstream
 * (branch.NAME.remote/.merge, else origin/NAME) and, when the branch is
 * behind, check the new tree out (refusing to overwrite local changes) and
 * move the branch.  *WHAT says what happened ("main is up to date with
 * origin/main", "main fast-forwarded to origin/main (abc123...)").  Diverged
 * branches, an unreachable remote, a detached HEAD are errors: nothing is
 * changed.  No credentials are asked for (an ssh remote needing them fails). */
int ix_git_pull_ff(ix_git *g, char **what, ix_err *err);

/* ---- remotes: what the git-claimed queue (claim.h) needs ---- */

/* Fetch BRANCH of REMOTE (a configured remote's name) into
 * refs/remotes/REMOTE/BRANCH and write its commit id to OUT; a branch the
 * remote does not have is an error. */
int ix_git_fetch(ix_git *g, const char *remote, const char *branch, char out[41], ix_err *err);

/* Point the checked-out branch at COMMIT and make the index and the work
 * tree match it (git reset --hard): tracked files' local changes are lost,
 * untracked files stay. */
int ix_git_reset_hard(ix_git *g, const char *commit, ix_err *err);

/* Push HEAD to BRANCH of REMOTE if and only if the remote's branch is still
 * at EXPECT (the id ix_git_fetch gave; NULL when the remote has no such
 * branch) and HEAD descends from it: never a force.  Otherwise *REJECTED is
 * set and 0 returned, nothing changed on the remote.  libgit2's own push to
 * a remote on disk overwrites the ref without comparing it, so for those
 * (file:// URLs and paths) the objects are copied as a pack and the ref
 * updated with a compare-and-swap under the remote's ref lock; other URLs
 * go through libgit2's transport, where the server compares (ssh keys from
 * the ssh agent).  On success refs/remotes/REMOTE/BRANCH follows. */
int ix_git_push(ix_git *g, const char *remote, const char *branch, const char *expect,
                int *rejected, ix_err *err);

/* The commit BRANCH of REMOTE points at now, read from the remote itself
 * (its refs on disk, or the refs it advertises over the network, as `git
 * ls-remote`), at the remote's push URL: nothing local changes.  *MISSING
 * (and rc 0) when the remote has no such branch; an unreachable remote is an
 * error. */
int ix_git_remote_tip(ix_git *g, const char *remote, const char *branch, char out[41],
                      int *missing, ix_err *err);

/* Push HEAD to BRANCH of REMOTE and confirm it: the branch is read from the
 * remote before (it must be HEAD or an ancestor of it; a branch the remote
 * does not have yet is created) and after the push (it must then be HEAD),
 * and OUT is the commit it was seen at.  A non-fast-forward is an error
 * naming the remote, the branch and both commits: never a force.  So is a
 * push that reported success while the branch stayed elsewhere.
 * Credentials as ix_git_push (environment or ssh agent only). */
int ix_git_push_head(ix_git *g, const char *remote, const char *branch, char out[41], ix_err *err);

/* The subject lines of the commits reachable from COMMIT whose commit time
 * is SINCE (seconds since the epoch) or later, newest first, stopping at
 * the first older one.  Free with ix_git_free_paths. */
int ix_git_recent_subjects(ix_git *g, const char *commit, long long since, char ***subjects,
                           size_t *n, ix_err *err);
/* Append the content of PATH (absolute inside the work tree, or relative to
 * it) at COMMIT (40 hex digits) to OUT; *MISSING when the commit has no such
 * file.  A path outside the work tree is an error. */
int ix_git_show(ix_git *g, const char *commit, const char *path, ix_buf *out,
                int *missing, ix_err *err);
/* Whether COMMIT contains ANCESTOR (is it, or descends from it), both 40
 * hex digits, read in this repository only: *ANSWER 1 or 0, or -1 when the
 * repository lacks either commit (a remote's tip never fetched), which says
 * nothing either way.  Read-only. */
int ix_git_contains(ix_git *g, const char *commit, const char *ancestor, int *answer, ix_err *err);

/* The files (blobs and symlinks) HEAD's tree holds at PATH (absolute or
 * relative to the work tree; a file gives itself, a directory every file
 * under it), relative to the work tree and sorted; none when HEAD has no
 * such path or no commit yet.  Free with ix_git_free_paths. */
int ix_git_tree_files(ix_git *g, const char *path, char ***paths, size_t *n, ix_err *err);

#endif
