/* luafs.h - the file primitives of the `infraexec` module (read_file,
 * write_file, exists), the one place that says where handlers may write,
 * and the workspace-relative path rule they share with ix.run's cwd.
 *
 * The write roots are the tasks, WORKSPACE/.infraexec (unless it is a
 * symlink) and the paths of the infraexec.yaml keys the Lua modules
 * declare `write = true` (lua/infraexec/config.lua: a project's path, the
 * GitOps repository ...), or the whole workspace without a config.  Each
 * root is taken as its real path once the config is validated; a write is confined by
 * the real path of the directory it goes through, opened once, and the
 * file name is not followed (fileio.h). */
#ifndef INFRAEXEC_LUAFS_H
#define INFRAEXEC_LUAFS_H

#include "infraexec/lua/luahost.h"

#include <lua.h>
#include <stddef.h>

/* Real paths of the directories handlers may write under; owned. */
typedef struct ix_luafs_roots {
    char **v;
    size_t n;
} ix_luafs_roots;

void ix_luafs_roots_collect(ix_luafs_roots *roots, const ix_luahost_ctx *ctx);
/* Whether REAL, a path with no symlink in it, is inside one of ROOTS. */
int ix_luafs_roots_inside(const ix_luafs_roots *roots, const char *real);
void ix_luafs_roots_free(ix_luafs_roots *roots);

/* Argument ARG (a non-empty string; raises otherwise) as an absolute path,
 * a relative one taken from the workspace; pushed on the stack. */
const char *ix_luafs_push_path(lua_State *L, int arg);

/* Adds read_file, write_file and exists to the module table on top of the
 * stack. */
void ix_luafs_register(lua_State *L);

/* write_file's dry-run stand-in (luadry.h): the same checks, the diff
 * recorded, nothing written. */
int ix_luafs_write_file_dry(lua_State *L);

#endif
