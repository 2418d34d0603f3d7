/*
 * pf_watch.c - CPU-time alarm per thread (see pf_watch.h).
 *
 * A POSIX timer on the arming thread's CPU clock, delivered to that thread
 * alone (SIGEV_THREAD_ID), so the function runs on the thread whose work it
 * interrupts: the only place where calling lua_sethook is safe while Lua
 * runs. Lua's own interpreter does the same for Ctrl-C.
 */
#define _GNU_SOURCE /* SIGEV_THREAD_ID, gettid */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "pf_watch.h"

/* The watch armed on this thread, for the signal handler. A signal from an
 * earlier arm that is still pending when a later one starts finds the later
 * watch here: its function then merely runs early. */
static _Thread_local pf_watch_t *volatile armed_here;
/* This thread's kernel id, read once: pthread_t values are reused when a
 * thread ends, kernel ids are what a timer is bound to. */
static _Thread_local pid_t this_tid;

/* A forked child starts with its parent's copy of this_tid; the kernel id
 * it needs is its own (a worker process arms its watch after the fork). */
static void forget_tid(void)
{
    this_tid = 0;
}

static void register_fork_handler(void)
{
    pthread_atfork(NULL, NULL, forget_tid);
}

static pid_t current_tid(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    if (!this_tid) {
        pthread_once(&once, register_fork_handler);
        this_tid = gettid();
    }
    return this_tid;
}

static int alarm_signal(void)
{
    return SIGRTMIN + 3; /* glibc keeps the first real-time signals for itself */
}

/* Every tick until disarm, not once: a tick that lands at a moment Lua
 * does not notice (it may clear its hook trap just after reading an empty
 * mask) is made good by the next one. */
static void on_alarm(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)info;
    (void)context;
    pf_watch_t *w = armed_here;
    if (w) w->fn(w->ud);
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

/* The alarm can reach this thread: the signal is not blocked here. */
static int signal_deliverable(void)
{
    sigset_t blocked;
    return pthread_sigmask(SIG_BLOCK, NULL, &blocked) == 0 &&
           !sigismember(&blocked, alarm_signal());
}

/* (Re)creates the timer for the calling thread. */
static int make_timer(pf_watch_t *w)
{
    pf_watch_delete(w);
    if (!signal_deliverable()) return 0;
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
    sev._sigev_un._tid = current_tid(); /* glibc 2.36 names no macro for it */
    if (timer_create(clock, &sev, &w->timer) != 0) return 0;
    w->tid = current_tid();
    w->ready = 1;
    return 1;
}

static struct timespec nanoseconds(long ns)
{
    struct timespec t = {ns / 1000000000L, ns % 1000000000L};
    return t;
}

/* Starts (or, with first_ns 0, stops) the ticks. */
static int set_ticks(pf_watch_t *w, long first_ns, long every_ns)
{
    struct itimerspec when;
    when.it_value = nanoseconds(first_ns);
    when.it_interval = nanoseconds(every_ns);
    return timer_settime(w->timer, 0, &when, NULL) == 0;
}

int pf_watch_arm(pf_watch_t *w, long first_ns, long every_ns, pf_watch_fn fn, void *ud)
{
    if (w->broken) return 0;
    if ((!w->ready || w->tid != current_tid()) && !make_timer(w)) {
        w->broken = 1;
        return 0;
    }
    w->fn = fn;
    w->ud = ud;
    atomic_signal_fence(memory_order_seq_cst); /* fn and ud before the handler can see w */
    armed_here = w;
    /* ESRCH: the timer's thread is gone (a kernel id reused): once more */
    if (!set_ticks(w, first_ns, every_ns) &&
        !(errno == ESRCH && make_timer(w) && set_ticks(w, first_ns, every_ns))) {
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
    if (w->ready && w->tid == current_tid()) set_ticks(w, 0, 0);
}
