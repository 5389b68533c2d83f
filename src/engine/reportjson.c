/* reportjson.c - ix_report_json (include/infraexec/engine/report.h): the
 * versioned JSON for orchestrators (docs/report-schema.json). */
#include "infraexec/engine/report.h"
#include "report_internal.h"

#include "infraexec/base/text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A JSON string, or null for NULL.  json_string refuses invalid UTF-8 (an
 * output tail cut mid-character, a Latin-1 path), so such bytes become
 * U+FFFD rather than a missing member. */
json_t *ix_report_jstr(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    ix_buf b = IX_BUF_INIT;
    ix_buf_append(&b, "", 0);
    const char *what;
    for (size_t len = strlen(s), good; len; s += good + 1, len -= good + 1) {
        good = ix_utf8_check(s, len, &what);
        ix_buf_append(&b, s, good);
        if (good == len)
            break;
        ix_buf_puts(&b, "\xEF\xBF\xBD");
    }
    j = json_string(b.data);
    ix_buf_free(&b);
    return j;
}

/* Like ix_report_jstr, for members the schema says are always strings. */
static json_t *jtext(const char *s)
{
    return ix_report_jstr(s ? s : "");
}

static json_t *jstrv(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, jtext(v[i]));
    return a;
}

static json_t *cmd_json(const ix_cmd_record *c)
{
    json_t *env = json_object();
    for (size_t i = 0; c->env && c->env[i]; i++) {
        const char *eq = strchr(c->env[i], '=');
        char *name = eq ? ix_xstrndup(c->env[i], (size_t)(eq - c->env[i])) : ix_xstrdup(c->env[i]);
        json_object_set_new(env, name, jtext(eq ? eq + 1 : ""));
        free(name);
    }
    return json_pack("{s:o, s:o, s:o, s:o, s:b, s:i, s:o, s:b, s:b, s:i, s:f, s:o, s:o}",
        "argv", c->argv ? jstrv(c->argv, ix_report_strv_len(c->argv)) : json_null(),
        "script", ix_report_jstr(c->script), "cwd", ix_report_jstr(c->cwd), "env", env,
        "executed", c->executed, "exit_code", c->exit_code,
        "signal", c->term_signal ? json_integer(c->term_signal) : json_null(),
        "timed_out", c->timed_out, "interrupted", c->interrupted, "attempts", c->attempts,
        "duration", isfinite(c->duration) && c->duration > 0 ? c->duration : 0.0,
        "output_tail", jtext(c->tail), "log_path", ix_report_jstr(c->log_path));
}

static json_t *crit_json(const ix_crit_report *c)
{
    static const char *const state[] = {
        [IX_STATE_COMPLETED] = "completed",
        [IX_STATE_PREVIOUSLY_COMPLETED] = "previously_completed",
        [IX_STATE_REMAINING] = "remaining",
    };
    json_t *cmds = json_array(), *files = json_array();
    for (size_t i = 0; i < c->ncmds; i++)
        json_array_append_new(cmds, cmd_json(&c->cmds[i]));
    for (size_t i = 0; i < c->nfiles; i++)
        json_array_append_new(files, json_pack("{s:o, s:o, s:o}",
            "path", jtext(c->files[i].path), "summary", jtext(c->files[i].summary),
            "diff", ix_report_jstr(c->files[i].diff)));
    json_t *evidence = json_array();
    for (size_t i = 0; i < c->nevidence; i++) {
        const ix_observation *o = &c->evidence[i];
        json_array_append_new(evidence, json_pack("{s:b, s:o, s:o, s:o, s:b}", "ok", o->ok,
            "looked_at", jtext(o->looked_at), "expected", jtext(o->expected),
            "seen", jtext(o->seen), "after_action", o->after_action));
    }
    static const char *const check[] = {
        [IX_CHECK_HOLDS] = "holds", [IX_CHECK_FAILS] = "fails",
        [IX_CHECK_UNVERIFIABLE] = "unverifiable", [IX_CHECK_PERSON] = "needs_person",
    };
    json_t *o = json_pack("{s:i, s:o, s:o, s:s, s:b, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
        "index", c->index, "text", jtext(c->text), "group", ix_report_jstr(c->group),
        "state", state[c->state], "blocked", c->blocked, "would_complete", c->would_complete,
        "check", c->check ? json_string(check[c->check]) : json_null(),
        "rule", ix_report_jstr(c->rule), "kind", ix_report_jstr(c->kind),
        "reason", ix_report_jstr(c->reason),
        "evidence", evidence, "commands", cmds, "files", files);
    json_object_set_new(o, "confirmed_by", ix_report_jstr(c->confirmed_by));
    return o;
}

json_t *ix_report_json(const ix_report *r)
{
    ix_report_counts n = ix_report_count(r);
    json_t *crit = json_array();
    for (size_t i = 0; i < r->ncrit; i++)
        json_array_append_new(crit, crit_json(&r->crit[i]));
    /* json_pack adds members in format order: the key order is stable */
    return json_pack("{s:s, s:{s:o, s:o, s:o, s:o, s:o}, s:b, s:b, s:b, s:b, s:o,"
                     " s:o, s:{s:I, s:I, s:I, s:I}, s:s, s:o, s:o, s:o, s:o, s:o}",
        "schema", IX_REPORT_SCHEMA,
        "task", "id", ix_report_jstr(r->id), "title", ix_report_jstr(r->title),
                "priority", ix_report_jstr(r->priority), "status", ix_report_jstr(r->status),
                "path", ix_report_jstr(r->path),
        "dry_run", r->dry_run, "verify", r->verify, "interrupted", r->interrupted,
        "task_timed_out", r->task_timed_out, "error", ix_report_jstr(r->error),
        "warnings", jstrv(r->warnings, r->nwarnings),
        "summary", "total", (json_int_t)n.total, "completed", (json_int_t)n.completed,
                   "completed_now", (json_int_t)n.completed_now,
                   "remaining", (json_int_t)n.remaining,
        "verdict", ix_report_verdict(r), "criteria", crit,
        "files_modified", jstrv(r->files_modified, r->nfiles_modified),
        "progress_log", jstrv(r->progress_log, r->nprogress_log),
        "log_dir", ix_report_jstr(r->log_dir), "next_steps", ix_report_next_steps(r));
}
