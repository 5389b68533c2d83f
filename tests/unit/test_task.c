/* test_task.c - the task-file model: what it reads, and that each edit
 * changes only the bytes it owns. */
#include "infraexec/sys/fileio.h"
#include "infraexec/model/task.h"
#include "tap.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static ix_task *parse(const char *text)
{
    ix_task *t = NULL;
    ix_err err = {{0}};
    if (ix_task_parse("mem.md", text, strlen(text), &t, &err) < 0)
        printf("# parse failed: %s\n", err.msg);
    return t;
}

static char *apply(ix_task *t, ix_edits *e)
{
    ix_buf out = IX_BUF_INIT;
    ix_edits_apply(t, e, &out);
    return ix_buf_detach(&out);
}

static const char basic[] =
    "---\n"
    "id: TASK-900\n"
    "title: \"Demo\"\n"
    "status: active\n"
    "priority: high\n"
    "labels: [builds, registry]\n"
    "created: 2025-10-17\n"
    "updated: '2025-10-17'  # keep quotes\n"
    "extra:\n"
    "  nested: {a: 1}\n"
    "---\n"
    "\n"
    "## Description\n"
    "- [ ] not a criterion (other section)\n"
    "\n"
    "## Acceptance criteria\n"
    "\n"
    "### FFL\n"
    "- [ ] Build all FFL containers with version 0.1.18\n"
    "* [x] Verify images: `curl -k https://127.0.0.1:5000/v2/_catalog`\n"
    "  - [X] nested one\n"
    "\n"
    "### Other\n"
    "1. [ ] numbered\n"
    "+ [~] malformed box\n"
    "\n"
    "```bash\n"
    "- [ ] inside a fence\n"
    "```\n"
    "\n"
    "## Service Checklist\n"
    "- [ ] not a criterion either\n"
    "\n"
    "## Progress Log\n"
    "\n"
    "- 2025-10-17 10:00: first\n"
    "  - sub a\n"
    "  - sub b\n"
    "\n"
    "- 2025-10-17 11:00: second\n"
    "\n"
    "## Notes\n"
    "text\n";

static void test_model(void)
{
    ix_task *t = parse(basic);
    ok(t != NULL, "basic task parses");
    if (!t)
        return;
    is_str(t->id, "TASK-900", "id");
    is_str(t->title, "Demo", "title");
    is_str(t->priority, "high", "priority");
    is_int(t->nlabels, 2, "two labels from a flow list");
    is_str(t->labels[1], "registry", "second label");
    is_str(t->updated, "2025-10-17", "updated value without quotes");
    const ix_fm_node *extra = ix_fm_get(t->fm, "extra");
    ok(extra && extra->kind == IX_FM_MAP && extra->key_line == 9, "nested map kept with its line");
    is_int(t->ncriteria, 4, "four criteria: fenced and other-section boxes do not count");
    is_str(t->criteria[0].text, "Build all FFL containers with version 0.1.18", "criterion text");
    is_str(t->criteria[0].group, "FFL", "group from ### heading");
    is_int(t->criteria[0].line, 19, "criterion line");
    is_int(t->criteria[0].checked, 0, "unchecked");
    is_int(t->criteria[1].checked, 1, "[x] is checked");
    is_int(t->criteria[1].ncode, 1, "one inline code span");
    is_str(t->criteria[1].code[0], "curl -k https://127.0.0.1:5000/v2/_catalog", "code span text");
    is_int(t->criteria[2].checked, 1, "[X] nested is checked");
    is_int(t->criteria[2].depth, 1, "nested depth");
    is_str(t->criteria[3].group, "Other", "numbered item in second group");
    is_int(t->nproblems, 1, "one problem: the malformed box");
    ok(t->nproblems && strstr(t->problems[0].msg, "[~]") && t->problems[0].line == 25,
       "malformed box reported at its line");
    is_int(t->nlog, 2, "two progress log entries");
    is_str(t->log[0].stamp, "2025-10-17 10:00", "entry stamp");
    is_int(t->log[0].nsub, 2, "sub-bullets");
    is_str(t->log[0].sub[1], "sub b", "sub-bullet text");
    is_int(t->log[1].last_line, 40, "last entry ends at its own line, not the blank after");
    is_int(t->ncode, 1, "one fenced code block");
    is_str(t->code[0].lang, "bash", "code block language");
    is_str(t->code[0].section, "Other", "code block section");
    ix_task_free(t);
}

static void test_edits(void)
{
    ix_task *t = parse(basic);
    if (!t)
        return;
    ix_edits e = {0};
    ix_err err;
    ok(ix_task_tick(t, 1, &e, &err) == 0, "tick 1");
    ok(ix_task_tick(t, 2, &e, &err) == 0 && e.n == 1, "ticking a checked box is a no-op");
    ok(ix_task_tick(t, 5, &e, &err) < 0 && strstr(err.msg, "no criterion 5"),
       "out of range index fails: %s", err.msg);
    ix_task_set_updated(t, "2026-01-02", &e);
    ix_task_add_log(t, "2026-01-02 03:04", "built\nand pushed", &e);
    char *got = apply(t, &e);
    /* Build the expectation by hand from the original text. */
    ix_buf want = IX_BUF_INIT;
    const char *p = basic;
    const char *q = strstr(p, "'2025-10-17'");
    ix_buf_append(&want, p, (size_t)(q - p));
    ix_buf_puts(&want, "'2026-01-02'");
    p = q + strlen("'2025-10-17'");
    q = strstr(p, "- [ ] Build");
    ix_buf_append(&want, p, (size_t)(q - p));
    ix_buf_puts(&want, "- [x] Build");
    p = q + strlen("- [ ] Build");
    q = strstr(p, "- 2025-10-17 11:00: second\n") + strlen("- 2025-10-17 11:00: second\n");
    ix_buf_append(&want, p, (size_t)(q - p));
    ix_buf_puts(&want, "- 2026-01-02 03:04: built and pushed\n");
    ix_buf_puts(&want, q);
    is_str(got, want.data, "tick + updated + log change only their bytes");
    ix_task *t2 = parse(got);
    ok(t2 && t2->nlog == 3 && strcmp(t2->log[2].text, "built and pushed") == 0,
       "reparsed log has the new entry last");
    ok(t2 && t2->criteria[0].checked && t2->ncriteria == 4, "reparsed criterion 1 is checked");
    ix_task_free(t2);
    ix_buf_free(&want);
    free(got);
    ix_task_free(t);
}

static void test_shapes(void)
{
    /* CRLF, BOM and no final newline: all stay. */
    const char *crlf = "\xEF\xBB\xBF---\r\nid: T-1\r\ntitle: x\r\nupdated: 2025-01-01\r\n---\r\n"
                       "## Acceptance Criteria\r\n- [ ] a\r\n\r\n## Progress Log\r\n"
                       "- 2025-01-01 00:00: start";
    ix_task *t = parse(crlf);
    ok(t && t->ncriteria == 1 && t->nlog == 1, "BOM + CRLF file parses");
    if (t) {
        ix_edits e = {0};
        ix_task_tick(t, 1, &e, NULL);
        ix_task_set_updated(t, "2026-02-03", &e);
        ix_task_add_log(t, "2026-02-03 04:05", "done", &e);
        char *got = apply(t, &e);
        is_str(got, "\xEF\xBB\xBF---\r\nid: T-1\r\ntitle: x\r\nupdated: 2026-02-03\r\n---\r\n"
                    "## Acceptance Criteria\r\n- [x] a\r\n\r\n## Progress Log\r\n"
                    "- 2025-01-01 00:00: start\r\n- 2026-02-03 04:05: done",
               "CRLF kept, BOM kept, no final newline kept");
        free(got);
        ix_task_free(t);
    }
    /* Missing Progress Log section: created at the end. */
    t = parse("---\nid: T-2\ntitle: x\n---\n## Acceptance Criteria\n- [ ] a\n");
    if (t) {
        ix_edits e = {0};
        ix_task_add_log(t, "2026-02-03 04:05", "first", &e);
        ix_task_set_updated(t, "2026-02-03", &e);
        char *got = apply(t, &e);
        is_str(got, "---\nid: T-2\ntitle: x\n---\n## Acceptance Criteria\n- [ ] a\n"
                    "\n## Progress Log\n\n- 2026-02-03 04:05: first\n",
               "Progress Log created; a file without updated: gets none");
        free(got);
        ix_task_free(t);
    }
    /* An empty Progress Log section gets its first entry under the heading. */
    t = parse("---\nid: T-3\ntitle: x\nupdated: \"2025-01-01\"\n---\n## Progress Log\n\n## Next\n");
    if (t) {
        ix_edits e = {0};
        ix_task_add_log(t, "2026-02-03 04:05", "first", &e);
        ix_task_set_updated(t, "2026-02-03", &e);
        char *got = apply(t, &e);
        is_str(got, "---\nid: T-3\ntitle: x\nupdated: \"2026-02-03\"\n---\n## Progress Log\n\n"
                    "- 2026-02-03 04:05: first\n\n## Next\n",
               "first entry of an empty section; double quotes kept");
        free(got);
        ix_task_free(t);
    }
}

/* status: set in place keeping quotes and comments, added in the file's
 * line ending when missing, refused for a block scalar. */
static void test_set_status(void)
{
    static const struct { const char *in, *want, *what; } cases[] = {
        {"---\nid: T\nstatus: active # c\n---\n", "---\nid: T\nstatus: blocked # c\n---\n",
         "plain value and comment"},
        {"---\nstatus: 'active'\n---\n", "---\nstatus: 'blocked'\n---\n", "single quotes kept"},
        {"---\r\nid: T\r\n---\r\nbody\r\n", "---\r\nid: T\r\nstatus: blocked\r\n---\r\nbody\r\n",
         "added after the last frontmatter line, CRLF"},
        {"---\nstatus: blocked\n---\n", "---\nstatus: blocked\n---\n", "already blocked: no edit"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ix_task *t = parse(cases[i].in);
        ix_edits e = {0};
        ix_err err;
        ok(t && ix_task_set_status(t, "blocked", &e, &err) == 0, "set_status: %s", cases[i].what);
        if (!t)
            continue;
        char *got = apply(t, &e);
        is_str(got, cases[i].want, "set_status: %s", cases[i].what);
        free(got);
        ix_task_free(t);
    }
    ix_task *t = parse("---\nstatus: |\n  active\n---\n");
    ix_edits e = {0};
    ix_err err = {{0}};
    ok(t && ix_task_set_status(t, "blocked", &e, &err) < 0 && strstr(err.msg, "mem.md:2:9:"),
       "a block scalar status is refused: %s", err.msg);
    ix_edits_free(&e);
    ix_task_free(t);
}

/* An anchor on an empty updated: without a blank the date would extend the
 * anchor's name and updated: stay empty (a fuzz finding); the edit puts one
 * in, and the checked edit's read-back accepts the result. */
static void test_updated_readback(void)
{
    static const char text[] = "---\nid: T\ntitle: x\nupdated: &a\nother: 1\n---\n"
                               "## Acceptance Criteria\n- [ ] a\n";
    ix_task_change chg = {.message = "hello", .stamp = "2031-02-03 04:05"};
    ix_buf out = IX_BUF_INIT;
    ix_err err = {{0}};
    int rc = ix_task_edit_text("mem.md", text, sizeof text - 1, &chg, &out, &err);
    ok(rc == 0 && out.data && strstr(out.data, "updated: &a 2031-02-03\n"),
       "updated: after an empty anchor gets the date after a blank (%s)", rc ? err.msg : "ok");
    ix_buf_free(&out);
}

/* Entries dated without a time, as the homelab's task README writes them,
 * are entries in any order with timed ones; a stamp that is not a calendar
 * date (and time) is a problem, not an entry. */
static void test_date_only(void)
{
    static const char text[] = "---\nid: T\ntitle: x\n---\n"
                               "## Acceptance Criteria\n- [ ] a\n\n"
                               "## Progress Log\n\n"
                               "- 2025-10-17 10:00: timed\n"              /* 10 */
                               "- 2025-10-18: **TASK COMPLETED** - done\n" /* 11 */
                               "  - sub of a date-only entry\n"
                               "- 2025-10-16 09:00: earlier, listed later\n"
                               "- 2025-13-45: month 13\n"                /* 14 */
                               "- 2025-02-29: not a leap year\n"
                               "- 2024-02-29 24:00: hour 24\n"
                               "- 2024-02-29: leap day\n"                /* 17 */
                               "\n## Next\n";
    ix_task *t = parse(text);
    if (!ok(t != NULL, "mixed Progress Log parses"))
        return;
    is_int(t->nlog, 4, "timed and date-only entries are entries; bad stamps are not");
    if (t->nlog == 4) {
        is_str(t->log[1].stamp, "2025-10-18", "date-only stamp as written");
        is_str(t->log[1].text, "**TASK COMPLETED** - done", "date-only entry text");
        is_int(t->log[1].nsub, 1, "date-only entry keeps its sub-bullet");
        is_str(t->log[2].stamp, "2025-10-16 09:00", "timed entry after a date-only one");
        is_int(t->log[3].line, 17, "last entry: the leap day");
    }
    is_int(t->nproblems, 3, "three bad stamps");
    if (t->nproblems == 3) {
        ok(t->problems[0].line == 14 && t->problems[0].col == 3 &&
               strstr(t->problems[0].msg, "'2025-13-45' is not a calendar date"),
           "month 13 at 14:3: %s", t->problems[0].msg);
        ok(t->problems[1].line == 15 && strstr(t->problems[1].msg, "'2025-02-29'"),
           "29 February of 2025 at 15: %s", t->problems[1].msg);
        ok(t->problems[2].line == 16 && strstr(t->problems[2].msg, "and time of day"),
           "hour 24 at 16: %s", t->problems[2].msg);
    }
    ix_task_free(t);

    /* The new entry goes after the last entry, a date-only one, and its
     * sub-bullets; the checked edit's read-back accepts it. */
    static const char tail[] = "---\nid: T\ntitle: x\n---\n## Progress Log\n"
                               "- 2025-10-17 10:00: timed\n"
                               "- 2025-10-18: done\n  - sub\n\n## Next\n";
    ix_task_change chg = {.message = "after it", .stamp = "2031-02-03 04:05"};
    ix_buf out = IX_BUF_INIT;
    ix_err err = {{0}};
    int rc = ix_task_edit_text("mem.md", tail, sizeof tail - 1, &chg, &out, &err);
    is_str(rc == 0 ? out.data : err.msg,
           "---\nid: T\ntitle: x\n---\n## Progress Log\n"
           "- 2025-10-17 10:00: timed\n"
           "- 2025-10-18: done\n  - sub\n- 2031-02-03 04:05: after it\n\n## Next\n",
           "log appends after a date-only entry and its sub-bullets");
    ix_buf_free(&out);
}

static void expect_error(const char *text, size_t len, const char *needle, const char *what)
{
    ix_task *t = NULL;
    ix_err err = {{0}};
    int rc = ix_task_parse("bad.md", text, len, &t, &err);
    ok(rc < 0 && strstr(err.msg, needle) != NULL, "%s -> %s", what, err.msg);
    ix_task_free(t);
}

static void test_bad_input(void)
{
    expect_error("# no frontmatter\n", 17, "bad.md:1:1: no frontmatter", "no frontmatter");
    expect_error("---\nid: x\n", 10, "bad.md:1:1: unterminated", "unterminated frontmatter");
    expect_error("---\nid: [x\n---\n", 15, "bad.md:3:1: invalid YAML", "invalid YAML");
    expect_error("---\n- a\n---\n", 12, "must be a mapping", "frontmatter not a map");
    expect_error("---\nid: x\n---\na\0b\n", 17, "bad.md:4:2: NUL byte", "NUL byte");
    expect_error("---\nid: x\n---\n\xC3\x28\n", 16, "bad.md:4:1: invalid UTF-8", "bad UTF-8");
    expect_error("---\nid: x\n---\n\xE2\x82", 16, "invalid UTF-8", "truncated UTF-8");
}

/* Every corpus file: tick each open box and log once; only owned bytes move. */
static void test_corpus(void)
{
    static const struct { const char *file; int criteria, checked, log; } corpus[] = {
        {"TASK-001.md", 9, 9, 10},  {"TASK-002.md", 22, 22, 30}, {"TASK-003.md", 9, 9, 1},
        {"TASK-004.md", 10, 9, 2},  {"TASK-005.md", 9, 5, 6},    {"TASK-006.md", 26, 11, 9},
        {"TASK-008.md", 17, 17, 15}, {"TEMPLATE-task.md", 3, 0, 0},
    };
    for (size_t i = 0; i < sizeof corpus / sizeof *corpus; i++) {
        char path[256];
        snprintf(path, sizeof path, "tests/fixtures/corpus/%s", corpus[i].file);
        ix_task *t;
        ix_err err;
        if (!ok(ix_task_load(path, &t, &err) == 0, "%s parses", corpus[i].file)) {
            printf("# %s\n", err.msg);
            continue;
        }
        is_int(t->ncriteria, corpus[i].criteria, "%s: criteria", corpus[i].file);
        is_int(ix_task_checked(t), corpus[i].checked, "%s: checked", corpus[i].file);
        is_int(t->nlog, corpus[i].log, "%s: progress log entries", corpus[i].file);

        int same = 1;
        for (size_t k = 0; k < t->ncriteria; k++) {
            if (t->criteria[k].checked)
                continue;
            ix_edits e = {0};
            ix_task_tick(t, t->criteria[k].index, &e, &err);
            char *got = apply(t, &e);
            size_t box = t->criteria[k].box;
            same &= strlen(got) == t->len && got[box] == 'x' &&
                    memcmp(got, t->data, box) == 0 &&
                    memcmp(got + box + 1, t->data + box + 1, t->len - box - 1) == 0;
            free(got);
        }
        ok(same, "%s: each tick changes exactly one byte", corpus[i].file);

        ix_edits e = {0};
        ix_task_add_log(t, "2026-11-25 12:00", "corpus log test", &e);
        size_t at = e.s[0].start;
        char *ins = strdup(e.s[0].text);
        char *got = apply(t, &e);
        int pure_insert = strlen(got) == t->len + strlen(ins) && memcmp(got, t->data, at) == 0 &&
                          memcmp(got + at + strlen(ins), t->data + at, t->len - at) == 0;
        ok(pure_insert, "%s: log inserts one line and moves nothing else", corpus[i].file);
        ix_task *t2;
        if (ix_task_parse(path, got, strlen(got), &t2, &err) == 0) {
            ok(t2->nlog == t->nlog + 1 && !strcmp(t2->log[t2->nlog - 1].text, "corpus log test"),
               "%s: the new entry is the last one", corpus[i].file);
            is_int(t2->ncriteria, t->ncriteria, "%s: criteria unchanged", corpus[i].file);
            ix_task_free(t2);
        }
        free(got);
        free(ins);
        ix_task_free(t);
    }
}

/* keep_written: the update hands back the parse of exactly what it wrote. */
static void test_keep_written(void)
{
    char dir[] = "/tmp/ix_test_task.XXXXXX", path[64];
    if (!ok(mkdtemp(dir) != NULL, "temp dir"))
        return;
    snprintf(path, sizeof path, "%s/t.md", dir);
    ix_err err = {{0}};
    ok(ix_file_write(path, basic, strlen(basic), &err) == 0, "task file written");
    int tick = 1;
    ix_task_change chg = {.ticks = &tick, .nticks = 1, .message = "did it",
                          .stamp = "2026-01-02 03:04", .keep_written = 1};
    ok(ix_task_update_file(path, &chg, &err) == 0, "update with keep_written");
    ix_task *disk = NULL;
    ix_task_load(path, &disk, &err);
    ok(chg.written && disk && chg.written->len == disk->len &&
           memcmp(chg.written->data, disk->data, disk->len) == 0,
       "written holds the file's new bytes");
    ok(chg.written && chg.written->criteria[0].checked &&
           chg.written->nlog == disk->nlog && chg.written->ncriteria == disk->ncriteria,
       "... parsed: the tick and the entry are in it");
    ix_task_free(chg.written);
    ix_task_free(disk);
    chg = (ix_task_change){.ticks = &tick, .nticks = 1, .stamp = "2026-01-02 03:04",
                           .keep_written = 1};
    ok(ix_task_update_file(path, &chg, &err) == 0 && !chg.changed && !chg.written,
       "nothing to change: nothing handed back");

    /* hint: used when the file is its bytes, ignored when it is not */
    ix_task *now = NULL, *stale = parse(basic);
    ix_task_load(path, &now, &err);
    int four = 4;
    chg = (ix_task_change){.ticks = &four, .nticks = 1, .stamp = "2026-01-02 03:05",
                           .keep_written = 1, .hint = now};
    ok(ix_task_update_file(path, &chg, &err) == 0 && chg.written &&
           chg.written->criteria[0].checked && chg.written->criteria[3].checked,
       "with a hint of the file as it is: the earlier tick and the new one");
    ix_task_free(chg.written);
    free(stale->path);
    stale->path = strdup(path);
    chg = (ix_task_change){.message = "again", .stamp = "2026-01-02 03:06", .keep_written = 1,
                           .hint = stale};
    ok(ix_task_update_file(path, &chg, &err) == 0 && chg.written &&
           chg.written->criteria[0].checked && chg.written->criteria[3].checked &&
           chg.written->nlog == now->nlog + 1,
       "a stale hint (the file before the ticks) is not used: the file's ticks stay");
    ix_task_free(chg.written);
    ix_task_free(now);
    ix_task_free(stale);
    unlink(path);
    rmdir(dir);
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Every field the model records, A against B; names the first that differs. */
static const char *model_diff(const ix_task *a, const ix_task *b)
{
    if (a->len != b->len || memcmp(a->data, b->data, a->len) != 0)
        return "bytes";
    if (a->lines.count != b->lines.count || a->lines.len != b->lines.len ||
        memcmp(a->lines.start, b->lines.start, a->lines.count * sizeof(size_t)) != 0)
        return "line index";
    if (!same_str(a->updated, b->updated) || !same_str(a->status, b->status) ||
        !same_str(a->id, b->id) || strcmp(a->eol, b->eol) != 0)
        return "frontmatter fields";
    if (a->ncriteria != b->ncriteria)
        return "criteria count";
    for (size_t i = 0; i < a->ncriteria; i++) {
        const ix_criterion *x = &a->criteria[i], *y = &b->criteria[i];
        if (x->index != y->index || x->line != y->line || x->col != y->col || x->box != y->box ||
            x->checked != y->checked || x->depth != y->depth || strcmp(x->text, y->text) ||
            !same_str(x->group, y->group) || x->ncode != y->ncode)
            return "a criterion";
        for (size_t k = 0; k < x->ncode; k++)
            if (strcmp(x->code[k], y->code[k]))
                return "a criterion's code";
    }
    if (a->nlog != b->nlog || a->log_heading_line != b->log_heading_line ||
        a->log_heading_end != b->log_heading_end || a->log_section_end != b->log_section_end)
        return "log entries";
    for (size_t i = 0; i < a->nlog; i++) {
        const ix_log_entry *x = &a->log[i], *y = &b->log[i];
        if (x->line != y->line || x->last_line != y->last_line || strcmp(x->stamp, y->stamp) ||
            strcmp(x->text, y->text) || x->nsub != y->nsub)
            return "a log entry";
        for (size_t k = 0; k < x->nsub; k++)
            if (strcmp(x->sub[k], y->sub[k]))
                return "a log entry's sub-bullet";
    }
    if (a->ncode != b->ncode)
        return "code blocks";
    for (size_t i = 0; i < a->ncode; i++)
        if (a->code[i].line != b->code[i].line || strcmp(a->code[i].text, b->code[i].text))
            return "a code block";
    if (a->nproblems != b->nproblems || a->ndeps != b->ndeps || a->stop_line != b->stop_line)
        return "problems or dependencies";
    return NULL;
}

/* A run's ticks: each update takes the previous one's model (take) and
 * edits it instead of parsing; the model must be what a parse of the file
 * gives, after every tick, on every shape; written in place exactly when the
 * edit is a tick, a same-length `updated:` and an entry at the end.  Each
 * shape twice: the file read under the lock, and known by its stat (SEEN),
 * when every in-place update is written as pieces without reading it. */
static void test_quick(void)
{
    static const struct {
        const char *name, *text;
        int in_place; /* 1 every update, 0 none, 2 all but the first */
    } shapes[] = {
        {"log last, final newline",
         "---\nid: Q-1\ntitle: q\nupdated: 2025-01-01\n---\n\n## Acceptance Criteria\n\n"
         "- [ ] Run step 1: `true`\n- [ ] Run step 2: `true`\n- [x] Run step 3\n"
         "- [ ] Run step 4\n\n## Progress Log\n\n- 2025-01-01 00:00: created\n", 1},
        {"no final newline",
         "---\nid: Q-2\ntitle: q\nupdated: 2025-01-01\n---\n\n## Acceptance Criteria\n\n"
         "- [ ] a\n- [ ] b\n- [ ] c\n- [ ] d\n\n## Progress Log\n\n- 2025-01-01 00:00: created", 1},
        {"CRLF",
         "---\r\nid: Q-3\r\ntitle: q\r\nupdated: '2025-01-01'\r\n---\r\n\r\n"
         "## Acceptance Criteria\r\n\r\n- [ ] a\r\n- [ ] b\r\n- [ ] c\r\n- [ ] d\r\n\r\n"
         "## Progress Log\r\n\r\n- 2025-01-01 00:00: created\r\n", 1},
        {"'*' bullets, sub-bullets in the last entry",
         "---\nid: Q-4\ntitle: q\nupdated: \"2025-01-01\"\n---\n\n## Acceptance Criteria\n\n"
         "* [ ] a\n  * [ ] nested\n* [ ] c\n* [ ] d\n\n## Progress Log\n\n"
         "* 2025-01-01 00:00: created\n  * sub one\n  * sub two\n", 1},
        {"an open fence in the last entry",
         "---\nid: Q-5\ntitle: q\nupdated: 2025-01-01\n---\n\n## Acceptance Criteria\n\n"
         "- [ ] a\n- [ ] b\n- [ ] c\n- [ ] d\n\n## Progress Log\n\n"
         "- 2025-01-01 00:00: output\n  ```\n  - [ ] not a box\n", 1},
        {"an open HTML block and a lazy line in the last entry",
         "---\nid: Q-6\ntitle: q\nupdated: 2025-01-01\n---\n\n## Acceptance Criteria\n\n"
         "- [ ] a\n- [ ] b\n- [ ] c\n- [ ] d\n\n## Progress Log\n\n"
         "- 2025-01-01 00:00: first\n  > quoted\nlazy\n- 2025-01-01 00:01: html\n  <div>\n  x\n",
         1},
        {"a reference definition for [x] and boxes in groups",
         "---\nid: Q-7\ntitle: q\nupdated: 2025-01-01\n---\n\n## Acceptance Criteria\n\n"
         "### One\n- [ ] a `x` [y]\n- [ ]\n### Two\n- [ ]\tc\n- [ ] d\n\n[x]: /url\n\n"
         "## Progress Log\n\n- 2025-01-01 00:00: created\n", 1},
        {"log not last: inserted, so rewritten",
         "---\nid: Q-8\ntitle: q\nupdated: 2025-01-01\n---\n\n## Acceptance Criteria\n\n"
         "- [ ] a\n- [ ] b\n- [ ] c\n- [ ] d\n\n## Progress Log\n\n- 2025-01-01 00:00: created\n"
         "\n## Notes\n\ntext\n", 0},
        {"blank lines after the last entry: inserted before them, in place",
         "---\nid: Q-9\ntitle: q\nupdated: 2025-01-01\n---\n\n## Acceptance Criteria\n\n"
         "- [ ] a\n- [ ] b\n- [ ] c\n- [ ] d\n\n## Progress Log\n\n- 2025-01-01 00:00: created\n\n",
         1},
        {"a criterion's text not in ASCII: rewritten (a cut write could split a character)",
         "---\nid: Q-12\ntitle: q\nupdated: 2025-01-01\n---\n\n## Acceptance Criteria\n\n"
         "- [ ] a\n- [ ] b\n- [ ] c\n- [ ] d\n\n## Progress Log\n\n- 2025-01-01 00:00: created\n",
         0},
        {"no entry yet: the first rewritten, the next appended",
         "---\nid: Q-10\ntitle: q\nupdated: 2025-01-01\n---\n\n## Acceptance Criteria\n\n"
         "- [ ] a\n- [ ] b\n- [ ] c\n- [ ] d\n\n## Progress Log\n", 2},
        {"an escaped updated: rewritten, then plain in its quotes",
         "---\nid: Q-11\ntitle: q\nupdated: \"\\x32025-01-01\"\n---\n\n## Acceptance Criteria\n\n"
         "- [ ] a\n- [ ] b\n- [ ] c\n- [ ] d\n\n## Progress Log\n\n- 2025-01-01 00:00: created\n",
         2},
    };
    char dir[] = "/tmp/ix_test_quick.XXXXXX", path[64];
    if (!ok(mkdtemp(dir) != NULL, "temp dir"))
        return;
    snprintf(path, sizeof path, "%s/t.md", dir);
    for (size_t j = 0; j < 2 * sizeof shapes / sizeof *shapes; j++) {
        size_t i = j / 2;
        int known = j % 2;
        ix_err err = {{0}};
        ix_file_write(path, shapes[i].text, strlen(shapes[i].text), &err);
        ix_task *latest = NULL;
        struct stat seen;
        stat(path, &seen);
        if (!ok(ix_task_load(path, &latest, &err) == 0, "%s: parses", shapes[i].name))
            continue;
        const char *diff = NULL;
        int placed = 0, writes = 0, failed = 0, patched = 0;
        /* Ticks of 1, 2 and 4 with their entries (the first one sets
         * updated:), then an entry alone: the model taken and edited each time. */
        int ticks[] = {1, 2, 4, 0};
        for (int k = 0; k < 4 && !diff && !failed; k++) {
            char msg[64];
            snprintf(msg, sizeof msg, "Completed criterion %d: step `%d` [x]\ttab %s", ticks[k], k,
                     strstr(shapes[i].name, "ASCII") ? "caf\xc3\xa9" : "");
            ix_task_change chg = {.ticks = &ticks[k], .nticks = ticks[k] > 0, .message = msg,
                                  .stamp = k < 2 ? "2026-12-01 10:0" "0" : "2026-12-01 10:05",
                                  .keep_written = 1, .hint = latest, .take = &latest,
                                  .seen = known ? &seen : NULL};
            if (ix_task_update_file(path, &chg, &err) < 0) {
                printf("# %s: %s\n", shapes[i].name, err.msg);
                failed = 1;
                break;
            }
            writes++;
            placed += chg.in_place;
            patched += chg.patched;
            if (chg.patched)
                seen = chg.after;
            else
                stat(path, &seen);
            ix_task *disk = NULL;
            if (ix_task_load(path, &disk, &err) < 0 || !chg.written)
                diff = "the file or WRITTEN";
            else
                diff = model_diff(chg.written, disk);
            ix_task_free(disk);
            ix_task_free(latest);
            latest = chg.written;
        }
        const char *how = known ? " (known by its stat)" : "";
        ok(!failed && !diff, "%s%s: after each update the model is the file's parse%s%s",
           shapes[i].name, how, diff ? "; differs in: " : "", diff ? diff : "");
        int want = shapes[i].in_place == 1 ? writes : shapes[i].in_place == 2 ? writes - 1 : 0;
        ok(placed == want, "%s%s: %d of %d written in place, %d expected", shapes[i].name, how,
           placed, writes, want);
        ok(patched == (known ? want : 0), "%s%s: %d written as pieces", shapes[i].name, how,
           patched);
        ix_task_free(latest);
    }
    unlink(path);
    rmdir(dir);
}

/* An open fence in the last entry holds the blank lines that end the file:
 * an entry inserted before them would take them from it.  Not in place: the
 * read-back refuses it, as it always did, and the file stays as it was. */
static void test_quick_fence_tail(void)
{
    static const char text[] =
        "---\nid: Q-20\ntitle: q\nupdated: 2025-01-01\n---\n\n## Acceptance Criteria\n\n"
        "- [ ] a\n- [ ] b\n\n## Progress Log\n\n- 2025-01-01 00:00: output\n  ```\n  code\n\n\n";
    char dir[] = "/tmp/ix_test_quick.XXXXXX", path[64];
    if (!ok(mkdtemp(dir) != NULL, "temp dir"))
        return;
    snprintf(path, sizeof path, "%s/t.md", dir);
    ix_err err = {{0}};
    ix_file_write(path, text, strlen(text), &err);
    ix_task *latest = NULL;
    ok(ix_task_load(path, &latest, &err) == 0, "open fence, blank tail: parses");
    int tick = 1;
    ix_task_change chg = {.ticks = &tick, .nticks = 1, .message = "Completed criterion 1: a",
                          .stamp = "2026-12-01 10:00", .keep_written = 1, .hint = latest,
                          .take = &latest};
    int rc = ix_task_update_file(path, &chg, &err);
    ix_task *disk = NULL;
    ix_task_load(path, &disk, &err);
    ok(rc < 0 && !chg.in_place && disk && disk->len == strlen(text) &&
           memcmp(disk->data, text, disk->len) == 0,
       "open fence, blank tail: refused by the read-back, not written in place (rc %d, in place %d)",
       rc, chg.in_place);
    ix_task_free(chg.written);
    ix_task_free(disk);
    ix_task_free(latest);
    unlink(path);
    rmdir(dir);
}

/* A program saving the file at every try of one update (here: setting its
 * mtime, over and over): the caller's model, taken and edited at the first
 * try, is not used as the hint of the next ones (it was freed with the
 * second try's WRITTEN: a use after free under ASan); the third try
 * rewrites, the tick is in the file and in WRITTEN. */
static void test_quick_saved_meanwhile(void)
{
    char dir[] = "/tmp/ix_test_quick.XXXXXX", path[64];
    if (!ok(mkdtemp(dir) != NULL, "temp dir"))
        return;
    snprintf(path, sizeof path, "%s/t.md", dir);
    ix_buf text = IX_BUF_INIT;
    ix_buf_puts(&text, "---\nid: Q-21\ntitle: q\nupdated: 2025-01-01\n---\n\n"
                       "## Acceptance Criteria\n\n");
    for (int i = 0; i < 2000; i++) /* a parse long enough for the saves to land */
        ix_buf_printf(&text, "- [ ] Run step %d: `true`\n", i);
    ix_buf_puts(&text, "\n## Progress Log\n\n- 2025-01-01 00:00: created\n");
    ix_err err = {{0}};
    ix_file_write(path, text.data, text.len, &err);
    ix_task *latest = NULL;
    ok(ix_task_load(path, &latest, &err) == 0, "saved meanwhile: parses");
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* not left behind by an ASan abort */
        for (long n = 1; n < 100000000; n++) {
            struct timespec ts[2] = {{1000000 + n / 1000000000, n % 1000000000},
                                     {1000000 + n / 1000000000, n % 1000000000}};
            utimensat(AT_FDCWD, path, ts, 0);
        }
        _exit(0);
    }
    int tick = 7;
    ix_task_change chg = {.ticks = &tick, .nticks = 1, .message = "Completed criterion 7",
                          .stamp = "2026-12-01 10:00", .keep_written = 1, .hint = latest,
                          .take = &latest};
    int rc = ix_task_update_file(path, &chg, &err);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    ix_task *disk = NULL;
    ix_task_load(path, &disk, &err);
    ok(rc == 0 && disk && disk->criteria[6].checked && chg.written &&
           chg.written->criteria[6].checked && chg.written->len == disk->len,
       "saved meanwhile: ticked, in the file and in WRITTEN (rc %d)", rc);
    ix_task_free(chg.written);
    ix_task_free(disk);
    ix_task_free(latest);
    ix_buf_free(&text);
    unlink(path);
    rmdir(dir);
}

/* The frontmatter alone: its fields, no body read; its errors as a full
 * load gives them. */
static void test_frontmatter_only(void)
{
    char dir[] = "/tmp/ix_test_fm.XXXXXX", path[64];
    if (!ok(mkdtemp(dir) != NULL, "temp dir"))
        return;
    snprintf(path, sizeof path, "%s/t.md", dir);
    const char *text = "---\nid: F-1\ntitle: f\nclaimed_by: runner-1\n---\n\n"
                       "## Acceptance Criteria\n\n- [ ] a\n\n## Progress Log\n\n- 2025-01-01 00:00: x\n";
    ix_err err = {{0}};
    ix_file_write(path, text, strlen(text), &err);
    ix_task *t = NULL;
    if (ok(ix_task_load_frontmatter(path, &t, &err) == 0, "frontmatter only: loads")) {
        is_str(ix_fm_str(t->fm, "claimed_by"), "runner-1", "its fields are read");
        is_str(t->id, "F-1", "the id too");
        ok(t->partial && t->ncriteria == 0 && t->nlog == 0 && t->nproblems == 0,
           "no body read, and no problem made up for it");
        ix_task_free(t);
    }
    const char *bad = "---\nid: [unclosed\n---\n\n## Acceptance Criteria\n";
    ix_file_write(path, bad, strlen(bad), &err);
    t = NULL;
    ok(ix_task_load_frontmatter(path, &t, &err) < 0 && strstr(err.msg, "t.md:3:1: invalid YAML"),
       "bad YAML fails as a full load does (%s)", err.msg);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    test_model();
    test_edits();
    test_shapes();
    test_set_status();
    test_updated_readback();
    test_date_only();
    test_bad_input();
    test_corpus();
    test_keep_written();
    test_quick();
    test_quick_fence_tail();
    test_quick_saved_meanwhile();
    test_frontmatter_only();
    return tap_done();
}
