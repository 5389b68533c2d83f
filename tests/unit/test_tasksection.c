/* test_tasksection.c - a section a rule writes into a task file: found as
 * cmark reads the file, only its bytes (and updated:) change, and an edit
 * that would not read back as intended is refused. */
#include "infraexec/model/tasksection.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static const char *const TABLE = "| a | b |\n|---|---|\n| 1 | 2 |";

/* The change on TEXT: its return code, and OUT the new bytes (or ""). */
static int edit(const char *text, const char *heading, const char *body, char **out, char *why)
{
    ix_section_change chg = {.heading = heading, .body = body, .stamp = "2026-11-25 12:34"};
    ix_buf b = IX_BUF_INIT;
    ix_err err = {{0}};
    int rc = ix_task_section_edit_text("t.md", text, strlen(text), &chg, &b, &err);
    *out = rc == 0 ? ix_buf_detach(&b) : (ix_buf_free(&b), strdup(""));
    if (why)
        snprintf(why, 300, "%.290s", rc < 0 ? err.msg : "");
    return rc;
}

int main(void)
{
    char *out, why[300];

    const char *plain = "---\nid: T-1\ntitle: x\nupdated: 2026-01-01\n---\n\n## Acceptance Criteria\n\n"
                        "- [x] Done\n- [ ] Document final versions in this task\n\n"
                        "## Progress Log\n\n- 2026-01-01 00:00: created\n";
    is_int(edit(plain, "Final Versions", TABLE, &out, why), 0, "inserted");
    is_str(out, "---\nid: T-1\ntitle: x\nupdated: 2026-11-25\n---\n\n## Acceptance Criteria\n\n"
                "- [x] Done\n- [ ] Document final versions in this task\n\n"
                "## Final Versions\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                "## Progress Log\n\n- 2026-01-01 00:00: created\n",
           "before the Progress Log; only the section and updated: are new");
    char *again;
    is_int(edit(out, "final versions", TABLE, &again, why), 1, "the same body again: nothing to write");
    free(again);
    const char *other = "| a | b |\n|---|---|\n| 3 | 4 |";
    is_int(edit(out, "Final Versions", other, &again, why), 0, "another body: replaced");
    is_str(again, "---\nid: T-1\ntitle: x\nupdated: 2026-11-25\n---\n\n## Acceptance Criteria\n\n"
                  "- [x] Done\n- [ ] Document final versions in this task\n\n"
                  "## Final Versions\n\n| a | b |\n|---|---|\n| 3 | 4 |\n\n"
                  "## Progress Log\n\n- 2026-01-01 00:00: created\n",
           "replaced in place, once");
    free(again);
    free(out);

    const char *crlf = "---\r\nid: T-1\r\ntitle: x\r\n---\r\n\r\n## Acceptance Criteria\r\n\r\n- [ ] a\r\n\r\n"
                       "## Progress Log\r\n\r\n- 2026-01-01 00:00: created\r\n";
    is_int(edit(crlf, "Final Versions", TABLE, &out, why), 0, "CRLF: inserted");
    is_str(out, "---\r\nid: T-1\r\ntitle: x\r\n---\r\n\r\n## Acceptance Criteria\r\n\r\n- [ ] a\r\n\r\n"
                "## Final Versions\r\n\r\n| a | b |\r\n|---|---|\r\n| 1 | 2 |\r\n\r\n"
                "## Progress Log\r\n\r\n- 2026-01-01 00:00: created\r\n",
           "CRLF: the new lines end as the file's do");
    free(out);

    const char *last = "---\nid: T-1\ntitle: x\n---\n\n## Acceptance Criteria\n\n- [ ] a\n\n"
                       "## Final Versions\n\nold text";
    is_int(edit(last, "Final Versions", TABLE, &out, why), 0, "last section, no final newline: replaced");
    is_str(out, "---\nid: T-1\ntitle: x\n---\n\n## Acceptance Criteria\n\n- [ ] a\n\n"
                "## Final Versions\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
           "last section: the bytes before it unchanged");
    free(out);

    const char *nolog = "---\nid: T-1\ntitle: x\n---\n\n## Acceptance Criteria\n\n- [ ] a";
    is_int(edit(nolog, "Final Versions", TABLE, &out, why), 0, "no Progress Log: appended");
    is_str(out, "---\nid: T-1\ntitle: x\n---\n\n## Acceptance Criteria\n\n- [ ] a\n\n"
                "## Final Versions\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
           "no Progress Log: at the end, after a blank line");
    free(out);

    const char *fenced = "---\nid: T-1\ntitle: x\n---\n\n## Notes\n\n```\n## Final Versions\nnot this\n```\n\n"
                         "## Progress Log\n\n- 2026-01-01 00:00: created\n";
    is_int(edit(fenced, "Final Versions", TABLE, &out, why), 0, "a heading inside a fence: no section");
    ok(strstr(out, "```\n## Final Versions\nnot this\n```\n\n## Final Versions\n\n| a | b |") != NULL,
       "the fence is untouched, the section inserted after it");
    ix_task *t = NULL;
    ix_err err = {{0}};
    ix_task_section *s = NULL;
    size_t n = 0;
    if (ix_task_parse("t.md", out, strlen(out), &t, &err) == 0)
        ix_task_sections(t, &s, &n);
    is_int(n, 3, "sections: Notes, Final Versions, Progress Log");
    if (n == 3) {
        is_str(s[1].heading, "Final Versions", "the section's heading");
        is_int(s[1].line, 13, "its line");
        char *body = ix_task_section_body(t, &s[1]);
        is_str(body, TABLE, "its body, blank lines at either end left out");
        free(body);
    }
    ix_task_sections_free(s, n);
    ix_task_free(t);
    free(out);

    /* Refused: nothing to write, the reason given. */
    is_int(edit(plain, "Final Versions", "| a |\n\n## Other\n\ntext", &out, why), -1, "a heading in the body: refused");
    ok(strstr(why, "would not read back as intended") != NULL, "... it would not read back (%s)", why);
    free(out);
    is_int(edit(plain, "Final Versions", "```\nopen fence", &out, why), -1, "an open fence in the body: refused");
    free(out);
    is_int(edit(plain, "Final Versions", "- [ ] a box\n- 2026-01-01 00:00: entry", &out, why), 0,
           "list items in the section's body are no criteria or entries of the task");
    free(out);
    is_int(edit(plain, "Progress Log", TABLE, &out, why), -1, "the Progress Log is the model's: refused");
    ok(strstr(why, "section the task model reads") != NULL, "... saying so (%s)", why);
    free(out);
    is_int(edit(plain, "Final\nVersions", TABLE, &out, why), -1, "a heading with a newline: refused");
    free(out);
    is_int(edit(plain, "Final Versions", "a\x1b[31mred", &out, why), -1, "an ESC in the body: refused");
    ok(strstr(why, "control byte (0x1b)") != NULL, "... naming it (%s)", why);
    free(out);
    is_int(edit("---\nid: [\n---\n", "Final Versions", TABLE, &out, why), -1, "a file that does not parse: refused");
    ok(strstr(why, "t.md:3:1: invalid YAML") != NULL, "... naming file:line (%s)", why);
    free(out);
    return tap_done();
}
