/* confirm.c - see include/infraexec/engine/confirm.h */
#include "infraexec/engine/confirm.h"

#include "infraexec/base/clock.h"
#include "infraexec/base/text.h"
#include "infraexec/sys/git.h"
#include "infraexec/sys/proc.h"
#include "infraexec/sys/secrets.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

int ix_confirm_needed(const ix_crit_report *cr)
{
    if (cr->state != IX_STATE_REMAINING || cr->blocked)
        return 0;
    return !cr->rule || (cr->reason && strncmp(cr->reason, "needs a person", 14) == 0);
}

char *ix_confirm_who(const char *path)
{
    char *name = ix_git_user_name(path);
    if (name)
        return name;
    const char *user = getenv("USER");
    return user && *user ? ix_xstrdup(user) : NULL;
}

/* S as a terminal may safely show it: C0 and C1 controls and DEL become
 * \xNN (with NL kept when LINES), so no escape sequence from a task file,
 * or a command's output, reaches the terminal. */
static void put_safe(FILE *out, const char *s, int lines)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    for (; *p; p++) {
        if (*p == '\n' && lines)
            fputs("\n      ", out);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) /* U+0080..U+009F */
            fprintf(out, "\\x%02x", *++p);
        else
            fputc(*p, out);
    }
}

/* S with the run's secrets masked, then made safe. */
static void put_text(FILE *out, const ix_secrets *sec, const char *s, int lines)
{
    if (!sec || !sec->n || !s) {
        put_safe(out, s, lines);
        return;
    }
    char *masked = ix_secrets_mask_owned(sec, ix_xstrdup(s));
    put_safe(out, masked, lines);
    free(masked);
}

/* The last N lines of TEXT. */
static const char *last_lines(const char *text, int n)
{
    const char *end = text + strlen(text);
    while (end > text && end[-1] == '\n')
        end--;
    const char *p = end;
    while (p > text && n > 0)
        if (*--p == '\n')
            n--;
    return p == text ? p : p + 1;
}

static void put_evidence(FILE *out, const ix_secrets *sec, const ix_crit_report *cr)
{
    int any = 0;
    fputs("  Evidence the run gathered:\n", out);
    for (size_t i = 0; i < cr->ncmds; i++) {
        const ix_cmd_record *cmd = &cr->cmds[i];
        ix_buf b = IX_BUF_INIT;
        if (cmd->argv)
            ix_proc_format_argv((const char *const *)cmd->argv, &b);
        fputs("    - command: ", out);
        put_text(out, sec, cmd->argv ? b.data : cmd->script, 0);
        if (!cmd->executed)
            fputs(" (not run)", out);
        else
            fprintf(out, " (exit %d)", cmd->exit_code);
        fputc('\n', out);
        if (cmd->executed && cmd->tail && *cmd->tail) {
            fputs("      ", out);
            put_text(out, sec, last_lines(cmd->tail, 3), 1);
            fputc('\n', out);
        }
        ix_buf_free(&b);
        any = 1;
    }
    for (size_t i = 0; i < cr->nfiles; i++) {
        fputs("    - file: ", out);
        put_text(out, sec, cr->files[i].path, 0);
        if (cr->files[i].summary) {
            fputs(" (", out);
            put_text(out, sec, cr->files[i].summary, 0);
            fputc(')', out);
        }
        fputc('\n', out);
        any = 1;
    }
    if (!any)
        fputs("    (none: no observer could look at this)\n", out);
}

static void show(FILE *out, const ix_secrets *sec, const ix_criterion *c, const ix_crit_report *cr)
{
    fprintf(out, "\n== Needs a person: criterion %d ==\n  ", c->index);
    put_text(out, sec, c->text, 0);
    fputc('\n', out);
    if (c->group) {
        fputs("  Group: ", out);
        put_text(out, sec, c->group, 0);
        fputc('\n', out);
    }
    fputs("  Rule: ", out);
    put_text(out, sec, cr->rule ? cr->rule : "none matches", 0);
    fputs("\n  Result: ", out);
    put_text(out, sec, cr->reason ? cr->reason : "no reason recorded", 0);
    fputc('\n', out);
    put_evidence(out, sec, cr);
    if (c->ncode) {
        fputs("  Commands the criterion names (not run by infraexec; run them yourself):\n", out);
        for (size_t i = 0; i < c->ncode; i++) {
            fputs("    $ ", out);
            put_text(out, sec, c->code[i], 0);
            fputc('\n', out);
        }
    }
}

/* One line from FD into LINE (NUL-terminated, the newline dropped; a line
 * too long for it comes back as "?").  Read unbuffered and polled, so a
 * signal that lands just before the read still ends the wait through
 * *CANCEL.  Returns -1 at end of input or when cancelled. */
static int read_line(int fd, char *line, size_t size, volatile sig_atomic_t *cancel)
{
    size_t n = 0;
    int too_long = 0;
    for (;;) {
        if (cancel && *cancel)
            return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int rc = poll(&p, 1, 200);
        if (rc < 0 && errno != EINTR)
            return -1;
        if (rc <= 0)
            continue;
        char ch;
        ssize_t got = read(fd, &ch, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0 && n == 0 && !too_long)
            return -1;
        if (got <= 0 || ch == '\n')
            break;
        if (n + 1 < size)
            line[n++] = ch;
        else
            too_long = 1;
    }
    line[n] = '\0';
    if (too_long)
        snprintf(line, size, "?");
    return 0;
}

ix_answer ix_confirm_ask(int in, FILE *out, const ix_criterion *c, const ix_crit_report *cr,
                         const ix_secrets *sec, volatile sig_atomic_t *cancel)
{
    show(out, sec, c, cr);
    for (;;) {
        fputs("Is it done? Answer y only if you saw it yourself [y/N/skip/quit] ", out);
        fflush(out);
        char line[64];
        if (read_line(in, line, sizeof line, cancel) < 0) {
            fputc('\n', out);
            return IX_ANSWER_QUIT; /* end of input or a signal: nobody answered */
        }
        char *s = line, *e = line + strlen(line);
        while (*s && isspace((unsigned char)*s))
            s++;
        while (e > s && isspace((unsigned char)e[-1]))
            *--e = '\0';
        if (!*s || strcasecmp(s, "n") == 0 || strcasecmp(s, "no") == 0)
            return IX_ANSWER_NO;
        if (strcasecmp(s, "y") == 0 || strcasecmp(s, "yes") == 0)
            return IX_ANSWER_YES;
        if (strcasecmp(s, "s") == 0 || strcasecmp(s, "skip") == 0)
            return IX_ANSWER_SKIP;
        if (strcasecmp(s, "q") == 0 || strcasecmp(s, "quit") == 0)
            return IX_ANSWER_QUIT;
        fputs("Please answer y, n, skip or quit.\n", out);
    }
}

char *ix_confirm_entry(const ix_criterion *c, const char *who, const char *note)
{
    ix_buf b = IX_BUF_INIT;
    ix_buf_printf(&b, "Confirmed criterion %d: %.160s%s (confirmed by %s%s%s)", c->index, c->text,
                  strlen(c->text) > 160 ? "..." : "", who, note ? ": " : "", note ? note : "");
    return ix_buf_detach(&b);
}

int ix_confirm_task(const char *path, int index, const char *note, char **who, ix_err *err)
{
    *who = NULL;
    if (!note || ix_is_blank(note, note + strlen(note)))
        return ix_err_set(err, "confirm: --note TEXT is required: say what you ran and saw");
    ix_task *t;
    if (ix_task_load(path, &t, err) < 0)
        return -1;
    int rc = -1;
    const ix_criterion *c = ix_task_criterion(t, index);
    ix_now now;
    if (!c) {
        ix_err_set(err, "%s: confirm: no criterion %d (the task has %zu)", path, index,
                   t->ncriteria);
    } else if (c->checked) {
        ix_err_set(err, "%s:%d: confirm: criterion %d is already checked", path, c->line, index);
    } else if (!(*who = ix_confirm_who(path))) {
        ix_err_set(err, "confirm: cannot tell who is confirming: set git user.name or USER");
    } else if (ix_clock_now(&now, err) == 0) {
        char *entry = ix_confirm_entry(c, *who, note);
        ix_task_change chg = {.ticks = &index, .nticks = 1, .expect_text = c->text,
                              .message = entry, .stamp = now.stamp};
        rc = ix_task_update_file(path, &chg, err);
        free(entry);
    }
    if (rc < 0) {
        free(*who);
        *who = NULL;
    }
    ix_task_free(t);
    return rc;
}
