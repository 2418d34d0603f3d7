/*
 * pf_results.h - the files a run (or a merge) writes into its output
 * folder: the evaluator's reports, rejects.csv, rule_hits.csv and, when
 * asked, shard-index.csv and partnerfit-state.csv. Each is written to a
 * temporary file (pf_out) with its SHA-256, bytes and rows counted as it
 * goes; at the end every file is flushed, the manifest is written, and all
 * are renamed into place with the manifest last, so a failure anywhere
 * leaves the previous reports whole.
 *
 * Also kept here: the per-rule totals of rule_hits.csv, added up intake by
 * intake in input order so they never depend on workers or shards.
 *
 * Owns: its open files (removed unless committed), their names' storage
 * is the evaluator's or static; the rule totals. All freed by
 * pf_results_delete.
 */
#ifndef PF_RESULTS_H
#define PF_RESULTS_H

#include <stdio.h>

#include "pf_csv.h"
#include "pf_eval.h"
#include "pf_ledger.h"
#include "pf_out.h"
#include "pf_sha256.h"

#define PF_RESULTS_MAX_REPORTS 8 /* reports a prelude may describe, besides rejects */
#define PF_REJECTS_NAME "rejects.csv"
#define PF_HITS_NAME "rule_hits.csv"

/* rule_hits.csv's columns, in order. */
typedef enum pf_hits_col {
    PF_HITS_RULE_ID,
    PF_HITS_STAGE,
    PF_HITS_WHERE,
    PF_HITS_INTAKES,
    PF_HITS_FIRED,
    PF_HITS_FIRED_PCT,
    PF_HITS_POINTS_MOVED,
    PF_HITS_TIME_MS,
    PF_HITS_STATUS,
    PF_HITS_NCOLS
} pf_hits_col_t;

typedef struct pf_result_file {
    const char *name;
    pf_out_file_t out;
    pf_sha256_t sha;
    size_t rows;
    size_t bytes;
    int opened;
    int listed;   /* named in the manifest: every file but the state */
    char hex[65]; /* its SHA-256 once taken ("" before) */
} pf_result_file_t;

typedef struct pf_results {
    const char *out_dir;
    const pf_csv_style_t *style;
    FILE *log;
    /* reports, rejects, rule hits, two ledgers, briefs.csv, index.html */
    pf_result_file_t files[PF_RESULTS_MAX_REPORTS + 6];
    size_t nfiles;
    size_t nreports;  /* the evaluator's reports: files[0 .. nreports-1] */
    size_t rejects;   /* rejects.csv: files[nreports] */
    size_t hits;      /* rule_hits.csv */
    size_t ledger[2]; /* by pf_ledger_kind_t: shard-index.csv, partnerfit-state.csv; 0 = none */
    size_t briefs;    /* briefs.csv (run --briefs); 0 = none */
    int io_failed;    /* a write failed (said once): the run stops */
    pf_buf_t line;    /* scratch: one row */
    pf_buf_t cell;    /* scratch: one cell's text */
    /* per rule (load order): intakes it fired on and points it moved */
    unsigned long long *rule_fired;
    double *rule_moved;
    size_t nrules;
} pf_results_t;

void pf_results_init(pf_results_t *r, const char *out_dir, const pf_csv_style_t *style, FILE *log);
/* Removes every temporary file not yet renamed and frees all. */
void pf_results_delete(pf_results_t *r);

/* Opens the evaluator's reports, rejects.csv and rule_hits.csv with their
 * headers; shard-index.csv when shard_index; partnerfit-state.csv, headed
 * by state_digest, when that is not NULL. 0 after saying why. */
int pf_results_open(pf_results_t *r, const pf_eval_t *ev, int shard_index,
                    const char *state_digest);

/* Opens one more file, name (static storage), listed in the manifest:
 * with a CSV header of cols, or none when cols is NULL (a page). Its index
 * in *at. Also after pf_results_close, for a file made from the others
 * (then finish it with pf_results_finish_file). 0 after saying why. */
int pf_results_add_file(pf_results_t *r, const char *name, const char *const *cols, size_t *at);
/* Finishes one file (flushed, synced, closed, not yet renamed). 0 after saying why. */
int pf_results_finish_file(pf_results_t *r, size_t file);
/* A finished file's temporary path, to read it back before the commit. */
const char *pf_results_temp_path(const pf_results_t *r, size_t file);

/* Appends n bytes holding rows rows to file. */
void pf_results_write(pf_results_t *r, size_t file, const char *p, size_t n, size_t rows);
/* Bytes written to file so far. */
static inline unsigned long long pf_results_bytes(const pf_results_t *r, size_t file)
{
    return r->files[file].bytes;
}
/* One row of rejects.csv: the file and a reason. */
void pf_results_reject(pf_results_t *r, const char *path, const pf_err_t *e);
/* One record of shard-index.csv or partnerfit-state.csv (when open). */
void pf_results_ledger(pf_results_t *r, pf_ledger_kind_t kind, const pf_ledger_rec_t *rec);

/* Adds one intake's hits to the per-rule totals (indexes past the pack's
 * rules are ignored). */
void pf_results_add_hits(pf_results_t *r, const pf_hit_t *hits, size_t n);
/* Writes rule_hits.csv's rows: st's rules with the totals (for the first
 * nrules) as fired and moved; time only when timed. Returns how many rules
 * never fired, each named on dead_log unless that is NULL. */
size_t pf_results_rule_hits(pf_results_t *r, pf_rule_stat_t *st, size_t n, size_t evaluated,
                            int timed, FILE *dead_log);

/* Flushes and closes every file (still under its temporary name). */
int pf_results_close(pf_results_t *r);
/* A closed file's SHA-256, in hex (taken once, then remembered). */
void pf_results_digest(pf_results_t *r, size_t file, char hex[65]);
/* Writes the manifest (name, text) and renames every file into place, the
 * manifest last. 0 after saying why. */
int pf_results_commit(pf_results_t *r, const char *name, const char *text, size_t len);

#endif
