/*
 * pf_prev.h - with --incremental, what the previous run found: its
 * partnerfit-state.csv (one record per intake, pf_ledger) and its reports,
 * kept open so an unchanged file's rows can be taken from them.
 *
 * The state is used only when its "#config" record carries the digest of
 * everything besides the intakes' own bytes that shapes their rows
 * (engine, rules, policy, schema, options); anything else is evaluated
 * again. Memory: none per intake. Where each previous record stands in the
 * state file (16 bytes an intake; the record is read again when its file
 * comes up) and each previous file's place under its path are kept in
 * pf_spill logs and sets, on disk past their budget; the file's digest is
 * checked against its first record on reuse.
 *
 * Owns: the open files and the tables, freed by pf_prev_delete. After
 * loading it is only read, so every worker may use it at once.
 */
#ifndef PF_PREV_H
#define PF_PREV_H

#include <stdio.h>

#include "pf_batch.h"
#include "pf_config.h"
#include "pf_ledger.h"

typedef struct pf_prev pf_prev_t;

/* The digest that heads a state file: everything that shapes the rows. */
void pf_prev_digest(const pf_batch_options_t *opt, const pf_config_t *cfg, const pf_eval_t *ev,
                    char hex[65]);

/* Loads out_dir's state if it is headed by digest, and opens its reports
 * (names: the evaluator's reports, then rejects.csv; n of them). NULL,
 * after saying why on log, when there is none to use. */
pf_prev_t *pf_prev_load(const char *out_dir, const char *digest, const char *const *names, size_t n,
                        FILE *log);
void pf_prev_delete(pf_prev_t *p);

/* The previous intakes of the file whose path hashes as path's does, when
 * they can be reused: items *first .. *first + *count - 1. */
int pf_prev_find(const pf_prev_t *p, const char *path, size_t *first, size_t *count);
/* Reads item's record again into rd (scratch holds its bytes); 1 when it
 * is whole. */
int pf_prev_record(const pf_prev_t *p, size_t item, pf_buf_t *scratch, pf_ledger_reader_t *rd);
/* Appends len bytes at off of the previous file `file` (as numbered in
 * names) to out; 1 when all were read. */
int pf_prev_rows(const pf_prev_t *p, size_t file, unsigned long long off, unsigned long long len,
                 pf_buf_t *out);

#endif
