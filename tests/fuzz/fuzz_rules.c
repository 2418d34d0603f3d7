/*
 * fuzz_rules - libFuzzer harness over rule loading and evaluation: the
 * input is one rule file, written into a private temporary rules folder
 * next to a copy of the pack's facts (rules/00-facts.lua, so the
 * pack's files, the seeds, load as they do in the pack);
 * pf_eval_new builds the sandbox with the real policy (policies/default.yaml)
 * and loads it; when that succeeds the evaluator runs on one sample intake
 * (samples/kestrel-dental.yaml, validated against the real schema).
 *
 * Limits are small so hostile inputs cost little: 32 MiB, 10^6
 * instructions and 0.5 s per load and per evaluation. Run libFuzzer with a
 * -timeout well above that (run.sh uses 10 s): a hang there is a sandbox
 * hole, a C function looping where the count hook cannot stop it.
 *
 * Contracts checked besides the sanitizers: a failed load gives at least
 * one problem; a failed evaluation is rule.error, rule.limit or internal.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf_csv.h"
#include "pf_eval.h"
#include "pf_node.h"
#include "pf_schema.h"
#include "pf_yread.h"

#include "fuzz_util.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_rules: contract broken: %s (%s:%d)\n", #cond, __FILE__,          \
                    __LINE__);                                                                     \
            __builtin_trap();                                                                      \
        }                                                                                          \
    } while (0)

static char tmpdir[] = "/tmp/pf_fuzz_rules.XXXXXX";
static char rules_dir[sizeof tmpdir + 16];
static char rule_file[sizeof rules_dir + 32];
static fuzz_config_t conf;
static pf_doc_t intake_doc;
static pf_value_t *policy, *intake;
static pf_eval_config_t cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char shared_file[4096];

static void cleanup(void)
{
    unlink(rule_file);
    unlink(shared_file);
    rmdir(rules_dir);
    rmdir(tmpdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_load_config("fuzz_rules", &conf);
    policy = conf.policy;
    intake = fuzz_load_sample("fuzz_rules", &conf, "kestrel-dental", &intake_doc);
    const char *src = conf.src;
    char path[4096];

    if (!mkdtemp(tmpdir)) {
        perror("fuzz_rules: mkdtemp");
        exit(1);
    }
    snprintf(rules_dir, sizeof rules_dir, "%s/rules", tmpdir);
    snprintf(rule_file, sizeof rule_file, "%s/50-fuzz.lua", rules_dir);
    if (mkdir(rules_dir, 0700) != 0) {
        perror("fuzz_rules: mkdir");
        exit(1);
    }
    atexit(cleanup);
    snprintf(path, sizeof path, "%s/rules/00-facts.lua", src);
    snprintf(shared_file, sizeof shared_file, "%s/00-facts.lua", rules_dir);
    char *text;
    size_t len;
    pf_err_t ioerr;
    FILE *copy = fopen(shared_file, "wb");
    if (!pf_read_file(path, 1u << 20, &text, &len, &ioerr) || !copy ||
        fwrite(text, 1, len, copy) != len || fclose(copy) != 0) {
        fprintf(stderr, "fuzz_rules: cannot copy %s\n", path);
        exit(1);
    }
    free(text);

    cfg.rules_dir = rules_dir;
    cfg.policy_path = conf.policy_path;
    cfg.policy = policy;
    cfg.limits.mem_bytes = 32u << 20;
    cfg.limits.instructions = 1000000ULL;
    cfg.limits.seconds = 0.5;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20)) return 0; /* the evaluator refuses bigger rule files */
    FILE *fp = fopen(rule_file, "wb");
    if (!fp || (size && fwrite(data, 1, size, fp) != size) || fclose(fp) != 0) {
        perror("fuzz_rules: writing the rule file");
        abort();
    }
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    pf_eval_t *ev = pf_eval_new(&cfg, &errs);
    if (!ev) {
        CHECK(errs.count > 0);
        pf_errlist_delete(&errs);
        return 0;
    }
    CHECK(errs.count == 0);
    size_t n = pf_eval_report_count(ev);
    CHECK(n >= 1 && n < 16);
    pf_buf_t out[16];
    size_t rows[16];
    for (size_t r = 0; r < n; r++)
        pf_buf_init(&out[r]);
    pf_csv_style_t style = {0, 0, ',', 0};
    pf_hits_t hits;
    pf_hits_init(&hits);
    pf_err_t err;
    pf_err_clear(&err);
    /* twice: the second run sees whatever the first left in the state */
    for (int round = 0; round < 2; round++) {
        if (pf_eval_run(ev, intake, "fuzz.yaml", out, rows, &hits, &style, &err)) {
            /* every report has rows for an evaluated intake, but for
             * contributions.csv when no rule moved anything; rows and
             * bytes come together */
            for (size_t r = 0; r < n; r++) {
                CHECK(rows[r] > 0 || strcmp(pf_eval_report_name(ev, r), "contributions.csv") == 0);
                CHECK((rows[r] == 0) == (out[r].len == 0));
            }
        } else {
            CHECK(strcmp(err.kind, "rule.error") == 0 || strcmp(err.kind, "rule.limit") == 0 ||
                  strcmp(err.kind, "internal") == 0);
            CHECK(err.msg[0] != '\0');
        }
        for (size_t r = 0; r < n; r++)
            pf_buf_reset(&out[r]);
        hits.count = 0;
    }
    pf_rule_stat_t *stats = NULL;
    size_t nstats = pf_eval_rule_stats(ev, &stats);
    CHECK(nstats == pf_eval_rule_count(ev));
    pf_rule_stats_free(stats, nstats);
    pf_hits_delete(&hits);
    for (size_t r = 0; r < n; r++)
        pf_buf_delete(&out[r]);
    pf_eval_delete(ev);
    pf_errlist_delete(&errs);
    return 0;
}
