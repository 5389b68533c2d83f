/* clirun.c - the commands run, verify, handlers (see include/infraexec/cli/clicmd.h) */
#include "infraexec/cli/clicmd.h"

#include "infraexec/engine/claim.h"
#include "infraexec/sys/fileio.h"
#include "infraexec/lua/luahost.h"
#include "infraexec/engine/report.h"
#include "infraexec/engine/searchpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- run ---- */

static int write_report_file(const char *path, const ix_report *rep)
{
    size_t n = strlen(path);
    ix_buf b = IX_BUF_INIT;
    if (n > 5 && strcmp(path + n - 5, ".json") == 0) {
        json_t *j = ix_report_json(rep);
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        ix_buf_puts(&b, s);
        ix_buf_putc(&b, '\n');
        free(s);
        json_decref(j);
    } else {
        ix_report_markdown(rep, &b);
    }
    ix_err err;
    int rc = ix_file_write(path, b.data, b.len, &err);
    ix_buf_free(&b);
    if (rc < 0)
        fprintf(stderr, "infraexec: report: %s\n", err.msg);
    return rc;
}

int ix_clicmd_run(ix_cli *c, int argc, char **argv)
{
    if (argc != 1)
        return ix_cli_fail("expected one TASK (see --help)");
    c->run.tasks_dir = c->tasks_dir;
    c->run.last = 1; /* one task, then the process exits */
    if (c->run.confirm && (c->run.dry_run || c->run.verify))
        return ix_cli_fail("--confirm asks a person during a run: not with --dry-run or verify");
    /* Only a person at a terminal can answer; a pipe or a script cannot. */
    if (c->run.confirm && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)))
        return ix_cli_fail("--confirm needs a person at a terminal: stdin and stdout must be a terminal");
    ix_report rep;
    ix_err err;
    int code = IX_EXIT_BAD;
    ix_claim_opts co = {c->tasks_dir, c->run.config, c->runner};
    if (ix_claim_run(&co, argv[0], &c->run, &rep, &code, &err) < 0) {
        ix_report_free(&rep);
        return ix_cli_fail(err.msg);
    }
    if (c->json) {
        ix_cli_print_json(ix_report_json(&rep));
    } else {
        ix_buf b = IX_BUF_INIT;
        ix_report_markdown(&rep, &b);
        fwrite(b.data, 1, b.len, stdout);
        ix_buf_free(&b);
    }
    if (c->report_file && write_report_file(c->report_file, &rep) < 0 &&
        (code == IX_EXIT_OK || code == IX_EXIT_REMAIN))
        code = IX_EXIT_WRITE;
    ix_report_free(&rep);
    return code;
}

int ix_clicmd_verify(ix_cli *c, int argc, char **argv)
{
    c->run.verify = 1;
    return ix_clicmd_run(c, argc, argv);
}

/* ---- handlers: what the ops team's Lua looks like to infraexec ---- */

static void print_inventory(json_t *inv)
{
    size_t i;
    json_t *v;
    printf("handler search path:\n");
    json_array_foreach(json_object_get(inv, "path"), i, v)
        printf("  %zu. %s\n", i + 1, json_string_value(v));
    json_array_foreach(json_object_get(inv, "handlers"), i, v) {
        printf("\n%s  %s\n", json_string_value(json_object_get(v, "name")),
               json_string_value(json_object_get(v, "path")));
        size_t k;
        json_t *o;
        json_array_foreach(json_object_get(v, "merges"), k, o)
            printf("  merges %s\n", json_string_value(o));
        const char *desc = json_string_value(json_object_get(v, "description"));
        if (desc)
            printf("  %s\n", desc);
        if (json_array_size(json_object_get(v, "labels"))) {
            printf("  labels:");
            json_array_foreach(json_object_get(v, "labels"), k, o)
                printf(" %s", json_string_value(o));
            printf("\n");
        }
        if (json_object_get(v, "error"))
            printf("  ERROR: %s\n", json_string_value(json_object_get(v, "error")));
        json_array_foreach(json_object_get(v, "rules"), k, o) {
            const char *pat = json_string_value(json_object_get(o, "pattern"));
            if (!pat) /* a wording rule: its first template */
                pat = json_string_value(json_array_get(json_object_get(o, "wording"), 0));
            const char *rd = json_string_value(json_object_get(o, "description"));
            printf("  %zu. %s%s%s\n", k + 1, pat ? pat : "(match function)", rd ? " -- " : "",
                   rd ? rd : "");
            /* a merged handler: say which file each rule came from */
            if (json_array_size(json_object_get(v, "merges")))
                printf("     from %s\n", json_string_value(json_object_get(o, "where")));
        }
    }
}

int ix_clicmd_handlers(ix_cli *c, int argc, char **argv)
{
    int check = argc == 1 && strcmp(argv[0], "check") == 0;
    if (argc > 1 || (argc == 1 && !check))
        return ix_cli_fail("handlers: expected nothing or 'check'");
    ix_err err;
    char *workspace;
    if (ix_searchpath_workspace(c->tasks_dir, &workspace, &err) < 0)
        return ix_cli_fail(err.msg);
    char **hdirs, **ldirs;
    ix_searchpath_dirs(c->run.handlers_dir, workspace, &hdirs, &ldirs);
    ix_luahost_ctx ctx = {.workspace = workspace};
    ix_luahost *host = NULL;
    json_t *res = NULL;
    int rc = IX_EXIT_OK;
    if (ix_luahost_open(&host, &ctx, (const char *const *)hdirs, (const char *const *)ldirs,
                        &err) < 0 ||
        ix_luahost_call(host, check ? "check" : "inventory", (const char *const *)hdirs, &res,
                        &err) < 0) {
        rc = ix_cli_fail(err.msg);
        goto done;
    }
    if (check && ix_luahost_check_schema(host, &err) < 0) { /* a malformed config declaration */
        json_t *problems = json_object_get(res, "problems");
        if (!json_is_array(problems)) /* none yet: Lua's empty table came as {} */
            json_object_set_new(res, "problems", problems = json_array());
        json_array_append_new(problems, json_string(err.msg));
    }
    if (c->json) {
        ix_cli_print_json(json_incref(res));
    } else if (!check) {
        print_inventory(res);
    } else {
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(res, "problems"), i, v)
            printf("%s\n", json_string_value(v));
    }
    if (check && res) {
        size_t n = json_array_size(json_object_get(res, "problems"));
        fprintf(stderr, "infraexec: handlers check: %lld handler files, %zu problem%s\n",
                (long long)json_integer_value(json_object_get(res, "files")), n, n == 1 ? "" : "s");
        rc = n ? IX_EXIT_BAD : rc;
    }
done:
    json_decref(res);
    ix_luahost_close(host);
    ix_searchpath_free(hdirs);
    ix_searchpath_free(ldirs);
    free(workspace);
    return rc;
}
