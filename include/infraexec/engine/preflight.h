/* preflight.h - what a run checks before it touches anything.
 *
 * The task file and its directory must be writable (edits are atomic
 * renames), the workspace must exist, and so must the directories
 * infraexec.yaml names under keys declared `dir = true`
 * (lua/infraexec/config.lua; cfg validated).  The checks a section needs
 * beyond that (a repository's branch, a kube context) are the preflight
 * functions its module declares (ix_luahost_preflight).  Checks only:
 * nothing is created or changed. */
#ifndef INFRAEXEC_PREFLIGHT_H
#define INFRAEXEC_PREFLIGHT_H

#include "infraexec/model/config.h"
#include "infraexec/base/err.h"

/* 0 when the run may start; else -1 with ERR naming the first problem. */
int ix_preflight(const char *path, const char *workspace, const ix_config *cfg, ix_err *err);

#endif
