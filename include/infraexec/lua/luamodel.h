/* luamodel.h - the task and infraexec.yaml as Lua tables
 * (`ix.task.current()`, `ix.config()`).
 *
 * The task table is built once per state from the parsed task (fields,
 * labels, frontmatter, criteria with their code, code blocks) and kept in
 * the registry, under a key known only to this file.  The config table is
 * built from the YAML tree at the first call and kept likewise; each call
 * returns a deep copy, so a handler changing its table changes no other
 * caller's.  YAML scalars the config's schema types as booleans become
 * booleans, every other scalar stays a string. */
#ifndef INFRAEXEC_LUAMODEL_H
#define INFRAEXEC_LUAMODEL_H

#include "infraexec/lua/luahost.h"

#include <lua.h>

/* Build the task table of T (NULL: an empty task, for handler tooling)
 * and keep it in L's registry. */
void ix_luamodel_store_task(lua_State *L, const ix_task *t, const char *workspace);

/* Drop the built config table: the next infraexec.config() builds it from
 * the tree again (once validation made its paths absolute). */
void ix_luamodel_forget_config(lua_State *L);

/* Push the kept task table. */
void ix_luamodel_push_task(lua_State *L);

/* ix.config(): a copy of the config table. */
int ix_luamodel_config(lua_State *L);

#endif
