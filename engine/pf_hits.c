/*
 * pf_hits.c - per-intake rule hits and their text form (see pf_hits.h).
 */
#include <math.h>
#include <stdlib.h>

#include "pf_hits.h"

void pf_hits_init(pf_hits_t *h)
{
    h->items = NULL;
    h->count = h->cap = 0;
}

void pf_hits_delete(pf_hits_t *h)
{
    free(h->items);
    pf_hits_init(h);
}

void pf_hits_push(pf_hits_t *h, size_t rule, double points)
{
    if (h->count == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 32;
        h->items = pf_xrealloc(h->items, h->cap * sizeof *h->items);
    }
    h->items[h->count++] = (pf_hit_t){rule, points};
}

void pf_hits_text(pf_buf_t *out, const pf_hit_t *hits, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double p = hits[i].points;
        pf_buf_addint(out, (long long)hits[i].rule);
        pf_buf_addc(out, ':');
        /* whole numbers as %.17g writes them, without printf (-0 aside) */
        if (fabs(p) < 1e15 && p == (double)(long long)p && !signbit(p))
            pf_buf_addint(out, (long long)p);
        else
            pf_buf_printf(out, "%.17g", p);
        pf_buf_addc(out, ';');
    }
}

size_t pf_hits_parse(pf_hits_t *h, const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    size_t added = 0;
    while (p < end) {
        char *next;
        unsigned long rule = strtoul(p, &next, 10);
        if (next == p || next >= end || *next != ':') break;
        double points = strtod(next + 1, &next);
        if (next > end) break;
        pf_hits_push(h, rule, points);
        added++;
        p = next < end && *next == ';' ? next + 1 : end;
    }
    return added;
}
