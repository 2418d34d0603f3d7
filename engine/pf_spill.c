/*
 * pf_spill.c - logs and sets that move from memory to unlinked files.
 *
 * The set is open addressing with linear probing over 16-byte slots
 * (a 64-bit hash of the key, never 0, and the offset of the key's record
 * in the log). On disk a lookup reads one run of slots with one pread and
 * compares hashes; only a slot whose hash matches costs a second read, of
 * the record, to compare the key's bytes. Growth doubles the table into a
 * new file at 3/4, so a set of n keys costs O(n) I/O in all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pf_spill.h"

#define LOG_CHUNK ((size_t)64 << 10) /* a log on disk writes in pieces this big */
#define PROBE_RUN 64                 /* slots read at once on disk */

size_t pf_spill_budget(void)
{
    const char *v = getenv("PARTNERFIT_SPILL_BYTES");
    char *end;
    unsigned long long n = v && *v ? strtoull(v, &end, 10) : 0;
    return v && *v && !*end ? (size_t)n : PF_SPILL_BUDGET;
}

int pf_spill_tmpfile(const char *dir)
{
    pf_buf_t path;
    pf_buf_init(&path);
    pf_buf_printf(&path, "%s/.spill.tmp.XXXXXX", dir);
    int fd = mkstemp(path.data);
    if (fd >= 0) unlink(path.data); /* gone with the last descriptor, whatever ends the run */
    int e = errno;
    pf_buf_delete(&path);
    errno = e;
    return fd;
}

static int write_all(int fd, const void *p, size_t n, uint64_t off)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = pwrite(fd, c, n, (off_t)off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return 0;
        c += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 1;
}

static int read_all(int fd, void *p, size_t n, uint64_t off)
{
    char *c = p;
    while (n > 0) {
        ssize_t r = pread(fd, c, n, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r == 0) errno = EIO; /* shorter than it should be */
            return 0;
        }
        c += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 1;
}

/* ---- logs ------------------------------------------------------------------------ */

void pf_spill_log_init(pf_spill_log_t *l, const char *dir, size_t budget)
{
    memset(l, 0, sizeof *l);
    l->dir = dir ? pf_xstrdup(dir) : NULL;
    l->fd = -1;
    l->budget = budget;
}

void pf_spill_log_delete(pf_spill_log_t *l)
{
    if (l->fd >= 0) close(l->fd);
    pf_buf_delete(&l->buf);
    free(l->dir);
    memset(l, 0, sizeof *l);
    l->fd = -1;
}

int pf_spill_log_flush(pf_spill_log_t *l)
{
    if (l->err) return 0;
    if (l->fd < 0 || l->buf.len == 0) return 1;
    if (!write_all(l->fd, l->buf.data, l->buf.len, l->on_disk)) {
        l->err = errno ? errno : EIO;
        return 0;
    }
    l->on_disk += l->buf.len;
    pf_buf_reset(&l->buf);
    return 1;
}

uint64_t pf_spill_log_add(pf_spill_log_t *l, const void *p, size_t n)
{
    if (l->err) return UINT64_MAX;
    uint64_t off = pf_spill_log_size(l);
    pf_buf_add(&l->buf, p, n);
    /* in memory up to the budget; on disk, written a chunk at a time */
    size_t limit = l->fd >= 0 ? LOG_CHUNK : l->budget;
    if (l->dir && l->buf.len > limit) {
        if (l->fd < 0 && (l->fd = pf_spill_tmpfile(l->dir)) < 0) {
            l->err = errno;
            return UINT64_MAX;
        }
        if (!pf_spill_log_flush(l)) return UINT64_MAX;
        if (l->buf.cap > 2 * LOG_CHUNK) { /* give back what the memory phase took */
            pf_buf_delete(&l->buf);
            pf_buf_init(&l->buf);
        }
    }
    return off;
}

int pf_spill_log_read(const pf_spill_log_t *l, uint64_t off, void *out, size_t n)
{
    char *o = out;
    if (off < l->on_disk) {
        size_t part = off + n <= l->on_disk ? n : (size_t)(l->on_disk - off);
        if (!read_all(l->fd, o, part, off)) return 0;
        o += part;
        off += part;
        n -= part;
    }
    if (n == 0) return 1;
    if (off - l->on_disk + n > l->buf.len) return 0;
    memcpy(o, l->buf.data + (off - l->on_disk), n);
    return 1;
}

/* ---- sets ------------------------------------------------------------------------ */

/* 64-bit FNV-1a of the key; 0 is kept for free slots. */
static uint64_t key_hash(const void *key, size_t n)
{
    const unsigned char *p = key;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    h ^= h >> 29; /* the table takes the low bits: mix the high ones in */
    return h ? h : 1;
}

void pf_spill_set_init(pf_spill_set_t *s, const char *dir, size_t budget)
{
    memset(s, 0, sizeof *s);
    pf_spill_log_init(&s->records, dir, budget / 2);
    s->slot_fd = -1;
    s->budget = budget;
}

void pf_spill_set_delete(pf_spill_set_t *s)
{
    pf_spill_log_delete(&s->records);
    free(s->slots);
    if (s->slot_fd >= 0) close(s->slot_fd);
    memset(s, 0, sizeof *s);
    s->slot_fd = -1;
}

int pf_spill_set_flush(pf_spill_set_t *s)
{
    return pf_spill_log_flush(&s->records);
}

/* A record: key length and value length (4 bytes each), key, value. */
typedef struct record_head {
    uint32_t klen, vlen;
} record_head_t;

/* Whether the record at off holds key; its value appended to first when
 * it does. -1 on a read error. */
static int record_is(const pf_spill_set_t *s, uint64_t off, const void *key, size_t klen,
                     pf_buf_t *first)
{
    record_head_t h;
    if (!pf_spill_log_read(&s->records, off, &h, sizeof h)) return -1;
    if (h.klen != klen) return 0;
    char small[256];
    char *k = klen <= sizeof small ? small : pf_xmalloc(klen);
    int same =
        pf_spill_log_read(&s->records, off + sizeof h, k, klen) ? memcmp(k, key, klen) == 0 : -1;
    if (k != small) free(k);
    if (same == 1 && first) {
        char *v = pf_buf_reserve(first, h.vlen);
        if (!pf_spill_log_read(&s->records, off + sizeof h + klen, v, h.vlen)) return -1;
        pf_buf_commit(first, h.vlen);
    }
    return same;
}

/* Looks key up: 1 found (value to first), 0 not found with the free slot
 * it would take in *free_at, -1 on an I/O error. */
static int probe(const pf_spill_set_t *s, uint64_t hash, const void *key, size_t klen,
                 pf_buf_t *first, size_t *free_at)
{
    if (s->cap == 0) {
        *free_at = 0;
        return 0;
    }
    uint64_t run[2 * PROBE_RUN];
    size_t i = (size_t)hash & (s->cap - 1);
    for (;;) {
        size_t n = s->cap - i < PROBE_RUN ? s->cap - i : PROBE_RUN;
        const uint64_t *slot = s->slots ? s->slots + 2 * i : run;
        if (!s->slots && !read_all(s->slot_fd, run, n * 2 * sizeof *run, (uint64_t)i * 16))
            return -1;
        for (size_t j = 0; j < n; j++) {
            if (slot[2 * j] == 0) {
                *free_at = i + j;
                return 0;
            }
            if (slot[2 * j] != hash) continue;
            int same = record_is(s, slot[2 * j + 1], key, klen, first);
            if (same) return same;
        }
        i = (i + n) & (s->cap - 1);
    }
}

static int put_slot(pf_spill_set_t *s, size_t i, uint64_t hash, uint64_t off)
{
    if (s->slots) {
        s->slots[2 * i] = hash;
        s->slots[2 * i + 1] = off;
        return 1;
    }
    uint64_t pair[2] = {hash, off};
    return write_all(s->slot_fd, pair, sizeof pair, (uint64_t)i * 16);
}

/* The table, doubled (or first made); on disk when memory would pass the
 * budget. 0 on an I/O error. */
static int grow(pf_spill_set_t *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    int to_disk = s->records.dir && (s->slot_fd >= 0 || cap * 16 > s->budget / 2);
    pf_spill_set_t next = *s;
    next.cap = cap;
    next.slots = NULL;
    next.slot_fd = -1;
    if (to_disk) {
        if ((next.slot_fd = pf_spill_tmpfile(s->records.dir)) < 0) return 0;
        if (ftruncate(next.slot_fd, (off_t)(cap * 16)) != 0) {
            close(next.slot_fd);
            return 0;
        }
    } else {
        next.slots = pf_xcalloc(cap, 16);
    }
    /* every slot of the old table into the new one, PROBE_RUN at a time */
    uint64_t run[2 * PROBE_RUN];
    int ok = 1;
    for (size_t i = 0; ok && i < s->cap; i += PROBE_RUN) {
        size_t n = s->cap - i < PROBE_RUN ? s->cap - i : PROBE_RUN;
        const uint64_t *slot = s->slots ? s->slots + 2 * i : run;
        if (!s->slots) ok = read_all(s->slot_fd, run, n * 16, (uint64_t)i * 16);
        for (size_t j = 0; ok && j < n; j++) {
            if (slot[2 * j] == 0) continue;
            size_t at = (size_t)slot[2 * j] & (cap - 1);
            if (next.slots) { /* in memory: the first free slot */
                while (next.slots[2 * at])
                    at = (at + 1) & (cap - 1);
            } else { /* on disk: keys differ, so any free slot found is it */
                ok = probe(&next, slot[2 * j], NULL, 0, NULL, &at) == 0;
            }
            ok = ok && put_slot(&next, at, slot[2 * j], slot[2 * j + 1]);
        }
    }
    if (!ok) {
        if (next.slot_fd >= 0) close(next.slot_fd);
        free(next.slots);
        return 0;
    }
    free(s->slots);
    if (s->slot_fd >= 0) close(s->slot_fd);
    s->slots = next.slots;
    s->slot_fd = next.slot_fd;
    s->cap = cap;
    return 1;
}

int pf_spill_set_claim(pf_spill_set_t *s, const void *key, size_t klen, const void *val,
                       size_t vlen, pf_buf_t *first)
{
    if (s->err || s->records.err) return -1;
    if (4 * (s->count + 1) > 3 * s->cap && !grow(s)) {
        s->err = errno ? errno : EIO;
        return -1;
    }
    uint64_t hash = key_hash(key, klen);
    size_t at;
    int found = probe(s, hash, key, klen, first, &at);
    if (found < 0) {
        s->err = errno ? errno : EIO;
        return -1;
    }
    if (found == 1) return 0; /* claimed before */
    record_head_t h = {(uint32_t)klen, (uint32_t)vlen};
    uint64_t off = pf_spill_log_add(&s->records, &h, sizeof h);
    if (off != UINT64_MAX) pf_spill_log_add(&s->records, key, klen);
    if (off != UINT64_MAX && vlen) pf_spill_log_add(&s->records, val, vlen);
    if (off == UINT64_MAX || s->records.err || !put_slot(s, at, hash, off)) {
        s->err = s->records.err ? s->records.err : errno ? errno : EIO;
        return -1;
    }
    s->count++;
    return 1;
}

int pf_spill_set_find(const pf_spill_set_t *s, const void *key, size_t klen, pf_buf_t *first)
{
    size_t at;
    return probe(s, key_hash(key, klen), key, klen, first, &at);
}
