/* taskedit.h - the splices of the edits in task.h (tick, `updated:`,
 * `status:`, a Progress Log entry), their read-back check and the locked
 * update of the file; the public functions are declared in task.h, this
 * header what the rest of the model shares. */
#ifndef INFRAEXEC_TASKEDIT_H
#define INFRAEXEC_TASKEDIT_H

#include "infraexec/model/task.h"

/* The splices CHG makes to T into E (CHG->changed: whether there are any);
 * -1 when a tick is refused (no such criterion, or its text changed). */
int ix_task_plan_edits(const ix_task *t, ix_task_change *chg, ix_edits *e, ix_err *err);

#endif
