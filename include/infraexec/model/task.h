/* task.h - a task file read precisely, and the edits infraexec makes to it.
 *
 * A task file is YAML frontmatter (see frontmatter.h) and a Markdown body
 * parsed with cmark.  The model records what the run engine needs --
 * acceptance criteria, the Progress Log, fenced code blocks -- each with its
 * position, so that an edit touches only the bytes it owns: ticking a box
 * changes one byte, setting `updated:` changes the date, logging inserts one
 * line.  Every other byte (CRLF, BOM, a missing final newline) stays.
 *
 * Edits are computed as a list of splices against the parsed text and
 * applied in one go; fileio.h writes the result atomically under a lock.
 * The code: task.c parses (the body in taskbody.c), taskedit.c edits and
 * updates, taskquick.c follows the edits it can without a parse. */
#ifndef INFRAEXEC_TASK_H
#define INFRAEXEC_TASK_H

#include "infraexec/base/buf.h"
#include "infraexec/base/err.h"
#include "infraexec/model/frontmatter.h"
#include "infraexec/base/text.h"

#include <stddef.h>
#include <sys/stat.h>

#define IX_TASK_MAX_SIZE (16u * 1024 * 1024)
/* More dependencies than this is no real task; the rest are not recorded
 * and the queue counts the task as blocked (deps_truncated). */
#define IX_TASK_MAX_DEPS 500

typedef struct ix_criterion {
    int index;          /* 1-based, document order */
    int line, col;      /* position of the '[' */
    size_t box;         /* byte offset of the mark between the brackets */
    int checked;
    int depth;          /* 0 for top-level items, 1 for nested ... */
    char *text;         /* Markdown source after the box, lines joined by ' ' */
    char *group;        /* text of the enclosing ### heading, or NULL */
    char **code;        /* inline code spans, in order */
    size_t ncode;
} ix_criterion;

typedef struct ix_log_entry {
    int line;           /* line of the entry */
    int last_line;      /* last non-blank line of the entry and its sub-bullets */
    char *stamp;        /* "YYYY-MM-DD HH:MM", or "YYYY-MM-DD" as written */
    char *text;         /* text after the stamp's colon */
    char **sub;         /* indented sub-bullets' text */
    size_t nsub;
} ix_log_entry;

typedef struct ix_code_block {
    int line;           /* line of the opening fence */
    char *lang;         /* info string's first word, "" if none */
    char *section;      /* nearest heading above, "" if none */
    char *text;         /* contents */
} ix_code_block;

/* A task named under "## Dependencies" (or in frontmatter depends_on: /
 * blocked_by:) and how: deps.h lists the relations. */
typedef struct ix_dep {
    char *id;
    const char *relation;   /* canonical name, static: "blocked_by", "unblocks", ... */
    char *label;            /* the label as written, NULL when none */
    int line;
    int prerequisite;       /* the task waits until this one is completed */
} ix_dep;

typedef struct ix_problem {
    int line, col;
    char *msg;
} ix_problem;

typedef struct ix_task {
    char *path;
    char *data;         /* the file's bytes, NUL-terminated */
    size_t len;
    ix_lines lines;
    const char *eol;    /* "\r\n" if the file's first line ends so, else "\n" */

    ix_fm_node *fm;     /* the frontmatter map */
    size_t fm_start, fm_close; /* its YAML bytes: [fm_start, fm_close), fm_close the closing '---' */
    const char *id, *title, *status, *priority, *created, *updated;
    const char **labels;
    size_t nlabels;

    ix_criterion *criteria;
    size_t ncriteria;
    int has_criteria_section;
    ix_log_entry *log;
    size_t nlog;
    int log_heading_line;   /* 0 when there is no Progress Log section */
    int log_heading_end;    /* its last line (a setext heading has two) */
    int log_section_end;    /* line of the next level-1/2 heading, 0 = end of file */
    ix_code_block *code;
    size_t ncode;
    ix_dep *deps;           /* in document order, frontmatter first; one per id and relation */
    size_t ndeps;
    int deps_truncated;     /* line where IX_TASK_MAX_DEPS was passed, else 0 */
    int stop_line;          /* line of a STOP marker (never run), 0 when none */

    ix_problem *problems;   /* non-fatal findings, for `lint` */
    size_t nproblems;
    /* 1: read by ix_task_load_criteria, which parsed only the body's
     * Acceptance Criteria sections: log, code, body deps, problems partial
     * (or by ix_task_load_frontmatter: no body at all). */
    int partial;
} ix_task;

/* Parse DATA (copied).  Fatal problems -- no or unterminated frontmatter,
 * invalid YAML, NUL bytes, invalid UTF-8, too large -- fail with
 * "PATH:LINE:COL: message"; lesser ones land in task->problems. */
int ix_task_parse(const char *path, const char *data, size_t len, ix_task **out, ix_err *err);
/* Read and parse a file. */
int ix_task_load(const char *path, ix_task **out, ix_err *err);
/* The same checks and frontmatter, and the same criteria, for `list`: when a
 * line scan finds where the Acceptance Criteria sections lie (it gives up on
 * shapes it cannot follow exactly, and then the whole body is parsed; see
 * partial), cmark parses only them - not a long Progress Log. */
int ix_task_load_criteria(const char *path, ix_task **out, ix_err *err);
/* The same checks and the frontmatter alone (no body: no criteria, log,
 * code or body deps; partial is set), for a command that needs a field. */
int ix_task_load_frontmatter(const char *path, ix_task **out, ix_err *err);
/* The same on bytes already read. */
int ix_task_parse_criteria(const char *path, const char *data, size_t len, ix_task **out,
                           ix_err *err);
void ix_task_free(ix_task *t);
/* A deep copy, which an update may take and edit while T stays as read. */
ix_task *ix_task_dup(const ix_task *t);

/* Task ids name files (the run lock, log directories), so they are
 * restricted to [A-Za-z0-9][A-Za-z0-9._-]*, without "..", at most
 * IX_TASK_ID_MAX bytes.  A task with another id parses (lint reports it at
 * the id's line:col); ix_task_check_id fails for it with that position, and
 * every command that builds a path from the id calls it first. */
#define IX_TASK_ID_MAX 128
int ix_task_id_ok(const char *id);
int ix_task_check_id(const ix_task *t, ix_err *err);

/* Criterion by 1-based index, or NULL. */
const ix_criterion *ix_task_criterion(const ix_task *t, int index);
/* 0 critical, 1 high, 2 medium, 3 low, 4 anything else: queue order. */
int ix_task_priority_rank(const char *priority);

/* Number of checked criteria. */
size_t ix_task_checked(const ix_task *t);

/* ---- edits ---- */

typedef struct ix_splice {
    size_t start, end;  /* bytes replaced */
    char *text;         /* replacement, owned */
} ix_splice;

typedef struct ix_edits {
    ix_splice *s;
    size_t n;
} ix_edits;

/* Tick criterion INDEX ([ ] -> [x]).  Ticking a checked box is a no-op. */
int ix_task_tick(const ix_task *t, int index, ix_edits *e, ix_err *err);
/* Set `updated:` to DATE keeping its quoting; no-op if the key is absent. */
void ix_task_set_updated(const ix_task *t, const char *date, ix_edits *e);
/* Set `status:` to VALUE (a plain word) keeping its quoting, or add the key
 * after the last frontmatter line; fails on a block scalar or non-scalar. */
int ix_task_set_status(const ix_task *t, const char *value, ix_edits *e, ix_err *err);
/* Append "- STAMP: TEXT" to the Progress Log (created when missing).
 * Newlines in TEXT become spaces: an entry is one line. */
void ix_task_add_log(const ix_task *t, const char *stamp, const char *text, ix_edits *e);

/* One locked, atomic update of a task file: tick criteria, append a
 * Progress Log entry, and set `updated:` when anything changed. */
typedef struct ix_task_change {
    const int *ticks;
    size_t nticks;
    const char *expect_text;  /* if set, each ticked criterion must still read so */
    const char *message;      /* Progress Log entry text, or NULL */
    const char *stamp;        /* "YYYY-MM-DD HH:MM" for the entry and updated: */
    const char *set_status;   /* if set, `status:` becomes this plain word (added when missing) */
    int changed;              /* out: 1 if the file was rewritten */
    /* keep_written: WRITTEN gets the parse of the bytes written (the read-back
     * check made it anyway), which the caller frees; NULL when unchanged. */
    int keep_written;
    ix_task *written;
    /* Optional: a parse the caller holds of what it believes the file is;
     * used instead of parsing when the bytes read under the lock are
     * exactly its bytes. */
    const ix_task *hint;
    /* Optional, with HINT == *TAKE: the caller's own parse, which the update
     * may take over (setting *TAKE to NULL) and edit into WRITTEN when it can
     * follow the edit without parsing (a tick, `updated:`, an entry appended
     * at the end of the file): one parse per file version, not per tick. */
    ix_task **take;
    int in_place;             /* out: 1 if written in place (fileio.h), not rewritten */
    /* Optional, with TAKE: the file's stat when *TAKE was what it held (the
     * caller's read, or its last update's AFTER).  An edit the model can
     * follow is then written as pieces (ix_file_patch_in_place): only the
     * edited regions are read, and the file is read whole only when it is
     * no longer that one.  PATCHED: it went so, and AFTER is the new stat. */
    const struct stat *seen;
    struct stat after;
    int patched;
} ix_task_change;

int ix_task_update_file(const char *path, ix_task_change *chg, ix_err *err);
/* The same change on text: OUT gets the new bytes.  Returns 0, 1 when
 * nothing would change, -1 when the change is refused (bad index, or the
 * result would not read back as intended). */
int ix_task_edit_text(const char *path, const char *data, size_t len, ix_task_change *chg,
                      ix_buf *out, ix_err *err);

/* Apply the splices to T's text into OUT, then free them. */
void ix_edits_apply(const ix_task *t, ix_edits *e, ix_buf *out);
void ix_edits_free(ix_edits *e);

#endif
