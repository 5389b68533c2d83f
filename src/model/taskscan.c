/* taskscan.c - see include/infraexec/model/taskscan.h */
#include "infraexec/model/taskscan.h"

#include "infraexec/base/buf.h"
#include "infraexec/model/task.h"
#include "infraexec/base/text.h"
#include "infraexec/model/taskdir.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ix_line_end, keeping in *CR the offset of the next CR (LEN: none): a file
 * without CRs then costs one memchr per line, not two. */
static size_t line_end(const char *data, size_t len, size_t off, size_t *ce, size_t *cr)
{
    if (*cr < off) {
        const char *c = memchr(data + off, '\r', len - off);
        *cr = c ? (size_t)(c - data) : len;
    }
    const char *nl = memchr(data + off, '\n', len - off);
    size_t i = nl ? (size_t)(nl - data) : len;
    if (*cr < i)
        return ix_line_end(data, len, off, ce);
    *ce = i;
    return i < len ? i + 1 : i;
}

/* Found line by line as cmark finds its top-level headings.  Gives up on
 * an HTML block, a level-1/2 heading indented 1-3 spaces (perhaps inside a
 * list item), a fence indented K spaces (in a list item, likely) with a line
 * indented less than K or a closing line indented 4+ (where the item's end
 * would decide), a line that may underline a setext heading, a heading with
 * inline markup. */
int ix_criteria_slice(const char *data, size_t len, size_t first, size_t *from, size_t *to)
{
    char fence = 0;     /* inside a fence of FENCE characters */
    size_t fence_len = 0, fence_ind = 0, ce, cr = 0;
    int after_text = 0, in_criteria = 0, found = 0;
    *from = *to = len;
    for (size_t off = first, next; off < len; off = next) {
        next = line_end(data, len, off, &ce, &cr);
        const char *s = data + off, *e = data + ce;
        size_t ind = 0, n = 0;
        while (s + ind < e && s[ind] == ' ')
            ind++;
        const char *p = s + ind;
        while (p + n < e && p[n] == *p)
            n++; /* the run of P's first character */
        if (fence) {
            if (*p == fence && n >= fence_len && ix_is_blank(p + n, e)) {
                if (ind < fence_ind)
                    return 0; /* in a list item, the item ends here and this opens a fence */
                if (ind <= 3)
                    fence = 0;
                else if (fence_ind)
                    return 0;
            } else if (ind < fence_ind && !ix_is_blank(p, e)) {
                return 0;
            }
            after_text = 0;
            continue;
        }
        if (ix_is_blank(p, e)) {
            after_text = 0;
            continue;
        }
        if (ind >= 4 || *p == '\t') { /* indented code, or a list item's: no top-level block */
            after_text = 1;
            continue;
        }
        if ((*p == '`' || *p == '~') && n >= 3 &&
            !(*p == '`' && memchr(p + n, '`', (size_t)(e - p) - n))) {
            fence = *p;
            fence_len = n;
            fence_ind = ind;
            continue;
        }
        if (*p == '<' || ((*p == '=' || *p == '-') && after_text && ix_is_blank(p + n, e)))
            return 0;
        after_text = 1;
        if (*p != '#' || n > 6 || (p + n < e && p[n] != ' ' && p[n] != '\t'))
            continue;
        after_text = 0; /* an ATX heading */
        if (n > 2)
            continue;
        if (ind)
            return 0;
        const char *h = p + n, *he = e;
        while (h < he && (*h == ' ' || *h == '\t'))
            h++;
        while (he > h && (he[-1] == ' ' || he[-1] == '\t'))
            he--;
        for (const char *c = h; c < he; c++)
            if (strchr("\\`*_[]<>&!#", *c))
                return 0; /* its text is not its bytes */
        /* Level 2 only, as taskbody.c's walk: "# Acceptance Criteria" is no
         * criteria section (a level-1 heading ends one all the same). */
        int criteria = n == 2 && he - h >= 19 && strncasecmp(h, "Acceptance Criteria", 19) == 0;
        if (in_criteria || criteria)
            *to = criteria ? len : off;
        if (criteria && !found)
            *from = off, found = 1;
        in_criteria = criteria;
    }
    return 1;
}


/* ---- counting criteria without cmark ---- */

/* A list marker at P ("-", "*", "+", or 1-9 digits and "." or ")")
 * followed by a space: its length, else 0.  *ordinal is its number, or -1
 * for a bullet. */
static size_t list_marker(const char *p, const char *e, long *ordinal)
{
    size_t n = 0;
    *ordinal = -1;
    if (p < e && (*p == '-' || *p == '*' || *p == '+'))
        n = 1;
    else {
        while (p + n < e && n < 10 && isdigit((unsigned char)p[n]))
            n++;
        if (!n || n > 9 || p + n >= e || (p[n] != '.' && p[n] != ')'))
            return 0;
        *ordinal = strtol(p, NULL, 10);
        n++;
    }
    return p + n < e && p[n] == ' ' ? n : 0;
}

/* Only blank lines, ATX headings at column 1, and list items whose text
 * starts with a letter or "[" are followed: for those, cmark's list items
 * and their paragraphs are known from the indentation alone (no lazy lines,
 * no other blocks).  Anything else, or a second section inside the slice
 * (it would need the fence tracking ix_criteria_slice does), gives up. */
int ix_criteria_count(const char *data, size_t from, size_t to, size_t *total, size_t *checked)
{
    size_t content[32], depth = 0, ce, cr = 0; /* content column of each open item */
    *total = *checked = 0;
    for (size_t off = from < to ? line_end(data, to, from, &ce, &cr) : to, next; off < to;
         off = next) {
        next = line_end(data, to, off, &ce, &cr);
        const char *s = data + off, *e = data + ce;
        size_t ind = 0;
        while (s + ind < e && s[ind] == ' ')
            ind++;
        const char *p = s + ind;
        if (p == e || ix_is_blank(p, e)) {
            if (memchr(p, '\t', (size_t)(e - p)))
                return 0; /* a tab in a blank line may still count as indentation */
            continue;
        }
        if (*p == '#') {
            size_t n = 0;
            while (p + n < e && p[n] == '#')
                n++;
            if (ind || n < 3 || n > 6 || (p + n < e && p[n] != ' ' && p[n] != '\t'))
                return 0; /* a section boundary, or text: ix_criteria_slice's business */
            depth = 0;
            continue;
        }
        long ordinal;
        size_t m = list_marker(p, e, &ordinal), w = 0;
        if (!m)
            return 0;
        while (p + m + w < e && p[m + w] == ' ')
            w++;
        const char *c = p + m + w;
        if (w > 4 || c == e || *c == '\t' || (*c != '[' && !isalpha((unsigned char)*c)))
            return 0; /* indented code, an empty item, or another block inside */
        while (depth && ind < content[depth - 1])
            depth--;
        if (ind - (depth ? content[depth - 1] : 0) > 3 || (depth && ordinal > 1) ||
            depth == sizeof content / sizeof *content)
            return 0; /* text of the item above, or a list that cannot interrupt it */
        content[depth++] = ind + m + w;
        if (e - c >= 3 && c[0] == '[' && c[2] == ']' &&
            (c[1] == ' ' || c[1] == 'x' || c[1] == 'X') &&
            (e - c == 3 || c[3] == ' ' || c[3] == '\t')) {
            ++*total;
            *checked += c[1] != ' ';
        }
    }
    return 1;
}

/* ---- frontmatter without libyaml ---- */

/* Bytes libyaml would not take as they are in a one-line scalar: controls,
 * tabs, and the non-ASCII characters it refuses or counts as line breaks
 * (C1 controls and U+0085, U+2028, U+2029, a byte order mark, U+FFFE/F). */
static int plain_bytes(const char *p, const char *e)
{
    for (; p < e; p++) {
        unsigned char b = (unsigned char)*p;
        if (b < 0x20 || b == 0x7f)
            return 0;
        if (b == 0xc2 && (unsigned char)p[1] < 0xa0)
            return 0;
        if (b == 0xe2 && (unsigned char)p[1] == 0x80 && ((unsigned char)p[2] & 0xfe) == 0xa8)
            return 0;
        if (b == 0xef && (((unsigned char)p[1] == 0xbb && (unsigned char)p[2] == 0xbf) ||
                          ((unsigned char)p[1] == 0xbf && (unsigned char)p[2] >= 0xbe)))
            return 0;
    }
    return 1;
}

/* A plain scalar [p, e) (trailing blanks trimmed) that cannot be anything
 * else: no indicator first, no ": " or " #" inside, no ":" last. */
static int plain_scalar(const char *p, const char *e, const char *stop)
{
    if (p == e || strchr("-?:,[]{}#&*!|>'\"%@` ", *p))
        return 0;
    for (const char *q = p; q < e; q++)
        if ((*q == ':' && (q + 1 == e || q[1] == ' ')) || (*q == '#' && q[-1] == ' ') ||
            (stop && strchr(stop, *q)))
            return 0;
    return plain_bytes(p, e);
}

typedef struct fm_fields {
    const char *v[5]; /* id, title, status, priority, labels: the value's bytes */
    size_t n[5];
    int seq;          /* labels is a flow sequence (v[4] inside its brackets) */
} fm_fields;

static const char *const fm_keys[5] = {"id", "title", "status", "priority", "labels"};

/* VALUE [p, e) of a "key: value" line, as libyaml reads a one-line value:
 * [*v, *v + *n) the scalar's text; *seq for "[a, b]".  0: another shape. */
static int fm_value(const char *p, const char *e, const char **v, size_t *n, int *seq)
{
    while (p < e && *p == ' ')
        p++;
    while (e > p && e[-1] == ' ')
        e--;
    *seq = 0;
    if (e - p >= 2 && (*p == '\'' || *p == '"') && e[-1] == *p) {
        *v = p + 1;
        *n = (size_t)(e - p - 2);
        return !memchr(*v, *p, *n) && !memchr(*v, '\\', *n) && plain_bytes(*v, e - 1);
    }
    if (e - p >= 2 && *p == '[' && e[-1] == ']') { /* items: plain, no flow indicators */
        *seq = 1;
        *v = p + 1;
        *n = (size_t)(e - p - 2);
        const char *q = p + 1, *end = e - 1;
        while (q < end && *q == ' ')
            q++;
        if (q == end)
            return 1;
        for (;;) {
            const char *c = memchr(q, ',', (size_t)(end - q)), *ie = c ? c : end;
            while (ie > q && ie[-1] == ' ')
                ie--;
            if (!plain_scalar(q, ie, ",[]{}'\""))
                return 0;
            if (!c)
                return 1;
            for (q = c + 1; q < end && *q == ' '; q++)
                ;
        }
    }
    *v = p;
    *n = (size_t)(e - p);
    return plain_scalar(p, e, NULL);
}

/* The lines of DATA [start, close) when every one is blank, a comment, or
 * "key: value" with a one-line value of the shapes above; the first of
 * each listed key wins, as in ix_fm_get.  0: libyaml must read it. */
static int fm_scan(const char *data, size_t start, size_t close, fm_fields *f)
{
    int keys = 0;
    size_t ce, cr = 0;
    memset(f, 0, sizeof *f);
    for (size_t off = start, next; off < close; off = next) {
        next = line_end(data, close, off, &ce, &cr);
        const char *s = data + off, *e = data + ce;
        if ((ix_is_blank(s, e) && !memchr(s, '\t', (size_t)(e - s))) || *s == '#') {
            if (!plain_bytes(s, e))
                return 0;
            continue;
        }
        const char *k = s;
        while (k < e && k - s < 64 && (isalnum((unsigned char)*k) || *k == '_' || *k == '-'))
            k++;
        if (k == s || *s == '-' || k + 1 >= e || k[0] != ':' || k[1] != ' ')
            return 0;
        const char *v;
        size_t n;
        int seq;
        if (!fm_value(k + 2, e, &v, &n, &seq))
            return 0;
        keys = 1;
        for (int i = 0; i < 5; i++)
            if (!f->v[i] && (size_t)(k - s) == strlen(fm_keys[i]) &&
                memcmp(s, fm_keys[i], (size_t)(k - s)) == 0) {
                if (seq && i < 4)
                    return 0; /* not a scalar: leave that case to the parser */
                f->v[i] = v;
                f->n[i] = n;
                if (i == 4)
                    f->seq = seq;
            }
    }
    return keys;
}

static void summary_labels(ix_task_summary *s, const fm_fields *f)
{
    const char *p = f->v[4];
    if (!p)
        return;
    if (!f->seq) {
        s->labels = ix_xcalloc(1, sizeof *s->labels);
        s->labels[s->nlabels++] = ix_xstrndup(p, f->n[4]);
        return;
    }
    s->labels = ix_xcalloc(f->n[4] / 2 + 1, sizeof *s->labels);
    for (size_t i = 0, n = f->n[4]; i < n;) { /* fm_value checked the items' shapes */
        size_t a = i, z;
        while (a < n && p[a] == ' ')
            a++;
        for (z = a; z < n && p[z] != ',';)
            z++;
        i = z + 1;
        while (z > a && p[z - 1] == ' ')
            z--;
        if (z > a)
            s->labels[s->nlabels++] = ix_xstrndup(p + a, z - a);
    }
}

/* ---- the summary ---- */

static char *dup_or_null(const char *s)
{
    return s ? ix_xstrdup(s) : NULL;
}

/* The full parser's reading of the bytes, for shapes the scan gives up on. */
static int summarize_parsed(const char *path, const char *data, size_t len, ix_task_summary *s,
                            ix_err *err)
{
    ix_task *t;
    if (ix_task_parse_criteria(path, data, len, &t, err) < 0)
        return -1;
    s->id = dup_or_null(t->id);
    s->title = dup_or_null(t->title);
    s->status = dup_or_null(t->status);
    s->priority = dup_or_null(t->priority);
    s->labels = ix_xcalloc(t->nlabels + 1, sizeof *s->labels);
    for (size_t i = 0; i < t->nlabels; i++)
        s->labels[s->nlabels++] = ix_xstrdup(t->labels[i]);
    s->total = t->ncriteria;
    s->checked = ix_task_checked(t);
    ix_task_free(t);
    return 0;
}

static int is_fence(const char *s, const char *e)
{
    return e - s >= 3 && memcmp(s, "---", 3) == 0 && ix_is_blank(s + 3, e);
}

/* The scan alone: 1 when it read everything, 0 to hand over to the parser. */
static int summarize_scanned(const char *data, size_t len, ix_task_summary *s)
{
    const char *what;
    if (len > IX_TASK_MAX_SIZE || ix_utf8_check(data, len, &what) < len)
        return 0;
    size_t ce, cr = 0, fm = ix_line_end(data, len, 0, &ce), close = len, body = len, from, to;
    if (!len || !is_fence(data, data + ce))
        return 0;
    for (size_t off = fm; off < len && close == len; off = body) {
        body = line_end(data, len, off, &ce, &cr);
        if (is_fence(data + off, data + ce))
            close = off;
    }
    fm_fields f;
    if (close == len || !fm_scan(data, fm, close, &f) ||
        !ix_criteria_slice(data, len, body, &from, &to) ||
        !ix_criteria_count(data, from, to, &s->total, &s->checked))
        return 0;
    char **field[4] = {&s->id, &s->title, &s->status, &s->priority};
    for (int i = 0; i < 4; i++)
        *field[i] = f.v[i] ? ix_xstrndup(f.v[i], f.n[i]) : NULL;
    summary_labels(s, &f);
    s->scanned = 1;
    return 1;
}

int ix_task_summarize(const char *path, ix_task_summary *out, ix_err *err)
{
    memset(out, 0, sizeof *out);
    ix_buf b = IX_BUF_INIT;
    int rc = ix_taskdir_read(path, IX_TASK_MAX_SIZE, &b, err) < 0
                 ? -1 : ix_task_summarize_text(path, b.data ? b.data : "", b.len, out, err);
    ix_buf_free(&b);
    return rc;
}

int ix_task_summarize_text(const char *path, const char *data, size_t len, ix_task_summary *out,
                           ix_err *err)
{
    memset(out, 0, sizeof *out);
    out->path = ix_xstrdup(path);
    int rc = summarize_scanned(data, len, out) ? 0 : summarize_parsed(path, data, len, out, err);
    if (rc < 0)
        ix_task_summary_free(out);
    return rc;
}

void ix_task_summary_free(ix_task_summary *s)
{
    free(s->path);
    free(s->id);
    free(s->title);
    free(s->status);
    free(s->priority);
    for (size_t i = 0; i < s->nlabels; i++)
        free(s->labels[i]);
    free(s->labels);
    memset(s, 0, sizeof *s);
}
