/* luafs.h - `ix.fs`, the file primitives of the `infraexec` module
 * (read, write, exists, rename, search, find, list_dir), the one place that
 * says where handlers may write, the one path resolver every primitive
 * uses (a relative path starts at the workspace: files, trees, git
 * directories, ix.proc.run's cwd) and the failure result of the binding
 * (Lua's luaL_fileresult rule: an environmental failure is nil, message; a
 * misuse or a write outside the roots raises).
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

/* Pushes nil and MSG: return ix_luafs_fail(L, msg) from a primitive. */
int ix_luafs_fail(lua_State *L, const char *msg);

/* Whether the directory holding PATH is inside the roots. */
int ix_luafs_confined(lua_State *L, const char *path);
/* Records in C's report that PATH changed (SUMMARY; DIFF, owned, in a dry
 * run). */
void ix_luafs_record(ix_crit_report *c, const char *path, const char *summary, char *diff);

/* Fills the table on top of the stack with the fs family; relative paths
 * start at WORKSPACE from now on (NULL: the process's directory). */
void ix_luafs_open(lua_State *L, const char *workspace);

/* The dry-run stand-ins of write and rename (luadry.h): the same checks,
 * the diff or move recorded, nothing changed. */
int ix_luafs_write_file_dry(lua_State *L);
int ix_luafs_rename_dry(lua_State *L);

#endif
