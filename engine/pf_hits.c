/*
 * pf_hits.c - per-intake rule hits and their text form (see pf_hits.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    /* Each token is copied out before strtoul/strtod read it: text is len
     * bytes of a record, not a C string, and they would read on past it. */
    const char *p = text, *end = text + len;
    size_t added = 0;
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        size_t n = (size_t)((semi ? semi : end) - p);
        char tok[64];
        if (n == 0 || n >= sizeof tok) break;
        memcpy(tok, p, n);
        tok[n] = '\0';
        char *colon = strchr(tok, ':'), *stop;
        if (!colon || colon == tok) break;
        *colon = '\0';
        unsigned long rule = strtoul(tok, &stop, 10);
        if (*stop) break;
        double points = strtod(colon + 1, &stop);
        if (stop == colon + 1 || *stop) break;
        pf_hits_push(h, rule, points);
        added++;
        p = semi ? semi + 1 : end;
    }
    return added;
}
