/*
 * pf_csvin.c - CSV records through libcsv's parser, with their raw bytes.
 *
 * libcsv reports a field and a record's end, but not where in the input it
 * was: so the input is handed to it a line at a time (each piece ending at
 * a line feed), and a record ends with the piece in which the parser ended
 * it. Quoted line feeds end a piece but no record; a CR before the line
 * feed ends the record within the same piece.
 */
#include <stdlib.h>
#include <string.h>

#include "pf_csvin.h"

#define CHUNK_BYTES 8192 /* a merge holds one per report per shard */

void pf_csvin_init(pf_csvin_t *in)
{
    memset(in, 0, sizeof *in);
    csv_init(&in->csv, 0);
    pf_buf_init(&in->raw);
    pf_buf_init(&in->text);
}

void pf_csvin_open_file(pf_csvin_t *in, FILE *fp)
{
    int c0 = getc(fp), c1 = getc(fp), c2 = getc(fp);
    if (!(c0 == 0xEF && c1 == 0xBB && c2 == 0xBF)) rewind(fp);
    pf_csvin_open(in, fp, (unsigned long long)ftell(fp));
}

void pf_csvin_set_delim(pf_csvin_t *in, char delim)
{
    csv_set_delim(&in->csv, (unsigned char)delim);
}

void pf_csvin_delete(pf_csvin_t *in)
{
    csv_free(&in->csv);
    free(in->chunk);
    pf_buf_delete(&in->raw);
    pf_buf_delete(&in->text);
    memset(in, 0, sizeof *in);
}

void pf_csvin_open(pf_csvin_t *in, FILE *fp, unsigned long long off)
{
    if (!in->chunk) in->chunk = pf_xmalloc(CHUNK_BYTES);
    in->fp = fp;
    in->pos = in->end = 0;
    in->next_off = off;
}

/* libcsv: one field ended (the record's fields are kept by position). */
static void on_field(void *s, size_t len, void *data)
{
    pf_csvin_t *in = data;
    size_t i = in->fields++;
    if (in->ended || i >= PF_CSVIN_MAX_FIELDS) return; /* part of nothing we keep */
    in->kept = i + 1;
    in->start[i] = in->text.len;
    in->len[i] = len;
    if (len) pf_buf_add(&in->text, s, len);
    pf_buf_addc(&in->text, '\0');
}

/* libcsv: the record ended; c is -1 when csv_fini ended it, at the end of
 * the input without a row end: a record cut short (the engine ends every
 * row), so not a whole one. */
static void on_record(int c, void *data)
{
    pf_csvin_t *in = data;
    in->ended++;
    if (c == -1) in->cut = 1;
}

static void begin_record(pf_csvin_t *in)
{
    pf_buf_reset(&in->raw);
    pf_buf_reset(&in->text);
    in->fields = in->kept = 0;
    in->ended = 0;
    in->cut = 0;
    in->off = in->next_off;
}

/* Parses n bytes; keep_raw: add them to the record's raw bytes too. */
static void feed(pf_csvin_t *in, const char *p, size_t n, int keep_raw)
{
    if (csv_parse(&in->csv, p, n, on_field, on_record, in) != n) {
        fprintf(stderr, "partnerfit: out of memory reading a CSV record (%s)\n",
                csv_strerror(csv_error(&in->csv)));
        abort();
    }
    if (keep_raw) pf_buf_add(&in->raw, p, n);
    in->next_off += n;
}

int pf_csvin_next(pf_csvin_t *in)
{
    begin_record(in);
    for (;;) {
        if (in->pos == in->end) {
            in->pos = 0;
            in->end = fread(in->chunk, 1, CHUNK_BYTES, in->fp);
            if (in->end == 0) { /* a last record without a row end */
                csv_fini(&in->csv, on_field, on_record, in);
                return in->ended > 0;
            }
        }
        const char *p = in->chunk + in->pos;
        const char *nl = memchr(p, '\n', in->end - in->pos);
        size_t n = nl ? (size_t)(nl - p) + 1 : in->end - in->pos;
        feed(in, p, n, 1);
        in->pos += n;
        if (nl && in->ended) return 1;
    }
}

size_t pf_csvin_parse(pf_csvin_t *in, const char *p, size_t n)
{
    begin_record(in);
    in->next_off = in->off = 0;
    feed(in, p, n, 0); /* the caller has them */
    csv_fini(&in->csv, on_field, on_record, in);
    return in->ended == 1 && !in->cut ? in->fields : 0;
}

int pf_csvin_whole(const pf_csvin_t *in, size_t n)
{
    return in->ended == 1 && !in->cut && in->fields == n;
}

const char *pf_csvin_field(const pf_csvin_t *in, size_t i, size_t *len)
{
    int kept = i < in->kept;
    if (len) *len = kept ? in->len[i] : 0;
    return kept ? in->text.data + in->start[i] : "";
}
