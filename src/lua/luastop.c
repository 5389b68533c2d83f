/* luastop.c - see include/infraexec/lua/luastop.h */
#include "infraexec/lua/luastop.h"

#include <lauxlib.h>
#include <pthread.h>

/* Read by the handler: set before the handler can run for them. */
static lua_State *volatile armed_state;
static pthread_t armed_thread; /* the one running it */
static lua_Hook stop_hook;
static int coroutine_every;

static void on_signal(int sig)
{
    (void)sig;
    lua_State *L = armed_state;
    /* A SIGURG from outside may land on another thread (libcurl's
     * resolver): only the thread running L may touch it. */
    if (L && pthread_equal(pthread_self(), armed_thread))
        lua_sethook(L, stop_hook, LUA_MASKCOUNT, 1);
}

static void count_coroutine(lua_State *co)
{
    lua_sethook(co, stop_hook, LUA_MASKCOUNT, coroutine_every);
}

static int l_create(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    count_coroutine(lua_tothread(L, -1));
    return 1;
}

/* The function coroutine.wrap returns holds its coroutine as upvalue 1. */
static int l_wrap(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    if (!lua_getupvalue(L, -1, 1) || !lua_isthread(L, -1))
        return luaL_error(L, "coroutine.wrap: no coroutine to bound"); /* another Lua */
    count_coroutine(lua_tothread(L, -1));
    lua_pop(L, 1);
    return 1;
}

static void replace(lua_State *L, const char *field, lua_CFunction fn)
{
    lua_getfield(L, -1, field);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, -2, field);
}

static void install(void)
{
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigaction(IX_LUASTOP_SIGNAL, &sa, NULL);
}

void ix_luastop_open(lua_State *L, lua_Hook hook, int every)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    stop_hook = hook;
    coroutine_every = every;
    armed_thread = pthread_self();
    armed_state = L;
    pthread_once(&once, install);
    lua_getglobal(L, "coroutine");
    replace(L, "create", l_create);
    replace(L, "wrap", l_wrap);
    lua_pop(L, 1);
}

void ix_luastop_close(lua_State *L)
{
    if (armed_state == L)
        armed_state = NULL;
}

void ix_luastop_set(lua_State *L, int count)
{
    sigset_t sig, old;
    sigemptyset(&sig);
    sigaddset(&sig, IX_LUASTOP_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &sig, &old); /* the handler sets the same fields */
    lua_sethook(L, count ? stop_hook : NULL, count ? LUA_MASKCOUNT : 0, count);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}
