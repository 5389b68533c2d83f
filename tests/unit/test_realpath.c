/* test_realpath.c - ix_realpath gives realpath's answer (and stat's) for
 * every form of path: plain ones, symlinks anywhere on the way (escaping
 * the tree or not), dangling and missing ones, ".", "..", "//", trailing
 * slashes, relative paths; a path through a symlink is never taken as its
 * own real path. */
#include "infraexec/sys/realpath.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[PATH_MAX];

/* REL under the tree when it starts with '/', else as it is. */
static void same(const char *rel, const char *what)
{
    char path[PATH_MAX * 2], want[PATH_MAX], got[PATH_MAX];
    snprintf(path, sizeof path, "%s%s", rel[0] == '/' ? root : "", rel);
    if (strcmp(rel, "(root)") == 0)
        strcpy(path, "/");
    struct stat wst, gst;
    errno = 0;
    int wok = realpath(path, want) != NULL && stat(want, &wst) == 0;
    int werr = errno;
    errno = 0;
    int gok = ix_realpath(path, got, &gst) == 0;
    int gerr = errno;
    if (!is_int(gok, wok, "%s: %s as realpath does", what, wok ? "resolved" : "refused"))
        return;
    if (wok) {
        is_str(got, want, "%s: the real path", what);
        ok(gst.st_ino == wst.st_ino && gst.st_dev == wst.st_dev && gst.st_mode == wst.st_mode,
           "%s: the stat of the file", what);
        char bare[PATH_MAX];
        ok(ix_realpath(path, bare, NULL) == 0 && strcmp(bare, want) == 0, "%s: without a stat",
           what);
    } else {
        is_int(gerr, werr, "%s: the same errno", what);
    }
}

int main(void)
{
    char base[] = "/tmp/test_realpath.XXXXXX";
    if (!mkdtemp(base) || !realpath(base, root))
        return printf("Bail out! mkdtemp\n"), 1;
    char cmd[PATH_MAX + 512];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && mkdir -p a/b out && echo x >a/b/f && echo y >out/g && "
             "ln -s b a/lb && ln -s ../out a/esc && ln -s /nowhere/at/all a/dangle && "
             "ln -s f a/b/lf && ln -s lf a/b/llf && ln -s .. a/b/up && mkdir -p 'a/sp ace'",
             root);
    if (system(cmd) != 0)
        return printf("Bail out! setup\n"), 1;

    same("/a/b/f", "a plain file");
    same("/a/b", "a plain directory");
    same("/a/sp ace", "a name with a space");
    same("/a/lb/f", "a symlinked directory on the way");
    same("/a/b/lf", "a symlink at the end");
    same("/a/b/llf", "a symlink to a symlink");
    same("/a/esc/g", "a symlink climbing out of the tree");
    same("/a/b/up/b/f", "a symlink to ..");
    same("/a/dangle", "a dangling symlink");
    same("/a/dangle/x", "below a dangling symlink");
    same("/a/b/missing", "a missing file");
    same("/a/missing/f", "a missing directory on the way");
    same("/a/b/f/x", "a file taken for a directory");
    same("/a/./b/f", "a '.' component");
    same("/a/b/../b/f", "a '..' component");
    same("/a/lb/../b/f", "'..' after a symlink");
    same("/a//b/f", "an empty component");
    same("/a/b/", "a trailing slash");
    same("/a/b/.", "a trailing '.'");
    same("/a/b/f/", "a trailing slash after a file");
    same("(root)", "the root");
    if (chdir(root) == 0) {
        same("a/b/f", "a relative path");
        same("a/lb/f", "a relative path through a symlink");
        same(".", "the working directory");
    }

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        return printf("Bail out! cleanup\n"), 1;
    return tap_done();
}
