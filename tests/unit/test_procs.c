/*
 * test_procs.c - pf_procs: every item is done exactly once and its
 * messages arrive in the order its worker sent them, at any number of
 * workers; a worker stuck past its deadline is killed and its item resumed
 * after the document it was on; one that crashes is reported with its
 * signal; a doomed worker is stopped at once; the finish messages arrive;
 * the job hears of every item ahead, once, in order, before its work.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pf_procs.h"

#define ITEMS 40
#define DOCS 3 /* messages (documents) per item */

typedef struct wctx {
    pf_beacon_t *beacon;
    int stuck_item, crash_item, doomed_item; /* -1: none */
} wctx_t;

typedef struct ctx {
    int next_doc[ITEMS]; /* the next document each item should send */
    int done[ITEMS];
    int finish_messages;
    int lost_killed, lost_crashed;
    size_t lost_item[8];
    unsigned long lost_doc[8];
    int nlost;
    int out_of_order;
    size_t ahead_next; /* the item ahead() should hear of next */
    int ahead_wrong;   /* out of order, twice, or after the item's work began */
} ctx_t;

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void w_start(void *wctx, pf_beacon_t *beacon)
{
    ((wctx_t *)wctx)->beacon = beacon;
}

/* Each item has DOCS documents; the stuck one hangs on document 2 with a
 * deadline already past, the crashing one aborts there, the doomed one
 * hangs with a deadline far ahead in rule 7. */
static void w_work(void *wctx, pf_procs_worker_t *w, size_t item, size_t resume)
{
    wctx_t *c = wctx;
    for (size_t doc = resume + 1; doc <= DOCS; doc++) {
        atomic_store(&c->beacon->doc, doc);
        pf_procs_flush(w);
        if (doc == 2 && (int)item == c->stuck_item) {
            atomic_store(&c->beacon->deadline_ns, now_ns() - 1);
            for (;;)
                pause();
        }
        if (doc == 2 && (int)item == c->crash_item) abort();
        if (doc == 2 && (int)item == c->doomed_item) {
            atomic_store(&c->beacon->rule, 7);
            atomic_store(&c->beacon->deadline_ns, now_ns() + 3600LL * 1000000000LL);
            for (;;)
                pause();
        }
        char msg[64];
        int n = snprintf(msg, sizeof msg, "%zu:%zu", item, doc);
        pf_procs_send(w, msg, (size_t)n);
    }
}

static void w_finish(void *wctx, pf_procs_worker_t *w)
{
    (void)wctx;
    pf_procs_send(w, "bye", 3);
}

static int s_message(void *ctxp, size_t item, const char *data, size_t len)
{
    ctx_t *c = ctxp;
    if (item == (size_t)-1) {
        c->finish_messages += len == 3 && memcmp(data, "bye", 3) == 0;
        return 1;
    }
    size_t it, doc;
    char text[64];
    snprintf(text, sizeof text, "%.*s", (int)len, data);
    if (sscanf(text, "%zu:%zu", &it, &doc) != 2 || it != item || (int)doc != c->next_doc[item])
        c->out_of_order++;
    c->next_doc[item] = (int)doc + 1;
    return 1;
}

static int s_done(void *ctxp, size_t item)
{
    ctx_t *c = ctxp;
    c->done[item]++;
    return 1;
}

static size_t s_lost(void *ctxp, size_t item, const pf_procs_loss_t *loss)
{
    ctx_t *c = ctxp;
    if (c->nlost < 8) {
        c->lost_item[c->nlost] = item;
        c->lost_doc[c->nlost++] = loss->doc;
    }
    if (loss->killed)
        c->lost_killed++;
    else if (WIFSIGNALED(loss->status) && WTERMSIG(loss->status) == SIGABRT)
        c->lost_crashed++;
    c->next_doc[item] = (int)loss->doc + 1; /* the lost document is skipped */
    return loss->doc;
}

static void s_ahead(void *ctxp, size_t item)
{
    ctx_t *c = ctxp;
    if (item != c->ahead_next || item >= ITEMS || c->next_doc[item] != 1 || c->done[item])
        c->ahead_wrong++;
    c->ahead_next = item + 1;
}

static int s_doomed(void *ctxp, int rule)
{
    (void)ctxp;
    return rule == 7;
}

static void run(size_t nworkers, wctx_t *w, ctx_t *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < ITEMS; i++)
        c->next_doc[i] = 1;
    pf_procs_job_t job = {.n = ITEMS,
                          .nworkers = nworkers,
                          .window = 16,
                          .overrun_seconds = 0.2,
                          .start = w_start,
                          .work = w_work,
                          .finish = w_finish,
                          .wctx = w,
                          .message = s_message,
                          .done = s_done,
                          .lost = s_lost,
                          .doomed = s_doomed,
                          .ahead = s_ahead,
                          .ctx = c};
    assert_int_equal(pf_procs_run(&job), 1);
}

static void every_item_once_in_order(void **state)
{
    (void)state;
    for (size_t nw = 1; nw <= 3; nw++) {
        wctx_t w = {NULL, -1, -1, -1};
        ctx_t c;
        run(nw, &w, &c);
        for (int i = 0; i < ITEMS; i++) {
            assert_int_equal(c.done[i], 1);
            assert_int_equal(c.next_doc[i], DOCS + 1);
        }
        assert_int_equal(c.out_of_order, 0);
        assert_int_equal(c.nlost, 0);
        assert_int_equal(c.finish_messages, (int)nw);
        assert_int_equal(c.ahead_next, ITEMS);
        assert_int_equal(c.ahead_wrong, 0);
    }
}

static void a_stuck_worker_is_killed_and_its_item_resumed(void **state)
{
    (void)state;
    wctx_t w = {NULL, 5, -1, -1};
    ctx_t c;
    run(2, &w, &c);
    assert_int_equal(c.lost_killed, 1);
    assert_int_equal(c.nlost, 1);
    assert_int_equal(c.lost_item[0], 5);
    assert_int_equal(c.lost_doc[0], 2);
    for (int i = 0; i < ITEMS; i++) {
        assert_int_equal(c.done[i], 1);
        assert_int_equal(c.next_doc[i], DOCS + 1); /* item 5: 1, (2 lost), 3 */
    }
    assert_int_equal(c.out_of_order, 0);
}

static void a_crash_is_reported_with_its_signal(void **state)
{
    (void)state;
    wctx_t w = {NULL, -1, 9, -1};
    ctx_t c;
    run(2, &w, &c);
    assert_int_equal(c.lost_crashed, 1);
    assert_int_equal(c.lost_item[0], 9);
    assert_int_equal(c.lost_doc[0], 2);
    for (int i = 0; i < ITEMS; i++)
        assert_int_equal(c.done[i], 1);
    assert_int_equal(c.out_of_order, 0);
}

static void a_doomed_worker_is_stopped_before_its_deadline(void **state)
{
    (void)state;
    wctx_t w = {NULL, -1, -1, 3};
    ctx_t c;
    long long t0 = now_ns();
    run(1, &w, &c);
    assert_true(now_ns() - t0 < 30LL * 1000000000LL); /* not the hour it asked for */
    assert_int_equal(c.lost_killed, 1);
    assert_int_equal(c.lost_item[0], 3);
    for (int i = 0; i < ITEMS; i++)
        assert_int_equal(c.done[i], 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_item_once_in_order),
        cmocka_unit_test(a_stuck_worker_is_killed_and_its_item_resumed),
        cmocka_unit_test(a_crash_is_reported_with_its_signal),
        cmocka_unit_test(a_doomed_worker_is_stopped_before_its_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
