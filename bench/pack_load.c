/*
 * pack_load.c - how long one evaluator takes to load the rule pack, for the
 * benchmark (bench/run.sh). Links the engine's library (libpfcore.a) and
 * uses only its public API; it changes nothing in the engine.
 *
 *   pack_load POLICY RULES_DIR ROUNDS
 *
 * Reads the policy and its intake schema once (pf_config_load_schema, as
 * partnerfit does before any worker starts), then ROUNDS times creates and
 * deletes an evaluator with pf_eval_new(): a fresh sandboxed Lua state, the
 * embedded prelude, the policy check (its paths against the schema) and
 * every rule file compiled and run. That is the work each --jobs worker
 * repeats at start-up.
 *
 * Prints: rounds, rules, min_ms, median_ms, max_ms of pf_eval_new, and
 * delete_ms (median of pf_eval_delete).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pf_config.h"
#include "pf_eval.h"
#include "pf_schema.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: pack_load POLICY RULES_DIR ROUNDS\n");
        return 2;
    }
    int rounds = atoi(argv[3]);
    if (rounds < 1) rounds = 1;

    pf_config_t conf;
    pf_config_init(&conf);
    if (!pf_config_load_schema(&conf, argv[1], stderr)) return 1;

    pf_eval_config_t cfg;
    memset(&cfg, 0, sizeof cfg); /* later fields (options) keep their zero default */
    cfg.rules_dir = argv[2];
    cfg.policy_path = argv[1];
    cfg.policy = conf.policy;
    cfg.schema = pf_schema_describe(conf.schema, &conf.policy_doc.arena);
    pf_eval_limits_default(&cfg.limits);
    double *load = calloc((size_t)rounds, sizeof *load);
    double *del = calloc((size_t)rounds, sizeof *del);
    if (!load || !del) abort();
    size_t rules = 0;
    for (int i = 0; i < rounds; i++) {
        pf_errlist_t errs;
        pf_errlist_init(&errs);
        double t0 = now_ms();
        pf_eval_t *ev = pf_eval_new(&cfg, &errs);
        double t1 = now_ms();
        if (!ev) {
            for (size_t e = 0; e < errs.count; e++)
                fprintf(stderr, "pack_load: %s\n", errs.items[e].msg);
            return 1;
        }
        rules = pf_eval_rule_count(ev);
        pf_eval_delete(ev);
        double t2 = now_ms();
        pf_errlist_delete(&errs);
        load[i] = t1 - t0;
        del[i] = t2 - t1;
    }
    qsort(load, (size_t)rounds, sizeof *load, by_value);
    qsort(del, (size_t)rounds, sizeof *del, by_value);
    printf("rounds %d rules %zu min_ms %.3f median_ms %.3f max_ms %.3f delete_ms %.3f\n", rounds,
           rules, load[0], load[rounds / 2], load[rounds - 1], del[rounds / 2]);
    free(load);
    free(del);
    pf_config_delete(&conf);
    return 0;
}
