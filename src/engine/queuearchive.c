/* queuearchive.c - ix_queue_archive (include/infraexec/engine/queue.h):
 * a finished task moved to the archive, its frontmatter updated, committed. */
#include "queue_internal.h"

#include "infraexec/base/buf.h"
#include "infraexec/base/clock.h"
#include "infraexec/sys/fileio.h"
#include "infraexec/sys/git.h"
#include "infraexec/engine/runlock.h"
#include "infraexec/model/task.h"
#include "infraexec/model/taskdir.h"
#include "infraexec/model/yamledit.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct archive_edit {
    const char *date;
    int force;
} archive_edit;

/* Frontmatter edits through the format-preserving YAML editor, confined to
 * the frontmatter's bytes. */
static int set_fm(const ix_task *t, ix_buf *text, const char *key, const char *value, ix_err *err)
{
    size_t start = t->fm_start, end = t->fm_close;
    ix_buf out = IX_BUF_INIT;
    if (ix_yaml_set(text->data + start, end - start, 0, key, value, &out, err) < 0) {
        ix_buf_free(&out);
        return -1;
    }
    ix_buf b = IX_BUF_INIT;
    ix_buf_append(&b, text->data, start);
    ix_buf_append(&b, out.data, out.len);
    ix_buf_append(&b, text->data + end, text->len - end);
    ix_buf_free(&out);
    ix_buf_free(text);
    *text = b;
    return 0;
}

static int archive_text(void *ctx, const char *path, const char *data, size_t len, ix_buf *out,
                        ix_err *err)
{
    const archive_edit *a = ctx;
    ix_task *t;
    if (ix_task_parse(path, data, len, &t, err) < 0)
        return -1;
    size_t left = t->ncriteria - ix_task_checked(t);
    if (left && !a->force) {
        ix_err_set(err, "%s: %zu criteria are unchecked; run or verify it first (or --force)",
                   path, left);
        ix_task_free(t);
        return -1;
    }
    ix_buf text = IX_BUF_INIT;
    ix_buf_append(&text, data, len);
    int rc = 0;
    /* Each key is set where it is; a missing one is added after the last
     * frontmatter line, in the file's line ending. */
    static const char *const keys[] = {"status", "completed", "updated"};
    for (int k = 0; k < 3 && rc == 0; k++) {
        const char *value = k == 0 ? "completed" : a->date;
        if (ix_fm_get(t->fm, keys[k])) {
            rc = set_fm(t, &text, keys[k], value, err);
        } else if (k < 2) {
            ix_buf b = IX_BUF_INIT;
            size_t at = t->fm_close;
            ix_buf_append(&b, text.data, at);
            ix_buf_printf(&b, "%s: %s%s", keys[k], value, t->eol);
            ix_buf_append(&b, text.data + at, text.len - at);
            ix_buf_free(&text);
            text = b;
        }
        if (rc == 0) { /* positions changed: parse again for the next key */
            ix_task_free(t);
            rc = ix_task_parse(path, text.data, text.len, &t, err);
            if (rc < 0)
                t = NULL;
        }
    }
    if (rc == 0)
        ix_buf_append(out, text.data, text.len);
    ix_buf_free(&text);
    ix_task_free(t);
    return rc;
}

int ix_queue_archive(const char *dir, const char *path, int force, char **dest, char **commit,
                     ix_err *err)
{
    *dest = *commit = NULL;
    ix_now now;
    if (ix_clock_now(&now, err) < 0)
        return -1;
    char real[PATH_MAX], rdir[PATH_MAX];
    /* realpath would follow a link and move its target: refused first. */
    if (ix_taskdir_no_link(path, err) < 0)
        return -1;
    if (!realpath(path, real) || !realpath(dir, rdir))
        return ix_err_sys(err, "%s: cannot open", path);
    const char *base = strrchr(real, '/') + 1;
    ix_buf to = IX_BUF_INIT;
    ix_buf_printf(&to, "%s/completed", rdir);
    if (strncmp(real, to.data, to.len) == 0 && real[to.len] == '/') {
        ix_buf_free(&to);
        return ix_err_set(err, "%s: already in completed/", path);
    }
    /* completed/ as a file or a dangling link would fail the move after the
     * edit, leaving a completed task in active/: refused before. */
    struct stat cst;
    if (stat(to.data, &cst) == 0 ? !S_ISDIR(cst.st_mode)
                                 : errno != ENOENT || lstat(to.data, &cst) == 0) {
        ix_err_set(err, "%s: not a directory; not archived", to.data);
        ix_buf_free(&to);
        return -1;
    }
    ix_buf_printf(&to, "/%s", base);
    if (access(to.data, F_OK) == 0) {
        ix_err_set(err, "%s: exists already; not overwriting it", to.data);
        ix_buf_free(&to);
        return -1;
    }
    /* Never under a run of the same task: hold its run lock throughout. */
    int lock = -1;
    ix_task *t;
    if (ix_task_load(path, &t, err) < 0) {
        ix_buf_free(&to);
        return -1;
    }
    char *ws = ix_taskdir_workspace(path);
    int refused = ix_task_check_id(t, err);
    ix_err lerr;
    if (refused == 0 && ix_runlock_take(ws, t->id ? t->id : "task", &lock, &lerr) < 0)
        refused = ix_err_set(err, "%s; not archived", lerr.msg);
    free(ws);
    ix_task_free(t);
    archive_edit a = {now.date, force};
    /* Edit in place, then move: a crash between leaves a completed task in
     * active/, which next skips and a second archive moves. */
    if (refused < 0 || ix_file_update(real, archive_text, &a, err) < 0) {
        if (lock >= 0)
            close(lock);
        ix_buf_free(&to);
        return -1;
    }
    char cdir[PATH_MAX + 16];
    snprintf(cdir, sizeof cdir, "%s/completed", rdir);
    if ((mkdir(cdir, 0755) < 0 && errno != EEXIST) || rename(real, to.data) < 0) {
        ix_err_sys(err, "%s: cannot move to %s", path, to.data);
        close(lock);
        ix_buf_free(&to);
        return -1;
    }
    close(lock);
    *dest = ix_buf_detach(&to);
    ix_git *g;
    if (ix_git_open(rdir, &g, err) < 0)
        return 0; /* not a repository: nothing to commit */
    ix_buf msg = IX_BUF_INIT;
    ix_buf_printf(&msg, "Archive %s", base);
    const char *paths[2] = {real, *dest};
    char id[41];
    int rc = ix_git_commit_paths(g, paths, 2, msg.data, NULL, id, err);
    ix_git_close(g);
    ix_buf_free(&msg);
    if (rc == 0)
        *commit = ix_xstrdup(id);
    return rc;
}
