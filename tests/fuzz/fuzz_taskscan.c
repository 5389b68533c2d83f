/* fuzz_taskscan.c - libFuzzer target: `list`'s cheap reading of a task file
 * (ix_task_summarize_text: a line scan, handing shapes it cannot follow to
 * the parser) against the full parse (ix_task_parse).
 *
 * The input is a whole task file.  Both must fail alike (the same message)
 * or both succeed with the same id, title, status, priority, labels, number
 * of criteria and number ticked.  Any difference prints both readings and
 * aborts. */
#include "infraexec/model/task.h"
#include "infraexec/model/taskscan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1); /* the scan may read the byte after the last line */
    memcpy(text, data, size);
    text[size] = '\0';
    ix_task *t = NULL;
    ix_task_summary s;
    ix_err e1 = {{0}}, e2 = {{0}};
    int r1 = ix_task_parse("f.md", text, size, &t, &e1);
    int r2 = ix_task_summarize_text("f.md", text, size, &s, &e2);
    int ok = r1 == r2 && strcmp(e1.msg, e2.msg) == 0;
    if (ok && r1 == 0) {
        ok = same(t->id, s.id) && same(t->title, s.title) && same(t->status, s.status) &&
             same(t->priority, s.priority) && t->nlabels == s.nlabels &&
             t->ncriteria == s.total && ix_task_checked(t) == s.checked;
        for (size_t i = 0; ok && i < t->nlabels; i++)
            ok = strcmp(t->labels[i], s.labels[i]) == 0;
    }
    if (!ok) {
        fprintf(stderr, "parse: rc %d '%s' criteria %zu checked %zu\n", r1, e1.msg,
                t ? t->ncriteria : 0, t ? ix_task_checked(t) : 0);
        fprintf(stderr, "scan:  rc %d '%s' criteria %zu checked %zu (scanned %d)\n", r2, e2.msg,
                r2 ? 0 : s.total, r2 ? 0 : s.checked, r2 ? 0 : s.scanned);
        abort();
    }
    if (r2 == 0)
        ix_task_summary_free(&s);
    ix_task_free(t);
    free(text);
    return 0;
}
