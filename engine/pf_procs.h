/*
 * pf_procs.h - a pool of worker processes under a supervisor that can stop
 * them whatever they are doing.
 *
 * Items 0..n-1 (input files, for a run) are handed out in increasing order
 * to worker processes forked from the caller; a worker sends what it makes
 * of an item as messages, which the supervisor (the calling process) gets
 * in the order that worker sent them, then a "done" for the item. Items
 * finish in any order; the caller puts them back in order (pf_batch.c), and
 * the pool hands out no item more than `window` past the lowest one not
 * done, so what waits to be put in order stays bounded.
 *
 * Why processes: a thread stuck inside one C call cannot be stopped from
 * outside, a process can. Each worker reports in its beacon (pf_beacon.h)
 * the deadline of the rule code it runs; a worker still there
 * `overrun_seconds` after it is killed (SIGKILL), and so is one that dies on
 * its own (a crash, the kernel's memory limit). Either way the caller's
 * `lost` callback says what becomes of the item (usually: a reject for the
 * document that was running, and the rest of the file from the next
 * document on), and a new worker is forked from the supervisor, which
 * still holds the pristine state every worker started from.
 *
 * Owns: the workers, their sockets and the shared beacons; all are gone
 * when pf_procs_run returns. Nothing here is global.
 */
#ifndef PF_PROCS_H
#define PF_PROCS_H

#include <stddef.h>

#include "pf_beacon.h"

/* The worker side of one worker, for pf_procs_send. */
typedef struct pf_procs_worker pf_procs_worker_t;

/* What the supervisor knows of a worker that stopped in the middle of an
 * item. */
typedef struct pf_procs_loss {
    int killed;         /* 1: stopped for running past its deadline */
    int status;         /* waitpid status (meaningful when not killed) */
    unsigned long doc;  /* beacon: the document it was on (0: none yet) */
    unsigned long line; /* beacon: where that document starts (0: not said) */
    int rule;           /* beacon: the rule running (0: none) */
    double seconds;     /* how long its rule code had been running, when killed */
} pf_procs_loss_t;

typedef struct pf_procs_job {
    size_t n;        /* items */
    size_t nworkers; /* processes at once (at least 1) */
    size_t window;   /* items past the lowest one not done, at most */
    double overrun_seconds;
    size_t mem_limit; /* RLIMIT_AS added to a worker's size at start; 0: none */

    /* In a worker process. start: once, right after the fork. work: one
     * item, from document `resume` + 1 on (0: all of it); sends messages.
     * finish: before a worker leaves because no more items will come. */
    void (*start)(void *wctx, pf_beacon_t *beacon);
    void (*work)(void *wctx, pf_procs_worker_t *w, size_t item, size_t resume);
    void (*finish)(void *wctx, pf_procs_worker_t *w);
    void *wctx;

    /* In the supervisor. message: one message of item (SIZE_MAX for one
     * sent by finish). done: the item has no more messages. lost: the
     * worker on item stopped; returns the `resume` to hand the item out
     * again with, or (size_t)-1 when the item is done. Each returns 0 (lost:
     * may not) to stop the whole run. */
    int (*message)(void *ctx, size_t item, const char *data, size_t len);
    int (*done)(void *ctx, size_t item);
    size_t (*lost)(void *ctx, size_t item, const pf_procs_loss_t *loss);
    /* optional: 1 when the work of a worker in rule code (rule: the rule it
     * is in) is no longer wanted; it is then stopped like one that overran */
    int (*doomed)(void *ctx, int rule);
    /* optional: item will be handed out soon (the pool calls it for each
     * item in order, a few queues' worth before it hands the item out), so
     * that its input can be on its way while the workers are busy */
    void (*ahead)(void *ctx, size_t item);
    void *ctx;
} pf_procs_job_t;

/* Sends one message for the item being worked on (in a worker), in order
 * but not at once (see pf_procs_flush). A worker whose supervisor is gone
 * exits. */
void pf_procs_send(pf_procs_worker_t *w, const void *data, size_t len);

/* pf_procs_send in two halves, for a message made in place rather than
 * copied in: pf_procs_begin returns the buffer to append the message to
 * (appending only; nothing else is sent until pf_procs_end), and
 * pf_procs_end sends what was appended as one message. */
struct pf_buf *pf_procs_begin(pf_procs_worker_t *w);
void pf_procs_end(pf_procs_worker_t *w);

/* Sends what pf_procs_send has kept back (in a worker). Call it before
 * work the supervisor may stop the worker in, so what came before is
 * already with the supervisor; the end of an item flushes by itself. */
void pf_procs_flush(pf_procs_worker_t *w);

/* Runs the job. Returns 1 when every item is done, 0 when a callback
 * stopped the run, -1 when workers could not be started (after saying why
 * on errno). */
int pf_procs_run(const pf_procs_job_t *job);

#endif
