/*
 * pf_watch.h - a CPU-time alarm for the calling thread, so a long-running
 * piece of work can be interrupted without paying for a check on every
 * step of the normal, short case.
 *
 * Armed with a budget of the thread's CPU time, a period and a function;
 * when the thread has used the budget before pf_watch_disarm(), and then
 * after every period more, the function runs on that same thread, inside
 * a signal handler (so it may only do what is safe there: set flags, call
 * lua_sethook). The evaluator uses it
 * to install Lua's count hook only on intakes that run long: with any count
 * hook set, Lua 5.4 routes every instruction through its hook dispatcher.
 *
 * Thread use: a pf_watch_t belongs to one evaluator; it may be armed from
 * any thread (it follows the thread that arms it), one arm at a time. The
 * armed watch of each thread is found through a thread-local pointer that
 * only the signal handler reads; nothing is shared between threads.
 *
 * Owns: the POSIX timer it creates; pf_watch_delete() deletes it.
 */
#ifndef PF_WATCH_H
#define PF_WATCH_H

#include <pthread.h>
#include <sys/types.h>
#include <time.h>

/* Runs on the armed thread in signal context. */
typedef void (*pf_watch_fn)(void *ud);

typedef struct pf_watch {
    timer_t timer;
    pid_t tid;  /* the thread the timer measures and signals */
    int ready;  /* timer created for `thread` */
    int broken; /* the alarm cannot work here: callers check by hand */
    pf_watch_fn fn;
    void *ud;
} pf_watch_t;

void pf_watch_init(pf_watch_t *w);
void pf_watch_delete(pf_watch_t *w);

/* Arms the alarm: fn runs once this thread has used first_ns nanoseconds
 * of CPU time, then again after every every_ns more. Returns 1, or 0 when
 * this system cannot give such an alarm (no timers, or the signal blocked
 * on this thread): then nothing will call fn, and the caller must check its
 * limits another way. */
int pf_watch_arm(pf_watch_t *w, long first_ns, long every_ns, pf_watch_fn fn, void *ud);

/* Disarms: after it returns, fn is not called for this arm. */
void pf_watch_disarm(pf_watch_t *w);

#endif
