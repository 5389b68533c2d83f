/* luamodel.c - see include/infraexec/lua/luamodel.h */
#include "infraexec/lua/luamodel.h"

#include <lauxlib.h>
#include <stddef.h>
#include <stdlib.h>

static const char task_key = 0; /* the registry's slot for the task table */

static void push_strv(lua_State *L, char *const *v, size_t n)
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, v[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

/* A YAML tree as Lua tables: the scalars the config's schema types as
 * booleans become booleans, everything else stays a string. */
static void push_fm(lua_State *L, const ix_fm_node *n)
{
    /* A level holds two slots (its table, a child); the stack has only
     * LUA_MINSTACK unless grown, and the parser allows 64 levels. */
    luaL_checkstack(L, 3, "YAML nested too deeply");
    switch (n->kind) {
    case IX_FM_SCALAR:
    case IX_FM_ALIAS:
        if (n->boolean)
            lua_pushboolean(L, n->value[0] == 't');
        else
            lua_pushstring(L, n->value);
        return;
    case IX_FM_SEQ:
    case IX_FM_MAP:
        lua_createtable(L, 0, (int)n->nchild);
        for (size_t i = 0; i < n->nchild; i++) {
            if (n->kind == IX_FM_MAP) {
                /* A key given twice: the first, as the C side reads it (ix_fm_get). */
                int seen = lua_getfield(L, -1, n->child[i].key) != LUA_TNIL;
                lua_pop(L, 1);
                if (seen)
                    continue;
            }
            push_fm(L, &n->child[i]);
            if (n->kind == IX_FM_MAP)
                lua_setfield(L, -2, n->child[i].key);
            else
                lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
    }
}

static void push_criterion(lua_State *L, const ix_criterion *c)
{
    lua_createtable(L, 0, 7);
    lua_pushinteger(L, c->index), lua_setfield(L, -2, "index");
    lua_pushinteger(L, c->line), lua_setfield(L, -2, "line");
    lua_pushstring(L, c->text), lua_setfield(L, -2, "text");
    lua_pushboolean(L, c->checked), lua_setfield(L, -2, "checked");
    if (c->group)
        lua_pushstring(L, c->group), lua_setfield(L, -2, "group");
    push_strv(L, c->code, c->ncode), lua_setfield(L, -2, "code");
}

/* The task as a Lua table, built once and kept in the registry. */
static void store_task(lua_State *L, const ix_task *t, const char *workspace)
{
    lua_createtable(L, 0, 12);
    static const struct { const char *key; size_t off; } fields[] = {
        {"id", offsetof(ix_task, id)}, {"title", offsetof(ix_task, title)},
        {"status", offsetof(ix_task, status)}, {"priority", offsetof(ix_task, priority)},
        {"created", offsetof(ix_task, created)}, {"updated", offsetof(ix_task, updated)},
    };
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        const char *v = *(const char *const *)((const char *)t + fields[i].off);
        if (v)
            lua_pushstring(L, v), lua_setfield(L, -2, fields[i].key);
    }
    /* Absolute: ix.read_file takes a relative path from the workspace, not
     * from the directory the task was named in (its own text unread). */
    char *abs = t->path[0] == '/' ? NULL : realpath(t->path, NULL);
    lua_pushstring(L, abs ? abs : t->path), lua_setfield(L, -2, "path");
    free(abs);
    lua_pushstring(L, workspace), lua_setfield(L, -2, "workspace");
    push_strv(L, (char *const *)t->labels, t->nlabels), lua_setfield(L, -2, "labels");
    push_fm(L, t->fm), lua_setfield(L, -2, "frontmatter");
    lua_createtable(L, (int)t->ncriteria, 0);
    for (size_t i = 0; i < t->ncriteria; i++) {
        push_criterion(L, &t->criteria[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "criteria");
    lua_createtable(L, (int)t->ncode, 0);
    for (size_t i = 0; i < t->ncode; i++) {
        const ix_code_block *b = &t->code[i];
        lua_createtable(L, 0, 4);
        lua_pushinteger(L, b->line), lua_setfield(L, -2, "line");
        lua_pushstring(L, b->lang), lua_setfield(L, -2, "lang");
        lua_pushstring(L, b->section), lua_setfield(L, -2, "section");
        lua_pushstring(L, b->text), lua_setfield(L, -2, "text");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "code_blocks");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &task_key);
}

/* A copy of the table at IDX, its tables copied too (a config tree: no
 * cycles, no metatables). */
static void copy_tree(lua_State *L, int idx)
{
    luaL_checkstack(L, 4, "infraexec.config: too deeply nested");
    idx = lua_absindex(L, idx);
    lua_createtable(L, (int)lua_rawlen(L, idx), 0);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            copy_tree(L, -1);
            lua_remove(L, -2);
        }
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
}

static const char config_key = 0; /* the registry's slot for the built config */

/* infraexec.yaml as a table (empty without one); `path` names the file.
 * Built from the YAML tree once per Lua state; each call returns a copy of
 * that, so a handler changing its table changes no other caller's. */
int ix_luamodel_config(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &config_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        const ix_config *cfg = ix_luahost_ctx_of(L)->config;
        if (cfg && cfg->root) {
            push_fm(L, cfg->root);
            lua_pushstring(L, cfg->path), lua_setfield(L, -2, "path");
        } else {
            lua_newtable(L);
        }
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &config_key);
    }
    copy_tree(L, -1);
    return 1;
}

void ix_luamodel_forget_config(lua_State *L)
{
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &config_key);
}

void ix_luamodel_store_task(lua_State *L, const ix_task *t, const char *workspace)
{
    if (t) {
        store_task(L, t, workspace);
        return;
    }
    lua_createtable(L, 0, 4);
    lua_newtable(L), lua_setfield(L, -2, "labels");
    lua_newtable(L), lua_setfield(L, -2, "criteria");
    lua_newtable(L), lua_setfield(L, -2, "code_blocks");
    lua_pushstring(L, workspace), lua_setfield(L, -2, "workspace");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &task_key);
}

void ix_luamodel_push_task(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &task_key);
}
