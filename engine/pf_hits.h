/*
 * pf_hits.h - what the rules that fired did to one intake: for each, its
 * place in the pack's load order and the points it moved. An evaluation
 * appends them (pf_eval_run); the run adds them up into rule_hits.csv in
 * input order (pf_results), so the totals never depend on which worker saw
 * which intake; the per-intake record files keep them as text (pf_ledger)
 * for --incremental and merge, which read them back with pf_hits_parse.
 *
 * The text form is "INDEX:POINTS;" per rule, INDEX 1-based, POINTS as
 * "%.17g" writes them (whole numbers without printf): it reads back to the
 * same double, so a reused or merged intake adds exactly what it added.
 *
 * Owns: a pf_hits_t owns its items until pf_hits_delete().
 */
#ifndef PF_HITS_H
#define PF_HITS_H

#include <stddef.h>

#include "pf_common.h"

typedef struct pf_hit {
    size_t rule;   /* 1-based place in load order */
    double points; /* points moved (absolute), exclusions, steps */
} pf_hit_t;

typedef struct pf_hits {
    pf_hit_t *items;
    size_t count, cap;
} pf_hits_t;

void pf_hits_init(pf_hits_t *h);
void pf_hits_delete(pf_hits_t *h);
void pf_hits_push(pf_hits_t *h, size_t rule, double points);

/* Appends n hits to out in the text form. */
void pf_hits_text(pf_buf_t *out, const pf_hit_t *hits, size_t n);
/* Appends the hits of a text form to h, up to the first malformed entry
 * (the rest is ignored, as a damaged record's would be); returns how many. */
size_t pf_hits_parse(pf_hits_t *h, const char *text, size_t len);

#endif
