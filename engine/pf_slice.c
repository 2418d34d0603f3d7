/*
 * pf_slice.c - a run's share of the scan and the paths its reports show.
 */
#include <stdlib.h>
#include <string.h>

#include "pf_common.h"
#include "pf_hash.h"
#include "pf_slice.h"

/* A path as reports show it, when that differs from the path itself. */
struct pf_slice_display {
    uint32_t entry;
    char *text;
};

void pf_slice_init(pf_slice_t *s)
{
    memset(s, 0, sizeof *s);
}

void pf_slice_delete(pf_slice_t *s)
{
    for (size_t i = 0; i < s->ndisplay; i++)
        free(s->display[i].text);
    free(s->display);
    free(s->order);
    pf_slice_init(s);
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

const char *pf_slice_path(const pf_slice_t *s, size_t entry)
{
    size_t lo = 0, hi = s->ndisplay; /* s->display is in entry order */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->display[mid].entry == entry) return s->display[mid].text;
        if (s->display[mid].entry < entry)
            lo = mid + 1;
        else
            hi = mid;
    }
    return s->scan->items[entry].path;
}

int pf_slice_take(pf_slice_t *s, const pf_scan_t *scan, size_t shard_k, size_t shard_n, FILE *log)
{
    s->scan = scan;
    if (scan->count >= UINT32_MAX) {
        fprintf(log, "partnerfit: more than %lu files; split the input into several runs\n",
                (unsigned long)UINT32_MAX - 1);
        return 0;
    }
    size_t cap = 0;
    for (size_t i = 0; i < scan->count; i++) {
        char *text = pf_slice_escape(scan->items[i].path);
        if (!text) continue;
        if (s->ndisplay == cap) {
            cap = cap ? cap * 2 : 16;
            s->display = pf_xrealloc(s->display, cap * sizeof *s->display);
        }
        s->display[s->ndisplay].entry = (uint32_t)i;
        s->display[s->ndisplay++].text = text;
    }
    if (!shard_n) {
        s->count = scan->count;
        return 1;
    }
    size_t n = 0;
    for (size_t i = 0; i < scan->count; i++)
        n += pf_hash_str(scan->items[i].path) % shard_n == shard_k;
    s->order = pf_xmalloc((n ? n : 1) * sizeof *s->order);
    s->count = 0;
    for (size_t i = 0; i < scan->count; i++)
        if (pf_hash_str(scan->items[i].path) % shard_n == shard_k)
            s->order[s->count++] = (uint32_t)i;
    return 1;
}
