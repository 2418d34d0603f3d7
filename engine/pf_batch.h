/*
 * pf_batch.h - one run: load the policy, schema and rule pack; find the
 * intakes; read, validate and evaluate each; write the reports atomically;
 * write the manifest last. Every file found ends up either evaluated (rows
 * in the reports) or rejected (rows in rejects.csv), never in neither.
 * And `merge`, which joins the outputs of sharded runs (pf_merge.c).
 *
 * The run's parts are modules of their own: the result files and the
 * rule totals (pf_results), the manifest (pf_manifest), the per-intake
 * records of shards and of --incremental (pf_ledger), the previous run's
 * state (pf_prev), the unique ids (pf_idset), the files a run takes
 * (pf_slice); pf_batch_int.h holds what a run and a merge share.
 *
 * Owns: nothing after it returns; all memory of a run is freed inside.
 */
#ifndef PF_BATCH_H
#define PF_BATCH_H

#include <stdio.h>

#include "pf_csv.h"
#include "pf_eval.h"
#include "pf_yread.h"

typedef struct pf_batch_options {
    const char *rules_dir;
    const char *policy_path;
    const char *out_dir;
    const char *const *paths;
    size_t npaths;
    pf_csv_style_t style;
    pf_yread_limits_t intake_limits;
    pf_eval_limits_t eval_limits;
    size_t max_errors_per_intake; /* rejects rows per intake, 0 = all */
    size_t jobs;               /* worker processes, each with its own Lua state [pf_batch_cpus] */
    int timings;               /* time each rule (rule_hits.csv time_ms) */
    int fail_on_dead_rules;    /* exit 6 when a rule fired on no intake */
    size_t shard_k, shard_n;   /* take only files with hash(path) % n == k; n = 0: all */
    int incremental;           /* reuse the rows of unchanged files (partnerfit-state.csv) */
    int quiet;                 /* no progress line, even on a terminal */
    int allow_empty;           /* write (empty) reports when no intake file is found */
    unsigned max_drop;         /* 1-100: refuse a run with that share fewer files than the
                                  previous manifest's (a half-mounted share); 0: off */
    size_t max_file_docs;      /* intakes (YAML documents) read from one file */
    int briefs;                /* write an HTML brief per intake into briefs/ (pf_brief.h) */
    const char *briefs_filter; /* only for intake ids matching this shell pattern; NULL: all */
} pf_batch_options_t;

void pf_batch_options_default(pf_batch_options_t *o);

/* Where Linux shows this process's cgroup v2 CPU quota. */
#define PF_CGROUP_CPU_MAX "/sys/fs/cgroup/cpu.max"
/* The CPUs the process may use: its affinity mask, capped by the cgroup
 * CPU quota read from cgroup_cpu_max (NULL or unreadable: no quota). */
size_t pf_batch_cpus(const char *cgroup_cpu_max);

typedef struct pf_batch_stats {
    size_t files;     /* entries found (including skipped ones) */
    size_t intakes;   /* documents found: one per file, or more in bulk files */
    size_t evaluated; /* intakes with rows in the reports */
    size_t rejected;  /* intakes (or unreadable files) in rejects.csv */
    size_t reject_rows;
    size_t rule_errors; /* intakes rejected because a rule failed on them */
    size_t reused;      /* intakes taken from the previous run (--incremental) */
    size_t dead_rules;  /* rules that fired on no intake */
    size_t rules;
} pf_batch_stats_t;

/* Runs the batch; messages for people go to log. Returns a pf_exit_t
 * (pf_exit.h). */
int pf_batch_run(const pf_batch_options_t *opt, pf_batch_stats_t *stats, FILE *log);

/*
 * (pf_merge.c) Merges the output folders of `run --shard K/N` runs (opt->paths are the
 * shard folders) into reports byte-identical to a single run's over the
 * same inputs, in opt->out_dir. The rules and policy must be the ones the
 * shards used (their digests are checked). Returns a pf_exit_t.
 */
int pf_batch_merge(const pf_batch_options_t *opt, pf_batch_stats_t *stats, FILE *log);

#endif
