/* taskjson.h - a parsed task as a JSON object (jansson), for `show --json`,
 * `list --json` and the run reports.  The shape is the command-line
 * contract documented in docs/cli.md. */
#ifndef INFRAEXEC_TASKJSON_H
#define INFRAEXEC_TASKJSON_H

#include "infraexec/model/task.h"

#include <jansson.h>

/* The full model: id, title, status, priority, labels, path, frontmatter,
 * criteria, progress_log, code_blocks. */
json_t *ix_task_to_json(const ix_task *t);
/* The frontmatter tree, scalars as strings. */
json_t *ix_fm_to_json(const ix_fm_node *n);

#endif
