/* preflight.c - see include/infraexec/engine/preflight.h */
#include "infraexec/engine/preflight.h"

#include "infraexec/sys/fileio.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

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
    /* The directories the config names (keys declared dir) must exist. */
    for (size_t i = 0; i < cfg->ndirs; i++)
        if (!ix_file_is_dir(cfg->dirs[i].path))
            return ix_err_set(err, "%s: %s does not exist", cfg->dirs[i].path, cfg->dirs[i].key);
    return 0;
}
