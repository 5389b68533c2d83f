/* cliqueue.c - the commands queue, next, archive, claim, release, work
 * (see include/infraexec/cli/clicmd.h). */
#include "infraexec/cli/clicmd.h"

#include "infraexec/engine/claim.h"
#include "infraexec/sys/git.h"
#include "infraexec/engine/queue.h"
#include "infraexec/model/taskdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- next and archive: the orchestrator's loop ---- */

/* The queue both commands read: one code path for `queue` and `next`.
 * --pull first fast-forwards the tasks repository; a failure is a warning
 * and the local state is used (the scanner's rule). */
static int build_queue(ix_cli *c, ix_queue **q)
{
    ix_err err, perr;
    char *dir, *pulled = NULL;
    if (ix_taskdir_find(c->tasks_dir, &dir, &err) < 0)
        return ix_cli_fail(err.msg);
    int pull_rc = 0;
    if (c->pull) {
        ix_git *g;
        pull_rc = ix_git_open(dir, &g, &perr);
        if (pull_rc == 0) {
            pull_rc = ix_git_pull_ff(g, &pulled, &perr);
            ix_git_close(g);
        }
    }
    int rc = ix_queue_build(dir, q, &err);
    free(dir);
    if (rc < 0) {
        free(pulled);
        return ix_cli_fail(err.msg);
    }
    if (pull_rc < 0)
        ix_queue_warn(*q, "--pull: could not pull latest changes (%s); working with the local "
                      "state", perr.msg);
    else if (pulled)
        fprintf(stderr, "infraexec: pull: %s\n", pulled);
    free(pulled);
    return IX_EXIT_OK;
}

/* Text from task files and action reports, control characters as spaces:
 * no escape sequence of theirs reaches the terminal. */
static void put_clean(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, stderr);
}

static void print_warnings(const ix_queue *q, const char *cmd)
{
    for (size_t i = 0; i < q->nwarnings; i++) {
        fprintf(stderr, "infraexec: %s: warning: ", cmd);
        put_clean(q->warnings[i]);
        fputc('\n', stderr);
    }
}

int ix_clicmd_queue(ix_cli *c, int argc, char **argv)
{
    (void)argv;
    if (argc)
        return ix_cli_fail("queue: takes no arguments");
    if (c->json && c->dot)
        return ix_cli_fail("queue: --json and --dot exclude each other");
    ix_queue *q;
    int rc = build_queue(c, &q);
    if (rc)
        return rc;
    if (c->json) {
        ix_cli_print_json(ix_queue_json(q));
    } else {
        ix_buf b = IX_BUF_INIT;
        if (c->dot)
            ix_queue_dot(q, &b);
        else
            ix_queue_markdown(q, &b);
        fwrite(b.data, 1, b.len, stdout);
        ix_buf_free(&b);
        if (c->dot)
            print_warnings(q, "queue");
    }
    ix_queue_free(q);
    return IX_EXIT_OK;
}

int ix_clicmd_next(ix_cli *c, int argc, char **argv)
{
    (void)argv;
    if (argc)
        return ix_cli_fail("next: takes no arguments");
    ix_queue *q;
    int rc = build_queue(c, &q);
    if (rc)
        return rc;
    json_t *res = ix_queue_next_json(q);
    int found = q->next >= 0;
    if (c->json) {
        ix_cli_print_json(json_incref(res));
    } else {
        print_warnings(q, "next");
        if (found)
            printf("%s\n", json_string_value(json_object_get(json_object_get(res, "next"), "arg")));
        else
            fprintf(stderr, "infraexec: next: nothing to run: %s\n",
                    json_string_value(json_object_get(res, "reason")));
        size_t i, k;
        json_t *w, *d;
        ix_buf s1 = IX_BUF_INIT, s2 = IX_BUF_INIT;
        json_array_foreach(json_object_get(res, "waiting"), i, w) {
            fputs("infraexec: next: ", stderr);
            put_clean(json_string_value(json_object_get(w, "id")));
            fputs(" waits for", stderr);
            json_array_foreach(json_object_get(w, "waits_for"), k, d) {
                fputs(k ? ", " : " ", stderr);
                put_clean(json_string_value(json_object_get(d, "id")));
                fputs(" (", stderr);
                put_clean(json_string_value(json_object_get(d, "why")));
                fputc(')', stderr);
            }
            fputc('\n', stderr);
        }
        json_array_foreach(json_object_get(res, "blocked"), i, w) {
            fputs("infraexec: next: ", stderr);
            put_clean(json_string_value(json_object_get(w, "id")));
            fputs(" is blocked by", stderr);
            json_array_foreach(json_object_get(w, "blocked_by"), k, d) {
                fputs(k ? ", " : " ", stderr);
                put_clean(json_string_value(d));
            }
            fputc('\n', stderr);
        }
        ix_buf_free(&s1);
        ix_buf_free(&s2);
    }
    json_decref(res);
    ix_queue_free(q);
    return found ? IX_EXIT_OK : IX_EXIT_REMAIN;
}

int ix_clicmd_archive(ix_cli *c, int argc, char **argv)
{
    if (argc != 1)
        return ix_cli_fail("archive: expected one TASK");
    ix_err err;
    char *path, *dir, *dest, *commit;
    if (ix_taskdir_resolve(c->tasks_dir, argv[0], &path, &err) < 0)
        return ix_cli_fail(err.msg);
    /* The task's own tree, not whichever one the current directory is in. */
    dir = c->tasks_dir ? NULL : ix_taskdir_of(path);
    if (!dir && ix_taskdir_find(c->tasks_dir, &dir, &err) < 0) {
        /* A path outside any tasks directory: its parent's parent is one. */
        char *slash = strrchr(path, '/');
        dir = ix_xstrndup(path, slash ? (size_t)(slash - path) : 1);
        slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
    }
    ix_claim_opts co = {c->tasks_dir, NULL, c->runner};
    int rc = ix_claim_archive(&co, dir, path, c->force, &dest, &commit, &err);
    if (rc == 0 && c->json)
        ix_cli_print_json(json_pack("{s:s, s:s, s:s?}", "archived", path, "path", dest, "commit", commit));
    else if (rc == 0) {
        ix_buf a = IX_BUF_INIT, b = IX_BUF_INIT; /* names from a pull request: shown safe */
        printf("%s: archived to %s%s%s\n", ix_cli_shown(&a, argv[0], ""), ix_cli_shown(&b, dest, ""),
               commit ? ", committed " : "", commit ? commit : "");
        ix_buf_free(&a);
        ix_buf_free(&b);
    }
    free(dest);
    free(commit);
    free(dir);
    free(path);
    return rc < 0 ? ix_cli_fail(err.msg) : IX_EXIT_OK;
}

/* ---- claim, release, work: the git-claimed queue (claim.h) ---- */

int ix_clicmd_claim(ix_cli *c, int argc, char **argv)
{
    (void)argv;
    if (argc)
        return ix_cli_fail("claim: takes no arguments");
    ix_claim_opts co = {c->tasks_dir, c->run.config, c->runner};
    char *id, *path, *from;
    ix_err err;
    int rc = ix_claim_take(&co, &id, &path, &from, &err);
    if (rc < 0)
        return ix_cli_fail(err.msg);
    if (rc == 1) {
        fprintf(stderr, "infraexec: claim: nothing can be claimed\n");
        return IX_EXIT_REMAIN;
    }
    if (c->json)
        ix_cli_print_json(json_pack("{s:s, s:s, s:s?}", "id", id, "path", path, "taken_over_from", from));
    else
        printf("%s\n", id);
    free(id);
    free(path);
    free(from);
    return IX_EXIT_OK;
}

int ix_clicmd_release(ix_cli *c, int argc, char **argv)
{
    if (argc != 1)
        return ix_cli_fail("release: expected one TASK");
    ix_claim_opts co = {c->tasks_dir, c->run.config, c->runner};
    ix_err err;
    if (ix_claim_release(&co, argv[0], &err) < 0)
        return ix_cli_fail(err.msg);
    ix_buf shown = IX_BUF_INIT;
    printf("%s: released\n", ix_cli_shown(&shown, argv[0], ""));
    ix_buf_free(&shown);
    return IX_EXIT_OK;
}

int ix_clicmd_work(ix_cli *c, int argc, char **argv)
{
    (void)argv;
    if (argc)
        return ix_cli_fail("work: takes no arguments");
    ix_claim_opts co = {c->tasks_dir, c->run.config, c->runner};
    c->run.tasks_dir = c->tasks_dir;
    int code;
    ix_err err;
    if (ix_claim_work(&co, &c->run, c->max, c->run.events_fd, &code, &err) < 0)
        return ix_cli_fail(err.msg);
    return code;
}
