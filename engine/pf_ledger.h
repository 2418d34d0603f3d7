/*
 * pf_ledger.h - the per-intake record files: one record per intake, in
 * input order, saying what became of it and where its rows are.
 *
 *   shard-index.csv       written by `run --shard K/N`, read by `merge`:
 *                         the file's place in the full input order, so the
 *                         shards interleave as one run would have written
 *   partnerfit-state.csv  written and read by `run --incremental`: the
 *                         file's digest and where the intake's rows stand
 *                         in each report, so the next run can reuse them
 *
 * Both are CSV written through pf_csv and read back through libcsv
 * (pf_csvin); a column is read by its name (pf_ledger_col_t), never by its
 * place, and each kind of file says which columns it has, in which order.
 * A state file starts (after its header) with a "#config" record holding
 * the digest of everything that shaped its rows.
 *
 * Owns: a reader owns its pf_csvin; the writer appends to a caller's
 * buffer and owns nothing.
 */
#ifndef PF_LEDGER_H
#define PF_LEDGER_H

#include <stdio.h>

#include "pf_csv.h"
#include "pf_csvin.h"
#include "pf_hits.h"

typedef enum pf_ledger_kind { PF_LEDGER_SHARD_INDEX, PF_LEDGER_STATE } pf_ledger_kind_t;

typedef enum pf_ledger_col {
    PF_LEDGER_SEQ,     /* the file's place in the full input order (shard index) */
    PF_LEDGER_PATH,    /* the file, as the reports show it */
    PF_LEDGER_DOC,     /* the intake's document in the file, from 1 */
    PF_LEDGER_DIGEST,  /* SHA-256 of the file's bytes (state) */
    PF_LEDGER_OUTCOME, /* PF_LEDGER_EVALUATED, _REJECTED, _DUPLICATE or _RULE_ERROR */
    PF_LEDGER_UNIQUE,  /* its unique id ("" when it has none) */
    PF_LEDGER_LINE,    /* where the unique id stands */
    PF_LEDGER_COLUMN,
    PF_LEDGER_ROWS,  /* its rows in each report, then in rejects.csv: "3 7 0" */
    PF_LEDGER_HITS,  /* the rules that fired: "INDEX:POINTS;" each */
    PF_LEDGER_SPANS, /* its rows' bytes in each report, then rejects: "OFF:LEN ..." (state) */
    PF_LEDGER_NCOLS
} pf_ledger_col_t;

#define PF_LEDGER_EVALUATED "evaluated"
#define PF_LEDGER_REJECTED "rejected"
#define PF_LEDGER_DUPLICATE "duplicate"   /* evaluated, but an earlier intake has its id */
#define PF_LEDGER_RULE_ERROR "rule_error" /* rejected because a rule failed on it */

/* The file's name, and its header (column names, NULL-terminated). */
const char *pf_ledger_file(pf_ledger_kind_t kind);
const char *const *pf_ledger_header(pf_ledger_kind_t kind);

/* One intake's record, as the writer takes it. */
typedef struct pf_ledger_rec {
    size_t seq;
    const char *path;
    size_t doc;
    const char *digest; /* state only */
    const char *outcome;
    const char *unique; /* NULL: none */
    unsigned long line, column;
    size_t nrows;                   /* the reports, then rejects.csv */
    const size_t *rows;             /* nrows counts */
    const unsigned long long *offs; /* nrows offsets (state only) */
    const unsigned long long *lens; /* nrows lengths (state only) */
    const pf_hit_t *hits;           /* written in pf_hits' text form */
    size_t nhits;
} pf_ledger_rec_t;

/* Appends rec as one row of kind's file to out; scratch is the caller's
 * reusable buffer for the hits' text (its content is overwritten). */
void pf_ledger_write(pf_ledger_kind_t kind, const pf_ledger_rec_t *rec, const pf_csv_style_t *style,
                     pf_buf_t *out, pf_buf_t *scratch);
/* Appends the "#config" record that heads a state file's rows. */
void pf_ledger_write_config(const char *digest, const pf_csv_style_t *style, pf_buf_t *out);

typedef struct pf_ledger_reader {
    pf_ledger_kind_t kind;
    int pos[PF_LEDGER_NCOLS]; /* each column's place in kind's records; -1: none */
    size_t ncols;
    pf_csvin_t in;
} pf_ledger_reader_t;

void pf_ledger_reader_init(pf_ledger_reader_t *r, pf_ledger_kind_t kind);
void pf_ledger_reader_delete(pf_ledger_reader_t *r);

/* Starts reading fp at its first byte and skips the header (a byte order
 * mark, if any, goes with it): offsets are the file's own. 0 when the file
 * has no header, or one that is not exactly this kind's columns. */
int pf_ledger_open(pf_ledger_reader_t *r, FILE *fp);
/* The next record: 1 whole, -1 damaged (too few or many fields, cut short, two
 * records run together), 0 at the end. Its bytes are at r->in.off, r->in.raw.len
 * long. */
int pf_ledger_next(pf_ledger_reader_t *r);
/* One record from n bytes (as pf_ledger_next found them): 1 when whole. */
int pf_ledger_parse(pf_ledger_reader_t *r, const char *p, size_t n);

/* The current record's column col ("" when the kind has no such column). */
const char *pf_ledger_text(const pf_ledger_reader_t *r, pf_ledger_col_t col, size_t *len);
unsigned long long pf_ledger_number(const pf_ledger_reader_t *r, pf_ledger_col_t col);
/* The first n counts of the rows column (missing ones are 0). */
void pf_ledger_rows(const pf_ledger_reader_t *r, size_t *rows, size_t n);
/* The first n spans of the spans column (missing ones are 0:0). */
void pf_ledger_spans(const pf_ledger_reader_t *r, unsigned long long *offs,
                     unsigned long long *lens, size_t n);
/* 1 when the current record is a state file's "#config" record for digest. */
int pf_ledger_is_config(const pf_ledger_reader_t *r, const char *digest);

#endif
