/* test_report.c - the run report: counts and verdict, the Markdown sections
 * (the seed agent's structure) and the JSON members, from reports built by
 * hand the way the run engine fills them. */
#include "infraexec/engine/report.h"
#include "tap.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static char *dup(const char *s)
{
    return s ? ix_xstrdup(s) : NULL;
}

/* A heap NULL-terminated copy of the arguments up to NULL; *n gets the count. */
static char **strv(size_t *n, ...)
{
    va_list ap;
    size_t count = 0;
    va_start(ap, n);
    while (va_arg(ap, const char *))
        count++;
    va_end(ap);
    char **v = ix_xcalloc(count + 1, sizeof *v);
    va_start(ap, n);
    for (size_t i = 0; i < count; i++)
        v[i] = ix_xstrdup(va_arg(ap, const char *));
    va_end(ap);
    if (n)
        *n = count;
    return v;
}

static ix_crit_report *add_crit(ix_report *r, ix_state state, const char *text)
{
    r->crit = ix_xrealloc(r->crit, (r->ncrit + 1) * sizeof *r->crit);
    ix_crit_report *c = &r->crit[r->ncrit++];
    *c = (ix_crit_report){.index = (int)r->ncrit, .state = state, .text = dup(text)};
    return c;
}

static ix_cmd_record *add_cmd(ix_crit_report *c, const char *cwd, int exit_code, int attempts)
{
    c->cmds = ix_xrealloc(c->cmds, (c->ncmds + 1) * sizeof *c->cmds);
    ix_cmd_record *cmd = &c->cmds[c->ncmds++];
    *cmd = (ix_cmd_record){.cwd = dup(cwd), .executed = 1, .exit_code = exit_code,
                           .attempts = attempts, .duration = 1.5, .tail = dup("")};
    return cmd;
}

static void add_file(ix_crit_report *c, const char *path, const char *summary, const char *diff)
{
    c->files = ix_xrealloc(c->files, (c->nfiles + 1) * sizeof *c->files);
    c->files[c->nfiles++] = (ix_file_change){dup(path), dup(summary), dup(diff)};
}

/* The text of the section starting at HEADING, up to the next "## " heading. */
static char *section(const char *md, const char *heading)
{
    const char *s = strstr(md, heading);
    if (!s)
        return ix_xstrdup("(missing)");
    const char *e = strstr(s + 1, "\n## ");
    return e ? ix_xstrndup(s, (size_t)(e - s + 1)) : ix_xstrdup(s);
}

static void is_section(const char *md, const char *heading, const char *want)
{
    char *got = section(md, heading);
    is_str(got, want, "section %s", heading);
    free(got);
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void add_obs(ix_crit_report *c, int ok_, int after, const char *at, const char *want,
                    const char *seen)
{
    c->evidence = ix_xrealloc(c->evidence, (c->nevidence + 1) * sizeof *c->evidence);
    c->evidence[c->nevidence++] = (ix_observation){ok_, after, dup(at), dup(want), dup(seen)};
}

static char *markdown(const ix_report *r)
{
    ix_buf out = IX_BUF_INIT;
    ix_report_markdown(r, &out);
    return ix_buf_detach(&out);
}

/* A real run: one criterion already checked, one done now (a command run
 * with env additions and a retry, a file edited), one whose command failed,
 * one blocked. */
static void build_run(ix_report *r)
{
    *r = (ix_report){.id = dup("TASK-042"), .title = dup("Ship FFL 0.1.18"),
                     .priority = dup("high"), .status = dup("active"),
                     .path = dup("tasks/active/TASK-042.md"), .log_dir = dup("/tmp/ix-logs")};
    ix_crit_report *c = add_crit(r, IX_STATE_PREVIOUSLY_COMPLETED, "Build all FFL containers");
    c->group = dup("FFL");

    c = add_crit(r, IX_STATE_COMPLETED, "Push images to `192.168.7.21:5000`");
    c->rule = dup("builds: build and push");
    c->reason = dup("registry was slow");
    c->kind = dup("action");
    add_obs(c, 1, 0, "https://192.168.7.21:5000/v2/ffl/backend/tags/list", "tag 0.1.18", "tags 0.1.18");
    add_obs(c, 1, 0, "https://192.168.7.21:5000/v2/ffl/backend/manifests/0.1.18", "HTTP 200", "HTTP 200");
    ix_cmd_record *cmd = add_cmd(c, "/home/b/ffl", 0, 2);
    cmd->argv = strv(NULL, "./scripts/build.sh", "--push", "all", NULL);
    cmd->env = strv(NULL, "REGISTRY_URL=192.168.7.21:5000", "VERSION=0.1.18", NULL);
    add_file(c, "apps/ffl/helmrelease.yaml", "image tag 0.1.17 -> 0.1.18", NULL);

    c = add_crit(r, IX_STATE_REMAINING, "Validate with kustomize");
    c->reason = dup("exit 1 after 2 attempts: Error: accumulating resources");
    add_obs(c, 0, 0, "`kustomize build`", "exit 0", "exit 1");
    cmd = add_cmd(c, "/home/b/beckerkube", 0, 1);
    cmd->argv = strv(NULL, "echo", "it's ok", NULL);
    cmd = add_cmd(c, "/home/b/beckerkube", 1, 2);
    cmd->script = dup("kustomize build clusters/minikube\necho `date`\n");
    free(cmd->tail);
    cmd->tail = dup("building...\nError: accumulating resources: \x1b[31mmissing\x1b[0m \xff\n\n");
    cmd->log_path = dup("/tmp/ix-logs/3-2.log");

    c = add_crit(r, IX_STATE_REMAINING, "BLOCKED: Update DNS");
    c->group = dup("DNS");
    c->blocked = 1;
    c->reason = dup("waiting on the DNS provider");

    r->files_modified = strv(&r->nfiles_modified, "apps/ffl/helmrelease.yaml",
                             "tasks/active/TASK-042.md", NULL);
    r->progress_log = strv(&r->nprogress_log, "2025-10-17 14:30: Pushed FFL images", NULL);
}

static void test_run_markdown(void)
{
    ix_report r;
    build_run(&r);
    ix_report_counts n = ix_report_count(&r);
    is_int(n.total, 4, "total");
    is_int(n.completed, 2, "completed counts previously completed");
    is_int(n.completed_now, 1, "completed now");
    is_int(n.remaining, 2, "remaining");
    is_str(ix_report_verdict(&r), "partially complete", "verdict: partially complete");

    char *md = markdown(&r);
    ok(starts_with(md, "# Task Execution Report: TASK-042\n\n## Task: Ship FFL 0.1.18\n"
                       "Priority: high\nStatus: active\n\n"), "title and task block");
    is_section(md, "## Acceptance Criteria Completed",
        "## Acceptance Criteria Completed\n\n"
        "- ✅ Build all FFL containers (previously completed)\n\n"
        "- ✅ Push images to `192.168.7.21:5000`\n"
        "  - Command: `./scripts/build.sh --push all`\n"
        "  - Output: Success after 2 attempts\n"
        "  - Notes: registry was slow\n"
        "  - Evidence: looked at https://192.168.7.21:5000/v2/ffl/backend/tags/list; expected tag 0.1.18;"
        " seen tags 0.1.18\n"
        "  - Evidence: looked at https://192.168.7.21:5000/v2/ffl/backend/manifests/0.1.18; expected"
        " HTTP 200; seen HTTP 200\n"
        "  - File: apps/ffl/helmrelease.yaml (image tag 0.1.17 -> 0.1.18)\n\n");
    ix_buf line = IX_BUF_INIT;
    ix_report_evidence_line(&r.crit[1], &line);
    is_str(line.data, "https://192.168.7.21:5000/v2/ffl/backend/tags/list: tags 0.1.18 (+1 more)",
           "the Progress Log's one-line evidence");
    ix_buf_free(&line);
    is_section(md, "## Acceptance Criteria Remaining",
        "## Acceptance Criteria Remaining\n\n"
        "- ⏳ Validate with kustomize\n"
        "  - Reason: exit 1 after 2 attempts: Error: accumulating resources\n"
        "  - Evidence: looked at `kustomize build`; expected exit 0; seen exit 1 (not as expected)\n"
        "  - Command: `echo 'it'\\''s ok'` (exit 0)\n"
        "  - Command: `kustomize build clusters/minikube …` (exit 1 after 2 attempts)\n\n"
        "- ⏳ BLOCKED: Update DNS\n"
        "  - Reason: Blocked: waiting on the DNS provider\n\n");
    is_section(md, "## Changes Made",
        "## Changes Made\n\n"
        "### Files Modified\n"
        "- apps/ffl/helmrelease.yaml (image tag 0.1.17 -> 0.1.18)\n"
        "- tasks/active/TASK-042.md (criteria checked; progress log updated)\n\n"
        "### Commands Executed\n"
        "```bash\n"
        "cd /home/b/ffl\n"
        "REGISTRY_URL=192.168.7.21:5000 VERSION=0.1.18 ./scripts/build.sh --push all\n"
        "cd /home/b/beckerkube\n"
        "echo 'it'\\''s ok'\n"
        "kustomize build clusters/minikube\n"
        "echo `date`\n"
        "```\n\n");
    is_section(md, "## Progress Log Entry",
        "## Progress Log Entry\n\nAdded to task file:\n- 2025-10-17 14:30: Pushed FFL images\n\n");
    is_section(md, "## Summary",
        "## Summary\n\nCompleted 2 of 4 acceptance criteria. Task is partially complete.\n\n");
    is_section(md, "## Next Steps",
        "## Next Steps\n\n"
        "- Criterion 3: exit 1 after 2 attempts: Error: accumulating resources\n"
        "- Criterion 4: Blocked: waiting on the DNS provider\n"
        "- Resolve blockers, then run `infraexec run TASK-042` again.\n");
    ok(strstr(md, " \n") == NULL, "no trailing spaces");
    free(md);
    ix_report_free(&r);
    ok(r.crit == NULL && r.id == NULL, "free resets the report");
    ix_report_free(&r); /* twice is harmless */
}

static void test_run_json(void)
{
    ix_report r;
    build_run(&r);
    json_t *j = ix_report_json(&r);
    ok(j != NULL, "json built");
    char *s = json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT);
    ok(starts_with(s, "{\"schema\":\"infraexec.report/2\",\"task\":{\"id\":\"TASK-042\","
                  "\"title\":\"Ship FFL 0.1.18\",\"priority\":\"high\",\"status\":\"active\","
                  "\"path\":\"tasks/active/TASK-042.md\"},\"dry_run\":false,\"verify\":false,"
                  "\"interrupted\":false,\"task_timed_out\":false,\"error\":null,\"warnings\":[],"
                  "\"summary\":{\"total\":4,\"completed\":2,\"completed_now\":1,\"remaining\":2},"
                  "\"verdict\":\"partially complete\",\"criteria\":[{\"index\":1,"),
       "members in the documented order");
    free(s);
    json_t *crit = json_object_get(j, "criteria");
    is_int(json_array_size(crit), 4, "every criterion listed");
    json_t *c1 = json_array_get(crit, 0), *c2 = json_array_get(crit, 1);
    json_t *c3 = json_array_get(crit, 2), *c4 = json_array_get(crit, 3);
    is_str(json_string_value(json_object_get(c1, "state")), "previously_completed", "state 1");
    is_str(json_string_value(json_object_get(c1, "group")), "FFL", "group");
    is_str(json_string_value(json_object_get(c2, "state")), "completed", "state 2");
    is_str(json_string_value(json_object_get(c2, "rule")), "builds: build and push", "rule");
    ok(json_is_null(json_object_get(c3, "rule")), "no rule is null");
    ok(json_is_true(json_object_get(c4, "blocked")), "blocked");

    json_t *cmd = json_array_get(json_object_get(c2, "commands"), 0);
    is_str(json_string_value(json_array_get(json_object_get(cmd, "argv"), 1)), "--push", "argv");
    ok(json_is_null(json_object_get(cmd, "script")), "argv command: script null");
    is_str(json_string_value(json_object_get(json_object_get(cmd, "env"), "VERSION")), "0.1.18",
           "env as an object");
    is_int(json_integer_value(json_object_get(cmd, "attempts")), 2, "attempts");
    ok(json_is_null(json_object_get(cmd, "signal")), "no signal is null");
    ok(json_real_value(json_object_get(cmd, "duration")) == 1.5, "duration");
    json_t *file = json_array_get(json_object_get(c2, "files"), 0);
    is_str(json_string_value(json_object_get(file, "summary")), "image tag 0.1.17 -> 0.1.18",
           "file summary");
    ok(json_is_null(json_object_get(file, "diff")), "no diff is null");

    cmd = json_array_get(json_object_get(c3, "commands"), 1);
    ok(json_is_null(json_object_get(cmd, "argv")), "script command: argv null");
    is_int(json_integer_value(json_object_get(cmd, "exit_code")), 1, "exit code");
    const char *tail = json_string_value(json_object_get(cmd, "output_tail"));
    ok(tail && strstr(tail, "\xEF\xBF\xBD\n"), "invalid UTF-8 in the tail becomes U+FFFD");
    is_str(json_string_value(json_object_get(cmd, "log_path")), "/tmp/ix-logs/3-2.log", "log path");

    is_int(json_array_size(json_object_get(j, "files_modified")), 2, "files_modified");
    is_str(json_string_value(json_array_get(json_object_get(j, "progress_log"), 0)),
           "2025-10-17 14:30: Pushed FFL images", "progress_log");
    is_str(json_string_value(json_object_get(j, "log_dir")), "/tmp/ix-logs", "log_dir");
    is_int(json_array_size(json_object_get(j, "next_steps")), 3, "next_steps as in Markdown");
    s = json_dumps(json_object_get(c2, "evidence"), JSON_PRESERVE_ORDER | JSON_COMPACT);
    ok(starts_with(s, "[{\"ok\":true,\"looked_at\":\"https://192.168.7.21:5000/v2/ffl/backend/tags/list\","
                      "\"expected\":\"tag 0.1.18\",\"seen\":\"tags 0.1.18\",\"after_action\":false},"),
       "evidence in the JSON criterion");
    free(s);
    is_str(json_string_value(json_object_get(c2, "kind")), "action", "kind");
    json_decref(j);
    ix_report_free(&r);
}

/* A dry run: one criterion a rule would take (a command in a directory with
 * env, a file change with a diff), one without a rule. */
static void build_dry_run(ix_report *r)
{
    *r = (ix_report){.id = dup("TASK-043"), .title = NULL, .priority = dup("low"),
                     .status = dup("active"), .dry_run = 1};
    add_crit(r, IX_STATE_PREVIOUSLY_COMPLETED, "Build images");
    ix_crit_report *c = add_crit(r, IX_STATE_REMAINING, "Update the HelmRelease tag");
    c->would_complete = 1;
    c->rule = dup("helm: bump image tag");
    add_obs(c, 0, 1, "apps/ffl/helmrelease.yaml spec.image.tag", "0.1.18", "after the action");
    ix_cmd_record *cmd = add_cmd(c, "/srv/kube", -1, 0);
    cmd->executed = 0;
    cmd->argv = strv(NULL, "kustomize", "build", "clusters/minikube", NULL);
    cmd->env = strv(NULL, "MSG=a b", NULL);
    add_file(c, "apps/ffl/helmrelease.yaml", "image tag 0.1.17 -> 0.1.18",
             "--- a/apps/ffl/helmrelease.yaml\n+++ b/apps/ffl/helmrelease.yaml\n"
             "@@ -1,3 +1,3 @@\n image:\n \n-  tag: 0.1.17\n+  tag: 0.1.18\n");
    c = add_crit(r, IX_STATE_REMAINING, "Check the pods");
    c->reason = dup("no rule matches");
}

static void test_dry_run(void)
{
    ix_report r;
    build_dry_run(&r);
    char *md = markdown(&r);
    ok(starts_with(md, "# Task Execution Report: TASK-043 (dry run)\n\n## Task: -\n"),
       "dry-run title; a missing title is '-'");
    is_section(md, "## Would Run",
        "## Would Run\n\n"
        "- ▶ Update the HelmRelease tag\n"
        "  - Rule: helm: bump image tag\n"
        "  - Evidence: looked at apps/ffl/helmrelease.yaml spec.image.tag; expected 0.1.18; seen after"
        " the action\n"
        "  - Commands:\n\n"
        "    ```bash\n"
        "    cd /srv/kube\n"
        "    MSG='a b' kustomize build clusters/minikube\n"
        "    ```\n"
        "  - File: apps/ffl/helmrelease.yaml (image tag 0.1.17 -> 0.1.18)\n\n"
        "    ```diff\n"
        "    --- a/apps/ffl/helmrelease.yaml\n"
        "    +++ b/apps/ffl/helmrelease.yaml\n"
        "    @@ -1,3 +1,3 @@\n"
        "     image:\n"
        "\n"
        "    -  tag: 0.1.17\n"
        "    +  tag: 0.1.18\n"
        "    ```\n\n");
    ok(strstr(md, "## Would Run") < strstr(md, "## Acceptance Criteria Remaining"),
       "Would Run comes before Remaining");
    is_section(md, "## Acceptance Criteria Remaining",
        "## Acceptance Criteria Remaining\n\n"
        "- ⏳ Check the pods\n"
        "  - Reason: would not complete: no rule matches\n\n");
    is_section(md, "## Changes Made",
        "## Changes Made\n\n### Files Modified\n- None\n\n### Commands Executed\n- None\n\n");
    is_section(md, "## Progress Log Entry", "## Progress Log Entry\n\nNone.\n\n");
    is_section(md, "## Summary",
        "## Summary\n\nDry run: 1 of 2 unchecked criteria would complete; "
        "nothing was changed or written.\n\n");
    is_section(md, "## Next Steps",
        "## Next Steps\n\n"
        "- Run `infraexec run TASK-043` to carry out the 1 criterion under Would Run.\n"
        "- Criterion 3: no rule matches\n");
    ok(strstr(md, " \n") == NULL, "no trailing spaces (blank diff line emptied)");
    free(md);

    json_t *j = ix_report_json(&r);
    ok(json_is_true(json_object_get(j, "dry_run")), "dry_run true");
    ok(json_is_null(json_object_get(json_object_get(j, "task"), "title")), "null title");
    json_t *c2 = json_array_get(json_object_get(j, "criteria"), 1);
    is_str(json_string_value(json_object_get(c2, "state")), "remaining", "dry run: still remaining");
    ok(json_is_true(json_object_get(c2, "would_complete")), "would_complete");
    json_t *cmd = json_array_get(json_object_get(c2, "commands"), 0);
    ok(json_is_false(json_object_get(cmd, "executed")), "not executed");
    ok(json_is_null(json_object_get(cmd, "log_path")), "no log in a dry run");
    json_t *file = json_array_get(json_object_get(c2, "files"), 0);
    ok(strstr(json_string_value(json_object_get(file, "diff")), "+  tag: 0.1.18"), "diff kept");
    json_decref(j);
    ix_report_free(&r);
}

static void test_verdicts_and_stops(void)
{
    ix_report r = {.id = dup("TASK-044")};
    add_crit(&r, IX_STATE_PREVIOUSLY_COMPLETED, "a");
    add_crit(&r, IX_STATE_COMPLETED, "b");
    is_str(ix_report_verdict(&r), "ready for verification", "verdict: ready");
    char *md = markdown(&r);
    is_section(md, "## Acceptance Criteria Remaining",
               "## Acceptance Criteria Remaining\n\n- None\n\n");
    is_section(md, "## Summary",
        "## Summary\n\nCompleted 2 of 2 acceptance criteria. Task is ready for verification.\n\n");
    is_section(md, "## Next Steps",
        "## Next Steps\n\n- Verify the task (verification phase), then archive it.\n");
    free(md);
    ix_report_free(&r);

    r = (ix_report){.id = dup("TASK-045"), .interrupted = 1, .task_timed_out = 1,
                    .error = dup("cannot write tasks/active/TASK-045.md: disk full")};
    ix_crit_report *c = add_crit(&r, IX_STATE_REMAINING, "c");
    ix_cmd_record *cmd = add_cmd(c, NULL, -1, 1);
    cmd->argv = strv(NULL, "A=b", "x\ny", "", NULL);
    cmd->term_signal = 9;
    c = add_crit(&r, IX_STATE_REMAINING, NULL);
    cmd = add_cmd(c, NULL, -1, 3);
    cmd->script = dup("sleep 100");
    cmd->timed_out = 1;
    is_str(ix_report_verdict(&r), "blocked", "verdict: blocked (nothing done now)");
    md = markdown(&r);
    is_section(md, "## Acceptance Criteria Remaining",
        "## Acceptance Criteria Remaining\n\n"
        "- ⏳ c\n"
        "  - Reason: no reason recorded\n"
        "  - Command: `'A=b' $'x\\ny' ''` (killed by SIGKILL)\n\n"
        "- ⏳ -\n"
        "  - Reason: no reason recorded\n"
        "  - Command: `sleep 100` (timed out after 3 attempts)\n\n");
    is_section(md, "## Summary",
        "## Summary\n\nCompleted 0 of 2 acceptance criteria. Task is blocked.\n"
        "Run interrupted.\nRun stopped by --task-timeout.\n"
        "Run stopped: cannot write tasks/active/TASK-045.md: disk full\n\n");
    free(md);
    json_t *j = ix_report_json(&r);
    json_t *jc = json_array_get(json_object_get(json_array_get(json_object_get(j, "criteria"), 0),
                                                "commands"), 0);
    is_int(json_integer_value(json_object_get(jc, "signal")), 9, "signal");
    ok(json_is_null(json_object_get(jc, "cwd")), "no cwd is null");
    is_str(json_string_value(json_object_get(j, "error")),
           "cannot write tasks/active/TASK-045.md: disk full", "error");
    ok(json_is_true(json_object_get(j, "interrupted")), "interrupted");
    json_decref(j);
    ix_report_free(&r);
}

/* Backticks in a command need a longer code-span delimiter, and a fence
 * inside a diff a longer fence. */
static void test_backticks(void)
{
    ix_report r = {.id = dup("TASK-046"), .dry_run = 1};
    ix_crit_report *c = add_crit(&r, IX_STATE_COMPLETED, "x");
    ix_cmd_record *cmd = add_cmd(c, NULL, 0, 1);
    cmd->script = dup("echo `date` ``");
    c = add_crit(&r, IX_STATE_REMAINING, "y");
    c->would_complete = 1;
    add_file(c, "README.md", NULL, "+```sh\n+ls\n+```\n");
    char *md = markdown(&r);
    ok(strstr(md, "  - Command: ``` echo `date` `` ```\n") != NULL, "code span outlasts backticks");
    ok(strstr(md, "  - File: README.md\n\n    ````diff\n    +```sh\n") != NULL,
       "fence outlasts the one in the diff");
    free(md);
    ix_report_free(&r);
}

int main(void)
{
    test_run_markdown();
    test_run_json();
    test_dry_run();
    test_verdicts_and_stops();
    test_backticks();
    return tap_done();
}
