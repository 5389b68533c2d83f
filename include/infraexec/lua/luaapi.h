/* luaapi.h - the `infraexec` module's families, assembled: one table per
 * family (ix.fs, ix.proc, ix.git, ix.yaml, ix.json, ix.http, ix.task,
 * ix.template, ix.text), each filled by its own file's open function
 * (luafs.h, luaproc.h, luagit.h, luayaml.h, luajson.h, luahttp.h, luatask.h,
 * luawording.h, luatext.h), the dry run's stand-ins
 * (luadry.h), and the flat names of earlier releases (ix.read_file,
 * ix.git_head, ...) as aliases of the same functions.
 *
 * Each family is also package.loaded["infraexec.FAMILY"], so that Lua's
 * own error messages name a primitive by its family ("bad argument #1 to
 * 'infraexec.fs.read'").  The aliases are not fields of the module: its
 * metatable's __index finds them, so pairs(ix) shows the families and the
 * helpers only, and the names resolve to one function each.  ix.http and
 * ix.task are callable: ix.http{...} is ix.http.request{...}, ix.task() is
 * ix.task.current(). */
#ifndef INFRAEXEC_LUAAPI_H
#define INFRAEXEC_LUAAPI_H

#include "infraexec/lua/luagit.h"

#include <lua.h>

/* Adds the families, ix.null and the aliases to the module table on top
 * of the stack.  Relative paths start at WORKSPACE (NULL: the process's
 * directory); GIT is git.commit's context (may be NULL); with DRY_RUN the
 * acting primitives are the stand-ins. */
void ix_luaapi_open(lua_State *L, const char *workspace, const ix_luagit_ctx *git, int dry_run);

#endif
