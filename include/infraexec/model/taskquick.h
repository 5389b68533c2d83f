/* taskquick.h - task edits the model can follow without a parse (a tick, a
 * same-length `updated:`, an entry at the end), the model edited to match,
 * and such an edit written as pieces over a file the caller knows by its
 * stat.  Internal to the model: taskedit.c's update uses it; callers use
 * task.h (ix_task_change.take and .seen). */
#ifndef INFRAEXEC_TASKQUICK_H
#define INFRAEXEC_TASKQUICK_H

#include "infraexec/model/task.h"

/* An edit the model can follow without a parse, each part of which cannot
 * change how the rest of the file reads:
 * - a tick, ' ' -> 'x' in a box: the item stays a paragraph starting "[x]"
 *   and a blank (neither a link reference definition, which needs "]:",
 *   nor an inline link, which needs "](" or "][");
 * - `updated:` set to a date of the same length over a scalar whose bytes
 *   are its value (no escapes), the new one only digits and '-';
 * - one Progress Log entry appended at the end of a file whose last section
 *   is the log and whose last line ends its last entry: a "- " line at
 *   column 0 closes whatever that entry holds (an open fence, an HTML block)
 *   and starts a top-level item; nothing after a block changes an earlier one
 *   but a link reference definition, which starts with '[', not a digit
 *   (inserted before blank lines that end the file, only when no code block
 *   starts in that entry: an open fence holds those lines).
 * tests/unit/test_task.c compares the model so edited with a parse. */
typedef struct ix_quick_edit {
    int tick;                   /* criterion ticked, 0 for none */
    size_t box;
    const ix_fm_node *updated;  /* `updated:` set, its value at VALUE_AT */
    size_t value_at;
    int append;                 /* an entry inserted at AT, LEN bytes long */
    size_t at, len;
} ix_quick_edit;

/* Whether the splices E that CHG makes to T are all of those kinds; Q says
 * what each is. */
int ix_quick_plan(const ix_task *t, const ix_task_change *chg, const ix_edits *e, ix_quick_edit *q);
/* The inserted entry INS (Q->len bytes at Q->at; NEW_LEN the file's new
 * length) reads as one "- STAMP: TEXT" line in ASCII; *ENTRY_AT its start. */
int ix_quick_entry(const ix_task *t, const ix_quick_edit *q, const char *ins, size_t new_len,
                   size_t *entry_at);
/* M, the parse before the edit, edited into the parse after it. */
void ix_quick_apply(ix_task *m, const ix_quick_edit *q, const char *date, const char *end,
                    size_t new_len, size_t entry_at);
/* CHG written as pieces when *CHG->take is the file as CHG->seen says;
 * 1 when that does not apply (the caller does the whole update). */
int ix_quick_update_known(const char *path, ix_task_change *chg, ix_err *err);

#endif
