/*
 * pf_procs.c - worker processes under a supervisor (see pf_procs.h).
 *
 * One stream socket per worker carries both ways: requests down (an item
 * and where to resume it, 16 bytes), frames up (a 4-byte length, a type
 * byte, the bytes). A worker is forked from the supervisor, so it starts
 * with the supervisor's loaded rule pack and forgets nothing it should
 * not: a new worker is exactly as fresh as the first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pf_common.h"
#include "pf_procs.h"

#define FRAME_MESSAGE 'M'
#define FRAME_DONE 'D'
#define FRAME_HEAD 5     /* length (4 bytes) and type */
#define POLL_MS 50       /* how often deadlines are looked at while waiting */
#define READ_CHUNK 65536 /* bytes read from a worker at a time */
#define QUEUE 8          /* items handed to one worker ahead, so it never waits for the next */
#define NAP_NS 1000000L  /* see well_fed */

struct pf_procs_worker {
    int fd;              /* this worker's end of its socket */
    pf_buf_t tx;         /* frames not sent yet */
    size_t frame_at;     /* where in tx the frame pf_procs_begin started is */
    char rq[QUEUE * 16]; /* requests read, not yet taken */
    size_t rq_len;
};

typedef struct request {
    uint64_t item, resume;
} request_t;

/* The supervisor's view of one worker. */
typedef struct slot {
    pid_t pid;                         /* 0: none running */
    int fd;                            /* the supervisor's end */
    size_t busy;                       /* items handed to it, not done... */
    size_t item[QUEUE], resume[QUEUE]; /* ...in order: the first is in work */
    pf_buf_t rx;                       /* frames read, not yet handled */
} slot_t;

typedef struct pool {
    const pf_procs_job_t *job;
    slot_t *slots;
    pf_beacon_t *beacons; /* shared mapping, one per slot */
    size_t next;          /* next item never handed out */
    size_t ahead;         /* next item the job's ahead() was not told of */
    size_t low;           /* lowest item not done */
    unsigned char *done;  /* ring of `window` flags, for items low.. */
    size_t *requeue;      /* items to hand out again first, lowest first */
    size_t *requeue_at;   /* ...and where to resume them */
    size_t nrequeue;
    int stop;
} pool_t;

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- the worker side ------------------------------------------------------------ */

static void send_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        struct msghdr m;
        memset(&m, 0, sizeof m);
        m.msg_iov = iov;
        m.msg_iovlen = (size_t)n;
        ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) _exit(0); /* the supervisor is gone: nobody is waiting for this */
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
}

/* Frames wait in tx until the item is done, the worker flushes (before
 * work the supervisor may have to stop it in) or much has piled up: one
 * system call per intake, not one per frame. */
static void add_frame(pf_procs_worker_t *w, char type, const void *data, size_t len)
{
    if (len > UINT32_MAX) abort(); /* callers cap what one intake may write */
    uint32_t n = (uint32_t)len;
    pf_buf_add(&w->tx, &n, 4);
    pf_buf_addc(&w->tx, type);
    pf_buf_add(&w->tx, data, len);
}

void pf_procs_flush(pf_procs_worker_t *w)
{
    if (!w->tx.len) return;
    struct iovec iov = {w->tx.data, w->tx.len};
    send_all(w->fd, &iov, 1);
    pf_buf_reset(&w->tx);
}

void pf_procs_send(pf_procs_worker_t *w, const void *data, size_t len)
{
    add_frame(w, FRAME_MESSAGE, data, len);
    if (w->tx.len >= READ_CHUNK) pf_procs_flush(w);
}

/* The frame's header with its length left open, the message appended
 * after it by the caller: a report's rows go from the evaluation's buffers
 * to tx in one copy, not two. */
pf_buf_t *pf_procs_begin(pf_procs_worker_t *w)
{
    w->frame_at = w->tx.len;
    uint32_t n = 0;
    pf_buf_add(&w->tx, &n, 4);
    pf_buf_addc(&w->tx, FRAME_MESSAGE);
    return &w->tx;
}

void pf_procs_end(pf_procs_worker_t *w)
{
    size_t len = w->tx.len - w->frame_at - 5;
    if (len > UINT32_MAX) abort(); /* callers cap what one intake may write */
    uint32_t n = (uint32_t)len;
    memcpy(w->tx.data + w->frame_at, &n, 4);
    if (w->tx.len >= READ_CHUNK) pf_procs_flush(w);
}

/* The next request, reading as many as have come at once. */
static int read_request(pf_procs_worker_t *w, request_t *r)
{
    while (w->rq_len < sizeof *r) {
        ssize_t n = read(w->fd, w->rq + w->rq_len, sizeof w->rq - w->rq_len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        w->rq_len += (size_t)n;
    }
    memcpy(r, w->rq, sizeof *r);
    w->rq_len -= sizeof *r;
    memmove(w->rq, w->rq + sizeof *r, w->rq_len);
    return 1;
}

/* A worker's address space may grow by `extra` bytes past what it holds at
 * its start: a backstop under the evaluator's own memory cap, for what the
 * cap cannot see (the C side of an intake, fragmentation). */
static void limit_memory(size_t extra)
{
#if defined(__SANITIZE_ADDRESS__)
    (void)extra; /* ASan reserves terabytes of address space up front */
#else
    if (!extra) return;
    FILE *fp = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (fp) {
        if (fscanf(fp, "%lu", &pages) != 1) pages = 0;
        fclose(fp);
    }
    if (!pages) return;
    struct rlimit rl;
    rl.rlim_cur = rl.rlim_max = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + extra;
    setrlimit(RLIMIT_AS, &rl);
#endif
}

/* The whole life of a worker process; never returns. */
static void worker_main(pool_t *p, size_t self, pid_t supervisor)
{
    const pf_procs_job_t *job = p->job;
    /* killed with the supervisor, whatever killed it */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != supervisor) _exit(0);
    for (size_t i = 0; i < job->nworkers; i++) /* only its own socket stays open */
        if (i != self && p->slots[i].fd >= 0) close(p->slots[i].fd);
    pf_procs_worker_t w;
    memset(&w, 0, sizeof w);
    w.fd = p->slots[self].fd;
    pf_buf_init(&w.tx);
    limit_memory(job->mem_limit);
    if (job->start) job->start(job->wctx, &p->beacons[self]);
    request_t r;
    while (read_request(&w, &r)) {
        atomic_store(&p->beacons[self].item, r.item);
        atomic_store(&p->beacons[self].doc, 0);
        atomic_store(&p->beacons[self].line, 0);
        job->work(job->wctx, &w, (size_t)r.item, (size_t)r.resume);
        add_frame(&w, FRAME_DONE, NULL, 0);
        pf_procs_flush(&w);
    }
    if (job->finish) job->finish(job->wctx, &w);
    pf_procs_flush(&w);
    _exit(0); /* not exit: the supervisor's stdio buffers are not ours to flush */
}

/* ---- the supervisor side -------------------------------------------------------- */

/* Forks the worker of slot i. 0 when the system would not. */
static int spawn(pool_t *p, size_t i)
{
    slot_t *s = &p->slots[i];
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return 0;
    s->fd = sv[1]; /* so the child's loop over slots sees its own end */
    pf_beacon_reset(&p->beacons[i]);
    fflush(NULL); /* nothing buffered is written twice */
    pid_t supervisor = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        s->fd = -1;
        return 0;
    }
    if (pid == 0) {
        close(sv[0]);
        worker_main(p, i, supervisor);
    }
    close(sv[1]);
    s->fd = sv[0];
    s->pid = pid;
    s->busy = 0;
    pf_buf_reset(&s->rx);
    return 1;
}

static void reap(slot_t *s, int *status)
{
    int st = 0;
    while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (status) *status = st;
    close(s->fd);
    s->fd = -1;
    s->pid = 0;
    s->busy = 0;
}

static void mark_done(pool_t *p, size_t item)
{
    size_t w = p->job->window;
    p->done[item % w] = 1;
    while (p->low < p->next && p->done[p->low % w]) {
        p->done[p->low % w] = 0;
        p->low++;
    }
}

/* Handles the whole frames in a worker's buffer. */
static void handle_frames(pool_t *p, slot_t *s)
{
    const pf_procs_job_t *job = p->job;
    size_t at = 0;
    while (!p->stop && s->rx.len - at >= FRAME_HEAD) {
        uint32_t len;
        memcpy(&len, s->rx.data + at, 4);
        char type = s->rx.data[at + 4];
        if (s->rx.len - at - FRAME_HEAD < len) break;
        const char *data = s->rx.data + at + FRAME_HEAD;
        size_t item = s->busy ? s->item[0] : (size_t)-1;
        at += FRAME_HEAD + len;
        if (type == FRAME_MESSAGE) {
            if (!job->message(job->ctx, item, data, len)) p->stop = 1;
        } else if (type == FRAME_DONE && s->busy) {
            s->busy--;
            memmove(s->item, s->item + 1, s->busy * sizeof *s->item);
            memmove(s->resume, s->resume + 1, s->busy * sizeof *s->resume);
            mark_done(p, item);
            if (!job->done(job->ctx, item)) p->stop = 1;
        }
    }
    memmove(s->rx.data, s->rx.data + at, s->rx.len - at);
    s->rx.len -= at;
}

/* Reads what a worker sent; 0 at end of stream (the worker is gone). */
static int drain(pool_t *p, slot_t *s, int wait)
{
    for (;;) {
        char *buf = pf_buf_reserve(&s->rx, READ_CHUNK);
        ssize_t n = recv(s->fd, buf, READ_CHUNK, wait ? 0 : MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 1;
        if (n <= 0) return 0;
        pf_buf_commit(&s->rx, (size_t)n);
        handle_frames(p, s);
        if (p->stop) return 1;
        if (!wait && n < READ_CHUNK) return 1; /* most likely all there was */
        wait = 0;
    }
}

/* The worker of slot i stopped (killed, or found dead): asks the caller
 * what becomes of its item and starts a new worker. */
static void replace(pool_t *p, size_t i, int killed, double seconds)
{
    slot_t *s = &p->slots[i];
    const pf_procs_job_t *job = p->job;
    if (killed) kill(s->pid, SIGKILL);
    /* what it sent before it stopped still counts */
    while (!p->stop && drain(p, s, 1)) {
    }
    size_t busy = s->busy;
    size_t item = s->item[0];
    /* the items queued behind the one in work go out again as they were */
    for (size_t k = busy; k > 1; k--) {
        p->requeue[p->nrequeue] = s->item[k - 1];
        p->requeue_at[p->nrequeue++] = s->resume[k - 1];
    }
    pf_procs_loss_t loss;
    memset(&loss, 0, sizeof loss);
    loss.killed = killed;
    loss.doc = atomic_load(&p->beacons[i].doc);
    loss.line = atomic_load(&p->beacons[i].line);
    loss.rule = atomic_load(&p->beacons[i].rule);
    loss.seconds = seconds;
    reap(s, &loss.status);
    if (p->stop) return;
    if (busy) {
        size_t resume = job->lost(job->ctx, item, &loss);
        if (resume == (size_t)-1) {
            mark_done(p, item);
            if (!job->done(job->ctx, item)) p->stop = 1;
        } else {
            p->requeue[p->nrequeue] = item;
            p->requeue_at[p->nrequeue++] = resume;
        }
    }
    if (!p->stop && !spawn(p, i)) p->stop = 1;
}

/* The job hears of the items up to AHEAD queues' worth past the one just
 * handed out: with QUEUE items queued per worker, that is a few intakes'
 * time before a worker reaches them. */
#define AHEAD 2
static void tell_ahead(pool_t *p, size_t item)
{
    const pf_procs_job_t *job = p->job;
    if (!job->ahead) return;
    size_t until = item + AHEAD * QUEUE * job->nworkers;
    if (until > job->n) until = job->n;
    while (p->ahead < until)
        job->ahead(job->ctx, p->ahead++);
}

static int hand_out(pool_t *p, slot_t *s)
{
    request_t r;
    if (p->nrequeue) { /* the lowest first: the writer waits for it */
        size_t k = 0;
        for (size_t j = 1; j < p->nrequeue; j++)
            if (p->requeue[j] < p->requeue[k]) k = j;
        r.item = p->requeue[k];
        r.resume = p->requeue_at[k];
        p->nrequeue--;
        p->requeue[k] = p->requeue[p->nrequeue];
        p->requeue_at[k] = p->requeue_at[p->nrequeue];
    } else if (p->next < p->job->n && p->next < p->low + p->job->window) {
        r.item = p->next++;
        r.resume = 0;
        tell_ahead(p, r.item);
    } else {
        return 0;
    }
    s->item[s->busy] = (size_t)r.item;
    s->resume[s->busy] = (size_t)r.resume;
    s->busy++;
    /* a worker that died while idle shows up as a failed send or in poll */
    if (send(s->fd, &r, sizeof r, MSG_NOSIGNAL) != (ssize_t)sizeof r) return -1;
    return 1;
}

/* Kills the workers whose rule code is past its deadline by more than the
 * overrun, or no longer wanted (doomed). */
static void check_deadlines(pool_t *p)
{
    long long now = now_ns(), overrun = (long long)(p->job->overrun_seconds * 1e9);
    for (size_t i = 0; i < p->job->nworkers && !p->stop; i++) {
        slot_t *s = &p->slots[i];
        long long deadline = atomic_load(&p->beacons[i].deadline_ns);
        if (!s->pid || !s->busy || !deadline) continue;
        if (now >= deadline + overrun ||
            (p->job->doomed && p->job->doomed(p->job->ctx, atomic_load(&p->beacons[i].rule))))
            replace(p, i, 1, (double)(now - deadline) / 1e9);
    }
}

/* Every worker has work queued for longer than a nap. Then the supervisor
 * sleeps a little before it looks again, so it wakes once for several
 * intakes instead of once for each: a wake-up costs as much as a tenth of
 * an intake's work. */
static int well_fed(const pool_t *p)
{
    for (size_t i = 0; i < p->job->nworkers; i++)
        if (p->slots[i].busy < QUEUE / 2) return 0;
    return 1;
}

static void supervise(pool_t *p)
{
    const pf_procs_job_t *job = p->job;
    size_t nw = job->nworkers;
    struct pollfd *pfd = pf_xcalloc(nw, sizeof *pfd);
    while (!p->stop && p->low < job->n) {
        /* one item per worker per round, so neighbouring items (which tend
         * to be alike) go to different workers */
        for (int handed = 1; handed && !p->stop;) {
            handed = 0;
            for (size_t i = 0; i < nw && !p->stop; i++) {
                slot_t *s = &p->slots[i];
                int h = s->busy < QUEUE ? hand_out(p, s) : 0;
                if (h < 0) replace(p, i, 0, 0);
                handed |= h > 0;
            }
        }
        if (p->stop) break;
        for (size_t i = 0; i < nw; i++) {
            pfd[i].fd = p->slots[i].fd;
            pfd[i].events = POLLIN;
            pfd[i].revents = 0;
        }
        check_deadlines(p);
        if (p->stop) break;
        if (well_fed(p)) {
            struct timespec nap = {0, NAP_NS};
            nanosleep(&nap, NULL);
        }
        int n = poll(pfd, nw, POLL_MS);
        if (n < 0 && errno != EINTR) break;
        for (size_t i = 0; n > 0 && i < nw && !p->stop; i++) {
            if (!pfd[i].revents || p->slots[i].fd != pfd[i].fd) continue;
            if (!drain(p, &p->slots[i], 0)) replace(p, i, 0, 0);
        }
    }
    free(pfd);
}

/* Lets the workers finish (their last messages come now) or, after a stop,
 * kills them. */
static void wind_down(pool_t *p)
{
    for (size_t i = 0; i < p->job->nworkers; i++) {
        slot_t *s = &p->slots[i];
        if (!s->pid) continue;
        if (p->stop) {
            kill(s->pid, SIGKILL);
        } else {
            shutdown(s->fd, SHUT_WR); /* no more requests: the worker finishes */
            while (!p->stop && drain(p, s, 1)) {
            }
        }
        reap(s, NULL);
    }
}

int pf_procs_run(const pf_procs_job_t *job)
{
    pool_t p;
    memset(&p, 0, sizeof p);
    p.job = job;
    size_t nw = job->nworkers ? job->nworkers : 1;
    pf_procs_job_t j = *job;
    j.nworkers = nw;
    if (!j.window) j.window = nw;
    p.job = &j;
    p.beacons = mmap(NULL, nw * sizeof *p.beacons, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p.beacons == MAP_FAILED) return -1;
    p.slots = pf_xcalloc(nw, sizeof *p.slots);
    p.done = pf_xcalloc(j.window, 1);
    p.requeue = pf_xcalloc(nw * QUEUE, sizeof *p.requeue);
    p.requeue_at = pf_xcalloc(nw * QUEUE, sizeof *p.requeue_at);
    for (size_t i = 0; i < nw; i++) {
        p.slots[i].fd = -1;
        pf_buf_init(&p.slots[i].rx);
    }
    int started = 1;
    for (size_t i = 0; i < nw && started; i++)
        started = spawn(&p, i);
    if (started)
        supervise(&p);
    else
        p.stop = 1;
    wind_down(&p);
    for (size_t i = 0; i < nw; i++)
        pf_buf_delete(&p.slots[i].rx);
    free(p.slots);
    free(p.done);
    free(p.requeue);
    free(p.requeue_at);
    munmap(p.beacons, nw * sizeof *p.beacons);
    if (!started) return -1;
    return p.low >= j.n && !p.stop ? 1 : 0;
}
