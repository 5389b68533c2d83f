/* test_git.c - ix_git_* against real repositories made with the git CLI in a
 * temp dir, and checked with the git CLI.  HOME points into the temp dir and
 * the system config is switched off (GIT_CONFIG_NOSYSTEM for the CLI, an
 * empty search path for libgit2), so no identity leaks in from the machine. */
#include "infraexec/sys/git.h"
#include "infraexec/base/buf.h"
#include "tap.h"

#include <git2.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char base[] = "/tmp/ix_test_git.XXXXXX";

/* Strings made by fmt() and capture() are kept here and freed at exit, so
 * the tests can use them inline. */
static char *kept[1024];
static size_t nkept;

static char *keep(char *s)
{
    if (nkept < sizeof kept / sizeof *kept)
        kept[nkept++] = s;
    else
        printf("# kept[] is full: leaking\n");
    return s;
}

static char *vfmt(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *s = ix_xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = vfmt(f, ap);
    va_end(ap);
    return keep(s);
}

/* Run a shell command; its exit status (stderr is shown as a TAP comment). */
static int sh(const char *f, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *cmd = vfmt(f, ap);
    va_end(ap);
    int st = system(cmd);
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (rc != 0)
        printf("# command failed (%d): %s\n", rc, cmd);
    free(cmd);
    return rc;
}

/* stdout of a shell command; trailing newlines stripped unless RAW. */
static char *run_capture(int raw, const char *cmd)
{
    ix_buf b = IX_BUF_INIT;
    FILE *p = popen(cmd, "r");
    char chunk[4096];
    size_t n;
    while (p && (n = fread(chunk, 1, sizeof chunk, p)) > 0)
        ix_buf_append(&b, chunk, n);
    if (p)
        pclose(p);
    char *s = ix_buf_detach(&b);
    for (size_t len = strlen(s); !raw && len && s[len - 1] == '\n';)
        s[--len] = '\0';
    return keep(s);
}

static char *capture(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *capture(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *cmd = vfmt(f, ap);
    va_end(ap);
    char *s = run_capture(0, cmd);
    free(cmd);
    return s;
}

static void write_file(const char *dir, const char *rel, const char *content)
{
    char *path = fmt("%s/%s", dir, rel);
    for (char *s = strchr(path + strlen(dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(path, 0755);
        *s = '/';
    }
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(content, f);
        fclose(f);
    } else {
        printf("# cannot write %s\n", path);
    }
}

/* A new repository on branch main, with an identity unless ANON. */
static char *make_repo(const char *name, int anon)
{
    char *dir = fmt("%s/%s", base, name);
    sh("git init -q -b main '%s'", dir);
    if (!anon)
        sh("git -C '%s' config user.name 'Repo User' && "
           "git -C '%s' config user.email repo@example.com", dir, dir);
    return dir;
}

static int has(const ix_err *err, const char *needle)
{
    int found = strstr(err->msg, needle) != NULL;
    if (!found)
        printf("# error was: %s\n", err->msg);
    return found;
}

static int one_line(const ix_err *err)
{
    return err->msg[0] && !strchr(err->msg, '\n');
}

/* Commit, printing the error if it fails. */
static int commit(ix_git *g, const char *const *paths, size_t n, const char *msg,
                  const ix_git_identity *fb, char id[41], ix_err *err)
{
    int rc = ix_git_commit_paths(g, paths, n, msg, fb, id, err);
    if (rc < 0)
        printf("# commit_paths: %s\n", err->msg);
    return rc;
}

#define PATHS(...) (const char *const[]){__VA_ARGS__}, \
    sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)

static void test_open(void)
{
    ix_err err = {{0}};
    ix_git *g = NULL;
    char *r = make_repo("open", 0);
    write_file(r, "a/b/c.txt", "x\n");
    char real[PATH_MAX];
    realpath(r, real);

    is_int(ix_git_open(fmt("%s/a/b", r), &g, &err), 0, "open from a subdirectory");
    if (g) {
        is_str(ix_git_workdir(g), real, "workdir is the top, absolute, no trailing slash");
        ix_git_close(g);
    }
    g = NULL;
    is_int(ix_git_open(fmt("%s/a/b/c.txt", r), &g, &err), 0, "open from a file inside");
    ix_git_close(g);

    sh("ln -s '%s' '%s/link'", r, base);
    g = NULL;
    is_int(ix_git_open(fmt("%s/link/a", base), &g, &err), 0, "open through a symlink");
    if (g)
        is_str(ix_git_workdir(g), real, "workdir has the symlink resolved");
    ix_git_close(g);

    char *plain = fmt("%s/plain", base);
    mkdir(plain, 0755);
    g = (ix_git *)1;
    is_int(ix_git_open(plain, &g, &err), -1, "open a directory outside any repo fails");
    ok(g == NULL, "out is NULL after a failed open");
    ok(has(&err, "not inside a git repository") && has(&err, plain), "error is clear: %s",
       err.msg);
    is_int(ix_git_open(fmt("%s/nonexistent", base), &g, &err), -1, "open a missing path fails");
    ok(has(&err, "No such file or directory"), "error says why: %s", err.msg);
    sh("git init -q --bare '%s/bare.git'", base);
    is_int(ix_git_open(fmt("%s/bare.git", base), &g, &err), -1, "a bare repository is refused");
    ok(has(&err, "bare"), "error says bare: %s", err.msg);
    ix_git_close(NULL);
}

static void test_branch_head(void)
{
    ix_err err = {{0}};
    ix_git *g = NULL;
    char *name = NULL;
    char id[41];

    char *u = make_repo("unborn-branch", 0);
    sh("git -C '%s' symbolic-ref HEAD refs/heads/trunk", u);
    if (ix_git_open(u, &g, &err) == 0) {
        is_int(ix_git_branch(g, &name, &err), 0, "branch of an unborn repo");
        is_str(name, "trunk", "... is its name");
        free(name);
        is_int(ix_git_head(g, id, &err), -1, "head of an unborn repo fails");
        ok(has(&err, "no commit yet"), "... clearly: %s", err.msg);
        ix_git_close(g);
    }

    char *r = make_repo("branch", 0);
    write_file(r, "f.txt", "f\n");
    sh("cd '%s' && git add f.txt && git commit -qm init", r);
    if (ix_git_open(r, &g, &err) < 0) {
        ok(0, "open: %s", err.msg);
        return;
    }
    is_int(ix_git_branch(g, &name, &err), 0, "branch on main");
    is_str(name, "main", "... is main");
    free(name);
    is_int(ix_git_head(g, id, &err), 0, "head");
    is_str(id, capture("git -C '%s' rev-parse HEAD", r), "head matches git rev-parse HEAD");

    sh("git -C '%s' checkout -q -b feature/x", r);
    is_int(ix_git_branch(g, &name, &err), 0, "branch after checkout -b (same handle)");
    is_str(name, "feature/x", "... is feature/x");
    free(name);

    write_file(r, "f.txt", "f2\n");
    sh("cd '%s' && git commit -qam two && git checkout -q --detach", r);
    char *head = capture("git -C '%s' rev-parse HEAD", r);
    name = (char *)1;
    is_int(ix_git_branch(g, &name, &err), -1, "detached HEAD is an error");
    ok(name == NULL, "... name is NULL");
    ok(has(&err, "detached") && has(&err, head), "... naming the commit: %s", err.msg);
    is_int(ix_git_head(g, id, &err), 0, "head works detached");
    is_str(id, head, "... and matches rev-parse");
    write_file(r, "f.txt", "f3\n");
    is_int(commit(g, PATHS("f.txt"), "detached", NULL, id, &err), 0, "commit on a detached HEAD");
    is_str(capture("git -C '%s' rev-parse HEAD~1", r), head, "... moves HEAD alone");
    is_str(capture("git -C '%s' rev-parse feature/x", r), head, "... and no branch");
    ix_git_close(g);
}

static void test_status(void)
{
    ix_err err = {{0}};
    ix_git *g = NULL;
    char **paths = NULL;
    size_t n = 99;
    char *r = make_repo("status", 0);
    write_file(r, ".gitignore", "*.log\nbuild/\n");
    write_file(r, "tracked.txt", "t\n");
    write_file(r, "gone.txt", "g\n");
    write_file(r, "staged_gone.txt", "s\n");
    write_file(r, "keep.txt", "k\n");
    write_file(r, "deep/er/file.txt", "d\n");
    sh("cd '%s' && git add -A && git commit -qm init", r);
    if (ix_git_open(r, &g, &err) < 0) {
        ok(0, "open: %s", err.msg);
        return;
    }
    is_int(ix_git_status(g, &paths, &n, &err), 0, "status of a clean repo");
    ok(n == 0 && paths == NULL, "... is empty");

    write_file(r, "tracked.txt", "t2\n");
    write_file(r, "deep/er/file.txt", "d2\n");
    write_file(r, "added.txt", "a\n");
    write_file(r, "new dir/with space.txt", "n\n");
    write_file(r, "new dir/sub/nested.txt", "n\n");
    write_file(r, "debug.log", "ignored\n");
    write_file(r, "build/out.o", "ignored\n");
    write_file(r, "deep/er/trace.log", "ignored\n");
    sh("cd '%s' && rm gone.txt && git add added.txt deep && git rm -q staged_gone.txt", r);
    is_int(ix_git_status(g, &paths, &n, &err), 0, "status of a dirty repo");
    ix_buf got = IX_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        ix_buf_printf(&got, "%s%s", i ? "|" : "", paths[i]);
    is_str(got.data, "added.txt|deep/er/file.txt|gone.txt|new dir/sub/nested.txt|"
                     "new dir/with space.txt|staged_gone.txt|tracked.txt",
           "modified, added, deleted, untracked; sorted; ignored left out");
    ix_buf_free(&got);
    ix_git_free_paths(paths, n);
    ix_git_close(g);
}

static void test_commit(void)
{
    ix_err err = {{0}};
    ix_git *g = NULL;
    char id[41];
    char *r = make_repo("commit", 0);
    write_file(r, ".gitignore", "*.log\n");
    write_file(r, "a.txt", "a1\n");
    write_file(r, "b.txt", "b1\n");
    write_file(r, "c.txt", "c1\n");
    write_file(r, "d.txt", "d1\n");
    write_file(r, "dir one/sub dir/file x.txt", "x1\n");
    sh("cd '%s' && git add -A && git commit -qm init", r);
    char *before = capture("git -C '%s' rev-parse HEAD", r);
    write_file(r, "a.txt", "a2\n");
    write_file(r, "b.txt", "b2\n");
    write_file(r, "c.txt", "c2\n");
    sh("git -C '%s' add c.txt", r);
    if (ix_git_open(r, &g, &err) < 0) {
        ok(0, "open: %s", err.msg);
        return;
    }

    const char *msg = "Update a\n\n  body kept as is  \n\ttabbed\n\n";
    is_int(commit(g, PATHS("a.txt"), msg, NULL, id, &err), 0, "commit a.txt only");
    is_str(id, capture("git -C '%s' rev-parse HEAD", r), "returned id is the new HEAD");
    is_str(capture("git -C '%s' rev-parse HEAD~1", r), before, "parent is the old HEAD");
    is_str(capture("git -C '%s' show --name-only --format= HEAD", r), "a.txt",
           "the commit holds exactly a.txt");
    /* diff-files never refreshes the index, so it lists entries whose stat
     * data does not match the file: a.txt must not be one of them. */
    is_str(capture("git -C '%s' diff-files --name-only", r), "b.txt",
           "the index entry for a.txt has the file's stat data");
    is_str(capture("git -C '%s' status --porcelain", r), " M b.txt\nM  c.txt",
           "b.txt still modified, c.txt still staged, a.txt clean");
    is_str(capture("git -C '%s' show :c.txt", r), "c2", "staged content of c.txt kept");
    is_str(run_capture(1, fmt("git -C '%s' cat-file commit HEAD | sed '1,/^$/d'", r)), msg,
           "message stored exactly");
    is_str(capture("git -C '%s' log -1 --format='%%an <%%ae>|%%cn <%%ce>'", r),
           "Repo User <repo@example.com>|Repo User <repo@example.com>",
           "author and committer from the repo config");

    /* Several paths at once: absolute with spaces, a new file in a new
     * nested directory, and a deletion spelled "./d.txt". */
    char *abs_x = fmt("%s/dir one/sub dir/file x.txt", r);
    write_file(r, "dir one/sub dir/file x.txt", "x2\n");
    write_file(r, "new dir/n e w.txt", "new\n");
    sh("rm '%s/d.txt'", r);
    is_int(commit(g, PATHS(abs_x, "new dir/n e w.txt", "./d.txt"), "several", NULL, id, &err), 0,
           "commit a modification, an addition and a deletion");
    is_str(capture("git -C '%s' show --name-status --format= HEAD", r),
           "D\td.txt\nM\tdir one/sub dir/file x.txt\nA\tnew dir/n e w.txt",
           "... exactly those three");
    is_str(capture("git -C '%s' status --porcelain", r), " M b.txt\nM  c.txt",
           "... and the index reflects them");

    /* Through a symlink to the work tree, as /tmp -> /private/tmp on macOS. */
    write_file(r, "b.txt", "b3\n");
    sh("ln -s '%s' '%s/commit-link'", r, base);
    char *via_link = fmt("%s/commit-link/./b.txt", base);
    is_int(commit(g, PATHS(via_link), "via link", NULL, id, &err), 0,
           "absolute path through a symlinked directory");
    is_str(capture("git -C '%s' show --name-only --format= HEAD", r), "b.txt", "... commits b.txt");

    /* Modes: a symlink stays a symlink, the x bit is recorded. */
    write_file(r, "run.sh", "#!/bin/sh\n");
    sh("cd '%s' && chmod +x run.sh && ln -s a.txt link.txt", r);
    is_int(commit(g, PATHS("link.txt", "run.sh"), "modes", NULL, id, &err), 0,
           "commit a symlink and an executable");
    is_str(capture("git -C '%s' ls-tree HEAD -- link.txt run.sh | cut -c1-6", r),
           "120000\n100755", "... with their modes");

    /* core.filemode=false (odd filesystems): the x bit in HEAD wins. */
    write_file(r, "a.txt", "a3\n");
    write_file(r, "run.sh", "#!/bin/sh\n:\n");
    sh("cd '%s' && git config core.filemode false && chmod +x a.txt && chmod -x run.sh", r);
    is_int(commit(g, PATHS("a.txt", "run.sh"), "no filemode", NULL, id, &err), 0,
           "commit with core.filemode=false");
    is_str(capture("git -C '%s' ls-tree HEAD -- a.txt run.sh | cut -c1-6", r),
           "100644\n100755", "... keeps HEAD's modes");
    sh("cd '%s' && git config --unset core.filemode && chmod -x a.txt && chmod +x run.sh", r);
    is_str(capture("git -C '%s' reflog -1 --format=%%gs", r), "commit: no filemode",
           "the reflog says what happened");

    write_file(r, "debug.log", "forced\n");
    is_int(commit(g, PATHS("debug.log"), "ignored but named", NULL, id, &err), 0,
           "an ignored file named explicitly is committed");

    char *head = capture("git -C '%s' rev-parse HEAD", r);
    is_int(ix_git_commit_paths(g, PATHS("a.txt"), "again", NULL, id, &err), -1,
           "committing an unchanged path fails");
    ok(has(&err, "nothing to commit for a.txt"), "... with 'nothing to commit': %s", err.msg);
    is_str(id, "", "... out_id is empty");
    is_int(ix_git_commit_paths(g, PATHS("a.txt", "missing.txt"), "again", NULL, id, &err), -1,
           "unchanged plus never-existing path fails");
    ok(has(&err, "nothing to commit for a.txt, missing.txt"), "... listing both: %s", err.msg);
    is_str(capture("git -C '%s' rev-parse HEAD", r), head, "... HEAD did not move");

    write_file(base, "outside.txt", "o\n");
    is_int(ix_git_commit_paths(g, PATHS("b.txt", "../outside.txt"), "x", NULL, id, &err), -1,
           "a relative path leaving the work tree is refused");
    ok(has(&err, "../outside.txt: outside the work tree"), "... clearly: %s", err.msg);
    is_int(ix_git_commit_paths(g, PATHS("/etc/passwd"), "x", NULL, id, &err), -1,
           "an absolute path elsewhere is refused");
    ok(has(&err, "outside the work tree"), "... clearly: %s", err.msg);
    char *sneaky = fmt("%s/../outside.txt", r);
    is_int(ix_git_commit_paths(g, PATHS(sneaky), "x", NULL, id, &err), -1,
           "an absolute path with .. leaving the work tree is refused");
    is_int(ix_git_commit_paths(g, PATHS("."), "x", NULL, id, &err), -1,
           "the work tree itself is refused");
    is_int(ix_git_commit_paths(g, PATHS(".git/config"), "x", NULL, id, &err), -1,
           ".git/config is refused");
    ok(has(&err, ".git"), "... clearly: %s", err.msg);
    is_int(ix_git_commit_paths(g, PATHS("dir one"), "x", NULL, id, &err), -1,
           "a directory is refused");
    ok(has(&err, "is a directory"), "... clearly: %s", err.msg);
    write_file(base, "elsewhere/f.txt", "e\n");
    sh("ln -s '%s/elsewhere' '%s/ext'", base, r);
    is_int(ix_git_commit_paths(g, PATHS("ext/f.txt"), "x", NULL, id, &err), -1,
           "a path behind a symlinked directory is refused");
    ok(has(&err, "beyond a symbolic link"), "... clearly: %s", err.msg);
    sh("rm '%s/ext'", r);
    is_int(ix_git_commit_paths(g, PATHS("b.txt"), "", NULL, id, &err), -1,
           "an empty message is refused");
    is_str(capture("git -C '%s' rev-parse HEAD", r), head, "none of the refusals moved HEAD");

    /* Someone else holds the index: the commit is made, the error says so. */
    write_file(r, "b.txt", "b4\n");
    write_file(r, ".git/index.lock", "");
    is_int(ix_git_commit_paths(g, PATHS("b.txt"), "locked", NULL, id, &err), -1,
           "index locked by another git: error");
    ok(has(&err, "made commit ") && has(&err, "index is locked") && one_line(&err),
       "... saying the commit was made, on one line: %s", err.msg);
    is_str(id, capture("git -C '%s' rev-parse HEAD", r), "... and out_id is the commit");
    sh("cd '%s' && rm .git/index.lock && git reset -q -- b.txt", r);
    is_str(capture("git -C '%s' status --porcelain", r), "M  c.txt",
           "... `git reset -q -- b.txt` repairs the index as documented");

    /* A merge in progress: a plain commit would drop the other parent. */
    write_file(r, "b.txt", "b5\n");
    sh("git -C '%s' rev-parse HEAD > '%s/.git/MERGE_HEAD'", r, r);
    is_int(ix_git_commit_paths(g, PATHS("b.txt"), "x", NULL, id, &err), -1,
           "refused during a merge");
    ok(has(&err, "in progress"), "... clearly: %s", err.msg);
    sh("rm '%s/.git/MERGE_HEAD'", r);

    is_int(sh("git -C '%s' fsck --no-progress --strict 2>&1 | grep -v '^dangling' >&2; "
              "git -C '%s' fsck --no-progress --strict >/dev/null 2>&1", r, r), 0,
           "git fsck --strict is happy");
    ix_git_close(g);
}

static void test_first_commit(void)
{
    ix_err err = {{0}};
    ix_git *g = NULL;
    char id[41];
    char *r = make_repo("first", 0);
    write_file(r, "f.txt", "f\n");
    write_file(r, "sub/g.txt", "g\n");
    if (ix_git_open(r, &g, &err) < 0) {
        ok(0, "open: %s", err.msg);
        return;
    }
    is_int(ix_git_commit_paths(g, PATHS("nope.txt"), "x", NULL, id, &err), -1,
           "unborn: nothing to commit for a missing path");
    ok(has(&err, "nothing to commit for nope.txt"), "... clearly: %s", err.msg);
    is_int(commit(g, PATHS("f.txt"), "first", NULL, id, &err), 0, "first commit on an unborn branch");
    is_str(capture("git -C '%s' rev-list --count HEAD", r), "1", "... is a root commit");
    is_str(capture("git -C '%s' rev-parse main", r), id, "... on branch main");
    is_str(capture("git -C '%s' show --name-only --format= HEAD", r), "f.txt", "... holding f.txt");
    is_str(capture("git -C '%s' status --porcelain -uall", r), "?? sub/g.txt",
           "... the other file is still untracked");
    ix_git_close(g);
}

static void test_identity(void)
{
    ix_err err = {{0}};
    ix_git *g = NULL;
    char id[41];
    char *r = make_repo("noid", 1);
    write_file(r, "f.txt", "f\n");
    if (ix_git_open(r, &g, &err) < 0) {
        ok(0, "open: %s", err.msg);
        return;
    }
    is_int(ix_git_commit_paths(g, PATHS("f.txt"), "x", NULL, id, &err), -1,
           "no identity and no fallback: error");
    ok(has(&err, "user.name") && has(&err, "user.email") && has(&err, "git config"),
       "... saying how to set one: %s", err.msg);
    ix_git_identity bot = {"Infra Bot", "bot@example.com"};
    is_int(commit(g, PATHS("f.txt"), "by bot", &bot, id, &err), 0, "with a fallback identity");
    is_str(capture("git -C '%s' log -1 --format='%%an <%%ae>|%%cn <%%ce>'", r),
           "Infra Bot <bot@example.com>|Infra Bot <bot@example.com>", "... it is author and committer");

    /* Config set while the handle is open is seen (long-running processes). */
    sh("git -C '%s' config user.name 'Late User' && git -C '%s' config user.email late@example.com",
       r, r);
    write_file(r, "f.txt", "f2\n");
    is_int(commit(g, PATHS("f.txt"), "by config", &bot, id, &err), 0, "config set after open");
    is_str(capture("git -C '%s' log -1 --format='%%an <%%ae>'", r), "Late User <late@example.com>",
           "... wins over the fallback");

    sh("git -C '%s' config --unset user.name && git -C '%s' config --unset user.email && "
       "git config --global user.name 'Global User' && "
       "git config --global user.email global@example.com", r, r);
    write_file(r, "f.txt", "f3\n");
    is_int(commit(g, PATHS("f.txt"), "by global", NULL, id, &err), 0, "global config identity");
    is_str(capture("git -C '%s' log -1 --format='%%an <%%ae>'", r),
           "Global User <global@example.com>", "... is used");
    sh("rm -f \"$HOME/.gitconfig\"");
    ix_git_close(g);
}

/* Fetch and the compare-and-swap push against a bare remote on disk: a
 * push from a stale clone is rejected and the remote keeps the other
 * runner's commit (libgit2's own local push would overwrite it). */
static void test_remote(void)
{
    char *remote = fmt("%s/remote.git", base), *seed = make_repo("rseed", 0);
    sh("git init -q --bare -b main '%s'", remote);
    write_file(seed, "f.txt", "one\n");
    sh("cd '%s' && git add f.txt && git commit -qm one && git remote add origin '%s' && "
       "git push -q origin main", seed, remote);
    char *a = fmt("%s/ra", base), *b = fmt("%s/rb", base);
    sh("git clone -q '%s' '%s' 2>/dev/null && git clone -q 'file://%s' '%s' 2>/dev/null", remote,
       a, remote, b);
    ix_git *ga = NULL, *gb = NULL;
    ix_err err;
    char tipa[41], tipb[41], id[41];
    ix_git_identity who = {"Runner", "runner@example.invalid"};
    ok(ix_git_open(a, &ga, &err) == 0 && ix_git_open(b, &gb, &err) == 0, "remote: open clones");
    ok(ix_git_fetch(ga, "origin", "main", tipa, &err) == 0 &&
           ix_git_fetch(gb, "origin", "main", tipb, &err) == 0 && strcmp(tipa, tipb) == 0,
       "remote: both fetch the same tip (a path and a file:// URL)");
    write_file(a, "f.txt", "a\n");
    write_file(b, "f.txt", "b\n");
    int rej = -1;
    ok(commit(ga, PATHS("f.txt"), "a", &who, id, &err) == 0 &&
           ix_git_push(ga, "origin", "main", tipa, &rej, &err) == 0 && rej == 0,
       "remote: the first push goes through");
    is_str(capture("git -C '%s' rev-parse main", remote), id, "remote: its branch is a's commit");
    char bid[41];
    ok(commit(gb, PATHS("f.txt"), "b", &who, bid, &err) == 0 &&
           ix_git_push(gb, "origin", "main", tipb, &rej, &err) == 0 && rej == 1,
       "remote: the stale push is rejected, not an error");
    is_str(capture("git -C '%s' rev-parse main", remote), id, "remote: a's commit is kept");
    ok(ix_git_fetch(gb, "origin", "main", tipb, &err) == 0 && strcmp(tipb, id) == 0,
       "remote: fetch brings a's commit");
    ok(ix_git_reset_hard(gb, tipb, &err) == 0, "remote: reset to it");
    is_str(capture("cat '%s/f.txt'", b), "a", "remote: the work tree follows the reset");
    write_file(b, "f.txt", "b again\n");
    ok(commit(gb, PATHS("f.txt"), "b2", &who, bid, &err) == 0 &&
           ix_git_push(gb, "origin", "main", tipb, &rej, &err) == 0 && rej == 0,
       "remote: after the reset b's push goes through");
    is_str(capture("git -C '%s' log --format=%%s main | tr '\\n' ' '", remote), "b2 a one ",
           "remote: no commit lost");
    ok(sh("git -C '%s' fsck --no-progress", remote) == 0, "remote: the remote repository is sound");
    ok(ix_git_fetch(ga, "nowhere", "main", tipa, &err) < 0 && has(&err, "no git remote 'nowhere'") &&
           one_line(&err), "remote: an unknown remote is one line naming it");
    ok(ix_git_fetch(ga, "origin", "nobranch", tipa, &err) < 0 && has(&err, "no branch 'nobranch'"),
       "remote: a missing branch is named");
    ix_git_close(ga);
    ix_git_close(gb);
}

/* ix_git_push_head: the remote branch read back after the push; a remote
 * that moved is an error naming it, and the remote keeps its commit. */
static void test_push_head(void)
{
    char *remote = fmt("%s/push.git", base), *seed = make_repo("pseed", 0);
    sh("git init -q --bare -b main '%s'", remote);
    write_file(seed, "f.txt", "one\n");
    sh("cd '%s' && git add f.txt && git commit -qm one && git remote add origin '%s' && "
       "git push -q origin main", seed, remote);
    char *a = fmt("%s/pa", base), *b = fmt("%s/pb", base);
    sh("git clone -q '%s' '%s' 2>/dev/null && git clone -q '%s' '%s' 2>/dev/null", remote, a,
       remote, b);
    ix_git *ga = NULL, *gb = NULL;
    ix_err err;
    char id[41], seen[41], tip[41];
    int missing = -1;
    ix_git_identity who = {"Runner", "runner@example.invalid"};
    ok(ix_git_open(a, &ga, &err) == 0 && ix_git_open(b, &gb, &err) == 0, "push_head: open clones");
    ok(ix_git_remote_tip(ga, "origin", "main", tip, &missing, &err) == 0 && missing == 0 &&
           strcmp(tip, capture("git -C '%s' rev-parse main", remote)) == 0,
       "push_head: remote_tip reads the remote's branch");
    ok(ix_git_remote_tip(ga, "origin", "nobranch", tip, &missing, &err) == 0 && missing == 1,
       "push_head: a branch the remote lacks is missing, not an error");
    write_file(a, "f.txt", "a\n");
    ok(commit(ga, PATHS("f.txt"), "a", &who, id, &err) == 0 &&
           ix_git_push_head(ga, "origin", "main", seen, &err) == 0 && strcmp(seen, id) == 0,
       "push_head: pushed, and the remote branch seen at the commit");
    is_str(capture("git -C '%s' rev-parse main", remote), id, "push_head: the remote has it");
    write_file(b, "f.txt", "b\n");
    char bid[41];
    ok(commit(gb, PATHS("f.txt"), "b", &who, bid, &err) == 0 &&
           ix_git_push_head(gb, "origin", "main", seen, &err) < 0 &&
           has(&err, "push to origin/main rejected") && has(&err, "never forced") && one_line(&err),
       "push_head: a remote that moved is an error naming remote and branch");
    is_str(capture("git -C '%s' rev-parse main", remote), id, "push_head: the remote keeps a's commit");
    ok(ix_git_push_head(ga, "origin", "feature", seen, &err) == 0 && strcmp(seen, id) == 0,
       "push_head: a new branch is created");
    sh("git -C '%s' remote set-url origin '%s/gone.git'", a, base);
    ok(ix_git_push_head(ga, "origin", "main", seen, &err) < 0 && has(&err, "gone.git") &&
           one_line(&err), "push_head: an unreachable remote is an error naming it");
    ix_git_close(ga);
    ix_git_close(gb);
}

/* ix_git_contains: ancestry in this repository only, "unknown" for a commit
 * it lacks; ix_git_show: a file as a commit holds it. */
static void test_contains_show(void)
{
    ix_err err = {{0}};
    ix_git *g = NULL;
    char *r = make_repo("anc", 0);
    write_file(r, "f.txt", "one\n");
    sh("cd '%s' && git add f.txt && git commit -qm one", r);
    char *c1 = capture("git -C '%s' rev-parse HEAD", r);
    write_file(r, "f.txt", "two\n");
    sh("cd '%s' && git commit -qam two", r);
    char *c2 = capture("git -C '%s' rev-parse HEAD", r);
    if (ix_git_open(r, &g, &err) < 0) {
        ok(0, "open: %s", err.msg);
        return;
    }
    int answer = 9;
    ok(ix_git_contains(g, c2, c1, &answer, &err) == 0 && answer == 1, "contains: a descendant holds its ancestor");
    ok(ix_git_contains(g, c1, c2, &answer, &err) == 0 && answer == 0, "contains: an ancestor does not hold its child");
    ok(ix_git_contains(g, c1, c1, &answer, &err) == 0 && answer == 1, "contains: a commit holds itself");
    const char *absent = "0123456789abcdef0123456789abcdef01234567";
    ok(ix_git_contains(g, absent, c1, &answer, &err) == 0 && answer == -1,
       "contains: a commit the repository lacks is unknown, not no");
    ok(ix_git_contains(g, "0123456", c1, &answer, &err) < 0 && has(&err, "not a full commit id") && one_line(&err),
       "contains: a short id is refused");
    ix_buf text = IX_BUF_INIT;
    int missing = 9;
    ok(ix_git_show(g, c1, fmt("%s/f.txt", r), &text, &missing, &err) == 0 && missing == 0 &&
           text.data && strcmp(text.data, "one\n") == 0,
       "show: an absolute path, as the older commit holds it");
    ix_buf_free(&text);
    ok(ix_git_show(g, c2, "nope.txt", &text, &missing, &err) == 0 && missing == 1, "show: a file the commit lacks is missing");
    ok(ix_git_show(g, c2, "../x", &text, &missing, &err) < 0 && has(&err, "outside the work tree"),
       "show: a path outside the work tree is refused");
    ix_buf_free(&text);
    ix_git_close(g);
}

/* ix_git_tree_files: what HEAD holds at a path, not what the work tree has. */
static void test_tree_files(void)
{
    ix_err err = {{0}};
    ix_git *g = NULL;
    char **paths = NULL;
    size_t n = 99;
    char *r = make_repo("tree", 0);
    if (ix_git_open(r, &g, &err) < 0) {
        ok(0, "open: %s", err.msg);
        return;
    }
    is_int(ix_git_tree_files(g, "apps", &paths, &n, &err), 0, "unborn branch: no error");
    is_int(n, 0, "... and no files");
    write_file(r, "apps/x/kustomization.yaml", "k\n");
    write_file(r, "apps/x/sub/ingress.yaml", "i\n");
    write_file(r, "apps/y.yaml", "y\n");
    sh("cd '%s' && ln -s y.yaml apps/x/link && git add -A && git commit -qm init", r);
    write_file(r, "apps/x/untracked.yaml", "u\n");
    is_int(ix_git_tree_files(g, "apps/x", &paths, &n, &err), 0, "a directory");
    ix_buf got = IX_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        ix_buf_printf(&got, "%s%s", i ? "|" : "", paths[i]);
    is_str(got.data, "apps/x/kustomization.yaml|apps/x/link|apps/x/sub/ingress.yaml",
           "every committed file under it (a symlink too), sorted; the untracked one left out");
    ix_buf_free(&got);
    ix_git_free_paths(paths, n);
    is_int(ix_git_tree_files(g, fmt("%s/apps/y.yaml", r), &paths, &n, &err), 0, "an absolute file path");
    ok(n == 1 && strcmp(paths[0], "apps/y.yaml") == 0, "... gives itself, relative to the work tree");
    ix_git_free_paths(paths, n);
    sh("cd '%s' && git rm -rq apps/x && git commit -qm gone", r);
    is_int(ix_git_tree_files(g, "apps/x", &paths, &n, &err), 0, "a path HEAD no longer has");
    is_int(n, 0, "... has no files");
    is_int(ix_git_tree_files(g, "../outside", &paths, &n, &err), -1, "a path outside the work tree");
    ok(has(&err, "outside the work tree"), "... is refused");
    ix_git_close(g);
}

int main(void)
{
    if (!mkdtemp(base)) {
        perror("mkdtemp");
        return 1;
    }
    char *home = fmt("%s/home", base), *nosys = fmt("%s/nosystem", base);
    mkdir(home, 0755);
    mkdir(nosys, 0755);
    setenv("HOME", home, 1);
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    const char *unset[] = {"XDG_CONFIG_HOME", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE",
                           "GIT_CEILING_DIRECTORIES", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",
                           "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_CONFIG_GLOBAL"};
    for (size_t i = 0; i < sizeof unset / sizeof *unset; i++)
        unsetenv(unset[i]);

    test_open(); /* before we hold a libgit2 reference: init from zero, shutdown to zero */

    /* Hold a reference so this setting outlives the module's init/shutdown:
     * /etc/gitconfig must not supply an identity. */
    git_libgit2_init();
    git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_SYSTEM, nosys);
    test_branch_head();
    test_status();
    test_commit();
    test_first_commit();
    test_identity();
    test_remote();
    test_push_head();
    test_contains_show();
    test_tree_files();
    git_libgit2_shutdown();

    sh("rm -rf '%s'", base);
    for (size_t i = 0; i < nkept; i++)
        free(kept[i]);
    return tap_done();
}
