/*
 * pf_pmap.c - ordered parallel map over POSIX threads (see pf_pmap.h).
 *
 * Wake-ups are what this costs: with one condition broadcast per item in
 * each direction, a run spent a tenth of its time switching threads. So
 * each side signals only when the other is actually asleep, and the
 * consumer sleeps until a batch of items is ready (or no more will come),
 * not until the next one is.
 */
#include <pthread.h>
#include <stdlib.h>

#include "pf_common.h"
#include "pf_pmap.h"

typedef struct pmap {
    const pf_pmap_job_t *job;
    pthread_mutex_t lock;
    pthread_cond_t ready_cond; /* an item became ready */
    pthread_cond_t space_cond; /* a slot was freed, or the run stops */
    size_t next;               /* next item to hand out */
    size_t consumed;           /* items consumed so far */
    size_t produced;           /* items produced so far, in any order */
    unsigned char *ready;      /* per slot */
    size_t batch;              /* items the consumer lets pile up before it wakes */
    size_t wake_at;            /* the consumer sleeps until produced >= wake_at... */
    size_t wait_slot;          /* ...and this slot is ready; SIZE_MAX: it is awake */
    size_t workers_waiting;    /* workers asleep on a full window */
    int stop;
} pmap_t;

typedef struct worker_arg {
    pmap_t *map;
    void *worker;
} worker_arg_t;

/* Hands out the next item, waiting while the window is full; SIZE_MAX when
 * there is nothing left to do. Called with the lock held. */
static size_t take_item(pmap_t *p)
{
    const pf_pmap_job_t *job = p->job;
    while (!p->stop && p->next < job->n && p->next >= p->consumed + job->window) {
        p->workers_waiting++;
        pthread_cond_wait(&p->space_cond, &p->lock);
        p->workers_waiting--;
    }
    if (p->stop || p->next >= job->n) return (size_t)-1;
    return p->next++;
}

static void *worker_main(void *arg)
{
    worker_arg_t *a = arg;
    pmap_t *p = a->map;
    const pf_pmap_job_t *job = p->job;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        size_t i = take_item(p);
        if (i == (size_t)-1) break;
        pthread_mutex_unlock(&p->lock);
        job->produce(a->worker, i, job->slots[i % job->window]);
        pthread_mutex_lock(&p->lock);
        p->ready[i % job->window] = 1;
        p->produced++;
        if (p->wait_slot != (size_t)-1 && p->ready[p->wait_slot] && p->produced >= p->wake_at)
            pthread_cond_signal(&p->ready_cond); /* only the consumer waits on it */
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Consumes items in order on the calling thread. */
static size_t consume_in_order(pmap_t *p)
{
    const pf_pmap_job_t *job = p->job;
    size_t i;
    for (i = 0; i < job->n; i++) {
        size_t s = i % job->window;
        pthread_mutex_lock(&p->lock);
        if (!p->ready[s]) { /* sleep until this one and a batch after it are done */
            size_t want = i + p->batch;
            p->wake_at = want < job->n ? want : job->n;
            p->wait_slot = s;
            while (!(p->ready[s] && p->produced >= p->wake_at))
                pthread_cond_wait(&p->ready_cond, &p->lock);
            p->wait_slot = (size_t)-1;
        }
        pthread_mutex_unlock(&p->lock);
        int go_on = job->consume(job->ctx, i, job->slots[s]);
        pthread_mutex_lock(&p->lock);
        p->ready[s] = 0;
        p->consumed++;
        if (!go_on) p->stop = 1;
        if (p->workers_waiting || p->stop) pthread_cond_broadcast(&p->space_cond);
        pthread_mutex_unlock(&p->lock);
        if (!go_on) return i + 1;
    }
    return i;
}

size_t pf_pmap_run(const pf_pmap_job_t *job)
{
    if (job->n == 0) return 0;
    pmap_t p = {.job = job, .wait_slot = (size_t)-1};
    /* Half the window: the workers never wait for the consumer to wake. */
    p.batch = job->window / 2 ? job->window / 2 : 1;
    p.ready = pf_xcalloc(job->window, 1);
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.ready_cond, NULL);
    pthread_cond_init(&p.space_cond, NULL);
    pthread_t *threads = pf_xcalloc(job->nworkers, sizeof *threads);
    worker_arg_t *args = pf_xcalloc(job->nworkers, sizeof *args);
    size_t started = 0, done = (size_t)-1;
    for (; started < job->nworkers; started++) {
        args[started].map = &p;
        args[started].worker = job->workers[started];
        if (pthread_create(&threads[started], NULL, worker_main, &args[started]) != 0) break;
    }
    if (started > 0) done = consume_in_order(&p);
    pthread_mutex_lock(&p.lock);
    p.stop = 1; /* also when a thread failed to start: the rest wind down */
    pthread_cond_broadcast(&p.space_cond);
    pthread_mutex_unlock(&p.lock);
    for (size_t i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    pthread_cond_destroy(&p.ready_cond);
    pthread_cond_destroy(&p.space_cond);
    pthread_mutex_destroy(&p.lock);
    free(threads);
    free(args);
    free(p.ready);
    return started > 0 ? done : (size_t)-1; /* fewer threads still finish the job */
}
