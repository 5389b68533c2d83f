/* luacache.c - see include/infraexec/lua/luacache.h */
#include "infraexec/lua/luacache.h"

#include "infraexec/base/buf.h"
#include "infraexec/base/version.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HANDLE_META "infraexec.luacache"
#define MAGIC "IXLUAC2"     /* 8 bytes with its NUL; bump it when the layout changes */
#define ENTRY_MAX (64 << 20) /* a bigger entry is not ours */

typedef struct handle {
    int dirfd;   /* the cache directory; -2 not looked up yet, -1 none */
    int debug;   /* INFRAEXEC_CACHE_DEBUG=1 */
    uid_t euid;
    struct stat lib; /* the file Lua's code is in (its bytecode format) */
    int have_lib;
} handle;

static void note(const handle *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(const handle *c, const char *fmt, ...)
{
    if (!c->debug)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("infraexec: lua cache: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* FNV-1a 64 over 8-byte words (the tail bytewise): every step is a
 * bijection, so any one corrupt word changes the sum, with one step per
 * 8 bytes of the few hundred KB a run loads. */
static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x100000001b3u;
    }
    for (; n; p++, n--)
        h = (h ^ *p) * 0x100000001b3u;
    return h;
}
#define FNV_START 0xcbf29ce484222325u

static void put_u64(ix_buf *b, uint64_t v)
{
    ix_buf_append(b, &v, sizeof v);
}

static void put_stat(ix_buf *b, const struct stat *st, int with_ctime)
{
    put_u64(b, (uint64_t)st->st_dev);
    put_u64(b, (uint64_t)st->st_ino);
    put_u64(b, (uint64_t)st->st_size);
    put_u64(b, (uint64_t)st->st_mtim.tv_sec);
    put_u64(b, (uint64_t)st->st_mtim.tv_nsec);
    if (with_ctime) {
        put_u64(b, (uint64_t)st->st_ctim.tv_sec);
        put_u64(b, (uint64_t)st->st_ctim.tv_nsec);
    }
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* ---- the directory ---- */

static int handle_gc(lua_State *L)
{
    handle *c = luaL_checkudata(L, 1, HANDLE_META);
    if (c->dirfd >= 0)
        close(c->dirfd);
    c->dirfd = -1;
    return 0;
}

void ix_luacache_push(lua_State *L)
{
    handle *c = lua_newuserdatauv(L, sizeof *c, 0);
    memset(c, 0, sizeof *c);
    c->dirfd = -2;
    if (luaL_newmetatable(L, HANDLE_META)) {
        lua_pushcfunction(L, handle_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
}

/* mkdir -p DIR with mode 0700 for what it makes; existing ones stay. */
static void make_dirs(char *dir)
{
    for (char *p = dir + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            mkdir(dir, 0700);
            *p = c;
            if (!c)
                return;
        }
    }
}

/* Whether the nearest existing directory above DIR is EUID's. */
static int ours_above(const char *dir, uid_t euid)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", dir);
    struct stat st;
    for (char *slash; (slash = strrchr(p, '/'));) {
        slash[slash == p] = '\0'; /* "/x" leaves "/" */
        if (stat(p, &st) == 0)
            return st.st_uid == euid;
        if (errno != ENOENT || slash == p)
            return 0;
    }
    return 0;
}

/* The directory the environment names, in OUT: 1 when INFRAEXEC_CACHE_DIR
 * names it, 2 for a default place, 0 for none. */
static int dir_path(const handle *c, char *out, size_t n)
{
    const char *env = getenv("INFRAEXEC_CACHE_DIR");
    int len, named = 1;
    if (env) {
        if (!*env || strcmp(env, "off") == 0) {
            note(c, "off (INFRAEXEC_CACHE_DIR=%s)", env);
            return 0;
        }
        len = snprintf(out, n, "%s", env);
    } else if ((env = getenv("XDG_CACHE_HOME")) && *env == '/') {
        len = snprintf(out, n, "%s/infraexec/lua", env);
        named = 2;
    } else if ((env = getenv("HOME")) && *env == '/') {
        len = snprintf(out, n, "%s/.cache/infraexec/lua", env);
        named = 2;
    } else {
        note(c, "not used: no INFRAEXEC_CACHE_DIR, XDG_CACHE_HOME or HOME (absolute)");
        return 0;
    }
    if (*out != '/' || len < 0 || (size_t)len >= n) {
        note(c, "not used: %s: not an absolute path", out);
        return 0;
    }
    while (len > 1 && out[len - 1] == '/')
        out[--len] = '\0'; /* "link/" would resolve a symlink O_NOFOLLOW refuses */
    return named;
}

/* Look the directory up (once per handle): usable only when it is a
 * directory, not a symlink, owned by us and writable by nobody else. */
static int usable(handle *c)
{
    if (c->dirfd != -2)
        return c->dirfd >= 0;
    c->dirfd = -1;
    const char *dbg = getenv("INFRAEXEC_CACHE_DEBUG");
    c->debug = dbg && strcmp(dbg, "1") == 0;
    char dir[PATH_MAX];
    int named = dir_path(c, dir, sizeof dir);
    if (!named)
        return 0;
    c->euid = geteuid();
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        /* A default place is made only inside a directory of ours: under
         * sudo -E, root's directories in the user's home would block the
         * user's own cache. */
        if (named == 2 && !ours_above(dir, c->euid)) {
            note(c, "not used: %s: the nearest existing directory above it is not the "
                    "effective user's", dir);
            return 0;
        }
        make_dirs(dir);
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    struct stat st;
    const char *why = NULL;
    if (fd < 0)
        why = strerror(errno);
    else if (fstat(fd, &st) < 0)
        why = strerror(errno);
    else if (st.st_uid != c->euid)
        why = "not owned by the effective user";
    else if (st.st_mode & (S_IWGRP | S_IWOTH))
        why = "writable by group or others";
    if (why) {
        note(c, "not used: %s: %s", dir, why);
        if (fd >= 0)
            close(fd);
        return 0;
    }
    /* Bytecode's format is the Lua library's: its file is in the key. */
    Dl_info info;
    c->have_lib = dladdr((void *)lua_load, &info) && info.dli_fname &&
                  stat(info.dli_fname, &c->lib) == 0;
    c->dirfd = fd;
    return 1;
}

/* ---- entries ---- */

/* The key: everything the bytecode depends on, compared in full. */
static void make_key(const handle *c, ix_buf *key, const struct stat *src, const char *chunkname)
{
    put_u64(key, LUA_VERSION_RELEASE_NUM);
    put_u64(key, sizeof(lua_Integer) << 8 | sizeof(lua_Number));
    put_u64(key, (uint64_t)c->have_lib);
    if (c->have_lib)
        put_stat(key, &c->lib, 0);
    ix_buf_append(key, IX_VERSION, sizeof IX_VERSION);
    put_stat(key, src, 1);
    ix_buf_append(key, chunkname, strlen(chunkname) + 1);
}

static void entry_name(char out[32], const char *chunkname)
{
    uint64_t h = fnv(FNV_START, chunkname, strlen(chunkname));
    snprintf(out, 32, "%016llx.luac", (unsigned long long)h);
}

typedef struct chunk {
    const char *data;
    size_t len;
} chunk;

static const char *read_chunk(lua_State *L, void *ud, size_t *size)
{
    (void)L;
    chunk *ch = ud;
    *size = ch->len;
    ch->len = 0;
    return *size ? ch->data : NULL;
}

static int read_all(int fd, ix_buf *b, size_t hint)
{
    ix_buf_reserve(b, hint + 1); /* + 1: EOF shows as a read of 0 without a regrow */
    for (;;) {
        if (b->cap - b->len < 2)
            ix_buf_reserve(b, b->cap);
        ssize_t n = read(fd, b->data + b->len, b->cap - b->len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        b->len += (size_t)n;
    }
}

/* N bytes: an entry is replaced by a rename, never written in place, so
 * its size is known and one read is enough. */
static int read_size(int fd, ix_buf *b, size_t n)
{
    ix_buf_reserve(b, n);
    while (b->len < n) {
        ssize_t got = read(fd, b->data + b->len, n - b->len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        b->len += (size_t)got;
    }
    return 0;
}

/* Push the entry NAME's chunk when its key is KEY: 1, else 0 (why noted). */
static int load_entry(lua_State *L, const handle *c, const char *name, const ix_buf *key,
                      const char *chunkname)
{
    int fd = openat(c->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        note(c, "miss %s (%s)", chunkname + 1, errno == ENOENT ? "no entry" : strerror(errno));
        return 0;
    }
    struct stat st;
    ix_buf b = IX_BUF_INIT;
    const char *why = NULL;
    size_t head = sizeof MAGIC + key->len + 16;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != c->euid)
        why = "entry not a regular file of ours";
    else if (st.st_size > ENTRY_MAX || read_size(fd, &b, (size_t)st.st_size) < 0)
        why = "entry unreadable";
    close(fd);
    uint64_t len, sum;
    if (!why && (b.len < head || memcmp(b.data, MAGIC, sizeof MAGIC) != 0 ||
                 memcmp(b.data + sizeof MAGIC, key->data, key->len) != 0))
        why = "stale";
    if (!why) {
        memcpy(&len, b.data + head - 16, 8);
        memcpy(&sum, b.data + head - 8, 8);
        if (len != b.len - head || fnv(FNV_START, b.data + head, len) != sum)
            why = "corrupt entry";
    }
    if (!why) {
        chunk ch = {b.data + head, len};
        if (lua_load(L, read_chunk, &ch, chunkname, "b") != LUA_OK) {
            lua_pop(L, 1);
            why = "entry does not load";
        }
    }
    ix_buf_free(&b);
    if (why) {
        note(c, "miss %s (%s)", chunkname + 1, why);
        return 0;
    }
    note(c, "hit %s", chunkname + 1);
    return 1;
}

static int write_dump(lua_State *L, const void *p, size_t n, void *ud)
{
    (void)L;
    ix_buf_append(ud, p, n);
    return 0;
}

/* Store the function on top as the entry NAME with KEY; failures only
 * mean no entry. */
static void store_entry(lua_State *L, const handle *c, const char *name, const ix_buf *key,
                        const char *chunkname)
{
    ix_buf b = IX_BUF_INIT;
    ix_buf_append(&b, MAGIC, sizeof MAGIC);
    ix_buf_append(&b, key->data, key->len);
    put_u64(&b, 0);
    put_u64(&b, 0);
    size_t head = b.len;
    lua_dump(L, write_dump, &b, 0);
    uint64_t len = b.len - head, sum = fnv(FNV_START, b.data + head, len);
    memcpy(b.data + head - 16, &len, 8);
    memcpy(b.data + head - 8, &sum, 8);

    char tmp[64];
    snprintf(tmp, sizeof tmp, ".%s.%ld.%p.tmp", name, (long)getpid(), (const void *)&b);
    int fd = openat(c->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    int failed = fd < 0 ? errno : 0;
    for (size_t off = 0; !failed && off < b.len;) {
        ssize_t n = write(fd, b.data + off, b.len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            failed = n < 0 ? errno : EIO;
        else
            off += (size_t)n;
    }
    if (fd >= 0 && close(fd) < 0 && !failed)
        failed = errno;
    if (!failed && renameat(c->dirfd, tmp, c->dirfd, name) < 0)
        failed = errno;
    if (failed && fd >= 0)
        unlinkat(c->dirfd, tmp, 0);
    if (failed)
        note(c, "not stored %s (%s)", chunkname + 1, strerror(failed));
    else
        note(c, "wrote %s", chunkname + 1);
    ix_buf_free(&b);
}

/* Whether luaL_loadfilex would hand lua_load other bytes than the file's:
 * it skips a UTF-8 BOM and a first line starting with '#', and reopens a
 * binary chunk.  Such files are left to it. */
static int not_plain(const ix_buf *src)
{
    int c = src->len ? (unsigned char)src->data[0] : -1;
    return c == '#' || c == 0xEF || c == LUA_SIGNATURE[0];
}

/* Whether the mode bits alone let EUID read ST's file, whatever groups the
 * process is in: a hit then needs no open to learn that it may read the
 * source (the mode, owner and ACL are as when the entry was stored: they
 * change the ctime). */
static int readable(const struct stat *st, uid_t euid)
{
    if (euid == 0)
        return 1;
    if (st->st_uid == euid)
        return (st->st_mode & S_IRUSR) != 0;
    return (st->st_mode & (S_IRGRP | S_IROTH)) == (S_IRGRP | S_IROTH);
}

int ix_luacache_loadfile(lua_State *L, int idx, const char *path, const struct stat *seen)
{
    handle *c = lua_touserdata(L, idx);
    if (!c || !usable(c))
        return luaL_loadfilex(L, path, "t");
    struct stat st;
    if (!seen && stat(path, &st) == 0)
        seen = &st;
    if (!seen || !S_ISREG(seen->st_mode) || !seen->st_nlink)
        return luaL_loadfilex(L, path, "t"); /* and its message for what is wrong */
    int fd = -1;
    if (!readable(seen, c->euid) && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return luaL_loadfilex(L, path, "t");
    const char *chunkname = lua_pushfstring(L, "@%s", path);
    int cn = lua_gettop(L);
    ix_buf key = IX_BUF_INIT;
    make_key(c, &key, seen, chunkname);
    char name[32];
    entry_name(name, chunkname);
    if (load_entry(L, c, name, &key, chunkname)) {
        if (fd >= 0)
            close(fd);
        ix_buf_free(&key);
        lua_remove(L, cn);
        return LUA_OK;
    }

    /* Compile the bytes read from FD; store them only when the file did
     * not change while read and its ctime is before the second this began
     * (so any later write shows a later ctime, even on coarse clocks). */
    struct stat before, after;
    if (fd < 0)
        fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &before) < 0 || !S_ISREG(before.st_mode) || !before.st_nlink) {
        if (fd >= 0)
            close(fd);
        ix_buf_free(&key);
        lua_pop(L, 1);
        return luaL_loadfilex(L, path, "t");
    }
    if (!same_file(seen, &before)) { /* replaced since SEEN: the key is the file read */
        key.len = 0;
        make_key(c, &key, &before, chunkname);
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME_COARSE, &now);
    ix_buf src = IX_BUF_INIT;
    int rd = read_all(fd, &src, (size_t)before.st_size);
    int stable = rd == 0 && fstat(fd, &after) == 0 && same_file(&before, &after) &&
                 src.len == (size_t)before.st_size && before.st_ctim.tv_sec < now.tv_sec;
    close(fd);
    if (rd < 0 || not_plain(&src)) {
        ix_buf_free(&src);
        ix_buf_free(&key);
        lua_pop(L, 1);
        return luaL_loadfilex(L, path, "t");
    }
    chunk ch = {src.data, src.len};
    int status = lua_load(L, read_chunk, &ch, chunkname, "t");
    ix_buf_free(&src);
    if (status == LUA_OK && stable)
        store_entry(L, c, name, &key, chunkname);
    else if (status == LUA_OK)
        note(c, "not stored %s (changed in the last second or while read)", chunkname + 1);
    ix_buf_free(&key);
    lua_remove(L, cn);
    return status;
}
