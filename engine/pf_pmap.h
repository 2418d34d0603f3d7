/*
 * pf_pmap.h - an ordered parallel map. Items 0..n-1 are produced by worker
 * threads in any order and consumed on the caller's thread strictly in index
 * order, with at most `window` items produced but not yet consumed, so the
 * output is the same whatever the number of threads and memory stays flat
 * however many items there are.
 *
 * Owns: nothing; the caller owns the workers' state and the slots, and each
 * slot is used by one thread at a time (the producer, then the consumer).
 */
#ifndef PF_PMAP_H
#define PF_PMAP_H

#include <stddef.h>

/* Fills slot for item index, using one worker's private state. */
typedef void (*pf_pmap_produce_fn)(void *worker, size_t index, void *slot);
/* Uses and empties slot for item index. Returns 0 to stop the run early. */
typedef int (*pf_pmap_consume_fn)(void *ctx, size_t index, void *slot);

typedef struct pf_pmap_job {
    size_t n;        /* items */
    size_t nworkers; /* threads; each gets workers[i] */
    void **workers;
    size_t window; /* slots; item i uses slots[i % window] */
    void **slots;
    pf_pmap_produce_fn produce;
    pf_pmap_consume_fn consume;
    void *ctx; /* for consume */
} pf_pmap_job_t;

/* Runs the job. Returns the number of items consumed (n unless consume
 * stopped early), or (size_t)-1 if threads could not be started. */
size_t pf_pmap_run(const pf_pmap_job_t *job);

#endif
