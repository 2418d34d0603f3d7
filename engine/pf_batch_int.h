/*
 * pf_batch_int.h - private to pf_batch.c and pf_merge.c: what a run and a
 * merge share. Both load the same configuration, take the output folder's
 * lock, write the same result files with the same unique-id check, and
 * finish with the manifest; only where the intakes come from differs
 * (evaluated from the inputs, or copied from the shards).
 *
 * Owns: everything in pf_batch_core_t, freed by pf_batch_core_delete.
 */
#ifndef PF_BATCH_INT_H
#define PF_BATCH_INT_H

#include <stdio.h>

#include "pf_batch.h"
#include "pf_config.h"
#include "pf_idset.h"
#include "pf_manifest.h"
#include "pf_results.h"

typedef struct pf_batch_core {
    const pf_batch_options_t *opt;
    FILE *log;
    pf_batch_stats_t *stats;
    pf_config_t cfg;        /* policy, schema, evaluator settings */
    pf_eval_t *ev;          /* the first evaluator: report names, digests */
    pf_results_t res;       /* the output folder's files */
    pf_idset_t ids;         /* unique ids, in input order */
    pf_manifest_t manifest; /* what the manifest names */
    int lock_fd;
    int prev_briefs;          /* the previous manifest in the folder lists briefs.csv */
    struct pf_briefs *briefs; /* run --briefs: put in place with the reports; else NULL */
} pf_batch_core_t;

/* Starts a core with the options; stats are zeroed. */
void pf_batch_core_init(pf_batch_core_t *c, const pf_batch_options_t *opt, pf_batch_stats_t *stats,
                        FILE *log);
void pf_batch_core_delete(pf_batch_core_t *c);

/* Loads the policy, schema and rule pack (the first evaluator); 0 after
 * saying why. */
int pf_batch_configure(pf_batch_core_t *c);
/* Creates the output folder and takes its lock: PF_EXIT_OK, or the exit
 * code to stop with (busy, or an I/O error) after saying why. Leftovers of
 * killed runs are swept once the lock is held. */
int pf_batch_lock(pf_batch_core_t *c);
/* Opens the result files the options ask for; 0 after saying why. */
int pf_batch_open(pf_batch_core_t *c);
/* Closes the result files, writes index.html and the manifest, and
 * commits them all (the briefs of run --briefs just before); removes the
 * previous run's briefs when this one wrote none. */
int pf_batch_finish(pf_batch_core_t *c);
/* The outcome of a run or merge that finished, as an exit code. */
int pf_batch_exit_code(const pf_batch_core_t *c);

#endif
