/* test_fileio.c - writes go through the directory opened once: the last
 * component is never followed where the contract says so, the directory's
 * true path is what confinement checks see, and names that are not file
 * names are refused. */
#include "infraexec/sys/fileio.h"
#include "tap.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[64];

static const char *at(const char *rel)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", base, rel);
    return buf[k];
}

static char *slurp(const char *path)
{
    ix_buf b = IX_BUF_INIT;
    ix_err err;
    if (ix_file_read(path, 1 << 20, &b, &err) < 0) {
        ix_buf_free(&b);
        return NULL;
    }
    return b.data ? ix_buf_detach(&b) : ix_xstrdup("");
}

static void content_is(const char *path, const char *want, const char *what)
{
    char *got = slurp(path);
    is_str(got ? got : "(unreadable)", want, "%s", what);
    free(got);
}

/* In place: OUT is the file with runs overwritten and bytes appended. */
typedef struct inplace_case {
    const char *out;
    size_t late;
    ix_file_inplace *ip;
    void (*meddle)(const char *path); /* another program, during the update */
    int meddles;                      /* on the first MEDDLES calls */
    int calls;
} inplace_case;

static int put_inplace(void *ctx, const char *path, const char *data, size_t len, ix_buf *out,
                       ix_err *err)
{
    (void)err;
    inplace_case *c = ctx;
    if (c->meddle && c->calls++ < c->meddles)
        c->meddle(path);
    if (c->meddle) { /* tick the box of what is there now */
        ix_buf_append(out, data, len);
        out->data[3] = 'x';
    } else {
        ix_buf_puts(out, c->out);
    }
    c->ip->ok = 1;
    c->ip->late = c->late;
    return 0;
}

static void write_plain(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_TRUNC);
    if (fd >= 0) {
        ssize_t n = write(fd, text, strlen(text));
        (void)n;
        close(fd);
    }
}

static void meddle_in_place(const char *path)
{
    write_plain(path, "- [ ] the editor's save\n"); /* same inode, another size */
}

static void meddle_rename(const char *path)
{
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.editor", path);
    FILE *f = fopen(tmp, "w");
    fputs("- [ ] the editor's file\n", f);
    fclose(f);
    rename(tmp, path);
}

static ino_t inode(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_ino : 0;
}

static void test_in_place(void)
{
    const char *p = at("inplace.md");
    static const struct {
        const char *name, *before, *after;
        size_t late;
        void (*meddle)(const char *);
        int meddles, in_place, calls;
    } cases[] = {
        {"a run overwritten and bytes appended", "- [ ] a\n- [ ] b\n",
         "- [x] a\n- [ ] b\n- entry\n", 3, NULL, 0, 1, 0},
        {"two runs, no append, no late run", "updated: 2025\n- [ ] a\n",
         "updated: 2026\n- [x] a\n", (size_t)-1, NULL, 0, 1, 0},
        {"shorter: rewritten", "- [ ] a\n- [ ] b\n", "- [x] a\n", 3, NULL, 0, 0, 0},
        {"more than 16 runs (16 bytes apart): rewritten",
         "a................a................a................"
         "a................a................a................"
         "a................a................a................"
         "a................a................a................"
         "a................a................a................"
         "a................a................a................\n",
         "b................b................b................"
         "b................b................b................"
         "b................b................b................"
         "b................b................b................"
         "b................b................b................"
         "b................b................b................\n", (size_t)-1, NULL, 0, 0, 0},
        {"written in place by another program meanwhile: edited again from its save",
         "- [ ] a\n", "- [x] the editor's save\n", 3, meddle_in_place, 1, 1, 2},
        {"renamed over by another program meanwhile: edited again from its save", "- [ ] a\n",
         "- [x] the editor's file\n", 3, meddle_rename, 1, 1, 2},
        {"saved over by another program at every try: rewritten after the third", "- [ ] a\n",
         "- [x] the editor's file\n", 3, meddle_rename, 3, 0, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ix_err err = {""};
        unlink(p);
        FILE *f = fopen(p, "w");
        fputs(cases[i].before, f);
        fclose(f);
        ino_t before = inode(p);
        ix_file_inplace ip = {0};
        inplace_case c = {cases[i].after, cases[i].late, &ip, cases[i].meddle, cases[i].meddles,
                          0};
        int rc = ix_file_update_in_place(p, put_inplace, &c, &ip, &err);
        ok(rc == 0, "%s: updated (%s)", cases[i].name, rc ? err.msg : "");
        is_int(ip.done, cases[i].in_place, "%s: %s", cases[i].name,
               cases[i].in_place ? "in place" : "not in place");
        content_is(p, cases[i].after, "... the new content");
        if (cases[i].meddle)
            is_int(c.calls, cases[i].calls, "%s: the edit computed %d times", cases[i].name,
                   cases[i].calls);
        if (cases[i].in_place && !cases[i].meddle)
            ok(inode(p) == before, "%s: the same inode", cases[i].name);
    }
    unlink(p);
}

/* Pieces over a file known by its stat: written when it is that file and
 * holds each piece's old bytes; else nothing is written (1). */
static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void test_patch(void)
{
    const char *p = at("patch.md");
    const char *before = "- [ ] a\n- [ ] b\n\n";
    struct stat seen, now;
    ix_err err = {""};

    put_file(p, before);
    stat(p, &seen);
    ix_file_piece pc[] = {{3, " ", 1, "x", 1}, {16, "\n", 1, "- entry\n\n", 9}};
    ix_file_patch patch = {.expect = &seen, .pieces = pc, .n = 2, .late = 0};
    int rc = ix_file_patch_in_place(p, &patch, &err);
    is_int(rc, 0, "pieces over the file as seen: written (%s)", rc < 0 ? err.msg : "");
    content_is(p, "- [x] a\n- [ ] b\n- entry\n\n", "... the tick, and the entry before the blank line");
    stat(p, &now);
    ok(ix_file_same(&now, &patch.after), "... AFTER is the file's stat now");
    ok(now.st_ino == seen.st_ino, "... in place: the same inode");

    /* The next one on the stat it returned, the tick's region changed by
     * another program (same size): refused, nothing written. */
    seen = patch.after;
    int fd = open(p, O_WRONLY);
    ssize_t w = pwrite(fd, "x", 1, 12);
    (void)w;
    close(fd);
    ix_file_piece tick_b = {12, " ", 1, "x", 1};
    patch = (ix_file_patch){.expect = &seen, .pieces = &tick_b, .n = 1, .late = 0};
    is_int(ix_file_patch_in_place(p, &patch, &err), 1, "the file changed since its stat: 1");

    /* Same size, another byte outside every piece, mtime set back: the
     * ctime tells (touch cannot set it). */
    put_file(p, before);
    stat(p, &seen);
    usleep(20000); /* past a clock tick, for kernels without fine-grained timestamps */
    fd = open(p, O_WRONLY);
    w = pwrite(fd, "c", 1, 14);
    (void)w;
    struct timespec times[2] = {seen.st_atim, seen.st_mtim};
    futimens(fd, times);
    close(fd);
    stat(p, &now);
    ok(now.st_ino == seen.st_ino && now.st_size == seen.st_size &&
           now.st_mtim.tv_sec == seen.st_mtim.tv_sec && now.st_mtim.tv_nsec == seen.st_mtim.tv_nsec,
       "another program's edit: same inode, size and mtime");
    ok(!ix_file_same(&now, &seen), "ix_file_same tells it apart (ctime)");
    ix_file_piece tick_a = {3, " ", 1, "x", 1};
    patch = (ix_file_patch){.expect = &seen, .pieces = &tick_a, .n = 1, .late = 0};
    is_int(ix_file_patch_in_place(p, &patch, &err), 1, "so the patch is not written: 1");
    content_is(p, "- [ ] a\n- [ ] c\n\n", "... the file as the other program left it");

    /* Old bytes not there, a growing piece not at the end: 1, untouched. */
    put_file(p, before);
    stat(p, &seen);
    ix_file_piece wrong = {3, "x", 1, "x", 1};
    patch = (ix_file_patch){.expect = &seen, .pieces = &wrong, .n = 1, .late = (size_t)-1};
    is_int(ix_file_patch_in_place(p, &patch, &err), 1, "a piece whose old bytes are not there: 1");
    ix_file_piece inner = {3, " ", 1, "xx", 2};
    patch = (ix_file_patch){.expect = &seen, .pieces = &inner, .n = 1, .late = (size_t)-1};
    is_int(ix_file_patch_in_place(p, &patch, &err), 1, "a longer piece not at the end: 1");
    content_is(p, before, "... the file untouched");
    unlink(p);
}

int main(void)
{
    snprintf(base, sizeof base, "/tmp/ix-fileio-XXXXXX");
    ok(mkdtemp(base) != NULL, "temp dir");
    mkdir(at("in"), 0755);
    mkdir(at("out"), 0755);
    FILE *f = fopen(at("out/victim"), "w");
    fputs("victim", f);
    fclose(f);
    symlink(at("out/victim"), at("in/link"));
    symlink(at("in"), at("inlink"));
    /* An empty file reads as "" with its NUL: callers take strlen of it
     * (an empty infraexec.yaml, found by fuzz_config). */
    close(open(at("empty"), O_CREAT | O_WRONLY, 0644));
    ix_buf e = IX_BUF_INIT;
    ix_err eerr;
    ok(ix_file_read(at("empty"), 1 << 20, &e, &eerr) == 0 && e.len == 0 &&
           (!e.data || e.data[0] == '\0'),
       "an empty file reads as an empty string");
    ix_buf_free(&e);

    ix_err err = {""};
    int dfd = -1;
    char *real = NULL;
    const char *name = NULL;
    ok(ix_file_open_dir(at("inlink/link"), &dfd, &real, &name, &err) == 0, "open the directory");
    is_str(real ? real : "", at("in"), "its true path, through the directory link");
    is_str(name ? name : "", "link", "and the last component");
    ok(ix_file_write_at(dfd, name, "in/link", "x", 1, &err) < 0 &&
           strstr(err.msg, "is a symbolic link; not followed"),
       "write_at refuses a symlink as the file (%s)", err.msg);
    content_is(at("out/victim"), "victim", "its target is untouched");
    ix_buf b = IX_BUF_INIT;
    ok(ix_file_read_at(dfd, name, "in/link", 1 << 20, &b, &err) < 0, "read_at does not follow it either");
    ix_buf_free(&b);
    ok(ix_file_write_at(dfd, "new.txt", "in/new.txt", "hello", 5, &err) == 0, "write_at creates a file");
    content_is(at("in/new.txt"), "hello", "with the content");
    struct stat st;
    mode_t mask = umask(0);
    umask(mask);
    ok(stat(at("in/new.txt"), &st) == 0 && (st.st_mode & 0777) == (0666 & ~mask), "mode 0666 & ~umask");
    ok(ix_file_write_at(dfd, "new.txt", "in/new.txt", "again", 5, &err) == 0, "and replaces it");
    content_is(at("in/new.txt"), "again", "with the new content");
    close(dfd);
    free(real);

    /* ix_file_write keeps its contract: an existing link's target is edited. */
    ok(ix_file_write(at("in/link"), "edited", 6, &err) == 0, "ix_file_write through a link (%s)", err.msg);
    content_is(at("out/victim"), "edited", "edits the link's target");
    struct stat lst;
    ok(lstat(at("in/link"), &lst) == 0 && S_ISLNK(lst.st_mode), "the link stays a link");
    /* The updaters (task edits) refuse a link as the file: a task file
     * that is a link is not edited through (docs/cli.md, "Edits"). */
    ix_file_inplace ip;
    inplace_case uc = {.out = "updated", .late = (size_t)-1, .ip = &ip};
    ok(ix_file_update(at("inlink/link"), put_inplace, &uc, &err) < 0 &&
           strstr(err.msg, "is a symbolic link; not followed"),
       "ix_file_update refuses a link (%s)", err.msg);
    ok(ix_file_update_in_place(at("in/link"), put_inplace, &uc, &ip, &err) < 0 &&
           strstr(err.msg, "is a symbolic link; not followed"),
       "ix_file_update_in_place refuses a link (%s)", err.msg);
    content_is(at("out/victim"), "edited", "the link's target untouched by both");
    /* A dangling link is not a file to create through. */
    symlink(at("out/ghost"), at("in/dangling"));
    ok(ix_file_write(at("in/dangling"), "x", 1, &err) < 0, "a dangling link is refused (%s)", err.msg);
    ok(access(at("out/ghost"), F_OK) < 0, "nothing created at its target");

    static const char *const bad[] = {"", "in/", "in/.", "in/..", "/", NULL};
    for (int i = 0; bad[i]; i++) {
        ok(ix_file_open_dir(bad[i], &dfd, NULL, &name, &err) < 0 && strstr(err.msg, "not a file name"),
           "'%s' is not a file name", bad[i]);
    }
    test_in_place();
    test_patch();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    ok(system(cmd) == 0, "cleanup");
    return tap_done();
}
