/* streak.c - see include/infraexec/engine/streak.h */
#include "infraexec/engine/streak.h"

#include "infraexec/base/buf.h"

#include <string.h>

#define FAILING "Run ended: criteria "
#define PASSING "Run ended: no criterion failed"
#define BLOCKED "status set to blocked"
#define WAS_BLOCKED "while the status was blocked"

int ix_streak_count(const ix_task *t)
{
    int n = 0;
    for (size_t i = t->nlog; i-- > 0;) {
        const char *text = t->log[i].text;
        if (strncmp(text, PASSING, strlen(PASSING)) == 0)
            break;
        if (strncmp(text, FAILING, strlen(FAILING)) != 0)
            continue; /* people's notes and criterion entries do not count */
        if (strstr(text, BLOCKED) || strstr(text, WAS_BLOCKED))
            break; /* the streak before a block is over: a person looks now */
        n++;
    }
    return n;
}

char *ix_streak_entry(const ix_task *t, const ix_report *rep, int *block)
{
    *block = 0;
    ix_buf failed = IX_BUF_INIT;
    size_t nfailed = 0, attempted = 0, checked = 0;
    for (size_t i = 0; i < rep->ncrit; i++) {
        const ix_crit_report *c = &rep->crit[i];
        checked += c->state != IX_STATE_REMAINING;
        if (!c->rule || c->state == IX_STATE_PREVIOUSLY_COMPLETED)
            continue;
        attempted++;
        if (c->state == IX_STATE_REMAINING)
            ix_buf_printf(&failed, "%s%d", nfailed++ ? ", " : "", c->index);
    }
    if (!attempted) {
        ix_buf_free(&failed);
        return NULL;
    }
    ix_buf b = IX_BUF_INIT;
    if (!nfailed) {
        ix_buf_printf(&b, PASSING " (%zu of %zu checked)", checked, rep->ncrit);
    } else {
        ix_buf_printf(&b, FAILING "%s still failing (%zu of %zu checked)", failed.data, checked,
                      rep->ncrit);
        int runs = ix_streak_count(t) + 1;
        if (t->status && strcmp(t->status, "blocked") == 0) {
            ix_buf_puts(&b, " " WAS_BLOCKED);
        } else if (runs >= IX_STREAK_RUNS) {
            *block = 1;
            ix_buf_printf(&b, "; failing run %d in a row: " BLOCKED " (a person should look; "
                              "set it back to active to retry)", runs);
        }
    }
    ix_buf_free(&failed);
    return ix_buf_detach(&b);
}
