/* luatask.c - see include/infraexec/lua/luatask.h */
#include "infraexec/lua/luatask.h"

#include "infraexec/base/clock.h"
#include "infraexec/sys/git.h"
#include "infraexec/lua/luamodel.h"
#include "infraexec/lua/luafs.h"
#include "infraexec/base/pathjoin.h"
#include "infraexec/engine/runlock.h"
#include "infraexec/base/safetext.h"
#include "infraexec/sys/secrets.h"
#include "infraexec/model/task.h"
#include "infraexec/model/taskdir.h"
#include "infraexec/model/tasksection.h"
#include "infraexec/base/text.h"

#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- finding a task by id ---- */

/* Raise unless ARG is a valid task id (task.h): it names a file. */
static const char *check_id(lua_State *L, int arg, const char *fn)
{
    const char *id = luaL_checkstring(L, arg);
    if (!ix_task_id_ok(id)) {
        char *shown = ix_safe_dup(id, 0);
        lua_pushfstring(L, "infraexec.%s: '%s' is not a valid task id (letters, digits, '.', "
                           "'_' and '-', starting with a letter or digit, no '..', at most %d "
                           "characters); refused", fn, shown, IX_TASK_ID_MAX);
        free(shown);
        return lua_error(L), NULL;
    }
    return id;
}

/* The file of task ID in the running task's tasks directory (else the
 * workspace's tasks/): OUT gets its path, *STATE its folder.  -1 with ERR
 * when there is none, or when the file there is a symlink. */
static int locate(lua_State *L, const char *id, ix_buf *out, const char **state, ix_err *err)
{
    const ix_luahost_ctx *ctx = ix_luahost_ctx_of(L);
    char *dir = ctx->task ? ix_taskdir_of(ctx->task->path) : NULL;
    if (!dir) {
        ix_buf d = IX_BUF_INIT;
        ix_buf_printf(&d, "%s/tasks", ctx->workspace);
        dir = ix_buf_detach(&d);
    }
    ix_buf name = IX_BUF_INIT;
    ix_buf_printf(&name, "%s.md", id);
    int rc = -1, refused = 0;
    for (const char *const *s = ix_taskdir_states; *s && rc < 0 && !refused; s++) {
        ix_buf p = IX_BUF_INIT;
        struct stat st;
        if (ix_path_join(&p, dir, (const char *const[]){*s, name.data, NULL}, err) == 0 &&
            lstat(p.data, &st) == 0) {
            if (S_ISLNK(st.st_mode)) {
                refused = ix_err_set(err, "%s: is a symbolic link; not followed", p.data);
                ix_buf_free(&p);
                break;
            }
            ix_buf_append(out, p.data, p.len);
            *state = *s;
            rc = 0;
        }
        ix_buf_free(&p);
    }
    if (rc < 0 && !refused)
        ix_err_set(err, "no task %s in %s (active/, backlog/, completed/, blocked/)", id, dir);
    ix_buf_free(&name);
    free(dir);
    return rc;
}

/* Load the task at PATH and check it is the task ID. */
static int load_as(const char *path, const char *id, ix_task **t, ix_err *err)
{
    if (ix_task_load(path, t, err) < 0)
        return -1;
    if ((*t)->id && strcmp((*t)->id, id) == 0)
        return 0;
    char *shown = ix_safe_dup((*t)->id ? (*t)->id : "(none)", 0);
    ix_err_set(err, "%s: its frontmatter says id '%.60s', not %s; not used", path, shown, id);
    free(shown);
    ix_task_free(*t);
    *t = NULL;
    return -1;
}

/* ---- task.read ---- */

static void push_task(lua_State *L, const ix_task *t, const char *state)
{
    lua_createtable(L, 0, 9);
    if (t->id)
        lua_pushstring(L, t->id), lua_setfield(L, -2, "id");
    if (t->title)
        lua_pushstring(L, t->title), lua_setfield(L, -2, "title");
    if (t->status)
        lua_pushstring(L, t->status), lua_setfield(L, -2, "status");
    lua_pushstring(L, t->path), lua_setfield(L, -2, "path");
    if (state)
        lua_pushstring(L, state), lua_setfield(L, -2, "folder");
    lua_createtable(L, (int)t->ncriteria, 0);
    for (size_t i = 0; i < t->ncriteria; i++) {
        const ix_criterion *c = &t->criteria[i];
        lua_createtable(L, 0, 4);
        lua_pushinteger(L, c->index), lua_setfield(L, -2, "index");
        lua_pushinteger(L, c->line), lua_setfield(L, -2, "line");
        lua_pushstring(L, c->text), lua_setfield(L, -2, "text");
        lua_pushboolean(L, c->checked), lua_setfield(L, -2, "checked");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "criteria");
    lua_createtable(L, (int)t->nlog, 0);
    for (size_t i = 0; i < t->nlog; i++) {
        lua_createtable(L, 0, 3);
        lua_pushinteger(L, t->log[i].line), lua_setfield(L, -2, "line");
        lua_pushstring(L, t->log[i].stamp), lua_setfield(L, -2, "stamp");
        lua_pushstring(L, t->log[i].text), lua_setfield(L, -2, "text");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "log");
}

typedef struct read_out {
    const ix_task *t;
    const char *state;
    ix_task_section *s;
    size_t n;
} read_out;

/* The task as a table, under a protected call: the C parse is freed after. */
static int push_read(lua_State *L)
{
    const read_out *r = lua_touserdata(L, 1);
    push_task(L, r->t, r->state);
    const ix_task_section *s = r->s;
    size_t n = r->n;
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_createtable(L, 0, 4);
        lua_pushstring(L, s[i].heading), lua_setfield(L, -2, "heading");
        lua_pushinteger(L, s[i].level), lua_setfield(L, -2, "level");
        lua_pushinteger(L, s[i].line), lua_setfield(L, -2, "line");
        char *body = ix_task_section_body(r->t, &s[i]);
        lua_pushstring(L, body);
        free(body);
        lua_setfield(L, -2, "text");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "sections");
    return 1;
}

/* task.read([id]) -> {id, title, status, path, folder, criteria, log,
 * sections} | nil, message.  Without an id, the running task as it is on
 * disk now. */
static int l_task_read(lua_State *L)
{
    const ix_luahost_ctx *ctx = ix_luahost_ctx_of(L);
    const char *id = lua_isnoneornil(L, 1) ? NULL : check_id(L, 1, "task.read");
    ix_buf path = IX_BUF_INIT;
    read_out r = {NULL, NULL, NULL, 0};
    ix_err err;
    ix_task *t = NULL;
    int rc;
    if (id) {
        rc = locate(L, id, &path, &r.state, &err);
        if (rc == 0)
            rc = load_as(path.data, id, &t, &err);
    } else if (!ctx->task) {
        rc = ix_err_set(&err, "no running task");
    } else {
        rc = ix_task_load(ctx->task->path, &t, &err);
    }
    ix_buf_free(&path);
    if (rc < 0)
        return ix_luafs_fail(L, err.msg);
    r.t = t;
    ix_task_sections(t, &r.s, &r.n);
    lua_pushcfunction(L, push_read);
    lua_pushlightuserdata(L, &r);
    rc = lua_pcall(L, 1, 1, 0);
    ix_task_sections_free(r.s, r.n);
    ix_task_free(t);
    return rc == LUA_OK ? 1 : lua_error(L);
}

/* ---- task.log ---- */

/* The text of the entry as it will be written: masked, one safe line. */
static char *entry_text(const ix_luahost_ctx *ctx, const char *text)
{
    char *masked = ix_secrets_mask_owned(ctx->secrets, ix_xstrdup(text));
    char *safe = ix_safe_dup(masked, 0);
    free(masked);
    for (char *p = safe; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return safe;
}

/* task.log(id, text) -> stamp, text | nil, message: a Progress Log entry
 * appended to another task of the tasks directory, under its run lock. */
static int task_log(lua_State *L, int act)
{
    ix_luahost_ctx *ctx = ix_luahost_ctx_of(L);
    ix_crit_report *c = ix_luahost_current(L, "task.log");
    const char *id = check_id(L, 1, "task.log");
    const char *raw = luaL_checkstring(L, 2);
    luaL_argcheck(L, *raw, 2, "empty entry");
    ix_now now;
    ix_err err;
    if (ix_clock_now(&now, &err) < 0)
        return luaL_error(L, "%s", err.msg);
    ix_buf path = IX_BUF_INIT;
    const char *state;
    ix_task *t = NULL;
    char *text = entry_text(ctx, raw);
    char real[PATH_MAX], self[PATH_MAX];
    int rc = locate(L, id, &path, &state, &err);
    if (rc == 0)
        rc = load_as(path.data, id, &t, &err);
    if (rc == 0 && ctx->task && realpath(path.data, real) && realpath(ctx->task->path, self) &&
        strcmp(real, self) == 0)
        rc = ix_err_set(&err, "%s is the running task itself; its Progress Log is the run's",
                        id);
    int outside = rc == 0 && !ix_luafs_confined(L, path.data);
    if (outside)
        rc = ix_err_set(&err, "infraexec.task.log: %s: outside the directories infraexec.yaml "
                              "names; refused", path.data);
    ix_task_change chg = {.message = text, .stamp = now.stamp};
    if (rc == 0 && !act) {
        ix_buf out = IX_BUF_INIT, diff = IX_BUF_INIT;
        rc = ix_task_edit_text(path.data, t->data, t->len, &chg, &out, &err);
        if (rc >= 0)
            rc = ix_git_diff(path.data, t->data, t->len, out.data, out.len, &diff, &err);
        if (rc >= 0)
            ix_luafs_record(c, path.data, "Progress Log entry", ix_buf_detach(&diff));
        ix_buf_free(&out);
        ix_buf_free(&diff);
    } else if (rc == 0) {
        /* Never under a run of that task: its run lock, then its file lock. */
        int lock = -1;
        char *ws = ix_taskdir_workspace(path.data);
        ix_err lerr;
        if (ix_runlock_take(ws, id, &lock, &lerr) < 0)
            rc = ix_err_set(&err, "%s; %s not updated", lerr.msg, path.data);
        else
            rc = ix_task_update_file(path.data, &chg, &err);
        if (lock >= 0)
            close(lock);
        free(ws);
        if (rc == 0)
            ix_luafs_record(c, path.data, "Progress Log entry", NULL);
    }
    ix_task_free(t);
    ix_buf_free(&path);
    free(rc < 0 ? text : NULL);
    if (outside) /* the ops team's mistake: loud, as for fs.write */
        return luaL_error(L, "%s", err.msg);
    if (rc < 0)
        return ix_luafs_fail(L, err.msg);
    lua_pushstring(L, now.stamp);
    lua_pushstring(L, text);
    free(text);
    return 2;
}

static int l_task_log(lua_State *L)
{
    return task_log(L, 1);
}

int ix_luatask_log_dry(lua_State *L)
{
    return task_log(L, 0);
}

/* ---- task.set_section ---- */

/* task.set_section(heading, text) -> changed | nil, message: the running
 * task's "## HEADING" section holds TEXT (replaced, or inserted before the
 * Progress Log). */
static int task_set_section(lua_State *L, int act)
{
    ix_luahost_ctx *ctx = ix_luahost_ctx_of(L);
    ix_crit_report *c = ix_luahost_current(L, "task.set_section");
    const char *heading = luaL_checkstring(L, 1);
    const char *body = luaL_checkstring(L, 2);
    ix_err err;
    if (ix_task_section_name_ok(heading, &err) < 0)
        return luaL_error(L, "infraexec.task.set_section: %s", err.msg);
    ix_now now;
    if (ix_clock_now(&now, &err) < 0)
        return luaL_error(L, "%s", err.msg);
    const char *path = ctx->task->path;
    ix_section_change chg = {.heading = heading, .body = body, .stamp = now.stamp};
    ix_buf summary = IX_BUF_INIT;
    ix_buf_printf(&summary, "section %s", heading);
    int rc;
    if (act) {
        rc = ix_task_section_update_file(path, &chg, &err);
        if (rc == 0 && chg.changed)
            ix_luafs_record(c, path, summary.data, NULL);
    } else {
        ix_buf old = IX_BUF_INIT, out = IX_BUF_INIT, diff = IX_BUF_INIT;
        rc = ix_taskdir_read(path, IX_TASK_MAX_SIZE, &old, &err);
        if (rc == 0)
            rc = ix_task_section_edit_text(path, old.data ? old.data : "", old.len, &chg, &out,
                                           &err);
        if (rc == 0)
            rc = ix_git_diff(path, old.data ? old.data : "", old.len, out.data, out.len, &diff,
                             &err);
        if (rc == 0) {
            ix_luafs_record(c, path, summary.data, ix_buf_detach(&diff));
        } else if (rc == 1) {
            rc = 0;
        }
        ix_buf_free(&old);
        ix_buf_free(&out);
        ix_buf_free(&diff);
    }
    ix_buf_free(&summary);
    if (rc < 0)
        return ix_luafs_fail(L, err.msg);
    lua_pushboolean(L, chg.changed);
    return 1;
}

static int l_task_set_section(lua_State *L)
{
    return task_set_section(L, 1);
}

int ix_luatask_set_section_dry(lua_State *L)
{
    return task_set_section(L, 0);
}

/* task.current() -> the running task's table (ix.task() calls it). */
static int l_current(lua_State *L)
{
    ix_luamodel_push_task(L);
    return 1;
}

void ix_luatask_open(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"current", l_current},  {"read", l_task_read},
        {"log", l_task_log},     {"set_section", l_task_set_section},
        {NULL, NULL},
    };
    luaL_setfuncs(L, funcs, 0);
}
