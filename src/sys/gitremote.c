/* gitremote.c - the git operations that talk to a remote (include/infraexec/sys/git.h):
 * pull, fetch, reset to what was fetched, push, the remote's tips, and the
 * credentials they offer. */
#include "git_internal.h"
#include "infraexec/base/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        ix_git_fail(err, g->workdir, "no remote '%s'", remote_name);
        goto out;
    }
    if (sym_git_remote_fetch(remote, NULL, &fo, "fetch (infraexec --pull)") < 0) {
        ix_git_fail(err, g->workdir, "cannot fetch from '%s'", remote_name);
        goto out;
    }
    if (sym_git_reference_lookup(&up, g->repo, ref) < 0) {
        ix_git_fail(err, g->workdir, "no %s after fetching", ref);
        goto out;
    }
    if (sym_git_annotated_commit_from_ref(&theirs, g->repo, up) < 0) {
        ix_git_fail(err, g->workdir, "cannot read %s", ref);
        goto out;
    }
    git_merge_analysis_t analysis;
    git_merge_preference_t pref;
    const git_annotated_commit *heads[1] = {theirs};
    if (sym_git_merge_analysis(&analysis, &pref, g->repo, heads, 1) < 0) {
        ix_git_fail(err, g->workdir, "cannot compare %s with %s", branch, ref);
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
            ix_git_fail(err, g->workdir, "cannot fast-forward %s to %s (local changes in the way?)",
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
            ix_git_fail(err, g->workdir, "cannot move %s to %s", branch, id);
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
        return ix_git_fail(err, g->workdir, "bad URL of git remote '%s'", name);
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
        rc = ix_git_fail(err, where, "cannot pack the commits to copy");
    ix_buf_printf(&packdir, "%sobjects/pack", sym_git_repository_path(to));
    if (rc == 0 && sym_git_packbuilder_object_count(pb) &&
        sym_git_packbuilder_write(pb, packdir.data, 0, NULL, NULL) < 0)
        rc = ix_git_fail(err, where, "cannot write a pack into %s", packdir.data);
    sym_git_revwalk_free(walk);
    sym_git_packbuilder_free(pb);
    ix_buf_free(&packdir);
    return rc;
}

/* Fetch from a remote on disk, without libgit2's remote machinery (whose
 * configuration lookups leak, see open_remote). */
static int fetch_local(ix_git *g, const char *dir, const char *branch, const char *track,
                       git_oid *out, ix_err *err)
{
    git_repository *rr = NULL;
    if (sym_git_repository_open(&rr, dir) < 0)
        return ix_git_fail(err, g->workdir, "cannot open the remote repository %s", dir);
    ix_buf ref = IX_BUF_INIT;
    ix_buf_printf(&ref, "refs/heads/%s", branch);
    git_oid have;
    int known = sym_git_reference_name_to_id(&have, g->repo, track) == 0 && ix_git_has_commit(rr, &have);
    int rc = 0;
    if (sym_git_reference_name_to_id(out, rr, ref.data) < 0)
        rc = ix_err_set(err, "%s: remote %s has no branch '%s'", g->workdir, dir, branch);
    else if (!ix_git_has_commit(g->repo, out))
        rc = copy_objects(rr, g->repo, out, known ? &have : NULL, err, g->workdir);
    if (rc == 0 && sym_git_reference_create(NULL, g->repo, track, out, 1, "infraexec: fetch") < 0)
        rc = ix_git_fail(err, g->workdir, "cannot update %s", track);
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
        rc = ix_git_fail(err, g->workdir, "cannot fetch %s from %s", branch, remote);
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
        return ix_git_fail(err, g->workdir, "no commit %s", commit);
    git_checkout_options co;
    sym_git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
    co.checkout_strategy = GIT_CHECKOUT_FORCE;
    int rc = sym_git_reset(g->repo, obj, GIT_RESET_HARD, &co) < 0
                 ? ix_git_fail(err, g->workdir, "cannot reset to %s", commit) : 0;
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
        ix_git_fail(err, g->workdir, "cannot open the remote repository %s", dir);
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
        ix_git_fail(err, g->workdir, "cannot update %s in %s", ref, dir);
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
    if (ix_git_head_id(g, &head, &unborn, err) < 0)
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
            rc = ix_git_fail(err, g->workdir, "cannot push %s to %s", branch, remote);
        }
    }
    if (rc == 0 && !*rejected &&
        sym_git_reference_create(NULL, g->repo, track.data, &head, 1, "infraexec: push") < 0)
        rc = ix_git_fail(err, g->workdir, "pushed, but cannot update %s", track.data);
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
            rc = ix_git_fail(err, g->workdir, "cannot open the remote repository %s", dir);
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
            rc = ix_git_fail(err, g->workdir, "cannot list the branches of git remote '%s'", remote);
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
