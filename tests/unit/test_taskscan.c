/* test_taskscan.c - ix_task_load_criteria (cmark on the Acceptance Criteria
 * sections alone, where a line scan finds them) reads the same criteria as
 * ix_task_load (cmark on the whole body), and ix_task_summarize (no parser
 * at all where the scan can tell) the same fields, counts and errors: on
 * every corpus file and on the shapes that could fool a line scan. */
#include "infraexec/model/task.h"
#include "infraexec/model/taskscan.h"
#include "tap.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int nfast, nfiles, nscanned;

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* What `list` shows - the fields, the counts, or the error - is what the
 * full parse gives. */
static int summary_agrees(const char *path, const char *what)
{
    ix_task *full = NULL;
    ix_task_summary sum;
    ix_err e1 = {{0}}, e2 = {{0}};
    int r1 = ix_task_load(path, &full, &e1), r2 = ix_task_summarize(path, &sum, &e2);
    int same = r1 == r2 && strcmp(e1.msg, e2.msg) == 0;
    if (same && r1 == 0) {
        same = same_str(full->id, sum.id) && same_str(full->title, sum.title) &&
               same_str(full->status, sum.status) && same_str(full->priority, sum.priority) &&
               full->nlabels == sum.nlabels && full->ncriteria == sum.total &&
               ix_task_checked(full) == sum.checked;
        for (size_t i = 0; same && i < full->nlabels; i++)
            same = strcmp(full->labels[i], sum.labels[i]) == 0;
        nscanned += sum.scanned;
    }
    ok(same, "%s: the same summary (%zu/%zu, %s)%s%s", what, r2 ? 0 : sum.checked,
       r2 ? 0 : sum.total, r2 ? "an error" : sum.scanned ? "scanned" : "parsed",
       same ? "" : ": ", same ? "" : r2 ? e2.msg : e1.msg);
    int scanned = r2 == 0 && sum.scanned;
    if (r2 == 0)
        ix_task_summary_free(&sum);
    ix_task_free(full);
    return same ? scanned : -1;
}

/* Every field of every criterion, and the section flag, agree. */
static int agree(const char *path, const char *what)
{
    ix_task *full = NULL, *part = NULL;
    ix_err e1 = {{0}}, e2 = {{0}};
    int r1 = ix_task_load(path, &full, &e1), r2 = ix_task_load_criteria(path, &part, &e2);
    int same = r1 == r2 && strcmp(e1.msg, e2.msg) == 0;
    if (same && r1 == 0) {
        same = full->ncriteria == part->ncriteria &&
               full->has_criteria_section == part->has_criteria_section &&
               same_str(full->id, part->id) && same_str(full->status, part->status) &&
               full->nlabels == part->nlabels;
        for (size_t i = 0; same && i < full->ncriteria; i++) {
            const ix_criterion *a = &full->criteria[i], *b = &part->criteria[i];
            same = a->index == b->index && a->line == b->line && a->col == b->col &&
                   a->box == b->box && a->checked == b->checked && a->depth == b->depth &&
                   same_str(a->text, b->text) && same_str(a->group, b->group) &&
                   a->ncode == b->ncode;
            for (size_t k = 0; same && k < a->ncode; k++)
                same = strcmp(a->code[k], b->code[k]) == 0;
        }
        nfiles++;
        nfast += part->partial;
    }
    ok(same, "%s: the same criteria (%zu, %s)", what, full ? full->ncriteria : 0,
       part && part->partial ? "section parsed alone" : "whole body parsed");
    ix_task_free(full);
    ix_task_free(part);
    return same;
}

static void corpus(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        ok(1, "# skip %s: not here", dir);
        return;
    }
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 3, ".md") != 0 || strcmp(e->d_name, "README.md") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        agree(path, path);
        summary_agrees(path, path);
    }
    closedir(d);
}

static char tmp[] = "/tmp/ix_test_taskscan.XXXXXX";

/* A task whose body is BODY: both readers agree, and the scan took the
 * fast path iff FAST. */
static void shape(const char *name, const char *body, int fast)
{
    char path[256];
    snprintf(path, sizeof path, "%s/t.md", tmp);
    FILE *f = fopen(path, "w");
    fprintf(f, "---\nid: TASK-1\ntitle: T\nstatus: active\n---\n%s", body);
    fclose(f);
    int before = nfast;
    agree(path, name);
    ix_task *t = NULL;
    ix_err err;
    if (ix_task_load_criteria(path, &t, &err) == 0)
        is_int(t->partial, fast, "%s: %s", name, fast ? "the scan follows it" : "the scan gives up");
    ix_task_free(t);
    (void)before;
    unlink(path);
}

/* A whole file TEXT: the summary agrees with the full parse, and came from
 * the scan alone iff SCANNED. */
static void file_shape(const char *name, const char *text, int scanned)
{
    char path[256];
    snprintf(path, sizeof path, "%s/s.md", tmp);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    int r = summary_agrees(path, name);
    if (r >= 0)
        is_int(r, scanned, "%s: %s", name, scanned ? "read by the scan alone" : "handed to the parser");
    unlink(path);
}

#define FM "---\nid: TASK-1\ntitle: T\nstatus: active\n---\n"

static const struct { const char *name, *text; int scanned; } files[] = {
    /* the criteria counter */
    {"plain boxes", FM "## Acceptance Criteria\n- [ ] a\n- [x] b\n* [X] c\n+ [ ]\n", 1},
    {"nested, groups, blank lines, CRLF",
      "---\r\nid: T-1\r\ntitle: T\r\n---\r\n## Acceptance Criteria\r\n### A\r\n"
      "- [ ] a\r\n  - [x] b\r\n\r\n     - [ ] c\r\n1. [x] d\r\n", 1},
    {"items that are no boxes", FM "## Acceptance Criteria\n- [x]y\n- [ x] z\n- note\n- [link](u)\n", 1},
    {"4 columns past the item's text: its paragraph",
      FM "## Acceptance Criteria\n- [ ] a\n      - [ ] b\n", 0},
    {"an ordered item not at 1 under an item",
      FM "## Acceptance Criteria\n- [ ] a\n  2. [ ] b\n", 0},
    {"an ordered list after a bullet list", FM "## Acceptance Criteria\n- [ ] a\n2. [ ] b\n", 1},
    {"a continuation line", FM "## Acceptance Criteria\n- [ ] a\n  more\n- [x] b\n", 0},
    {"a lazy line", FM "## Acceptance Criteria\n- [ ] a\nlazy\n- [x] b\n", 0},
    {"an empty item", FM "## Acceptance Criteria\n-\n  [ ] a\n", 0},
    {"a list inside an item", FM "## Acceptance Criteria\n- - [ ] a\n", 0},
    {"a thematic break", FM "## Acceptance Criteria\n- [ ] a\n* * *\n- [ ] b\n", 0},
    {"a setext underline in an item", FM "## Acceptance Criteria\n- [ ] a\n  ---\n", 0},
    {"a fence in an item",
      FM "## Acceptance Criteria\n- [ ] a\n  ```\n  - [ ] no\n  ```\n", 0},
    {"a tab after the marker", FM "## Acceptance Criteria\n-\t[ ] a\n", 0},
    {"indented code", FM "## Acceptance Criteria\n    - [ ] a\n", 0},
    {"a heading in an item", FM "## Acceptance Criteria\n- [ ] a\n  ### b\n", 0},
    {"a blockquote", FM "## Acceptance Criteria\n> - [ ] a\n", 0},
    {"two criteria sections with one between",
      FM "## Acceptance Criteria\n- [ ] a\n## Notes\n- [ ] no\n## Acceptance Criteria\n- [x] b\n", 0},
    {"no criteria section", FM "## Notes\n- [ ] no\n", 1},
    {"a level-1 Acceptance Criteria (no criteria section: the fuzzer's find)",
      FM "## Context\n- a list\n# Acceptance Criteria\n\n- [x] one\n- [ ] two\n", 1},
    {"a fence in an item closed at column 1 (the item ends, a fence opens: the fuzzer's find)",
      FM "## Notes\n3. x:\n   ```bash\n   ls\n```\n\n## Acceptance Criteria\n- [ ] a\n", 0},
    {"a level-1 heading ends the criteria", FM "## Acceptance Criteria\n- [ ] a\n# Notes\n- [ ] no\n", 1},
    {"a long log after the criteria",
      FM "## Acceptance Criteria\n- [x] a\n\n## Progress Log\n\n- 2025-01-01 00:00: did a\n", 1},

    /* the frontmatter reader */
    {"quoted values and a flow sequence",
      "---\nid: 'TASK-1'\ntitle: '[TASK] '\nstatus: \"active\"\npriority: high\n"
      "labels: [a, b-c,  d ]\n# a comment\n\nother: http://x/y#z\n---\n", 1},
    {"a scalar label and the first of two keys",
      "---\nid: TASK-1\ntitle: First\ntitle: Second\nlabels: ops\n---\n", 1},
    {"non-ASCII in the title", "---\nid: TASK-1\ntitle: Caf\xc3\xa9 \xe2\x80\x94 x\n---\n", 1},
    {"an empty sequence", "---\nid: TASK-1\ntitle: T\nlabels: []\n---\n", 1},
    {"a block sequence", "---\nid: TASK-1\ntitle: T\nlabels:\n  - a\n---\n", 0},
    {"a comment after a value", "---\nid: TASK-1 # c\ntitle: T\n---\n", 0},
    {"a mapping value inside a value (invalid YAML)", "---\nid: TASK-1\ntitle: a: b\n---\n", 0},
    {"an unclosed quote (invalid YAML)", "---\nid: TASK-1\ntitle: 'a\n---\n", 0},
    {"an escape in double quotes", "---\nid: TASK-1\ntitle: \"a\\tb\"\n---\n", 0},
    {"a doubled single quote", "---\nid: TASK-1\ntitle: 'it''s'\n---\n", 0},
    {"an alias", "---\nid: TASK-1\ntitle: *x\n---\n", 0},
    {"a tab in the frontmatter", "---\nid: TASK-1\ntitle:\tT\n---\n", 0},
    {"U+2028 in the frontmatter (refused)", "---\nid: TASK-1\ntitle: a\xe2\x80\xa8" "b\n---\n", 0},
    {"U+0085 in the frontmatter (refused)", "---\nid: TASK-1\ntitle: a\xc2\x85" "b\n---\n", 0},
    {"a title that is a sequence", "---\nid: TASK-1\ntitle: [a]\n---\n", 0},
    {"a nested flow sequence", "---\nid: TASK-1\nlabels: [a, [b]]\n---\n", 0},
    {"an indented key", "---\nid: TASK-1\n title: T\n---\n", 0},
    {"an empty frontmatter", "---\n---\n## Acceptance Criteria\n", 0},
    {"a lone CR ending lines", "---\rid: TASK-1\rtitle: T\r---\r## Acceptance Criteria\r- [x] a\r", 1},

    /* files that fail: the same error */
    {"no frontmatter", "# Title\n", 0},
    {"unterminated frontmatter", "---\nid: TASK-1\n", 0},
    {"invalid UTF-8 in the body", FM "## Acceptance Criteria\n- [ ] \xff\n", 0},
    {"a byte order mark", "\xef\xbb\xbf---\nid: TASK-1\ntitle: T\n---\n", 0},
    {"an empty file", "", 0},
};

int main(void)
{
    corpus("tests/fixtures/corpus");
    corpus("/work/shared/corpus/beckerkube-tasks");
    ok(nfast * 2 > nfiles, "most corpus files need only their criteria parsed (%d of %d)", nfast,
       nfiles);
    ok(nscanned * 2 > nfiles, "most corpus files are summarized by the scan alone (%d of %d)",
       nscanned, nfiles);

    if (!mkdtemp(tmp))
        return 1;
    shape("plain", "## Acceptance Criteria\n- [ ] a `x`\n  - [x] b\n\n## Progress Log\n\n- 2025-01-01 00:00: y\n", 1);
    shape("no criteria section", "## Notes\n- [ ] not a criterion\n", 1);
    shape("two criteria sections",
          "## Acceptance Criteria\n- [ ] a\n## Notes\n- [ ] no\n## Acceptance criteria (more)\n- [x] b\n", 1);
    shape("a heading inside a fence",
          "```\n## Acceptance Criteria\n- [ ] in code\n```\n## Acceptance Criteria\n- [ ] real\n", 1);
    shape("a longer fence closes only on a long enough line",
          "````\n```\n## Acceptance Criteria\n````\n## Acceptance Criteria\n- [ ] real\n", 1);
    shape("a tilde fence and an unclosed fence",
          "## Acceptance Criteria\n- [ ] one\n~~~\n## Progress Log\n- [ ] in code to the end\n", 1);
    shape("a section ended by a level-1 heading",
          "## Acceptance Criteria\n- [ ] a\n# Appendix\n- [ ] no\n", 1);
    shape("### groups inside", "## Acceptance Criteria\n### Build\n- [ ] a\n### Push\n- [x] b\n", 1);
    shape("ordered items, star bullets, nested, CRLF",
          "## Acceptance Criteria\r\n1. [ ] a\r\n* [X] b\r\n   + [ ] c\r\n", 1);
    shape("indented code is not a box", "## Acceptance Criteria\n\n    - [ ] code\n\n- [ ] real\n", 1);
    shape("a heading indented in a list item",
          "## Notes\n- item\n  ## Acceptance Criteria\n  - [ ] in the item\n", 0);
    shape("an indented fence in a list item, ended by the item's end",
          "## Notes\n- item\n  ```\n## Acceptance Criteria\n- [ ] real\n", 0);
    shape("an indented fence closed inside its item",
          "## Acceptance Criteria\n1. [ ] a\n   ```bash\n   # a comment\n   ```\n- [ ] b\n", 1);
    shape("an indented fence whose closing line is indented 4",
          "## Acceptance Criteria\n- [ ] a\n  ```\n    ```\n## Notes\n- [ ] ?\n", 0);
    shape("a top-level fence indented 2 with a line at column 0",
          "  ```\n## Acceptance Criteria\n  ```\n## Acceptance Criteria\n- [ ] a\n", 0);
    shape("a setext heading", "Acceptance Criteria\n---\n- [ ] a\n", 0);
    shape("a setext heading ending the section",
          "## Acceptance Criteria\n- [ ] a\n\nNotes\n=====\n- [ ] no\n", 0);
    shape("an HTML comment hiding a heading",
          "<!--\n## Acceptance Criteria\n- [ ] hidden\n-->\n- [ ] not\n", 0);
    shape("markup in the heading", "## *Acceptance* Criteria\n- [ ] a\n", 0);
    shape("a closing # sequence", "## Acceptance Criteria ##\n- [ ] a\n", 0);
    shape("a tab-indented heading is code", "\t## Acceptance Criteria\n- [ ] a\n", 1);
    shape("a blockquote", "## Acceptance Criteria\n> - [ ] quoted\n- [ ] a\n", 1);
    shape("a thematic break after a blank line",
          "## Acceptance Criteria\n- [ ] a\n\n---\n\n- [ ] b\n", 1);
    shape("a lazy continuation line", "## Acceptance Criteria\n- [ ] a\nlazy\n- [x] b\n", 1);

    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        file_shape(files[i].name, files[i].text, files[i].scanned);
    rmdir(tmp);
    return tap_done();
}
