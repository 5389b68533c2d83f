/* luaapi.c - see include/infraexec/lua/luaapi.h */
#include "infraexec/lua/luaapi.h"

#include "infraexec/lua/luadry.h"
#include "infraexec/lua/luafs.h"
#include "infraexec/lua/luahttp.h"
#include "infraexec/lua/luajson.h"
#include "infraexec/lua/luaproc.h"
#include "infraexec/lua/luatask.h"
#include "infraexec/lua/luatext.h"
#include "infraexec/lua/luawording.h"
#include "infraexec/lua/luayaml.h"

#include <lauxlib.h>

/* The flat name of every primitive, kept for handlers written against it
 * (docs/lua-api.md, "Migrating from the flat names"). */
static const struct {
    const char *flat, *family, *name;
} aliases[] = {
    {"read_file", "fs", "read"},          {"write_file", "fs", "write"},
    {"exists", "fs", "exists"},           {"rename", "fs", "rename"},
    {"search", "fs", "search"},           {"find", "fs", "find"},
    {"list_dir", "fs", "list_dir"},       {"run", "proc", "run"},
    {"git_branch", "git", "branch"},      {"git_head", "git", "head"},
    {"git_status", "git", "status"},      {"git_commit", "git", "commit"},
    {"git_push", "git", "push"},          {"git_remote_head", "git", "remote_head"},
    {"git_contains", "git", "contains"},  {"git_show", "git", "show"},
    {"git_files", "git", "files"},        {"yaml_get", "yaml", "get"},
    {"yaml_set", "yaml", "set"},          {"json_decode", "json", "decode"},
    {"task_read", "task", "read"},        {"task_log", "task", "log"},
    {"task_set_section", "task", "set_section"},
};

/* The __call of a callable family: its function (upvalue 1) with the
 * arguments after the table. */
static int call_family(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_replace(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* The family table on top of the stack becomes callable as its function
 * NAME. */
static void make_callable(lua_State *L, const char *name)
{
    lua_createtable(L, 0, 1);
    lua_getfield(L, -2, name);
    lua_pushcclosure(L, call_family, 1);
    lua_setfield(L, -2, "__call");
    lua_setmetatable(L, -2);
}

/* The filled family on top of the stack becomes ix[NAME] (IX: the
 * module's index) and package.loaded["infraexec.NAME"]; popped. */
static void add_family(lua_State *L, int ix, const char *name)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_pushfstring(L, "infraexec.%s", name);
    lua_pushvalue(L, -3);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_setfield(L, ix, name);
}

void ix_luaapi_open(lua_State *L, const char *workspace, const ix_luagit_ctx *git, int dry_run)
{
    int ix = lua_gettop(L);
    lua_newtable(L), ix_luafs_open(L, workspace), add_family(L, ix, "fs");
    lua_newtable(L), ix_luaproc_open(L), add_family(L, ix, "proc");
    lua_newtable(L), ix_luagit_open(L, git), add_family(L, ix, "git");
    lua_newtable(L), ix_luayaml_open(L), add_family(L, ix, "yaml");
    lua_newtable(L), ix_luajson_open(L), add_family(L, ix, "json");
    lua_newtable(L), ix_luahttp_open(L), make_callable(L, "request"), add_family(L, ix, "http");
    lua_newtable(L), ix_luatask_open(L), make_callable(L, "current"), add_family(L, ix, "task");
    lua_newtable(L), ix_luawording_open(L), add_family(L, ix, "template");
    lua_newtable(L), ix_luatext_open(L), add_family(L, ix, "text");
    ix_luajson_push_null(L);
    lua_setfield(L, ix, "null");
    /* Last: in a dry run the stand-ins replace every primitive that spawns
     * or writes, and the aliases are taken after, so they are the
     * stand-ins too. */
    if (dry_run)
        ix_luadry_register(L);
    lua_createtable(L, 0, 1);
    lua_createtable(L, 0, (int)(sizeof aliases / sizeof *aliases));
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++) {
        lua_getfield(L, ix, aliases[i].family);
        lua_getfield(L, -1, aliases[i].name);
        lua_setfield(L, -3, aliases[i].flat);
        lua_pop(L, 1);
    }
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, ix);
}
