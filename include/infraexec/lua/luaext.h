/* luaext.h - the data primitives of the `infraexec` Lua module: YAML
 * editing, JSON decoding, tree search, HTTP and git.  luahost.c owns the
 * state (luaproc.h and luafs.h the process and file primitives); this file
 * adds the rest to the module table on top of the stack.  Documented in
 * docs/lua-api.md. */
#ifndef INFRAEXEC_LUAEXT_H
#define INFRAEXEC_LUAEXT_H

#include <jansson.h>
#include <lua.h>

struct ix_secrets;

/* What git_commit needs from the run that hosts it: the secrets masked in
 * its message (NULL: none) and the author (both NULL: the repository's
 * configured identity).  Given to git_commit as an upvalue; must outlive
 * the state. */
typedef struct ix_luaext_git {
    const struct ix_secrets *secrets;
    const char *author_name, *author_email;
} ix_luaext_git;

/* GIT may be NULL (no secrets, the repository's identity). */
void ix_luaext_register(lua_State *L, const ix_luaext_git *git);

/* Raise an error unless the arguments are git_commit's (dir, non-empty
 * list of path strings, message); returns the number of paths.  Shared
 * with the dry-run stand-in. */
lua_Integer ix_luaext_check_commit(lua_State *L);
/* Push PATHS (N of them) as a Lua array and free them (ix_git_free_paths). */
void ix_luaext_push_paths(lua_State *L, char **paths, size_t n);

/* The Lua value at IDX as JSON: sequences become arrays, other tables
 * objects (string keys only), functions and userdata null. */
json_t *ix_luaext_to_json(lua_State *L, int idx, int depth);

#endif
