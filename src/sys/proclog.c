/* proclog.c - a command's output (proc_internal.h): masked as streams, cut
 * into lines for on_line and the log, kept as a tail, the log capped. */
#include "proc_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void ring_push(ring *r, const char *p, size_t n)
{
    if (n >= r->cap) {
        memcpy(r->buf, p + n - r->cap, r->cap);
        r->start = 0;
        r->len = r->cap;
        return;
    }
    size_t end = (r->start + r->len) % r->cap;
    size_t first = n < r->cap - end ? n : r->cap - end;
    memcpy(r->buf + end, p, first);
    memcpy(r->buf, p + first, n - first);
    r->len += n;
    if (r->len > r->cap) { /* the oldest bytes were overwritten */
        r->start = (r->start + r->len - r->cap) % r->cap;
        r->len = r->cap;
    }
}

char *ix_proc_ring_copy(const ring *r)
{
    char *s = ix_xmalloc(r->len + 1);
    size_t first = r->len < r->cap - r->start ? r->len : r->cap - r->start;
    memcpy(s, r->buf + r->start, first);
    memcpy(s + first, r->buf, r->len - first);
    s[r->len] = '\0';
    return s;
}

/* localtime_r and the formatting only when the second changes: a chatty
 * command reads thousands of times a second. */
void ix_proc_set_stamp(run *r)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != r->stamp_sec) {
        struct tm tm;
        localtime_r(&ts.tv_sec, &tm);
        snprintf(r->stamp, sizeof r->stamp, "%02d:%02d:%02d.", tm.tm_hour, tm.tm_min, tm.tm_sec);
        r->stamp_sec = ts.tv_sec;
    }
    long ms = ts.tv_nsec / 1000000;
    r->stamp[9] = (char)('0' + ms / 100);
    r->stamp[10] = (char)('0' + ms / 10 % 10);
    r->stamp[11] = (char)('0' + ms % 10);
    r->stamp[12] = '\0';
    r->stamp_len = 12;
}

static void log_write(run *r, const char *p, size_t len)
{
    size_t off = 0;
    while (r->log_fd >= 0 && off < len) {
        ssize_t n = write(r->log_fd, p + off, len - off);
        if (n > 0)
            off += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else
            r->log_fd = -1; /* best effort: give up on the log, not the task */
    }
}

/* The log holds at most log_max bytes: its head is written as it comes;
 * once the head is full (at a line end) the rest goes through a ring, and
 * log_finish writes a note of the cut and the ring's last lines. */
void ix_proc_log_flush(run *r)
{
    if (r->log_pending)
        return;
    const char *p = r->log.data;
    size_t n = r->log.len;
    r->log.len = 0; /* reuse the allocation: no churn per chunk */
    if (r->log_fd < 0 || !n)
        return;
    if (!r->log_tail.buf) {
        size_t room = r->head_max - r->log_head;
        if (n <= room) {
            log_write(r, p, n);
            r->log_head += n;
            return;
        }
        size_t k = room;
        while (k && p[k - 1] != '\n')
            k--;
        log_write(r, p, k);
        r->log_head += k;
        p += k;
        n -= k;
        r->log_tail.buf = ix_xmalloc(r->log_tail.cap);
    }
    ring_push(&r->log_tail, p, n);
    r->tail_in += n;
}

void ix_proc_log_finish(run *r)
{
    ix_proc_log_flush(r);
    if (!r->log_tail.buf)
        return;
    /* The ring's two pieces, written as they lie: a copy would double the
     * memory the cut log's tail takes. */
    const ring *g = &r->log_tail;
    size_t len = g->len, skip = 0;
    size_t alen = len < g->cap - g->start ? len : g->cap - g->start, blen = len - alen;
    const char *a = g->buf + g->start, *b = g->buf;
    if (r->tail_in > len) { /* the ring starts inside a line: from the next one */
        const char *nl = memchr(a, '\n', alen), *nl2 = nl ? NULL : memchr(b, '\n', blen);
        skip = nl ? (size_t)(nl - a) + 1 : nl2 ? alen + (size_t)(nl2 - b) + 1 : 0;
    }
    ix_proc_set_stamp(r);
    char note[LOG_NOTE_ROOM];
    int k = snprintf(note, sizeof note,
                     "%s ---- log cut: %llu bytes of log left out here (the log is capped "
                     "at %zu bytes: command_log_max) ----\n",
                     r->stamp, r->tail_in - len + skip, r->p->log_max ? r->p->log_max
                                                                      : LOG_MAX_DEFAULT);
    log_write(r, note, (size_t)k < sizeof note ? (size_t)k : sizeof note - 1);
    if (skip < alen) {
        log_write(r, a + skip, alen - skip);
        log_write(r, b, blen);
    } else {
        log_write(r, b + (skip - alen), blen - (skip - alen));
    }
}

/* Create the log at its first output line, or at the end of a run that
 * failed: a command that succeeds silently (most of them) costs no file. */
void ix_proc_log_open(run *r)
{
    if (!r->log_pending)
        return;
    r->log_pending = 0;
    r->log_fd = r->p->open_log(r->p->ctx);
}

void ix_proc_log_event(run *r, const char *msg)
{
    if (r->log_fd < 0 && !r->log_pending)
        return;
    ix_proc_set_stamp(r);
    r->masked.len = 0;
    ix_buf_puts(&r->masked, msg); /* the command line may carry a secret */
    ix_secrets_mask(r->p->secrets, &r->masked);
    ix_buf_printf(&r->log, "%s ---- %s\n", r->stamp, r->masked.data);
    ix_proc_log_flush(r);
}

static void emit_line(run *r, int stream, const char *s, size_t n)
{
    ix_proc_log_open(r);
    if (r->log_fd >= 0) { /* "STAMP out| LINE\n", in one copy */
        ix_buf_reserve(&r->log, r->stamp_len + 6 + n + 1);
        char *o = r->log.data + r->log.len;
        memcpy(o, r->stamp, r->stamp_len);
        memcpy(o + r->stamp_len, stream == 1 ? " out| " : " err| ", 6);
        memcpy(o + r->stamp_len + 6, s, n);
        o[r->stamp_len + 6 + n] = '\n';
        r->log.len += r->stamp_len + 6 + n + 1;
        r->log.data[r->log.len] = '\0';
        if (r->log.len >= CHUNK)
            ix_proc_log_flush(r);
    }
    if (r->p->on_line)
        r->p->on_line(r->p->ctx, stream, s, n);
}

static void flush_partial(run *r, int stream)
{
    ix_buf *l = &r->line[stream - 1];
    if (l->len) {
        emit_line(r, stream, l->data, l->len);
        l->len = 0;
    }
}

/* Masked output: into the tail, and cut into lines for the log and
 * on_line.  A line a read cut is assembled in a buffer capped at LINE_CAP;
 * a whole one goes on from the read's own bytes. */
static void feed_clean(run *r, int stream, char *data, size_t n)
{
    ring_push(&r->tail, data, n);
    if (r->log_fd < 0 && !r->log_pending && !r->p->on_line)
        return;
    ix_buf *l = &r->line[stream - 1];
    while (n) {
        const char *nl = memchr(data, '\n', n);
        size_t seg = nl ? (size_t)(nl - data) : n;
        size_t room = LINE_CAP - l->len;
        if (seg > room) { /* too long: emit what fits as a line of its own */
            ix_buf_append(l, data, room);
            flush_partial(r, stream);
            data += room;
            n -= room;
            continue;
        }
        if (nl && !l->len) { /* a whole line in this read: no copy into LINE */
            data[seg] = '\0';  /* on_line's line ends in a NUL, the read's in '\n' */
            emit_line(r, stream, data, seg);
            data[seg] = '\n';
        } else {
            ix_buf_append(l, data, seg);
            if (nl) {
                emit_line(r, stream, l->data, l->len);
                l->len = 0;
            }
        }
        data += seg;
        n -= seg;
        if (nl) {
            data++;
            n--;
        }
    }
}

/* Output from one read(), masked as part of its stream first, so a secret
 * cut by a read, the line cap or the tail's ring is still caught. */
void ix_proc_feed(run *r, int stream, char *data, size_t n)
{
    if (!r->mask[stream - 1].s) { /* no secrets: no copy */
        feed_clean(r, stream, data, n);
        return;
    }
    r->clean.len = 0;
    ix_masker_feed(&r->mask[stream - 1], data, n, &r->clean);
    if (r->clean.len)
        feed_clean(r, stream, r->clean.data, r->clean.len);
}

/* End of a stream: what the masker held back, then the partial line. */
void ix_proc_end_stream(run *r, int stream)
{
    r->clean.len = 0;
    ix_masker_flush(&r->mask[stream - 1], &r->clean);
    if (r->clean.len)
        feed_clean(r, stream, r->clean.data, r->clean.len);
    flush_partial(r, stream);
}
