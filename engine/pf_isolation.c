/*
 * pf_isolation.c - `partnerfit isolation`: does an intake's result depend
 * only on that intake, the rules and the policy?
 *
 * Every intake is evaluated on a fresh evaluator of its own (built for it
 * alone, so nothing ran before it) and then on one warm evaluator that
 * goes through all the intakes, several times over, in input order,
 * reversed and in seeded shuffles. Any intake whose rows (or reject) on
 * the warm evaluator differ from its fresh ones is reported with the
 * report that differs and what ran just before it. A fresh evaluator also
 * has a fresh string hash seed, so a pack whose output follows `pairs`
 * order over strings shows up here too.
 */
#include <stdlib.h>
#include <string.h>

#include "pf_config.h"
#include "pf_exit.h"
#include "pf_scan.h"
#include "pf_tools.h"
#include "pf_tools_int.h"

/* One intake: where it came from and its typed value (in its doc). */
typedef struct subject {
    char *source; /* "path" or "path#N" */
    pf_doc_t doc;
    pf_value_t *intake;
    pf_buf_t fresh; /* what a fresh evaluator made of it */
} subject_t;

typedef struct isolation {
    pf_session_t s;
    subject_t *items;
    size_t count, cap;
    FILE *out, *log;
} isolation_t;

/* What an evaluator makes of one intake, as one text: each report's rows
 * under its name, or the reject. */
static void evaluate(pf_eval_t *ev, const subject_t *x, pf_buf_t *text)
{
    size_t nreports = pf_eval_report_count(ev);
    pf_buf_t *bufs = pf_xcalloc(nreports ? nreports : 1, sizeof *bufs);
    pf_csv_style_t style = {0, 0, ',', 0};
    pf_err_t err;
    pf_buf_reset(text);
    if (!pf_eval_run(ev, x->intake, x->source, bufs, NULL, NULL, &style, &err)) {
        pf_buf_printf(text, "rejected: %s: %s\n", err.kind, err.msg);
    } else {
        for (size_t r = 0; r < nreports; r++) {
            pf_buf_printf(text, "[%s]\n", pf_eval_report_name(ev, r));
            pf_buf_add(text, bufs[r].data ? bufs[r].data : "", bufs[r].len);
        }
    }
    for (size_t r = 0; r < nreports; r++)
        pf_buf_delete(&bufs[r]);
    free(bufs);
}

/* Reads every document of one file; a document the schema rejects is
 * left out (it never reaches the rules). */
static void read_subjects(isolation_t *iso, const char *path)
{
    pf_yread_limits_t lim;
    pf_yread_limits_default(&lim);
    char *buf;
    size_t len;
    pf_err_t err;
    if (!pf_read_file(path, lim.max_file_bytes, &buf, &len, &err)) {
        pf_log_error(iso->log, path, &err);
        return;
    }
    pf_yread_t r;
    pf_yread_init(&r, buf, len, &lim);
    for (size_t n = 1;; n++) {
        if (iso->count == iso->cap) {
            iso->cap = iso->cap ? 2 * iso->cap : 16;
            iso->items = pf_xrealloc(iso->items, iso->cap * sizeof *iso->items);
        }
        subject_t *x = &iso->items[iso->count];
        memset(x, 0, sizeof *x);
        pf_doc_init(&x->doc);
        pf_errlist_t errs;
        pf_errlist_init(&errs);
        int rc = pf_yread_next(&r, &x->doc, &err);
        int ok = rc == 1 && !pf_node_is_null(x->doc.root) &&
                 pf_intake_check(&iso->s.cfg, x->doc.root, &x->doc.arena, &x->intake, &errs, 1);
        pf_errlist_delete(&errs);
        if (ok) {
            pf_buf_t src;
            pf_buf_init(&src);
            pf_buf_printf(&src, n > 1 ? "%s#%zu" : "%s", path, n);
            x->source = src.data;
            pf_buf_init(&x->fresh);
            iso->count++;
        } else {
            pf_doc_delete(&x->doc);
        }
        if (rc != 1) break;
    }
    pf_yread_delete(&r);
    free(buf);
}

/* A permutation of 0..n-1: order 0 is input order, 1 reversed, the others
 * seeded shuffles (the same for a seed on every machine). */
static void make_order(size_t *order, size_t n, unsigned k, unsigned long long seed)
{
    for (size_t i = 0; i < n; i++)
        order[i] = k == 1 ? n - 1 - i : i;
    if (k < 2) return;
    unsigned long long x = seed * 6364136223846793005ULL + k * 1442695040888963407ULL + 1;
    for (size_t i = n; i > 1; i--) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t j = (size_t)((x >> 33) % i);
        size_t t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
}

/* Where a and b first differ, for the report: from a little before the
 * first different byte to the end of that line (at most 200 bytes). */
static void first_difference(const pf_buf_t *a, const pf_buf_t *b, FILE *out)
{
    const char *p = a->data ? a->data : "", *q = b->data ? b->data : "";
    size_t i = 0, line_start = 0;
    while (p[i] && p[i] == q[i]) {
        if (p[i] == '\n') line_start = i + 1;
        i++;
    }
    size_t from = i > line_start + 60 ? i - 60 : line_start;
    size_t pl = strcspn(p + from, "\n"), ql = strcspn(q + from, "\n");
    fprintf(out, "    fresh: %s%.*s\n    warm:  %s%.*s\n", from > line_start ? "..." : "",
            (int)(pl > 200 ? 200 : pl), p + from, from > line_start ? "..." : "",
            (int)(ql > 200 ? 200 : ql), q + from);
}

static void isolation_delete(isolation_t *iso)
{
    for (size_t i = 0; i < iso->count; i++) {
        free(iso->items[i].source);
        pf_doc_delete(&iso->items[i].doc);
        pf_buf_delete(&iso->items[i].fresh);
    }
    free(iso->items);
    pf_session_close(&iso->s);
}

/* Fresh evaluators: one per intake, built from the session's config (the
 * pack read once). 0 when one cannot be built. */
static int evaluate_fresh(isolation_t *iso)
{
    for (size_t i = 0; i < iso->count; i++) {
        pf_errlist_t errs;
        pf_errlist_init(&errs);
        pf_eval_t *ev = pf_eval_new(&iso->s.cfg.eval, &errs);
        pf_errlist_delete(&errs);
        if (!ev) return 0;
        evaluate(ev, &iso->items[i], &iso->items[i].fresh);
        pf_eval_delete(ev);
    }
    return 1;
}

/* The warm evaluator through `orders` orders; the number of differences. */
static size_t evaluate_warm(isolation_t *iso, unsigned orders, unsigned long long seed)
{
    size_t differ = 0, n = iso->count;
    size_t *order = pf_xcalloc(n ? n : 1, sizeof *order);
    pf_buf_t warm;
    pf_buf_init(&warm);
    for (unsigned k = 0; k < orders; k++) {
        make_order(order, n, k, seed);
        for (size_t j = 0; j < n; j++) {
            subject_t *x = &iso->items[order[j]];
            evaluate(iso->s.ev, x, &warm);
            if (warm.len == x->fresh.len &&
                (warm.len == 0 || memcmp(warm.data, x->fresh.data, warm.len) == 0))
                continue;
            differ++;
            fprintf(iso->out, "DIFFERS %s (order %u, after %s)\n", x->source, k + 1,
                    j ? iso->items[order[j - 1]].source : "nothing");
            first_difference(&x->fresh, &warm, iso->out);
        }
    }
    pf_buf_delete(&warm);
    free(order);
    return differ;
}

int pf_cmd_isolation(const pf_tools_options_t *o, FILE *out, FILE *log)
{
    isolation_t iso;
    memset(&iso, 0, sizeof iso);
    iso.out = out;
    iso.log = log;
    if (!pf_session_open(&iso.s, o->rules_dir, o->policy_path, &o->limits, log)) {
        isolation_delete(&iso);
        return PF_EXIT_CONFIG;
    }
    pf_scan_t scan;
    pf_scan_init(&scan);
    for (size_t i = 0; i < o->npaths; i++)
        pf_scan_add(&scan, o->paths[i]);
    for (size_t i = 0; i < scan.count; i++)
        if (!scan.items[i].skip_reason) read_subjects(&iso, scan.items[i].path);
    pf_scan_delete(&scan);
    if (iso.count == 0) {
        fprintf(log, "partnerfit: isolation: no valid intake under the paths given\n");
        isolation_delete(&iso);
        return PF_EXIT_NO_INPUT;
    }
    if (!evaluate_fresh(&iso)) {
        fprintf(log, "partnerfit: isolation: a fresh evaluator could not be built\n");
        isolation_delete(&iso);
        return PF_EXIT_CONFIG;
    }
    unsigned orders = o->orders ? o->orders : 4;
    size_t differ = evaluate_warm(&iso, orders, o->seed);
    fprintf(out,
            "partnerfit isolation: %zu intakes, each on a fresh evaluator and on a warm one in "
            "%u orders: %zu difference%s\n",
            iso.count, orders, differ, differ == 1 ? "" : "s");
    isolation_delete(&iso);
    return differ ? PF_EXIT_REJECTS : PF_EXIT_OK;
}
