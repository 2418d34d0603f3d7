/*
 * pf_csv.h - CSV cells and rows for the reports, through libcsv's writer.
 *
 * Text cells are always quoted (libcsv doubles embedded quotes). For a file
 * a spreadsheet opens (style->guard: --excel) they are neutralised against
 * formula injection as OWASP advises: a cell whose first character is = +
 * - @ TAB CR or LF gets a leading apostrophe (also when only spaces come
 * before it, as some importers trim them); for data (the default) the
 * value stays as it is, so pandas reads "-Minus Holding AB", not
 * "'-Minus Holding AB".
 * Number cells are written bare from a strict grammar, so -5 stays a number.
 *
 * Owns: nothing; cells are appended to a caller's pf_buf_t.
 */
#ifndef PF_CSV_H
#define PF_CSV_H

#include "pf_common.h"

typedef struct pf_csv_style {
    int crlf;       /* end rows with CR LF (RFC 4180, Excel) instead of LF */
    int bom;        /* begin each file with a UTF-8 byte order mark (Excel) */
    char delimiter; /* between cells: ',' (0 means ',') or ';' for Excel in locales
                     * whose decimal mark is a comma */
    int guard;      /* formula neutralisation (a leading apostrophe): on for files a
                     * spreadsheet opens (--excel), off for data (pandas wants the value) */
} pf_csv_style_t;

/* The same cells, as the style says: its delimiter, and the apostrophe
 * only when style->guard. The functions below without a style are these
 * with a comma and the guard on (what diff.csv is written with). */
void pf_csv_cell_text(pf_buf_t *b, size_t *row_cells, const char *s, size_t len,
                      const pf_csv_style_t *style);
void pf_csv_cell_int(pf_buf_t *b, size_t *row_cells, long long v, const pf_csv_style_t *style);
void pf_csv_cell_num(pf_buf_t *b, size_t *row_cells, double v, const pf_csv_style_t *style);

/* A cell whose bytes pf_csv_cell_text wrote before (quoted, guarded, cut
 * as the style says), appended again after the style's delimiter. */
void pf_csv_cell_encoded(pf_buf_t *b, size_t *row_cells, const char *enc, size_t len,
                         const pf_csv_style_t *style);

/* A text cell of text shown to people (rule text, names): written as it
 * is when pf_text_clean says it is clean, else its escaped form
 * (pf_text_escape), then as pf_csv_cell_text writes it. */
void pf_csv_cell_shown(pf_buf_t *b, size_t *row_cells, const char *s, size_t len,
                       const pf_csv_style_t *style);

/* A text cell built from pieces (pf_why.c): opened (the delimiter, then
 * the opening quote), pieces added escaped as libcsv escapes them (a quote
 * doubled), closed. Only for text that needs no apostrophe and no cut:
 * pf_csv_cell_plain says whether s[0..len), as a whole cell, is such text. */
int pf_csv_cell_plain(const char *s, size_t len, const pf_csv_style_t *style);
void pf_csv_cell_open(pf_buf_t *b, size_t *row_cells, const pf_csv_style_t *style);
void pf_csv_add_escaped(pf_buf_t *b, const char *s, size_t len);
void pf_csv_cell_close(pf_buf_t *b);

/* Each cell function adds a separating comma first unless the row is empty
 * so far; *row_cells counts the cells in the current row. */
void pf_csv_text(pf_buf_t *b, size_t *row_cells, const char *s, size_t len);
void pf_csv_int(pf_buf_t *b, size_t *row_cells, long long v);
/* Numbers are rounded to 2 decimals and written without trailing zeros:
 * 12, 12.5, -0.25. NaN and infinities are written as empty text cells. */
void pf_csv_num(pf_buf_t *b, size_t *row_cells, double v);
void pf_csv_end_row(pf_buf_t *b, size_t *row_cells, const pf_csv_style_t *style);

/* Header row from a NULL-terminated list of column names. */
void pf_csv_header(pf_buf_t *b, const char *const *names, const pf_csv_style_t *style);
/* The bytes a file starts with (the BOM in Excel style, else nothing). */
void pf_csv_begin_file(pf_buf_t *b, const pf_csv_style_t *style);

/* Cells longer than this (Excel's per-cell limit, counted in UTF-16 units as
 * Excel does) are cut at a UTF-8 character boundary and end in "[...]"; the
 * cut cell, apostrophe and marker included, is at most this long. */
#define PF_CSV_CELL_MAX 32767

#endif
