/* reportmd.c - ix_report_markdown (include/infraexec/engine/report.h)
 *
 * Both renderings are pure functions of the ix_report: they never print,
 * and every string they read may be NULL.  The Markdown follows the seed
 * agent's "Output" section heading for heading, so a reader (or a script)
 * that knew the agent's reports finds the same sections, always all of them. */
#include "infraexec/engine/report.h"
#include "report_internal.h"

#include "infraexec/base/safetext.h"
#include "infraexec/base/text.h"
#include "infraexec/sys/proc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- text helpers ---- */

/* What a person reads for a missing value; also keeps "- ✅ " from ending
 * in a space when the text is empty. */
static const char *dash(const char *s)
{
    return s && *s ? s : "-";
}

static size_t longest_backtick_run(const char *s)
{
    size_t best = 0, run = 0;
    for (; s && *s; s++) {
        run = *s == '`' ? run + 1 : 0;
        if (run > best)
            best = run;
    }
    return best;
}

static void put_repeat(ix_buf *out, char c, size_t n)
{
    while (n--)
        ix_buf_putc(out, c);
}

/* An inline code span that survives backticks in S (CommonMark: the
 * delimiter must be longer than any run inside, and padding spaces are
 * stripped again by the reader). */
static void put_code_span(ix_buf *out, const char *s)
{
    size_t n = longest_backtick_run(s) + 1, len = strlen(s);
    int pad = len && (s[0] == '`' || s[len - 1] == '`' || (s[0] == ' ' && s[len - 1] == ' '));
    put_repeat(out, '`', n);
    ix_buf_puts(out, pad ? " " : "");
    ix_buf_puts(out, s);
    ix_buf_puts(out, pad ? " " : "");
    put_repeat(out, '`', n);
}

/* A fenced block, every line indented by INDENT (to sit inside a list
 * item).  Whitespace-only lines come out empty so the report has no trailing
 * blanks; for diffs that is an empty context line, which patch and git apply
 * both accept.  Other lines are verbatim. */
static void put_fenced(ix_buf *out, const char *indent, const char *lang, const char *text)
{
    size_t fence = longest_backtick_run(text) + 1;
    fence = fence < 3 ? 3 : fence;
    ix_buf_puts(out, indent);
    put_repeat(out, '`', fence);
    ix_buf_printf(out, "%s\n", lang);
    for (const char *p = text; p && *p;) {
        size_t len = strcspn(p, "\n");
        if (!ix_is_blank(p, p + len)) {
            ix_buf_puts(out, indent);
            ix_buf_append(out, p, len);
        }
        ix_buf_putc(out, '\n');
        p += len + (p[len] == '\n');
    }
    ix_buf_puts(out, indent);
    put_repeat(out, '`', fence);
    ix_buf_putc(out, '\n');
}

/* One word as the shell needs it typed, quoted the way the progress display
 * and the command logs quote commands (ix_proc_format_argv; it takes the word
 * for a command name, so one holding '=' gets quoted too, harmlessly). */
static void put_shell_word(ix_buf *out, const char *word)
{
    ix_proc_format_argv((const char *const[]){word, NULL}, out);
}

/* "NAME=value " for each env addition, the value quoted as needed. */
static void put_env(ix_buf *out, char *const *env)
{
    for (size_t i = 0; env && env[i]; i++) {
        const char *eq = strchr(env[i], '=');
        size_t name = eq ? (size_t)(eq - env[i]) + 1 : 0; /* "NAME=" stays bare */
        ix_buf_append(out, env[i], name);
        put_shell_word(out, env[i] + name);
        ix_buf_putc(out, ' ');
    }
}

/* The one-line form used in criterion bullets: argv, or a script's first
 * line followed by " …" when more lines follow. */
static void put_cmd_short(ix_buf *out, const ix_cmd_record *c)
{
    if (!c->script) {
        ix_proc_format_argv((const char *const *)c->argv, out);
        return;
    }
    const char *s = c->script + strspn(c->script, "\n");
    size_t len = strcspn(s, "\n");
    ix_buf_append(out, s, len);
    if (s[len] && s[len + strspn(s + len, "\n")])
        ix_buf_puts(out, " …");
}

/* The command as a line of a bash block: env additions first.  A script
 * with env additions becomes `NAME=v bash -eo pipefail -c '...'`, the only
 * spelling where the additions reach every command of the script. */
static void put_cmd_full(ix_buf *out, const ix_cmd_record *c)
{
    put_env(out, c->env);
    if (!c->script) {
        ix_proc_format_argv((const char *const *)c->argv, out);
    } else if (c->env && c->env[0]) {
        ix_buf_puts(out, "bash -eo pipefail -c ");
        put_shell_word(out, c->script);
    } else {
        size_t len = strlen(c->script);
        while (len && c->script[len - 1] == '\n')
            len--;
        ix_buf_append(out, c->script, len);
    }
    ix_buf_putc(out, '\n');
}

/* Appends C to the bash text SH, preceded by a `cd` when its directory
 * differs from the previous command's (*CWD, NULL = the run's directory). */
static void put_cmd_lines(ix_buf *sh, const ix_cmd_record *c, const char **cwd)
{
    if (c->cwd && (!*cwd || strcmp(c->cwd, *cwd) != 0)) {
        ix_buf_puts(sh, "cd ");
        put_shell_word(sh, c->cwd);
        ix_buf_putc(sh, '\n');
    } else if (!c->cwd && *cwd) {
        /* the report does not know the run's directory by name */
        ix_buf_puts(sh, "# back in the run's directory\n");
    }
    *cwd = c->cwd;
    put_cmd_full(sh, c);
}

/* "(exit 1 after 2 attempts)", "(killed by SIGKILL)", "(timed out)"... */
static void put_cmd_status(ix_buf *out, const ix_cmd_record *c)
{
    const char *sig = c->term_signal ? sigabbrev_np(c->term_signal) : NULL;
    if (c->timed_out)
        ix_buf_puts(out, " (timed out");
    else if (c->interrupted)
        ix_buf_puts(out, " (interrupted");
    else if (c->term_signal && sig)
        ix_buf_printf(out, " (killed by SIG%s", sig);
    else if (c->term_signal)
        ix_buf_printf(out, " (killed by signal %d", c->term_signal);
    else
        ix_buf_printf(out, " (exit %d", c->exit_code);
    if (c->attempts > 1)
        ix_buf_printf(out, " after %d attempts", c->attempts);
    ix_buf_putc(out, ')');
}

/* Why a remaining criterion is not done, as one line. */
static void put_reason(ix_buf *out, const ix_crit_report *c)
{
    const char *why = c->reason && *c->reason ? c->reason : NULL;
    /* the engine may have said "Blocked ..." itself */
    if (c->blocked && !(why && strncasecmp(why, "blocked", 7) == 0))
        ix_buf_puts(out, why ? "Blocked: " : "Blocked");
    else if (!why)
        ix_buf_puts(out, "no reason recorded");
    ix_buf_puts(out, why ? why : "");
}

static void put_cmd_span(ix_buf *out, const ix_cmd_record *c)
{
    ix_buf cmd = IX_BUF_INIT;
    ix_buf_append(&cmd, "", 0);
    put_cmd_short(&cmd, c);
    ix_buf_puts(out, "  - Command: ");
    put_code_span(out, cmd.data);
    ix_buf_free(&cmd);
}

static void put_files(ix_buf *out, const ix_crit_report *c, int with_diffs)
{
    for (size_t i = 0; i < c->nfiles; i++) {
        const ix_file_change *f = &c->files[i];
        ix_buf_printf(out, "  - File: %s", dash(f->path));
        if (f->summary && *f->summary)
            ix_buf_printf(out, " (%s)", f->summary);
        ix_buf_putc(out, '\n');
        if (with_diffs && f->diff && *f->diff) {
            ix_buf_putc(out, '\n');
            put_fenced(out, "    ", "diff", f->diff);
        }
    }
}

/* "  - Evidence: looked at X; expected Y; seen Z" per observation. */
static void put_evidence(ix_buf *out, const ix_crit_report *c)
{
    for (size_t i = 0; i < c->nevidence; i++) {
        const ix_observation *o = &c->evidence[i];
        ix_buf_printf(out, "  - Evidence: looked at %s; expected %s; seen %s%s\n",
                      dash(o->looked_at), dash(o->expected), dash(o->seen),
                      o->ok || o->after_action ? "" : " (not as expected)");
    }
}

void ix_report_evidence_line(const ix_crit_report *c, ix_buf *out)
{
    if (!c->nevidence)
        return;
    const ix_observation *o = &c->evidence[0];
    for (size_t i = 0; i < c->nevidence && o->ok; i++)
        if (!c->evidence[i].ok)
            o = &c->evidence[i]; /* the one that failed says most */
    ix_buf_printf(out, "%s: %s", dash(o->looked_at), dash(o->seen));
    if (c->nevidence > 1)
        ix_buf_printf(out, " (+%zu more)", c->nevidence - 1);
}

/* ---- Markdown sections ---- */

static void put_completed(ix_buf *out, const ix_crit_report *c)
{
    ix_buf_printf(out, "- ✅ %s", dash(c->text));
    if (c->state == IX_STATE_PREVIOUSLY_COMPLETED) {
        ix_buf_puts(out, " (previously completed)\n");
        return;
    }
    ix_buf_putc(out, '\n');
    int attempts = 1;
    for (size_t i = 0; i < c->ncmds; i++) {
        put_cmd_span(out, &c->cmds[i]);
        ix_buf_putc(out, '\n');
        if (c->cmds[i].attempts > attempts)
            attempts = c->cmds[i].attempts;
    }
    if (c->confirmed_by) /* a person's word, not something a check saw */
        ix_buf_printf(out, "  - Confirmed by %s (a person's answer; not observed)\n", c->confirmed_by);
    else if (attempts > 1)
        ix_buf_printf(out, "  - Output: Success after %d attempts\n", attempts);
    else
        ix_buf_puts(out, "  - Output: Success\n");
    if (c->reason && *c->reason)
        ix_buf_printf(out, "  - Notes: %s\n", c->reason);
    put_evidence(out, c);
    put_files(out, c, 0);
}

static void put_remaining_as(ix_buf *out, const ix_crit_report *c, int dry_run)
{
    ix_buf_printf(out, "- ⏳ %s\n  - Reason: %s", dash(c->text),
                  dry_run ? "would not complete: " : "");
    put_reason(out, c);
    ix_buf_putc(out, '\n');
    put_evidence(out, c);
    for (size_t i = 0; i < c->ncmds; i++) {
        const ix_cmd_record *cmd = &c->cmds[i];
        if (!cmd->executed)
            continue;
        put_cmd_span(out, cmd);
        put_cmd_status(out, cmd);
        ix_buf_putc(out, '\n');
    }
    put_files(out, c, 0); /* a rule may have edited a file before failing */
}

static void put_remaining(ix_buf *out, const ix_crit_report *c)
{
    put_remaining_as(out, c, 0);
}

static void put_would_not(ix_buf *out, const ix_crit_report *c)
{
    put_remaining_as(out, c, 1);
}

static void put_would_run(ix_buf *out, const ix_crit_report *c)
{
    ix_buf_printf(out, "- ▶ %s\n  - Rule: %s\n", dash(c->text), dash(c->rule));
    put_evidence(out, c);
    if (c->ncmds) {
        ix_buf sh = IX_BUF_INIT;
        const char *cwd = NULL;
        for (size_t i = 0; i < c->ncmds; i++)
            put_cmd_lines(&sh, &c->cmds[i], &cwd);
        ix_buf_puts(out, "  - Commands:\n\n");
        put_fenced(out, "    ", "bash", sh.data);
        ix_buf_free(&sh);
    }
    put_files(out, c, 1);
}

static int is_done(const ix_report *r, const ix_crit_report *c)
{
    (void)r;
    return c->state != IX_STATE_REMAINING;
}

static int is_would_run(const ix_report *r, const ix_crit_report *c)
{
    return r->dry_run && c->state == IX_STATE_REMAINING && c->would_complete;
}

static int is_remaining(const ix_report *r, const ix_crit_report *c)
{
    return c->state == IX_STATE_REMAINING && !is_would_run(r, c);
}

static size_t count_would_run(const ix_report *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->ncrit; i++)
        n += is_would_run(r, &r->crit[i]);
    return n;
}

/* "## TITLE" and one item per criterion WANT selects, blank lines between
 * items as in the seed; "- None" keeps an empty section visible. */
static void put_section(ix_buf *out, const char *title, const ix_report *r,
                        int (*want)(const ix_report *, const ix_crit_report *),
                        void (*put)(ix_buf *, const ix_crit_report *))
{
    ix_buf_printf(out, "\n## %s\n\n", title);
    size_t n = 0;
    for (size_t i = 0; i < r->ncrit; i++) {
        if (!want(r, &r->crit[i]))
            continue;
        ix_buf_puts(out, n++ ? "\n" : "");
        put(out, &r->crit[i]);
    }
    if (!n)
        ix_buf_puts(out, "- None\n");
}

/* " (summary; summary)" from every criterion that changed PATH, plus what
 * the run itself did to the task file. */
static void put_file_summary(ix_buf *out, const ix_report *r, const char *path)
{
    ix_buf s = IX_BUF_INIT;
    for (size_t i = 0; i < r->ncrit; i++)
        for (size_t k = 0; k < r->crit[i].nfiles; k++) {
            const ix_file_change *f = &r->crit[i].files[k];
            if (f->path && strcmp(f->path, path) == 0 && f->summary && *f->summary)
                ix_buf_printf(&s, "%s%s", s.len ? "; " : "", f->summary);
        }
    if (r->path && strcmp(r->path, path) == 0) {
        if (ix_report_count(r).completed_now)
            ix_buf_printf(&s, "%scriteria checked", s.len ? "; " : "");
        if (r->nprogress_log)
            ix_buf_printf(&s, "%sprogress log updated", s.len ? "; " : "");
    }
    if (s.len)
        ix_buf_printf(out, " (%s)", s.data);
    ix_buf_free(&s);
}

static void put_changes(ix_buf *out, const ix_report *r)
{
    ix_buf_puts(out, "\n## Changes Made\n\n### Files Modified\n");
    for (size_t i = 0; i < r->nfiles_modified; i++) {
        ix_buf_printf(out, "- %s", dash(r->files_modified[i]));
        if (r->files_modified[i])
            put_file_summary(out, r, r->files_modified[i]);
        ix_buf_putc(out, '\n');
    }
    if (!r->nfiles_modified)
        ix_buf_puts(out, "- None\n");

    ix_buf_puts(out, "\n### Commands Executed\n");
    ix_buf sh = IX_BUF_INIT;
    const char *cwd = NULL;
    for (size_t i = 0; i < r->ncrit; i++)
        for (size_t k = 0; k < r->crit[i].ncmds; k++)
            if (r->crit[i].cmds[k].executed)
                put_cmd_lines(&sh, &r->crit[i].cmds[k], &cwd);
    if (sh.len)
        put_fenced(out, "", "bash", sh.data);
    else
        ix_buf_puts(out, "- None\n");
    ix_buf_free(&sh);
}

/* ---- next steps (shared by both renderings) ---- */

static void add_step(json_t *steps, ix_buf *b)
{
    json_array_append_new(steps, ix_report_jstr(b->data));
    b->len = 0;
    b->data[0] = '\0';
}

json_t *ix_report_next_steps(const ix_report *r)
{
    json_t *steps = json_array();
    ix_buf b = IX_BUF_INIT;
    size_t person = r->verify ? ix_report_count_check(r, IX_CHECK_PERSON) : 0;
    if (person) { /* an author's [x] is not a person's word: name what nobody observed */
        for (size_t i = 0; i < r->ncrit; i++) {
            const ix_crit_report *c = &r->crit[i];
            if (c->check != IX_CHECK_PERSON)
                continue;
            ix_buf_printf(&b, "Criterion %d needs a person: ", c->index);
            put_reason(&b, c);
            add_step(steps, &b);
        }
        ix_buf_printf(&b, "A person decides %s before the task is archived.",
                      person == 1 ? "that criterion" : "those criteria");
        add_step(steps, &b);
    } else if (ix_report_count(r).remaining == 0) {
        ix_buf_puts(&b, "Verify the task (verification phase), then archive it.");
        add_step(steps, &b);
    }
    size_t would = count_would_run(r);
    int blocked = 0;
    if (would) {
        ix_buf_printf(&b, "Run `infraexec run %s` to carry out the %zu %s under Would Run.",
                      dash(r->id), would, would == 1 ? "criterion" : "criteria");
        add_step(steps, &b);
    }
    for (size_t i = 0; i < r->ncrit; i++) {
        const ix_crit_report *c = &r->crit[i];
        if (!is_remaining(r, c))
            continue;
        blocked |= c->blocked;
        ix_buf_printf(&b, "Criterion %d: ", c->index);
        put_reason(&b, c);
        add_step(steps, &b);
    }
    if (blocked) {
        ix_buf_printf(&b, "Resolve blockers, then run `infraexec run %s` again.", dash(r->id));
        add_step(steps, &b);
    }
    ix_buf_free(&b);
    return steps;
}

/* `infraexec verify`: one line per checked criterion. */
static void verify_markdown(const ix_report *r, ix_buf *out)
{
    static const char *const mark[] = {
        [IX_CHECK_HOLDS] = "✅ holds", [IX_CHECK_FAILS] = "❌ fails",
        [IX_CHECK_UNVERIFIABLE] = "❔ cannot be checked", [IX_CHECK_PERSON] = "✋ needs a person",
    };
    ix_buf_printf(out, "# Verification Report: %s\n\n## Task: %s\nPriority: %s\nStatus: %s\n\n"
                       "## Checked Criteria\n\n", dash(r->id), dash(r->title), dash(r->priority),
                  dash(r->status));
    size_t shown = 0;
    for (size_t i = 0; i < r->ncrit; i++) {
        const ix_crit_report *c = &r->crit[i];
        if (!c->check)
            continue;
        shown++;
        ix_buf_printf(out, "- %s: %s\n", mark[c->check], c->text);
        if (c->reason && *c->reason)
            ix_buf_printf(out, "  - %s\n", c->reason);
        put_evidence(out, c);
    }
    if (!shown)
        ix_buf_puts(out, "- None\n");
    ix_buf_printf(out, "\n## Summary\n\n%zu of %zu checked criteria hold; %zu fail; %zu need a "
                       "person; %zu cannot be checked without redoing them.\n",
                  ix_report_count_check(r, IX_CHECK_HOLDS), shown,
                  ix_report_count_check(r, IX_CHECK_FAILS),
                  ix_report_count_check(r, IX_CHECK_PERSON),
                  ix_report_count_check(r, IX_CHECK_UNVERIFIABLE));
    json_t *steps = ix_report_next_steps(r);
    size_t i;
    json_t *v;
    if (ix_report_count_check(r, IX_CHECK_PERSON)) {
        ix_buf_puts(out, "\n## Next Steps\n\n");
        json_array_foreach(steps, i, v)
            ix_buf_printf(out, "- %s\n", json_string_value(v));
    }
    json_decref(steps);
}

static void markdown(const ix_report *r, ix_buf *out)
{
    if (r->verify) {
        verify_markdown(r, out);
        return;
    }
    ix_report_counts n = ix_report_count(r);
    ix_buf_printf(out, "# Task Execution Report: %s%s\n\n", dash(r->id),
                  r->dry_run ? " (dry run)" : "");
    ix_buf_printf(out, "## Task: %s\nPriority: %s\nStatus: %s\n", dash(r->title),
                  dash(r->priority), dash(r->status));
    put_section(out, "Acceptance Criteria Completed", r, is_done, put_completed);
    if (r->dry_run)
        put_section(out, "Would Run", r, is_would_run, put_would_run);
    put_section(out, "Acceptance Criteria Remaining", r, is_remaining,
                r->dry_run ? put_would_not : put_remaining);
    put_changes(out, r);

    ix_buf_puts(out, "\n## Progress Log Entry\n\n");
    ix_buf_puts(out, r->nprogress_log ? "Added to task file:\n" : "None.\n");
    for (size_t i = 0; i < r->nprogress_log; i++)
        ix_buf_printf(out, "- %s\n", dash(r->progress_log[i]));

    ix_buf_puts(out, "\n## Summary\n\n");
    if (r->dry_run)
        ix_buf_printf(out, "Dry run: %zu of %zu unchecked criteria would complete; "
                      "nothing was changed or written.\n", count_would_run(r), n.remaining);
    else
        ix_buf_printf(out, "Completed %zu of %zu acceptance criteria. Task is %s.\n",
                      n.completed, n.total, ix_report_verdict(r));
    if (r->interrupted)
        ix_buf_puts(out, "Run interrupted.\n");
    if (r->task_timed_out)
        ix_buf_puts(out, "Run stopped by --task-timeout.\n");
    if (r->error)
        ix_buf_printf(out, "Run stopped: %s\n", r->error);
    for (size_t i = 0; i < r->nwarnings; i++)
        ix_buf_printf(out, "Warning: %s\n", r->warnings[i]);

    ix_buf_puts(out, "\n## Next Steps\n\n");
    json_t *steps = ix_report_next_steps(r);
    for (size_t i = 0; i < json_array_size(steps); i++)
        ix_buf_printf(out, "- %s\n", json_string_value(json_array_get(steps, i)));
    json_decref(steps);
}

/* Strings of a report made safe for the Markdown rendering, and freed
 * after it. */
typedef struct owned {
    void **v;
    size_t n;
} owned;

static void *keep(owned *o, void *p)
{
    o->v = ix_xrealloc(o->v, (o->n + 1) * sizeof *o->v);
    o->v[o->n++] = p;
    return p;
}

/* One line: a newline in a title, a criterion or a reason is shown as
 * \x0a, so it can never open a heading or a list item of the report. */
static char *line_of(owned *o, const char *s)
{
    return s ? keep(o, ix_safe_dup(s, 0)) : NULL;
}

static char **lines_of(owned *o, char *const *v, size_t n)
{
    char **c = keep(o, ix_xcalloc(n + 1, sizeof *c));
    for (size_t i = 0; i < n; i++)
        c[i] = line_of(o, v[i]);
    return c;
}

void ix_report_markdown(const ix_report *r, ix_buf *out)
{
    owned o = {NULL, 0};
    ix_report v = *r;
    v.id = line_of(&o, r->id);
    v.title = line_of(&o, r->title);
    v.priority = line_of(&o, r->priority);
    v.status = line_of(&o, r->status);
    v.path = line_of(&o, r->path);
    v.error = line_of(&o, r->error);
    v.warnings = lines_of(&o, r->warnings, r->nwarnings);
    v.progress_log = lines_of(&o, r->progress_log, r->nprogress_log);
    v.files_modified = lines_of(&o, r->files_modified, r->nfiles_modified);
    v.crit = keep(&o, ix_xcalloc(r->ncrit + 1, sizeof *v.crit));
    for (size_t i = 0; i < r->ncrit; i++) {
        ix_crit_report *c = &v.crit[i];
        *c = r->crit[i];
        c->text = line_of(&o, c->text);
        c->group = line_of(&o, c->group);
        c->rule = line_of(&o, c->rule);
        c->reason = line_of(&o, c->reason);
        c->files = keep(&o, ix_xcalloc(c->nfiles + 1, sizeof *c->files));
        for (size_t k = 0; k < c->nfiles; k++) {
            c->files[k] = r->crit[i].files[k];
            c->files[k].path = line_of(&o, c->files[k].path);
            c->files[k].summary = line_of(&o, c->files[k].summary);
        }
    }
    /* The multi-line parts (commands, diffs) keep their lines; no control
     * character of anything survives this last pass. */
    ix_buf md = IX_BUF_INIT;
    markdown(&v, &md);
    ix_safe_append(out, md.data, md.len, IX_SAFE_LINES);
    ix_buf_free(&md);
    for (size_t i = 0; i < o.n; i++)
        free(o.v[i]);
    free(o.v);
}
