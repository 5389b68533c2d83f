/* test_diff.c - ix_git_diff: unified diffs that match what `diff -u` prints
 * for the same inputs, and that patch(1) applies back to the new text. */
#include "infraexec/base/buf.h"
#include "infraexec/sys/fileio.h"
#include "infraexec/sys/git.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void diff_is(const char *a, const char *b, const char *want, const char *what)
{
    ix_buf out = IX_BUF_INIT;
    ix_err err = {{0}};
    int rc = ix_git_diff("f", a, strlen(a), b, strlen(b), &out, &err);
    is_int(rc, 0, "diff: %s: no error%s%s", what, rc ? ": " : "", err.msg);
    is_str(out.data ? out.data : "", want, "diff: %s", what);
    ix_buf_free(&out);
}

/* patch(1) applied to A with the diff of A -> B gives B. */
static int patch_gives(const char *dir, const ix_buf *a, const ix_buf *b)
{
    ix_buf out = IX_BUF_INIT, got = IX_BUF_INIT, path = IX_BUF_INIT, cmd = IX_BUF_INIT;
    ix_err err = {{0}};
    int same = 0;
    ix_buf_printf(&path, "%s/a", dir);
    if (ix_git_diff("f", a->data ? a->data : "", a->len, b->data ? b->data : "", b->len, &out,
                    &err) == 0 &&
        ix_file_write(path.data, a->data ? a->data : "", a->len, &err) == 0) {
        ix_buf_free(&path);
        ix_buf_printf(&path, "%s/p", dir);
        if (ix_file_write(path.data, out.data ? out.data : "", out.len, &err) == 0) {
            ix_buf_printf(&cmd, "cd %s && patch -s -o b a <p", dir);
            int st = system(cmd.data);
            ix_buf_free(&path);
            ix_buf_printf(&path, "%s/b", dir);
            /* no diff for equal texts: then b is a's copy */
            if (!out.len)
                same = 1;
            else if (WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
                     ix_file_read(path.data, 1 << 20, &got, &err) == 0)
                same = got.len == b->len &&
                       memcmp(got.data ? got.data : "", b->data ? b->data : "", b->len) == 0;
            unlink(path.data);
        }
    }
    ix_buf_free(&out);
    ix_buf_free(&got);
    ix_buf_free(&path);
    ix_buf_free(&cmd);
    return same;
}

/* A text of N lines drawn from a few, so the random edits share lines. */
static void random_text(ix_buf *t, unsigned *seed, size_t n)
{
    static const char *words[] = {"a", "b", "c", "spec:", "  tag: 1", "  tag: 2", ""};
    for (size_t i = 0; i < n; i++)
        ix_buf_printf(t, "%s\n", words[rand_r(seed) % 7]);
    if (t->len && rand_r(seed) % 4 == 0)
        t->len--, t->data[t->len] = '\0'; /* no final newline */
}

int main(void)
{
    diff_is("a\nb\n", "a\nb\n", "", "equal texts give nothing");
    diff_is("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n", "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nK\nl\nm",
            "--- f\n+++ f\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n"
            "@@ -8,5 +8,6 @@\n h\n i\n j\n-k\n+K\n l\n+m\n\\ No newline at end of file\n",
            "two hunks and a missing final newline, as diff -u");
    diff_is("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n", "a\nB\nc\nd\ne\nf\ng\nh\nI\nj\nk\nl\n",
            "--- f\n+++ f\n@@ -1,12 +1,12 @@\n a\n-b\n+B\n c\n d\n e\n f\n g\n h\n-i\n+I\n j\n"
            " k\n l\n",
            "changes six kept lines apart share a hunk, as diff -u");
    diff_is("x\n", "new\nx\n", "--- f\n+++ f\n@@ -1 +1,2 @@\n+new\n x\n", "insertion at the top");
    diff_is("a\nb\nc\n", "a\nc\n", "--- f\n+++ f\n@@ -1,3 +1,2 @@\n a\n-b\n c\n", "a deleted line");
    diff_is("", "a\n", "--- f\n+++ f\n@@ -0,0 +1 @@\n+a\n", "a new file");
    diff_is("a\n", "", "--- f\n+++ f\n@@ -1 +0,0 @@\n-a\n", "an emptied file");
    diff_is("a", "a\n", "--- f\n+++ f\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n",
            "a final newline added");
    /* git would name the enclosing "function" after the @@; diff -u does not */
    diff_is("spec:\n  a: 1\n  b: 2\n  c: 3\n  d: 4\n  e: 5\n",
            "spec:\n  a: 1\n  b: 2\n  c: 3\n  d: 4\n  e: 6\n",
            "--- f\n+++ f\n@@ -3,4 +3,4 @@\n   b: 2\n   c: 3\n   d: 4\n-  e: 5\n+  e: 6\n",
            "no function context in hunk headers");
    ix_buf out = IX_BUF_INIT;
    ix_err err = {{0}};
    is_int(ix_git_diff("f", "a\0b\n", 4, "a\0c\n", 4, &out, &err), 0, "a NUL byte: no error");
    ok(out.len > 8 && memmem(out.data, out.len, "-a\0b\n+a\0c\n", 10) != NULL,
       "... still a text diff, the lines kept whole");
    ix_buf_free(&out);

    char dir[] = "/tmp/ix_test_diff.XXXXXX";
    if (!mkdtemp(dir))
        return printf("Bail out! mkdtemp\n"), 1;
    unsigned seed = 16;
    int all = 1;
    for (int i = 0; i < 200 && all; i++) {
        ix_buf a = IX_BUF_INIT, b = IX_BUF_INIT;
        random_text(&a, &seed, (size_t)(rand_r(&seed) % 30));
        random_text(&b, &seed, (size_t)(rand_r(&seed) % 30));
        all &= patch_gives(dir, &a, &b);
        if (!all)
            printf("# failed for:\n# A=%s\n# B=%s\n", a.data ? a.data : "", b.data ? b.data : "");
        ix_buf_free(&a);
        ix_buf_free(&b);
    }
    ok(all, "patch(1) turns A into B with the diff, for 200 random pairs");
    char rm[64];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    if (system(rm) != 0)
        printf("# could not remove %s\n", dir);
    return tap_done();
}
