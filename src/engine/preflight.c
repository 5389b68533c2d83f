/* preflight.c - see include/infraexec/engine/preflight.h */
#include "infraexec/engine/preflight.h"

#include "infraexec/base/buf.h"
#include "infraexec/sys/fileio.h"
#include "infraexec/sys/git.h"
#include "infraexec/sys/proc.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The repository at DIR must be on BRANCH. */
static int check_branch(const char *what, const char *dir, const char *branch, ix_err *err)
{
    ix_git *g;
    char *name = NULL;
    if (ix_git_open(dir, &g, err) < 0)
        return -1;
    int rc = ix_git_branch(g, &name, err);
    ix_git_close(g);
    if (rc == 0 && strcmp(name, branch) != 0)
        rc = ix_err_set(err, "%s %s is on branch '%s', infraexec.yaml expects '%s' (git.branch)",
                        what, dir, name, branch);
    free(name);
    return rc;
}

/* kubectl must know the configured context (reads name it explicitly). */
static int check_context(const ix_config *cfg, const char *context, ix_err *err)
{
    const char *argv[] = {"kubectl", "config", "get-contexts", "-o", "name", NULL};
    ix_buf kenv = IX_BUF_INIT;
    const char *kubeconfig = ix_config_str(cfg, "kube.kubeconfig");
    if (kubeconfig)
        ix_buf_printf(&kenv, "KUBECONFIG=%s", kubeconfig);
    const char *env[] = {kenv.data, NULL};
    ix_proc p = IX_PROC_INIT;
    p.argv = argv;
    p.env = kubeconfig ? env : NULL;
    p.timeout = 20;
    int rc = ix_proc_run(&p, err);
    if (rc == 0 && !ix_proc_ok(&p)) {
        rc = ix_err_set(err, "kubectl config get-contexts failed: %s",
                        p.spawn_error[0] ? p.spawn_error : p.tail);
    } else if (rc == 0) {
        int found = 0;
        for (char *line = p.tail, *save = NULL; (line = strtok_r(line, "\n", &save)); line = NULL)
            found |= strcmp(line, context) == 0;
        if (!found)
            rc = ix_err_set(err, "kube context '%s' (kube.context) is not in the kubeconfig",
                            context);
    }
    ix_proc_clear(&p);
    ix_buf_free(&kenv);
    return rc;
}

int ix_preflight(const char *path, const char *workspace, const ix_config *cfg, ix_err *err)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    if (access(path, W_OK) < 0)
        return ix_err_sys(err, "%s: task file is not writable", path);
    if (access(dirname(dir), W_OK) < 0)
        return ix_err_sys(err, "%s: directory is not writable (edits are atomic renames)", dir);
    if (!ix_file_is_dir(workspace))
        return ix_err_set(err, "%s: workspace directory does not exist", workspace);
    /* The directories the config names must exist. */
    const ix_fm_node *projects = cfg->root ? ix_fm_get(cfg->root, "projects") : NULL;
    for (size_t i = 0; projects && i < projects->nchild; i++) {
        const char *p = ix_fm_str(&projects->child[i], "path");
        if (p && !ix_file_is_dir(p))
            return ix_err_set(err, "%s: projects.%s.path does not exist", p,
                              projects->child[i].key);
    }
    const char *gitops = ix_config_str(cfg, "gitops.path");
    if (gitops && !ix_file_is_dir(gitops))
        return ix_err_set(err, "%s: gitops.path does not exist", gitops);
    const char *branch = ix_config_str(cfg, "git.branch");
    if (branch && gitops && check_branch("gitops repository", gitops, branch, err) < 0)
        return -1;
    const char *context = ix_config_str(cfg, "kube.context");
    if (context && check_context(cfg, context, err) < 0)
        return -1;
    return 0;
}
