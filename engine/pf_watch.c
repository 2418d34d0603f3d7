/*
 * pf_watch.c - CPU-time alarm per thread (see pf_watch.h).
 *
 * A POSIX timer on the arming thread's CPU clock, delivered to that thread
 * alone (SIGEV_THREAD_ID), so the function runs on the thread whose work it
 * interrupts: the only place where calling lua_sethook is safe while Lua
 * runs. Lua's own interpreter does the same for Ctrl-C.
 */
#define _GNU_SOURCE /* SIGEV_THREAD_ID, gettid */
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "pf_watch.h"

/* The watch armed on this thread, for the signal handler. A signal from an
 * earlier arm that is still pending when a later one starts finds the later
 * watch here: its function then merely runs early. */
static _Thread_local pf_watch_t *volatile armed_here;

static int alarm_signal(void)
{
    return SIGRTMIN + 3; /* glibc keeps the first real-time signals for itself */
}

static void on_alarm(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)info;
    (void)context;
    pf_watch_t *w = armed_here;
    if (!w) return;
    armed_here = NULL; /* once per arm */
    w->fn(w->ud);
}

void pf_watch_init(pf_watch_t *w)
{
    memset(w, 0, sizeof *w);
}

void pf_watch_delete(pf_watch_t *w)
{
    if (w->ready) timer_delete(w->timer);
    w->ready = 0;
}

/* (Re)creates the timer for the calling thread. */
static int make_timer(pf_watch_t *w)
{
    pf_watch_delete(w);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_alarm;
    sa.sa_flags = SA_SIGINFO | SA_RESTART; /* system calls the alarm lands in carry on */
    sigemptyset(&sa.sa_mask);
    if (sigaction(alarm_signal(), &sa, NULL) != 0) return 0;
    clockid_t clock;
    if (pthread_getcpuclockid(pthread_self(), &clock) != 0) return 0;
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = alarm_signal();
    sev._sigev_un._tid = gettid(); /* glibc 2.36 names no macro for it */
    if (timer_create(clock, &sev, &w->timer) != 0) return 0;
    w->thread = pthread_self();
    w->ready = 1;
    return 1;
}

int pf_watch_arm(pf_watch_t *w, long cpu_ns, pf_watch_fn fn, void *ud)
{
    if (w->broken) return 0;
    if ((!w->ready || !pthread_equal(w->thread, pthread_self())) && !make_timer(w)) {
        w->broken = 1;
        return 0;
    }
    w->fn = fn;
    w->ud = ud;
    atomic_signal_fence(memory_order_seq_cst); /* fn and ud before the handler can see w */
    armed_here = w;
    struct itimerspec when;
    memset(&when, 0, sizeof when);
    when.it_value.tv_sec = cpu_ns / 1000000000L;
    when.it_value.tv_nsec = cpu_ns % 1000000000L;
    if (timer_settime(w->timer, 0, &when, NULL) != 0) {
        armed_here = NULL;
        w->broken = 1;
        return 0;
    }
    return 1;
}

void pf_watch_disarm(pf_watch_t *w)
{
    if (armed_here == w) armed_here = NULL;
    atomic_signal_fence(memory_order_seq_cst);
    if (!w->ready || !pthread_equal(w->thread, pthread_self())) return;
    struct itimerspec never;
    memset(&never, 0, sizeof never);
    timer_settime(w->timer, 0, &never, NULL);
}
