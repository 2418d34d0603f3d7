/*
 * pf_ledger.c - shard-index.csv and partnerfit-state.csv: one table of
 * columns per kind of file, one writer and one reader for both.
 */
#include <stdlib.h>
#include <string.h>

#include "pf_ledger.h"

#define CONFIG_PATH "#config"

typedef struct format {
    const char *file;
    const char *const *header;
    const pf_ledger_col_t *cols; /* in the file's order */
    size_t ncols;
} format_t;

static const char *const SHARD_INDEX_HEADER[] = {"seq",  "file",   "doc",  "outcome", "unique",
                                                 "line", "column", "rows", "hits",    NULL};
static const pf_ledger_col_t SHARD_INDEX_COLS[] = {
    PF_LEDGER_SEQ,  PF_LEDGER_PATH,   PF_LEDGER_DOC,  PF_LEDGER_OUTCOME, PF_LEDGER_UNIQUE,
    PF_LEDGER_LINE, PF_LEDGER_COLUMN, PF_LEDGER_ROWS, PF_LEDGER_HITS};

static const char *const STATE_HEADER[] = {"path",   "doc",  "digest", "outcome", "unique", "line",
                                           "column", "rows", "hits",   "spans",   NULL};
static const pf_ledger_col_t STATE_COLS[] = {
    PF_LEDGER_PATH, PF_LEDGER_DOC,    PF_LEDGER_DIGEST, PF_LEDGER_OUTCOME, PF_LEDGER_UNIQUE,
    PF_LEDGER_LINE, PF_LEDGER_COLUMN, PF_LEDGER_ROWS,   PF_LEDGER_HITS,    PF_LEDGER_SPANS};

static const format_t FORMATS[] = {
    [PF_LEDGER_SHARD_INDEX] = {"shard-index.csv", SHARD_INDEX_HEADER, SHARD_INDEX_COLS,
                               sizeof SHARD_INDEX_COLS / sizeof *SHARD_INDEX_COLS},
    [PF_LEDGER_STATE] = {"partnerfit-state.csv", STATE_HEADER, STATE_COLS,
                         sizeof STATE_COLS / sizeof *STATE_COLS},
};

const char *pf_ledger_file(pf_ledger_kind_t kind)
{
    return FORMATS[kind].file;
}

const char *const *pf_ledger_header(pf_ledger_kind_t kind)
{
    return FORMATS[kind].header;
}

/* ---- writing ---------------------------------------------------------------- */

/* "a b c" (counts) or "a:b c:d" (spans) into a buffer on the stack: a
 * record is written per intake, and this keeps it free of allocation.
 * 20 digits per number, a colon and a space: at most 42 bytes per report. */
#define LIST_MAX 1024

static size_t format_counts(char *out, const size_t *v, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < LIST_MAX; i++)
        used += (size_t)snprintf(out + used, LIST_MAX - used, "%s%zu", i ? " " : "", v[i]);
    return used < LIST_MAX ? used : LIST_MAX - 1;
}

static size_t format_spans(char *out, const unsigned long long *offs,
                           const unsigned long long *lens, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < LIST_MAX; i++)
        used += (size_t)snprintf(out + used, LIST_MAX - used, "%s%llu:%llu", i ? " " : "", offs[i],
                                 lens[i]);
    return used < LIST_MAX ? used : LIST_MAX - 1;
}

static void text_cell(pf_buf_t *out, size_t *cells, const char *s)
{
    pf_csv_text(out, cells, s ? s : "", s ? strlen(s) : 0);
}

static void write_cell(pf_buf_t *out, size_t *cells, pf_ledger_col_t col,
                       const pf_ledger_rec_t *rec, pf_buf_t *scratch)
{
    char list[LIST_MAX];
    size_t n;
    switch (col) {
    case PF_LEDGER_SEQ:
        pf_csv_int(out, cells, (long long)rec->seq);
        break;
    case PF_LEDGER_PATH:
        text_cell(out, cells, rec->path);
        break;
    case PF_LEDGER_DOC:
        pf_csv_int(out, cells, (long long)rec->doc);
        break;
    case PF_LEDGER_DIGEST:
        text_cell(out, cells, rec->digest);
        break;
    case PF_LEDGER_OUTCOME:
        text_cell(out, cells, rec->outcome);
        break;
    case PF_LEDGER_UNIQUE:
        text_cell(out, cells, rec->unique);
        break;
    case PF_LEDGER_LINE:
        pf_csv_int(out, cells, (long long)rec->line);
        break;
    case PF_LEDGER_COLUMN:
        pf_csv_int(out, cells, (long long)rec->column);
        break;
    case PF_LEDGER_ROWS:
        n = format_counts(list, rec->rows, rec->nrows);
        pf_csv_text(out, cells, list, n);
        break;
    case PF_LEDGER_HITS:
        pf_buf_reset(scratch);
        pf_hits_text(scratch, rec->hits, rec->nhits);
        pf_csv_text(out, cells, scratch->data ? scratch->data : "", scratch->len);
        break;
    case PF_LEDGER_SPANS:
        n = format_spans(list, rec->offs, rec->lens, rec->nrows);
        pf_csv_text(out, cells, list, n);
        break;
    case PF_LEDGER_NCOLS:
        break;
    }
}

void pf_ledger_write(pf_ledger_kind_t kind, const pf_ledger_rec_t *rec, const pf_csv_style_t *style,
                     pf_buf_t *out, pf_buf_t *scratch)
{
    const format_t *f = &FORMATS[kind];
    size_t cells = 0;
    for (size_t i = 0; i < f->ncols; i++)
        write_cell(out, &cells, f->cols[i], rec, scratch);
    pf_csv_end_row(out, &cells, style);
}

/* "#config",0,"DIGEST","",...: the path column marks it, the rest is empty
 * text so no intake's record can be taken for it. */
void pf_ledger_write_config(const char *digest, const pf_csv_style_t *style, pf_buf_t *out)
{
    const format_t *f = &FORMATS[PF_LEDGER_STATE];
    size_t cells = 0;
    for (size_t i = 0; i < f->ncols; i++) {
        switch (f->cols[i]) {
        case PF_LEDGER_PATH:
            text_cell(out, &cells, CONFIG_PATH);
            break;
        case PF_LEDGER_DOC:
            pf_csv_int(out, &cells, 0);
            break;
        case PF_LEDGER_DIGEST:
            text_cell(out, &cells, digest);
            break;
        default:
            text_cell(out, &cells, "");
            break;
        }
    }
    pf_csv_end_row(out, &cells, style);
}

/* ---- reading ---------------------------------------------------------------- */

void pf_ledger_reader_init(pf_ledger_reader_t *r, pf_ledger_kind_t kind)
{
    const format_t *f = &FORMATS[kind];
    r->kind = kind;
    r->ncols = f->ncols;
    for (size_t c = 0; c < PF_LEDGER_NCOLS; c++)
        r->pos[c] = -1;
    for (size_t i = 0; i < f->ncols; i++)
        r->pos[f->cols[i]] = (int)i;
    pf_csvin_init(&r->in);
}

void pf_ledger_reader_delete(pf_ledger_reader_t *r)
{
    pf_csvin_delete(&r->in);
}

int pf_ledger_open(pf_ledger_reader_t *r, FILE *fp)
{
    pf_csvin_open(&r->in, fp, 0);
    if (!pf_csvin_next(&r->in) || !pf_csvin_whole(&r->in, r->ncols)) return 0;
    /* the header must be this kind's, column for column: a file of another
     * kind or version read by name would give wrong rows, not an error */
    const char *const *header = FORMATS[r->kind].header;
    for (size_t i = 0; i < r->ncols; i++) {
        size_t len;
        const char *f = pf_csvin_field(&r->in, i, &len);
        if (i == 0 && len >= 3 && memcmp(f, "\xEF\xBB\xBF", 3) == 0) {
            /* --excel's BOM: before it the quotes are the field's text */
            f += 3;
            len -= 3;
            if (len >= 2 && f[0] == '"' && f[len - 1] == '"') {
                f++;
                len -= 2;
            }
        }
        if (!header[i] || strlen(header[i]) != len || memcmp(f, header[i], len) != 0) return 0;
    }
    return 1;
}

int pf_ledger_next(pf_ledger_reader_t *r)
{
    if (!pf_csvin_next(&r->in)) return 0;
    return pf_csvin_whole(&r->in, r->ncols) ? 1 : -1;
}

int pf_ledger_parse(pf_ledger_reader_t *r, const char *p, size_t n)
{
    return pf_csvin_parse(&r->in, p, n) == r->ncols;
}

const char *pf_ledger_text(const pf_ledger_reader_t *r, pf_ledger_col_t col, size_t *len)
{
    if (r->pos[col] < 0) {
        if (len) *len = 0;
        return "";
    }
    return pf_csvin_field(&r->in, (size_t)r->pos[col], len);
}

unsigned long long pf_ledger_number(const pf_ledger_reader_t *r, pf_ledger_col_t col)
{
    return strtoull(pf_ledger_text(r, col, NULL), NULL, 10);
}

void pf_ledger_rows(const pf_ledger_reader_t *r, size_t *rows, size_t n)
{
    const char *p = pf_ledger_text(r, PF_LEDGER_ROWS, NULL);
    for (size_t i = 0; i < n; i++) {
        char *end;
        rows[i] = strtoull(p, &end, 10);
        p = end;
    }
}

void pf_ledger_spans(const pf_ledger_reader_t *r, unsigned long long *offs,
                     unsigned long long *lens, size_t n)
{
    const char *p = pf_ledger_text(r, PF_LEDGER_SPANS, NULL);
    for (size_t i = 0; i < n; i++) {
        char *end;
        offs[i] = strtoull(p, &end, 10);
        lens[i] = *end == ':' ? strtoull(end + 1, &end, 10) : 0;
        p = end;
    }
}

int pf_ledger_is_config(const pf_ledger_reader_t *r, const char *digest)
{
    return r->kind == PF_LEDGER_STATE &&
           strcmp(pf_ledger_text(r, PF_LEDGER_PATH, NULL), CONFIG_PATH) == 0 &&
           strcmp(pf_ledger_text(r, PF_LEDGER_DIGEST, NULL), digest) == 0;
}
