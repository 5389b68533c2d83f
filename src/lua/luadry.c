/* luadry.c - see include/infraexec/lua/luadry.h */
#include "infraexec/lua/luadry.h"

#include "infraexec/lua/luagit.h"
#include "infraexec/lua/luafs.h"
#include "infraexec/lua/luahost.h"
#include "infraexec/lua/luaproc.h"
#include "infraexec/lua/luatask.h"

#include <lauxlib.h>

static int l_log_dry(lua_State *L)
{
    luaL_checkstring(L, 1);
    return 0;
}

/* In a dry run, git.commit is this: the commit is shown with the
 * criterion's commands (as the git command it amounts to), not made. */
static int l_dry_commit(lua_State *L)
{
    lua_Integer n = ix_luagit_check_commit(L);
    const char *dir = ix_luafs_push_path(L, 1);
    ix_crit_report *c = ix_luahost_current(L, "git.commit");
    ix_cmd_record r = {0};
    r.argv = ix_xcalloc((size_t)n + 8, sizeof *r.argv); /* 7 words, the paths, NULL */
    size_t k = 0;
    r.argv[k++] = ix_xstrdup("git");
    r.argv[k++] = ix_xstrdup("-C");
    r.argv[k++] = ix_xstrdup(dir);
    r.argv[k++] = ix_xstrdup("commit");
    r.argv[k++] = ix_xstrdup("-m");
    r.argv[k++] = ix_xstrdup(lua_tostring(L, 3));
    r.argv[k++] = ix_xstrdup("--");
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 2, i);
        r.argv[k++] = ix_xstrdup(lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    r.cwd = ix_xstrdup(dir);
    c->cmds = ix_xrealloc(c->cmds, (c->ncmds + 1) * sizeof *c->cmds);
    c->cmds[c->ncmds++] = r;
    lua_pushstring(L, "(dry run)");
    return 1;
}

/* In a dry run, git.push is this: the push is shown as the git command it
 * amounts to, not made, and the remote is left as it is. */
static int l_dry_push(lua_State *L)
{
    const char *remote = luaL_checkstring(L, 2), *branch = luaL_checkstring(L, 3);
    const char *dir = ix_luafs_push_path(L, 1);
    ix_crit_report *c = ix_luahost_current(L, "git.push");
    ix_cmd_record r = {0};
    r.argv = ix_xcalloc(7, sizeof *r.argv);
    r.argv[0] = ix_xstrdup("git");
    r.argv[1] = ix_xstrdup("-C");
    r.argv[2] = ix_xstrdup(dir);
    r.argv[3] = ix_xstrdup("push");
    r.argv[4] = ix_xstrdup(remote);
    r.argv[5] = ix_xstrdup(lua_pushfstring(L, "HEAD:refs/heads/%s", branch));
    lua_pop(L, 1);
    r.cwd = ix_xstrdup(dir);
    c->cmds = ix_xrealloc(c->cmds, (c->ncmds + 1) * sizeof *c->cmds);
    c->cmds[c->ncmds++] = r;
    lua_pushstring(L, "(dry run)");
    return 1;
}

void ix_luadry_register(lua_State *L)
{
    /* Every primitive that spawns or writes, by family (NULL: the module
     * itself), with what stands in for it in a dry run: there the acting
     * function never enters the state, so no flag check can be forgotten.
     * A new such primitive belongs here; its flat alias follows
     * (luaapi.c). */
    static const struct {
        const char *family, *name;
        lua_CFunction fn;
    } dry[] = {
        {"proc", "run", ix_luaproc_run_dry},     {"fs", "write", ix_luafs_write_file_dry},
        {"fs", "rename", ix_luafs_rename_dry},   {NULL, "log", l_log_dry},
        {"git", "commit", l_dry_commit},         {"git", "push", l_dry_push},
        {"task", "log", ix_luatask_log_dry},     {"task", "set_section", ix_luatask_set_section_dry},
    };
    for (size_t i = 0; i < sizeof dry / sizeof *dry; i++) {
        if (dry[i].family)
            lua_getfield(L, -1, dry[i].family);
        else
            lua_pushvalue(L, -1);
        lua_pushcfunction(L, dry[i].fn);
        lua_setfield(L, -2, dry[i].name);
        lua_pop(L, 1);
    }
}
