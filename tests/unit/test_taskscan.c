/* test_taskscan.c - ix_task_load_criteria (cmark on the Acceptance Criteria
 * sections alone, where a line scan finds them) reads the same criteria as
 * ix_task_load (cmark on the whole body): on every corpus file and on the
 * shapes that could fool a line scan. */
#include "infraexec/task.h"
#include "tap.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int nfast, nfiles;

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
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

int main(void)
{
    corpus("tests/fixtures/corpus");
    corpus("/work/shared/corpus/beckerkube-tasks");
    ok(nfast * 2 > nfiles, "most corpus files need only their criteria parsed (%d of %d)", nfast,
       nfiles);

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
    rmdir(tmp);
    return tap_done();
}
