/* gitdiff.c - ix_git_diff (include/infraexec/sys/git.h): the unified diff
 * of two buffers, as `diff -u` prints it, made by libgit2. */
#include "git_internal.h"
#include "infraexec/base/buf.h"

#include <string.h>

/* "3,4", or "3" for a one-line range, as diff -u writes them. */
static void put_range(ix_buf *out, size_t start, size_t count)
{
    if (count == 1)
        ix_buf_printf(out, "%zu", start);
    else
        ix_buf_printf(out, "%zu,%zu", start, count);
}

/* git_patch_print's callback.  It writes what git_patch_to_buf would, but
 * our own file header and hunk headers without git's function context
 * ("@@ -3,4 +3,4 @@ spec:"), which diff -u does not print. */
static int put_patch_line(const git_diff_delta *delta, const git_diff_hunk *hunk,
                          const git_diff_line *line, void *payload)
{
    (void)delta;
    ix_buf *out = payload;
    switch (line->origin) {
    case GIT_DIFF_LINE_FILE_HDR:
        break;
    case GIT_DIFF_LINE_HUNK_HDR:
        ix_buf_puts(out, "@@ -");
        put_range(out, (size_t)hunk->old_start, hunk->old_lines);
        ix_buf_puts(out, " +");
        put_range(out, (size_t)hunk->new_start, hunk->new_lines);
        ix_buf_puts(out, " @@\n");
        break;
    case GIT_DIFF_LINE_CONTEXT:
    case GIT_DIFF_LINE_ADDITION:
    case GIT_DIFF_LINE_DELETION:
        ix_buf_putc(out, line->origin);
        ix_buf_append(out, line->content, line->content_len);
        break;
    default: /* the EOFNL lines: their content is "\n\\ No newline at end of file\n" */
        ix_buf_append(out, line->content, line->content_len);
    }
    return 0;
}

int ix_git_diff(const char *path, const char *a, size_t alen, const char *b, size_t blen,
                ix_buf *out, ix_err *err)
{
    if (alen == blen && memcmp(a, b, alen) == 0)
        return 0;
    if (ix_git_load(err) < 0)
        return -1;
    if (sym_git_libgit2_init() < 0)
        return ix_git_fail(err, path, "cannot initialize libgit2");
    git_diff_options opts;
    sym_git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
    opts.flags |= GIT_DIFF_FORCE_TEXT; /* a NUL byte is still a line's, not "Binary files differ" */
    git_patch *patch = NULL;
    ix_buf_printf(out, "--- %s\n+++ %s\n", path, path);
    int rc = 0;
    if (sym_git_patch_from_buffers(&patch, a, alen, path, b, blen, path, &opts) < 0 ||
        sym_git_patch_print(patch, put_patch_line, out) < 0)
        rc = ix_git_fail(err, path, "cannot diff");
    sym_git_patch_free(patch);
    sym_git_libgit2_shutdown();
    return rc;
}
