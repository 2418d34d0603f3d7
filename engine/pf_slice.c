/*
 * pf_slice.c - a run's share of the scan and the paths its reports show,
 * kept in spill logs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pf_common.h"
#include "pf_hash.h"
#include "pf_slice.h"

/* A file's record in the index log; its strings (path, then the reason and
 * the shown path when it has them, each with its NUL) in the strings log. */
typedef struct record {
    uint64_t strings; /* offset in the strings log */
    uint64_t dev, ino;
    uint64_t entry;
    uint32_t nbytes; /* of its strings */
    uint32_t flags;
} record_t;

#define HAS_REASON 1u
#define HAS_SHOWN 2u
#define VIA_LINK 4u

void pf_slice_init(pf_slice_t *s, const char *dir, size_t shard_k, size_t shard_n)
{
    memset(s, 0, sizeof *s);
    size_t budget = pf_spill_budget();
    pf_spill_log_init(&s->index, dir, budget / 2);
    pf_spill_log_init(&s->strings, dir, budget / 2);
    s->shard_k = shard_k;
    s->shard_n = shard_n;
}

void pf_slice_delete(pf_slice_t *s)
{
    pf_spill_log_delete(&s->index);
    pf_spill_log_delete(&s->strings);
    memset(s, 0, sizeof *s);
    s->index.fd = s->strings.fd = -1;
}

char *pf_slice_escape(const char *p)
{
    size_t n = strlen(p);
    if (pf_text_clean(p, n, 0)) return NULL;
    pf_buf_t out;
    pf_buf_init(&out);
    pf_text_escape(&out, p, n, 0); /* the one escaping of text shown to people */
    return out.data;
}

int pf_slice_add(void *slice, const pf_scan_entry_t *e)
{
    pf_slice_t *s = slice;
    size_t entry = s->offered++;
    if (entry >= UINT32_MAX - 1) { /* ids name their first file in 32 bits */
        if (!s->index.err) s->index.err = EOVERFLOW;
        return 0;
    }
    if (s->shard_n && pf_hash_str(e->path) % s->shard_n != s->shard_k) return 1;
    char *shown = pf_slice_escape(e->path);
    record_t r = {0, e->id.dev, e->id.ino, entry, 0, 0};
    r.flags = (e->skip_reason ? HAS_REASON : 0) | (shown ? HAS_SHOWN : 0) |
              (e->id.via_link ? VIA_LINK : 0);
    size_t np = strlen(e->path) + 1, nr = e->skip_reason ? strlen(e->skip_reason) + 1 : 0,
           ns = shown ? strlen(shown) + 1 : 0;
    r.nbytes = (uint32_t)(np + nr + ns);
    r.strings = pf_spill_log_add(&s->strings, e->path, np);
    if (nr) pf_spill_log_add(&s->strings, e->skip_reason, nr);
    if (ns) pf_spill_log_add(&s->strings, shown, ns);
    free(shown);
    if (r.strings == UINT64_MAX || s->strings.err) return 0;
    if (pf_spill_log_add(&s->index, &r, sizeof r) == UINT64_MAX) return 0;
    s->count++;
    return 1;
}

int pf_slice_finish(pf_slice_t *s)
{
    return pf_spill_log_flush(&s->index) && pf_spill_log_flush(&s->strings);
}

int pf_slice_error(const pf_slice_t *s)
{
    return s->index.err ? s->index.err : s->strings.err;
}

int pf_slice_get(const pf_slice_t *s, size_t index, pf_slice_item_t *item, pf_buf_t *scratch)
{
    record_t r;
    if (index >= s->count ||
        !pf_spill_log_read(&s->index, (uint64_t)index * sizeof r, &r, sizeof r))
        return 0;
    pf_buf_reset(scratch);
    char *p = pf_buf_reserve(scratch, r.nbytes);
    if (!pf_spill_log_read(&s->strings, r.strings, p, r.nbytes)) return 0;
    pf_buf_commit(scratch, r.nbytes);
    item->entry = (size_t)r.entry;
    item->path = p;
    p += strlen(p) + 1;
    item->skip_reason = NULL;
    if (r.flags & HAS_REASON) {
        item->skip_reason = p;
        p += strlen(p) + 1;
    }
    item->shown = r.flags & HAS_SHOWN ? p : item->path;
    item->id.dev = r.dev;
    item->id.ino = r.ino;
    item->id.via_link = (r.flags & VIA_LINK) != 0;
    return 1;
}
