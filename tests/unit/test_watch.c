/*
 * test_watch.c - pf_watch: the alarm comes after the CPU time asked for,
 * on the thread that armed it, and again every period until disarmed;
 * never after a disarm; not while the thread sleeps; and again after
 * re-arming, also from another thread, and in a forked child.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pf_watch.h"

typedef struct seen {
    volatile sig_atomic_t calls;
    pthread_t thread; /* where the last call ran */
} seen_t;

static void note_call(void *ud)
{
    seen_t *s = ud;
    s->thread = pthread_self();
    s->calls++;
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Burns this thread's CPU until s has seen `calls` calls or `limit`
 * seconds of CPU went by; returns the CPU time used. */
static double burn_until(seen_t *s, int calls, double limit)
{
    double start = cpu_seconds(), used = 0;
    volatile unsigned long spin = 0;
    while (s->calls < calls && used < limit) {
        for (int i = 0; i < 10000; i++)
            spin++;
        used = cpu_seconds() - start;
    }
    return used;
}

static double burn(seen_t *s, double limit)
{
    return burn_until(s, 1, limit);
}

static int watch_setup(void **state)
{
    pf_watch_t *w = malloc(sizeof *w);
    if (!w) return -1;
    pf_watch_init(w);
    *state = w;
    return 0;
}

static int watch_teardown(void **state)
{
    pf_watch_delete(*state);
    free(*state);
    return 0;
}

static void fires_after_the_cpu_time_on_this_thread(void **state)
{
    pf_watch_t *w = *state;
    seen_t s = {0};
    double armed_at = cpu_seconds();
    assert_int_equal(pf_watch_arm(w, 20 * 1000000L, 20 * 1000000L, note_call, &s), 1);
    burn(&s, 2.0);
    assert_int_equal(s.calls, 1);
    assert_true(pthread_equal(s.thread, pthread_self()));
    assert_true(cpu_seconds() - armed_at >= 0.019); /* not before the 20 ms asked for */
    /* and again every 20 ms until disarmed (counted from the arming: a
     * late delivery does not move the next tick) */
    burn_until(&s, 3, 2.0);
    assert_int_equal(s.calls, 3);
    assert_true(cpu_seconds() - armed_at >= 0.059);
    pf_watch_disarm(w);
    int calls = s.calls;
    burn_until(&(seen_t){0}, 1, 0.1);
    assert_int_equal(s.calls, calls);
}

static void nothing_after_disarm(void **state)
{
    pf_watch_t *w = *state;
    seen_t s = {0};
    assert_int_equal(pf_watch_arm(w, 20 * 1000000L, 20 * 1000000L, note_call, &s), 1);
    pf_watch_disarm(w);
    burn(&s, 0.1);
    assert_int_equal(s.calls, 0);
}

static void sleeping_uses_no_budget(void **state)
{
    pf_watch_t *w = *state;
    seen_t s = {0};
    assert_int_equal(pf_watch_arm(w, 20 * 1000000L, 20 * 1000000L, note_call, &s), 1);
    struct timespec nap = {0, 100 * 1000000L};
    while (nanosleep(&nap, &nap) != 0) /* the handler may interrupt it */
        ;
    assert_int_equal(s.calls, 0); /* 100 ms of wall time, no CPU */
    burn(&s, 2.0);
    assert_int_equal(s.calls, 1);
    pf_watch_disarm(w);
}

typedef struct other {
    pf_watch_t *w;
    seen_t s;
    pthread_t self;
    int armed;
} other_t;

static void *arm_on_other_thread(void *arg)
{
    other_t *o = arg;
    o->self = pthread_self();
    o->armed = pf_watch_arm(o->w, 10 * 1000000L, 10 * 1000000L, note_call, &o->s);
    burn(&o->s, 2.0);
    pf_watch_disarm(o->w);
    return NULL;
}

/* Arms w on a thread of its own, which burns CPU until its function runs;
 * checks it did run there. */
static void arm_elsewhere(pf_watch_t *w, other_t *o)
{
    *o = (other_t){.w = w};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, arm_on_other_thread, o), 0);
    pthread_join(t, NULL);
    assert_int_equal(o->armed, 1);
    assert_true(o->s.calls >= 1);
    assert_true(pthread_equal(o->s.thread, o->self));
}

static void follows_the_thread_that_arms(void **state)
{
    pf_watch_t *w = *state;
    seen_t here = {0};
    assert_int_equal(pf_watch_arm(w, 10 * 1000000L, 10 * 1000000L, note_call, &here), 1);
    burn(&here, 2.0);
    pf_watch_disarm(w);
    int calls = here.calls;
    assert_true(calls >= 1);
    other_t o;
    arm_elsewhere(w, &o);
    assert_int_equal(here.calls, calls); /* the first arm's function is not called again */
}

/* A thread that ends leaves its pthread_t to be reused by the next one;
 * the watch must notice the new thread and not break. */
static void survives_its_thread_ending(void **state)
{
    pf_watch_t *w = *state;
    for (int round = 0; round < 3; round++) {
        other_t o;
        arm_elsewhere(w, &o);
    }
}

static void *arm_with_signal_blocked(void *arg)
{
    other_t *o = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 3);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    o->armed = pf_watch_arm(o->w, 10 * 1000000L, 10 * 1000000L, note_call, &o->s);
    return NULL;
}

/* Where the alarm could never arrive, arming says so (the evaluator then
 * counts every instruction from the start). */
static void refuses_a_blocked_signal(void **state)
{
    pf_watch_t *w = *state;
    other_t o = {.w = w, .armed = -1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, arm_with_signal_blocked, &o), 0);
    pthread_join(t, NULL);
    assert_int_equal(o.armed, 0);
}

/* A worker process arms the watch its parent armed before the fork: the
 * timer must be the child's own (a regression: the child kept its parent's
 * cached thread id, arming failed and every instruction was hooked). */
static void works_in_a_forked_child(void **state)
{
    pf_watch_t *w = *state;
    seen_t s = {0};
    assert_int_equal(pf_watch_arm(w, 20 * 1000000L, 20 * 1000000L, note_call, &s), 1);
    burn(&s, 2.0);
    pf_watch_disarm(w);
    assert_true(s.calls >= 1);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        seen_t c = {0};
        int armed = pf_watch_arm(w, 20 * 1000000L, 20 * 1000000L, note_call, &c);
        burn(&c, 2.0);
        pf_watch_disarm(w);
        _exit(armed == 1 && c.calls >= 1 ? 0 : 1);
    }
    int status = -1;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, watch_setup, watch_teardown)
    const struct CMUnitTest tests[] = {
        T(fires_after_the_cpu_time_on_this_thread),
        T(nothing_after_disarm),
        T(sleeping_uses_no_budget),
        T(follows_the_thread_that_arms),
        T(survives_its_thread_ending),
        T(refuses_a_blocked_signal),
        T(works_in_a_forked_child),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
