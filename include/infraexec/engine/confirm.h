/* confirm.h - asking a person about what no check could decide.
 *
 * `run --confirm` stops at each criterion whose result needs a person,
 * shows what the run saw and asks at the terminal; `confirm TASK N --note
 * TEXT` records a person's word for work they did by hand.  A box is ticked
 * only on a person's explicit yes, and the Progress Log names them; nothing
 * here answers for anyone.  Task text is untrusted: it is shown with control
 * characters escaped, so a task file cannot redraw the prompt. */
#ifndef INFRAEXEC_CONFIRM_H
#define INFRAEXEC_CONFIRM_H

#include "infraexec/base/err.h"
#include "infraexec/engine/report.h"
#include "infraexec/model/task.h"

#include <signal.h>
#include <stdio.h>

typedef enum { IX_ANSWER_NO, IX_ANSWER_YES, IX_ANSWER_SKIP, IX_ANSWER_QUIT } ix_answer;

/* Whether the run's result for a criterion is one only a person can give:
 * still remaining, not blocked, and no rule took it or its rule said so (a
 * reason starting "needs a person").  A criterion a rule observed to be
 * false is not offered: the observation stands. */
int ix_confirm_needed(const ix_crit_report *cr);

/* Who is answering: git user.name (the repository around PATH, then the
 * global config), else $USER; NULL when neither is set.  Caller frees. */
char *ix_confirm_who(const char *path);

struct ix_secrets;

/* Show the criterion, the evidence the run gathered and the commands the
 * criterion names on OUT (the run's secrets SEC, may be NULL, masked),
 * ask "[y/N/skip/quit]" and read the answer from
 * the file descriptor IN (unbuffered: nothing typed ahead is swallowed).
 * An empty answer is no; anything unknown is asked again; end of input, or
 * *CANCEL (may be NULL) becoming non-zero while waiting, is quit. */
ix_answer ix_confirm_ask(int in, FILE *out, const ix_criterion *c, const ix_crit_report *cr,
                         const struct ix_secrets *sec, volatile sig_atomic_t *cancel);

/* The Progress Log entry: "Confirmed criterion N: TEXT (confirmed by
 * WHO[: NOTE])".  Caller frees. */
char *ix_confirm_entry(const ix_criterion *c, const char *who, const char *note);

/* `infraexec confirm`: tick criterion INDEX of the task file at PATH and log
 * that WHO (set on success; caller frees) confirmed it with NOTE, in one
 * locked, atomic update.  Refused, with nothing written, when INDEX is out
 * of range or already checked, NOTE is empty or nobody can be named. */
int ix_confirm_task(const char *path, int index, const char *note, char **who, ix_err *err);

#endif
