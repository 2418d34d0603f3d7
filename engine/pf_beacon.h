/*
 * pf_beacon.h - what a worker process is doing, in memory its supervisor
 * can read while the worker is busy, stuck or already dead.
 *
 * A rule can stop inside one C call (a pattern search with a huge number
 * of start positions, say) where no Lua hook and no deadline check runs.
 * Only something outside the process can stop that, and to do it well it
 * must know three things the worker alone knows: until when the worker
 * may run rule code, which rule it is in, and which intake it is on. The
 * worker writes them here (an anonymous shared mapping made before the
 * fork); the supervisor reads them (pf_procs.c) and, after killing the
 * worker, names the rule in the intake's reject.
 *
 * Plain loads and stores of lock-free atomics: a worker writes each field
 * on its own and the supervisor never needs them to agree with each other
 * more than "the rule that was running when the deadline passed".
 *
 * Owns: nothing. The mapping belongs to pf_procs; an evaluator is given a
 * pointer to its worker's beacon (pf_eval_set_beacon) and writes it.
 */
#ifndef PF_BEACON_H
#define PF_BEACON_H

#include <stdatomic.h>

typedef struct pf_beacon {
    atomic_llong deadline_ns; /* monotonic ns after which rule code overran; 0: none runs */
    atomic_int rule;          /* the rule running (1-based load order); 0: none */
    atomic_ullong item;       /* the item (input file) the worker is on */
    atomic_ulong doc;         /* the document of that file being read or evaluated (1-based) */
    atomic_ulong line;        /* the line that document starts on */
    /* For a watcher that knows nothing of the pack (pf_guard): the rule
     * running or the rule file loading, in words. Read only once the
     * worker is dead, so plain bytes do. */
    char what[256];
} pf_beacon_t;

static inline void pf_beacon_reset(pf_beacon_t *b)
{
    atomic_store_explicit(&b->deadline_ns, 0, memory_order_relaxed);
    atomic_store_explicit(&b->rule, 0, memory_order_relaxed);
    atomic_store_explicit(&b->item, 0, memory_order_relaxed);
    atomic_store_explicit(&b->doc, 0, memory_order_relaxed);
    atomic_store_explicit(&b->line, 0, memory_order_relaxed);
    b->what[0] = '\0';
}

#endif
