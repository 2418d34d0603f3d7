/*
 * pf_guard.c - the watcher around a command (see pf_guard.h).
 *
 * The signals an operator sends are blocked in the watcher and read from
 * a signalfd, so no handler and no global is needed to pass them on; the
 * child's end of a pipe closes when it exits, which wakes the watcher at
 * once instead of at the next look at the deadline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pf_beacon.h"
#include "pf_guard.h"

#define LOOK_MS 50 /* how often the watcher looks at the deadline */

/* The signals passed on to the command. */
static void forwarded(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGQUIT);
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The child: dies with its watcher, gets the operator's signals back, runs. */
static void child(pf_guard_fn fn, void *arg, pid_t watcher, const sigset_t *old_mask, int done_fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != watcher) _exit(127);
    sigprocmask(SIG_SETMASK, old_mask, NULL);
    (void)done_fd; /* held open until exit: its closing tells the watcher */
    int code = fn(arg);
    fflush(NULL);
    _exit(code);
}

/* Dies of the signal the child died of, so whoever waits for this process
 * sees what it would have seen without the watcher. */
static void pass_on_signal(int sig, const sigset_t *old_mask)
{
    signal(sig, SIG_DFL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    sigprocmask(SIG_UNBLOCK, &one, NULL);
    raise(sig);
    sigprocmask(SIG_SETMASK, old_mask, NULL);
}

typedef struct watch {
    pid_t pid;
    int done_fd, sig_fd;
    pf_beacon_t *beacon;
    long long overrun_ns;
} watch_t;

/* Waits for the child; 1 when it ended by itself (status set), 0 when it
 * had to be killed for overrunning. */
static int wait_child(watch_t *w, int *status)
{
    for (;;) {
        struct pollfd pfd[2] = {{w->done_fd, POLLIN, 0}, {w->sig_fd, POLLIN, 0}};
        int n = poll(pfd, w->sig_fd >= 0 ? 2 : 1, LOOK_MS);
        if (n > 0 && (pfd[1].revents & POLLIN)) {
            struct signalfd_siginfo si;
            if (read(w->sig_fd, &si, sizeof si) == (ssize_t)sizeof si)
                kill(w->pid, (int)si.ssi_signo);
        }
        if (n > 0 && pfd[0].revents) break; /* the child is gone */
        long long deadline = atomic_load(&w->beacon->deadline_ns);
        if (deadline && now_ns() > deadline + w->overrun_ns) {
            kill(w->pid, SIGKILL);
            while (waitpid(w->pid, status, 0) < 0 && errno == EINTR) {
            }
            return 0;
        }
    }
    while (waitpid(w->pid, status, 0) < 0 && errno == EINTR) {
    }
    return 1;
}

int pf_guard_run(pf_guard_fn fn, void *arg, pf_eval_limits_t *limits, double overrun,
                 int stopped_code, FILE *log)
{
    pf_beacon_t *beacon =
        mmap(NULL, sizeof *beacon, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int pipe_fd[2] = {-1, -1};
    if (beacon == MAP_FAILED || pipe2(pipe_fd, O_CLOEXEC) != 0) {
        if (beacon != MAP_FAILED) munmap(beacon, sizeof *beacon);
        return fn(arg);
    }
    pf_beacon_reset(beacon);
    limits->beacon = beacon;
    sigset_t sigs, old_mask;
    forwarded(&sigs);
    sigprocmask(SIG_BLOCK, &sigs, &old_mask);
    fflush(NULL);
    pid_t watcher = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        close(pipe_fd[0]);
        child(fn, arg, watcher, &old_mask, pipe_fd[1]);
    }
    close(pipe_fd[1]);
    if (pid < 0) { /* no child: the command runs here, as it did before */
        sigprocmask(SIG_SETMASK, &old_mask, NULL);
        close(pipe_fd[0]);
        limits->beacon = NULL;
        munmap(beacon, sizeof *beacon);
        return fn(arg);
    }
    watch_t w = {pid, pipe_fd[0], signalfd(-1, &sigs, SFD_CLOEXEC), beacon,
                 (long long)(overrun * 1e9)};
    int status = 0, code;
    if (!wait_child(&w, &status)) {
        fprintf(log,
                "partnerfit: %s went over the time limit of %g seconds inside a call the limits "
                "cannot interrupt; stopped %.0f seconds later\n",
                beacon->what[0] ? beacon->what : "the rule code", limits->seconds, overrun);
        code = stopped_code;
    } else if (WIFSIGNALED(status)) {
        pass_on_signal(WTERMSIG(status), &old_mask);
        code = 128 + WTERMSIG(status);
    } else {
        code = WEXITSTATUS(status);
    }
    if (w.sig_fd >= 0) close(w.sig_fd);
    close(pipe_fd[0]);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    limits->beacon = NULL;
    munmap(beacon, sizeof *beacon);
    return code;
}
