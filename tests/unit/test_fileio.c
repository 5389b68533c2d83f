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
    /* A dangling link is not a file to create through. */
    symlink(at("out/ghost"), at("in/dangling"));
    ok(ix_file_write(at("in/dangling"), "x", 1, &err) < 0, "a dangling link is refused (%s)", err.msg);
    ok(access(at("out/ghost"), F_OK) < 0, "nothing created at its target");

    static const char *const bad[] = {"", "in/", "in/.", "in/..", "/", NULL};
    for (int i = 0; bad[i]; i++) {
        ok(ix_file_open_dir(bad[i], &dfd, NULL, &name, &err) < 0 && strstr(err.msg, "not a file name"),
           "'%s' is not a file name", bad[i]);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    ok(system(cmd) == 0, "cleanup");
    return tap_done();
}
