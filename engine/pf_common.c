/*
 * pf_common.c - growable buffers, arena, checked allocation, error records,
 * reading a whole file, edit distance.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf_common.h"

/* ---- checked allocation ----------------------------------------------- */

static void out_of_memory(size_t n)
{
    /* The batch cannot go on without memory; say so plainly and stop. */
    fprintf(stderr, "partnerfit: out of memory (asked for %zu bytes)\n", n);
    abort();
}

void *pf_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) out_of_memory(n);
    return p;
}

void *pf_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) out_of_memory(n * size);
    return p;
}

void *pf_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) out_of_memory(n);
    return q;
}

char *pf_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(pf_xmalloc(n), s, n);
}

/* ---- buffers ------------------------------------------------------------ */

void pf_buf_init(pf_buf_t *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void pf_buf_delete(pf_buf_t *b)
{
    free(b->data);
    pf_buf_init(b);
}

void pf_buf_reset(pf_buf_t *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

static void buf_reserve(pf_buf_t *b, size_t extra)
{
    size_t need = b->len + extra + 1; /* room for the NUL */
    if (need <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    b->data = pf_xrealloc(b->data, cap);
    b->cap = cap;
}

void pf_buf_add(pf_buf_t *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

char *pf_buf_reserve(pf_buf_t *b, size_t n)
{
    buf_reserve(b, n);
    return b->data + b->len;
}

void pf_buf_commit(pf_buf_t *b, size_t used)
{
    b->len += used;
    b->data[b->len] = '\0';
}

void pf_buf_addstr(pf_buf_t *b, const char *s)
{
    pf_buf_add(b, s, strlen(s));
}

/* The same text as "%lld", without printf's format parsing: report cells
 * and rule hits write a few integers per row. */
void pf_buf_addint(pf_buf_t *b, long long v)
{
    char digits[24];
    size_t n = sizeof digits;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        digits[--n] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) digits[--n] = '-';
    pf_buf_add(b, digits + n, sizeof digits - n);
}

void pf_buf_printf(pf_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0) return;
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* ---- arena ------------------------------------------------------------- */

struct pf_arena_block {
    pf_arena_block_t *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

#define ARENA_BLOCK 16384

void pf_arena_init(pf_arena_t *a)
{
    a->head = NULL;
    a->total = 0;
}

void pf_arena_delete(pf_arena_t *a)
{
    pf_arena_block_t *b = a->head;
    while (b) {
        pf_arena_block_t *next = b->next;
        free(b);
        b = next;
    }
    pf_arena_init(a);
}

/* n bytes at the current block's end (a new block when they do not fit). */
static void *arena_take(pf_arena_t *a, size_t n)
{
    pf_arena_block_t *b = a->head;
    if (!b || b->size - b->used < n) {
        /* Large requests get a block of their own so small ones keep packing. */
        size_t size = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;
        b = pf_xmalloc(sizeof *b + size);
        b->used = 0;
        b->size = size;
        if (a->head && n > ARENA_BLOCK / 4) {
            /* keep the current small block at the head */
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = b->data + b->used;
    b->used += n;
    a->total += n;
    return p;
}

void *pf_arena_alloc(pf_arena_t *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    pf_arena_block_t *b = a->head;
    if (b) { /* text may have left the block's end unaligned */
        size_t aligned = (b->used + 15) & ~(size_t)15;
        b->used = aligned < b->size ? aligned : b->size;
    }
    void *p = arena_take(a, n);
    memset(p, 0, n);
    return p;
}

void *pf_arena_bytes(pf_arena_t *a, size_t n)
{
    return arena_take(a, n);
}

char *pf_arena_strndup(pf_arena_t *a, const char *s, size_t n)
{
    char *p = arena_take(a, n + 1);
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* ---- error records ------------------------------------------------------ */

void pf_err_clear(pf_err_t *e)
{
    memset(e, 0, sizeof *e);
    e->offset = -1;
}

void pf_err_set(pf_err_t *e, const char *kind, unsigned long line, unsigned long column,
                const char *field, const char *fmt, ...)
{
    pf_err_clear(e);
    snprintf(e->kind, sizeof e->kind, "%s", kind ? kind : "");
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    e->line = line;
    e->column = column;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

void pf_errlist_init(pf_errlist_t *l)
{
    l->items = NULL;
    l->count = l->cap = 0;
}

void pf_errlist_delete(pf_errlist_t *l)
{
    free(l->items);
    pf_errlist_init(l);
}

void pf_errlist_reset(pf_errlist_t *l)
{
    l->count = 0;
}

pf_err_t *pf_errlist_add(pf_errlist_t *l)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = pf_xrealloc(l->items, l->cap * sizeof *l->items);
    }
    pf_err_t *e = &l->items[l->count++];
    pf_err_clear(e);
    return e;
}

void pf_errlist_push(pf_errlist_t *l, const pf_err_t *e)
{
    *pf_errlist_add(l) = *e;
}

/* "partnerfit: file:line:column: message" (or shorter when not placed). */
void pf_log_error(FILE *log, const char *file, const pf_err_t *e)
{
    if (e->line && file)
        fprintf(log, "partnerfit: %s:%lu:%lu: %s\n", file, e->line, e->column, e->msg);
    else if (file && file[0])
        fprintf(log, "partnerfit: %s: %s\n", file, e->msg);
    else
        fprintf(log, "partnerfit: %s\n", e->msg);
}

/* ---- text ------------------------------------------------------------------ */

size_t pf_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > PF_EDIT_WORD_MAX || lb > PF_EDIT_WORD_MAX) return SIZE_MAX;
    unsigned char d[PF_EDIT_WORD_MAX + 1][PF_EDIT_WORD_MAX + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (unsigned char)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (unsigned char)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            unsigned cost = a[i - 1] != b[j - 1];
            unsigned best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1u < best) best = d[i - 1][j] + 1u;
            if (d[i][j - 1] + 1u < best) best = d[i][j - 1] + 1u;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1u < best)
                best = d[i - 2][j - 2] + 1u;
            d[i][j] = (unsigned char)best;
        }
    }
    return d[la][lb];
}

/* ---- whole files ------------------------------------------------------- */

int pf_read_file(const char *path, size_t max_bytes, char **out, size_t *len, pf_err_t *err)
{
    return pf_read_file_as(path, NULL, max_bytes, out, len, err);
}

/* Opens a file found by a scan for reading, as pf_read_file_as checks it:
 * the fd, or -1 with err (io.open, io.type, io.changed). *size: its size. */
static int open_scanned(const char *path, const pf_file_id_t *id, off_t *size, pf_err_t *err)
{
    /* O_NONBLOCK: a FIFO swapped in must not block the open */
    int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
    if (id && !id->via_link) flags |= O_NOFOLLOW;
    int fd = open(path, flags);
    if (fd < 0 && errno == ELOOP && id && !id->via_link) {
        pf_err_set(err, "io.changed", 0, 0, "",
                   "the file was replaced by a symbolic link after the folder was scanned; "
                   "it was not read");
        return -1;
    }
    if (fd < 0) {
        pf_err_set(err, "io.open", 0, 0, "", "cannot open the file: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        pf_err_set(err, "io.type", 0, 0, "", "not a regular file");
        close(fd);
        return -1;
    }
    if (id && (id->dev || id->ino) &&
        ((unsigned long long)st.st_dev != id->dev || (unsigned long long)st.st_ino != id->ino)) {
        pf_err_set(err, "io.changed", 0, 0, "",
                   "the file changed between the scan of its folder and the read (it is "
                   "another file now); it was not read");
        close(fd);
        return -1;
    }
    *size = st.st_size;
    return fd;
}

void pf_prefetch_file_as(const char *path, const pf_file_id_t *id)
{
    pf_err_t err;
    off_t size;
    int fd = open_scanned(path, id, &size, &err);
    if (fd < 0) return; /* the read says why, in its turn */
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
    close(fd);
}

int pf_read_file_as(const char *path, const pf_file_id_t *id, size_t max_bytes, char **out,
                    size_t *len, pf_err_t *err)
{
    *out = NULL;
    *len = 0;
    off_t size;
    int fd = open_scanned(path, id, &size, err);
    if (fd < 0) return 0;
    if ((unsigned long long)size > max_bytes) {
        pf_err_set(err, "io.size", 0, 0, "", "the file is %lld bytes; the limit is %zu",
                   (long long)size, max_bytes);
        close(fd);
        return 0;
    }
    /* Read at most one byte more than allowed: a file still growing is caught. */
    size_t cap = (size_t)size + 1, n = 0;
    char *buf = pf_xmalloc(cap + 1);
    for (;;) {
        if (n == cap) {
            if (cap > max_bytes) break;
            cap = cap * 2 > max_bytes + 1 ? max_bytes + 1 : cap * 2;
            buf = pf_xrealloc(buf, cap + 1);
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            pf_err_set(err, "io.read", 0, 0, "", "cannot read the file: %s", strerror(errno));
            free(buf);
            close(fd);
            return 0;
        }
        if (got == 0) break;
        n += (size_t)got;
    }
    close(fd);
    if (n > max_bytes) {
        pf_err_set(err, "io.size", 0, 0, "", "the file is over the limit of %zu bytes", max_bytes);
        free(buf);
        return 0;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 1;
}

/* ---- text shown to people ------------------------------------------------ */

/* Length of the valid, printable UTF-8 sequence at s[i] (of n), or 0 when
 * the byte there must be escaped. */
static size_t shown_len(const unsigned char *s, size_t i, size_t n, int keep_lines)
{
    unsigned char c = s[i];
    if (c < 0x80) return c >= 0x20 && c != 0x7F ? 1 : keep_lines && (c == '\n' || c == '\t');
    size_t len = c >= 0xC2 && c <= 0xDF   ? 2
                 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4
                                          : 0;
    if (len == 0 || i + len > n) return 0;
    for (size_t k = 1; k < len; k++)
        if ((s[i + k] & 0xC0) != 0x80) return 0;
    if (c == 0xC2 && s[i + 1] < 0xA0) return 0; /* C1 control characters */
    return len;
}

/* Whether all 8 bytes of w are printable ASCII (0x20..0x7E): no byte under
 * 0x20 and none over 0x7E, tested on the whole word at once (the "hasless"
 * and "hasmore" bit tricks; exact for these bounds). */
static int word_printable(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t below = (w - ones * 0x20) & ~w & highs;
    uint64_t above = ((w + ones * (127 - 0x7E)) | w) & highs;
    return (below | above) == 0;
}

int pf_text_clean(const char *text, size_t n, int keep_lines)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    /* Report text is mostly printable ASCII: 8 bytes a step until a byte
     * that needs the character-by-character check below. */
    for (uint64_t w; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        if (!word_printable(w)) break;
    }
    while (i < n) {
        size_t len = shown_len(s, i, n, keep_lines);
        if (len == 0) return 0;
        i += len;
    }
    return 1;
}

void pf_text_escape(pf_buf_t *out, const char *text, size_t n, int keep_lines)
{
    const unsigned char *s = (const unsigned char *)text;
    int clean = pf_text_clean(text, n, keep_lines);
    for (size_t i = 0; i < n;) {
        size_t len = shown_len(s, i, n, keep_lines);
        if (len == 0 || (!clean && s[i] == '\\')) {
            pf_buf_printf(out, "\\x%02X", s[i]);
            i++;
        } else {
            pf_buf_add(out, s + i, len);
            i += len;
        }
    }
}
