/* luagit.h - `ix.git`: the repository primitives of the `infraexec` module
 * (branch, head, status, commit, push, remote_head, contains, show, files;
 * docs/lua-api.md).  Each call opens the repository around its directory
 * (relative to the workspace, luafs.h), does one thing and closes it.  A
 * wrong argument raises; a repository that is not there or a git operation
 * that fails gives nil, message. */
#ifndef INFRAEXEC_LUAGIT_H
#define INFRAEXEC_LUAGIT_H

#include <lua.h>

struct ix_secrets;

/* What git.commit needs from the run that hosts it: the secrets masked in
 * its message (NULL: none) and the author (both NULL: the repository's
 * configured identity).  Given to git.commit as an upvalue; must outlive
 * the state. */
typedef struct ix_luagit_ctx {
    const struct ix_secrets *secrets;
    const char *author_name, *author_email;
} ix_luagit_ctx;

/* Fills the table on top of the stack with the git family.  GIT may be
 * NULL (no secrets, the repository's identity). */
void ix_luagit_open(lua_State *L, const ix_luagit_ctx *git);

/* Raise an error unless the arguments are git.commit's (dir, non-empty
 * list of path strings, message); returns the number of paths.  Shared
 * with the dry-run stand-in. */
lua_Integer ix_luagit_check_commit(lua_State *L);

#endif
