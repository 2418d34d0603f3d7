/*
 * pf_csvin.h - CSV records read back from the files the engine wrote
 * (partnerfit-state.csv, a shard's reports and index), through libcsv's
 * parser. Each record comes with its fields and with its raw bytes and
 * their place in the file, so a caller can copy a row verbatim or read it
 * again later from its offset.
 *
 * A record ends at a line feed outside quotes (a CR LF row end is one
 * end). Memory is kept between records: after the first few, reading one
 * allocates nothing.
 *
 * Owns: its parser, its chunk of the file and the current record's bytes
 * and fields, freed by pf_csvin_delete; never the FILE.
 */
#ifndef PF_CSVIN_H
#define PF_CSVIN_H

#include <stdio.h>

#include <csv.h>

#include "pf_common.h"

#define PF_CSVIN_MAX_FIELDS 256 /* fields kept per record; more are counted */

typedef struct pf_csvin {
    struct csv_parser csv;
    /* reading a file */
    FILE *fp;
    char *chunk;
    size_t pos, end;
    unsigned long long next_off; /* of the first byte not yet parsed */
    /* the current record */
    unsigned long long off; /* where its bytes start in the file */
    pf_buf_t raw;           /* its bytes as in the file, row end included */
    pf_buf_t text;          /* its fields, each ending in a NUL */
    size_t start[PF_CSVIN_MAX_FIELDS], len[PF_CSVIN_MAX_FIELDS];
    size_t kept;   /* fields kept: the first record's, up to the max */
    size_t fields; /* fields parsed (kept or not) */
    size_t ended;  /* records the parser ended within raw: 1 in a sound file */
    int cut;       /* it ended at the end of the input, with no row end */
} pf_csvin_t;

void pf_csvin_init(pf_csvin_t *in);
void pf_csvin_delete(pf_csvin_t *in);

/* The field delimiter of the files to read (',' unless set). */
void pf_csvin_set_delim(pf_csvin_t *in, char delim);

/* Reads fp from its start, past a UTF-8 byte order mark if the file
 * begins with one (a report written with --excel). */
void pf_csvin_open_file(pf_csvin_t *in, FILE *fp);

/* Reads fp from its current position, which is taken as offset off. */
void pf_csvin_open(pf_csvin_t *in, FILE *fp, unsigned long long off);

/* The next record of the file: 1 when one was read (in->raw and in->off say
 * which bytes it was, pf_csvin_field what it holds), 0 at the end. A last
 * record without a row end is read, but is not whole. */
int pf_csvin_next(pf_csvin_t *in);

/* Parses n bytes that should hold one record (as pf_csvin_next gave them;
 * in->raw is left empty, the caller has the bytes); returns the number of
 * fields, 0 when they hold no record or several. */
size_t pf_csvin_parse(pf_csvin_t *in, const char *p, size_t n);

/* 1 when the current record is one record of exactly n fields, ended by
 * a row end. */
int pf_csvin_whole(const pf_csvin_t *in, size_t n);

/* Field i of the current record, NUL-ended ("" when there is none);
 * *len (when len is not NULL) is its length. */
const char *pf_csvin_field(const pf_csvin_t *in, size_t i, size_t *len);

#endif
