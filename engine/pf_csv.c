/*
 * pf_csv.c - CSV cells, rows and file framing for the reports.
 *
 * libcsv's csv_write() does the quoting (it wraps every field in double
 * quotes and doubles the quotes inside). This file adds what libcsv leaves
 * to the caller: separators and row ends, formula neutralisation, Excel's
 * per-cell limit, and a strict, locale-free number format.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "pf_csv.h"

static const char trunc_mark[] = "[...]";
#define TRUNC_MARK_LEN (sizeof trunc_mark - 1)

/* The bytes that make a spreadsheet read a cell as a formula, or that hide
 * one behind white space (OWASP CSV injection). */
static const char formula_starts[] = "=+-@\t\r\n";

/* A comma and the guard: what the style-less functions (and a NULL style)
 * write. */
static const pf_csv_style_t GUARDED = {0, 0, ',', 1};

static void start_cell(pf_buf_t *b, size_t *row_cells, char delimiter)
{
    if (*row_cells > 0) pf_buf_addc(b, delimiter ? delimiter : ',');
    (*row_cells)++;
}

static int is_formula_byte(char c)
{
    return memchr(formula_starts, c, sizeof formula_starts - 1) != NULL;
}

/* A cell needs the apostrophe if it starts with a formula byte, or if it
 * does after leading spaces: some importers trim those and then evaluate. */
static int needs_guard(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && s[i] == ' ')
        i++;
    return i < len && is_formula_byte(s[i]);
}

/*
 * Bytes of the longest prefix of s that fits in max characters, ending on a
 * UTF-8 character boundary; *all set when the whole of s fits. Characters
 * are counted as Excel counts them, in UTF-16 units, so a 4-byte sequence
 * (outside the BMP) counts twice.
 */
static size_t fit_prefix(const char *s, size_t len, size_t max, int *all)
{
    size_t units = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) == 0x80) continue; /* continuation byte: same character */
        size_t w = c >= 0xF0 ? 2 : 1;
        if (units + w > max) {
            *all = 0;
            return i;
        }
        units += w;
    }
    *all = 1;
    return len;
}

/* One quoted field through libcsv. A field without a quote inside comes
 * out of csv_write as its own bytes between two quotes: copied so, without
 * csv_write's byte-by-byte loop (most report text has no quote). */
static void add_quoted(pf_buf_t *b, const char *s, size_t len)
{
    if (len && !memchr(s, '"', len)) {
        char *at = pf_buf_reserve(b, len + 2);
        at[0] = '"';
        memcpy(at + 1, s, len);
        at[len + 1] = '"';
        pf_buf_commit(b, len + 2);
        return;
    }
    /* csv_write writes nothing for a NULL source; "" still gives "". */
    const char *src = s ? s : "";
    /* at worst every byte is a quote, doubled, plus the two around: one call */
    size_t room = 2 * len + 2;
    size_t done = csv_write(pf_buf_reserve(b, room), room, src, len);
    if (done > room) abort(); /* cannot happen: the bound above is exact */
    pf_buf_commit(b, done);
}

void pf_csv_cell_text(pf_buf_t *b, size_t *row_cells, const char *s, size_t len,
                      const pf_csv_style_t *style)
{
    if (!style) style = &GUARDED;
    if (!s) len = 0;
    start_cell(b, row_cells, style->delimiter);
    int guard = style->guard && needs_guard(s, len);
    size_t room = PF_CSV_CELL_MAX - (guard ? 1 : 0);
    int fits = 1;
    /* a cell counts at most one UTF-16 unit per byte: short ones always fit */
    size_t keep = len <= room ? len : fit_prefix(s, len, room, &fits);
    if (fits && !guard) {
        add_quoted(b, s, len);
        return;
    }
    if (!fits) {
        int unused;
        keep = fit_prefix(s, len, room - TRUNC_MARK_LEN, &unused);
    }
    pf_buf_t cell;
    pf_buf_init(&cell);
    if (guard) pf_buf_addc(&cell, '\'');
    pf_buf_add(&cell, s, keep);
    if (!fits) pf_buf_add(&cell, trunc_mark, TRUNC_MARK_LEN);
    add_quoted(b, cell.data, cell.len);
    pf_buf_delete(&cell);
}

void pf_csv_cell_shown(pf_buf_t *b, size_t *row_cells, const char *s, size_t len,
                       const pf_csv_style_t *style)
{
    if (pf_text_clean(s, len, 0)) {
        pf_csv_cell_text(b, row_cells, s, len, style);
        return;
    }
    pf_buf_t esc;
    pf_buf_init(&esc);
    pf_text_escape(&esc, s, len, 0);
    pf_csv_cell_text(b, row_cells, esc.data, esc.len, style);
    pf_buf_delete(&esc);
}

int pf_csv_cell_plain(const char *s, size_t len, const pf_csv_style_t *style)
{
    if (!style) style = &GUARDED;
    /* one UTF-16 unit per byte at most: within the limit in bytes, it fits */
    return len <= PF_CSV_CELL_MAX && !(style->guard && needs_guard(s, len));
}

void pf_csv_cell_open(pf_buf_t *b, size_t *row_cells, const pf_csv_style_t *style)
{
    start_cell(b, row_cells, style ? style->delimiter : GUARDED.delimiter);
    pf_buf_addc(b, '"');
}

/* The piece through csv_write, as a whole cell would go, without the two
 * quotes it puts around it: a concatenation of pieces escaped so is the
 * concatenation escaped (escaping is byte by byte). */
void pf_csv_add_escaped(pf_buf_t *b, const char *s, size_t len)
{
    if (len == 0) return;
    if (!memchr(s, '"', len)) { /* as in add_quoted: csv_write would copy it */
        pf_buf_add(b, s, len);
        return;
    }
    size_t room = 2 * len + 2;
    char *at = pf_buf_reserve(b, room);
    size_t done = csv_write(at, room, s, len);
    if (done > room || done < 2) abort(); /* cannot happen: the bound above is exact */
    memmove(at, at + 1, done - 2);
    pf_buf_commit(b, done - 2);
}

void pf_csv_cell_close(pf_buf_t *b)
{
    pf_buf_addc(b, '"');
}

void pf_csv_cell_encoded(pf_buf_t *b, size_t *row_cells, const char *enc, size_t len,
                         const pf_csv_style_t *style)
{
    start_cell(b, row_cells, style ? style->delimiter : GUARDED.delimiter);
    pf_buf_add(b, enc, len);
}

void pf_csv_text(pf_buf_t *b, size_t *row_cells, const char *s, size_t len)
{
    pf_csv_cell_text(b, row_cells, s, len, &GUARDED);
}

void pf_csv_cell_int(pf_buf_t *b, size_t *row_cells, long long v, const pf_csv_style_t *style)
{
    if (!style) style = &GUARDED;
    start_cell(b, row_cells, style->delimiter);
    pf_buf_addint(b, v);
}

void pf_csv_int(pf_buf_t *b, size_t *row_cells, long long v)
{
    pf_csv_cell_int(b, row_cells, v, &GUARDED);
}

void pf_csv_cell_num(pf_buf_t *b, size_t *row_cells, double v, const pf_csv_style_t *style)
{
    if (!style) style = &GUARDED;
    if (!isfinite(v)) {
        pf_csv_cell_text(b, row_cells, "", 0, style);
        return;
    }
    /* A whole number (most points are) prints as its digits under %.2f
     * with the zeros trimmed: written as an integer, without snprintf.
     * -0.0 becomes 0, as below. Not with ';': there the comma written over
     * the dot below also overwrites the end the trimming put there, so a
     * whole number has always been written "12,00" (kept byte for byte). */
    if (style->delimiter != ';' && v == floor(v) && fabs(v) < 1e15) {
        start_cell(b, row_cells, style->delimiter);
        pf_buf_addint(b, (long long)v);
        return;
    }
    /* %.2f rounds the exact binary value (ties to even), the same on every
     * run; DBL_MAX needs 309 digits, so 400 bytes always suffice. */
    char tmp[400];
    snprintf(tmp, sizeof tmp, "%.2f", v);
    char *dot = strchr(tmp, '.');
    if (dot) {
        char *end = tmp + strlen(tmp);
        while (end > dot + 1 && end[-1] == '0')
            end--;
        if (end == dot + 1) end = dot;
        *end = '\0';
    }
    start_cell(b, row_cells, style->delimiter);
    /* Where cells are split by ';' (Excel in a locale whose decimal mark is
     * a comma), the decimal mark is a comma too, or 12.5 reads as text. */
    if (style->delimiter == ';' && dot) *dot = ',';
    /* A value that rounds to zero from below prints as -0: report 0. */
    pf_buf_addstr(b, strcmp(tmp, "-0") == 0 ? "0" : tmp);
}

void pf_csv_num(pf_buf_t *b, size_t *row_cells, double v)
{
    pf_csv_cell_num(b, row_cells, v, &GUARDED);
}

void pf_csv_end_row(pf_buf_t *b, size_t *row_cells, const pf_csv_style_t *style)
{
    pf_buf_addstr(b, style && style->crlf ? "\r\n" : "\n");
    *row_cells = 0;
}

void pf_csv_header(pf_buf_t *b, const char *const *names, const pf_csv_style_t *style)
{
    size_t cells = 0;
    for (size_t i = 0; names[i]; i++)
        pf_csv_cell_text(b, &cells, names[i], strlen(names[i]), style);
    pf_csv_end_row(b, &cells, style);
}

void pf_csv_begin_file(pf_buf_t *b, const pf_csv_style_t *style)
{
    /* Excel only takes a CSV file for UTF-8 when it starts with a BOM. */
    if (style && style->bom) pf_buf_add(b, "\xEF\xBB\xBF", 3);
}
