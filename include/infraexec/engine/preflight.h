/* preflight.h - what a run checks before it touches anything.
 *
 * The task file and its directory must be writable (edits are atomic
 * renames), the workspace must exist, and so must the directories
 * infraexec.yaml names (projects.*.path, gitops.path); the GitOps
 * repository must be on git.branch and kubectl must know kube.context.
 * Checks only: nothing is created or changed.  (The config words are the
 * homelab's; issue 16 moves them out to the Lua modules that need them.) */
#ifndef INFRAEXEC_PREFLIGHT_H
#define INFRAEXEC_PREFLIGHT_H

#include "infraexec/model/config.h"
#include "infraexec/base/err.h"

/* 0 when the run may start; else -1 with ERR naming the first problem. */
int ix_preflight(const char *path, const char *workspace, const ix_config *cfg, ix_err *err);

#endif
