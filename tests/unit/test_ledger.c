/*
 * test_ledger.c - pf_ledger and pf_csvin: records of both kinds written
 * and read back by column name through libcsv; quoting (commas, quotes,
 * line feeds in a cell); CR LF rows and a byte order mark; the "#config"
 * record; damaged records (short, long, unterminated, run together) are
 * reported and skipped; each record's offset and length in the file, and
 * reading a record again from its bytes; the byte-exact layout of both
 * files, which older state files depend on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_ledger.h"

static const pf_csv_style_t PLAIN = {0, 0, ',', 0};
static const pf_csv_style_t EXCEL = {1, 1, ',', 1};

static const size_t ROWS[3] = {3, 7, 0};
static const unsigned long long OFFS[3] = {120, 4096, 88};
static const unsigned long long LENS[3] = {300, 1500, 0};
static const pf_hit_t HITS[2] = {{1, 2.5}, {7, -1}};

static pf_ledger_rec_t sample(const char *path, size_t doc, const char *unique)
{
    pf_ledger_rec_t r = {.seq = 42,
                         .path = path,
                         .doc = doc,
                         .digest = "ab12",
                         .outcome = PF_LEDGER_EVALUATED,
                         .unique = unique,
                         .line = 4,
                         .column = 5,
                         .nrows = 3,
                         .rows = ROWS,
                         .offs = OFFS,
                         .lens = LENS,
                         .hits = HITS,
                         .nhits = 2};
    return r;
}

/* The file a kind would hold: header, then the given records. */
static FILE *ledger_file(pf_ledger_kind_t kind, const pf_csv_style_t *style,
                         const pf_ledger_rec_t *recs, size_t n, pf_buf_t *bytes)
{
    pf_buf_reset(bytes);
    pf_csv_begin_file(bytes, style);
    pf_csv_header(bytes, pf_ledger_header(kind), style);
    pf_buf_t scratch;
    pf_buf_init(&scratch);
    for (size_t i = 0; i < n; i++)
        pf_ledger_write(kind, &recs[i], style, bytes, &scratch);
    pf_buf_delete(&scratch);
    FILE *fp = tmpfile();
    assert_non_null(fp);
    assert_int_equal(fwrite(bytes->data, 1, bytes->len, fp), bytes->len);
    rewind(fp);
    return fp;
}

static FILE *text_file(const char *text)
{
    FILE *fp = tmpfile();
    assert_non_null(fp);
    fputs(text, fp);
    rewind(fp);
    return fp;
}

/* ---- layout ------------------------------------------------------------------ */

static void test_names_and_headers(void **state)
{
    (void)state;
    assert_string_equal(pf_ledger_file(PF_LEDGER_SHARD_INDEX), "shard-index.csv");
    assert_string_equal(pf_ledger_file(PF_LEDGER_STATE), "partnerfit-state.csv");
    pf_buf_t b;
    pf_buf_init(&b);
    pf_csv_header(&b, pf_ledger_header(PF_LEDGER_SHARD_INDEX), &PLAIN);
    assert_string_equal(b.data,
                        "\"seq\",\"file\",\"doc\",\"outcome\",\"unique\",\"line\",\"column\","
                        "\"rows\",\"hits\"\n");
    pf_buf_reset(&b);
    pf_csv_header(&b, pf_ledger_header(PF_LEDGER_STATE), &PLAIN);
    assert_string_equal(b.data,
                        "\"path\",\"doc\",\"digest\",\"outcome\",\"unique\",\"line\",\"column\","
                        "\"rows\",\"hits\",\"spans\"\n");
    pf_buf_delete(&b);
}

/* The bytes of each kind's record, exactly as earlier versions wrote them. */
static void test_record_bytes(void **state)
{
    (void)state;
    pf_buf_t b, scratch;
    pf_buf_init(&b);
    pf_buf_init(&scratch);
    pf_ledger_rec_t r = sample("in/a.yaml", 2, "acme");
    pf_ledger_write(PF_LEDGER_SHARD_INDEX, &r, &PLAIN, &b, &scratch);
    assert_string_equal(b.data, "42,\"in/a.yaml\",2,\"evaluated\",\"acme\",4,5,\"3 7 0\","
                                "\"1:2.5;7:-1;\"\n");
    pf_buf_reset(&b);
    r.unique = NULL;
    pf_ledger_write(PF_LEDGER_STATE, &r, &EXCEL, &b, &scratch);
    assert_string_equal(b.data, "\"in/a.yaml\",2,\"ab12\",\"evaluated\",\"\",4,5,\"3 7 0\","
                                "\"1:2.5;7:-1;\",\"120:300 4096:1500 88:0\"\r\n");
    pf_buf_reset(&b);
    pf_ledger_write_config("d1g", &PLAIN, &b);
    assert_string_equal(b.data, "\"#config\",0,\"d1g\",\"\",\"\",\"\",\"\",\"\",\"\",\"\"\n");
    pf_buf_delete(&b);
    pf_buf_delete(&scratch);
}

/* ---- reading back --------------------------------------------------------------- */

static void check_sample(const pf_ledger_reader_t *rd, const char *path, size_t doc,
                         const char *unique)
{
    size_t len;
    assert_string_equal(pf_ledger_text(rd, PF_LEDGER_PATH, &len), path);
    assert_int_equal(len, strlen(path));
    assert_int_equal(pf_ledger_number(rd, PF_LEDGER_DOC), doc);
    assert_string_equal(pf_ledger_text(rd, PF_LEDGER_OUTCOME, NULL), "evaluated");
    assert_string_equal(pf_ledger_text(rd, PF_LEDGER_UNIQUE, NULL), unique);
    assert_int_equal(pf_ledger_number(rd, PF_LEDGER_LINE), 4);
    assert_int_equal(pf_ledger_number(rd, PF_LEDGER_COLUMN), 5);
    assert_string_equal(pf_ledger_text(rd, PF_LEDGER_HITS, &len), "1:2.5;7:-1;");
    assert_int_equal(len, 11);
    size_t rows[4] = {9, 9, 9, 9};
    pf_ledger_rows(rd, rows, 4);
    assert_int_equal(rows[0], 3);
    assert_int_equal(rows[1], 7);
    assert_int_equal(rows[2], 0);
    assert_int_equal(rows[3], 0); /* past the end: 0 */
}

static void test_state_round_trip(void **state)
{
    (void)state;
    pf_buf_t bytes;
    pf_buf_init(&bytes);
    pf_ledger_rec_t recs[2] = {sample("in/a.yaml", 1, "acme"), sample("in/b.yaml", 3, "")};
    FILE *fp = ledger_file(PF_LEDGER_STATE, &PLAIN, recs, 2, &bytes);
    pf_ledger_reader_t rd;
    pf_ledger_reader_init(&rd, PF_LEDGER_STATE);
    assert_int_equal(pf_ledger_open(&rd, fp), 1);
    assert_int_equal(pf_ledger_next(&rd), 1);
    check_sample(&rd, "in/a.yaml", 1, "acme");
    assert_string_equal(pf_ledger_text(&rd, PF_LEDGER_DIGEST, NULL), "ab12");
    unsigned long long offs[3], lens[3];
    pf_ledger_spans(&rd, offs, lens, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_true(offs[i] == OFFS[i]);
        assert_true(lens[i] == LENS[i]);
    }
    /* a state record has no seq column */
    assert_string_equal(pf_ledger_text(&rd, PF_LEDGER_SEQ, NULL), "");
    assert_int_equal(pf_ledger_next(&rd), 1);
    check_sample(&rd, "in/b.yaml", 3, "");
    assert_int_equal(pf_ledger_next(&rd), 0);
    assert_int_equal(pf_ledger_next(&rd), 0); /* and stays at the end */
    pf_ledger_reader_delete(&rd);
    fclose(fp);
    pf_buf_delete(&bytes);
}

static void test_shard_index_round_trip(void **state)
{
    (void)state;
    pf_buf_t bytes;
    pf_buf_init(&bytes);
    pf_ledger_rec_t rec = sample("in/a.yaml", 2, "acme");
    FILE *fp = ledger_file(PF_LEDGER_SHARD_INDEX, &PLAIN, &rec, 1, &bytes);
    pf_ledger_reader_t rd;
    pf_ledger_reader_init(&rd, PF_LEDGER_SHARD_INDEX);
    assert_int_equal(pf_ledger_open(&rd, fp), 1);
    assert_int_equal(pf_ledger_next(&rd), 1);
    assert_int_equal(pf_ledger_number(&rd, PF_LEDGER_SEQ), 42);
    check_sample(&rd, "in/a.yaml", 2, "acme");
    /* no digest nor spans in a shard index */
    assert_string_equal(pf_ledger_text(&rd, PF_LEDGER_DIGEST, NULL), "");
    assert_string_equal(pf_ledger_text(&rd, PF_LEDGER_SPANS, NULL), "");
    assert_int_equal(pf_ledger_next(&rd), 0);
    pf_ledger_reader_delete(&rd);
    fclose(fp);
    pf_buf_delete(&bytes);
}

/* Commas, doubled quotes, line feeds and CR LF inside cells; CR LF rows
 * and a byte order mark (--excel). */
static void test_quoting_and_excel(void **state)
{
    (void)state;
    const char *path = "in/odd, \"named\"\nfile\r\n.yaml";
    const char *unique = "a\"b,c";
    pf_buf_t bytes;
    pf_buf_init(&bytes);
    pf_ledger_rec_t recs[2] = {sample(path, 1, unique), sample("in/z.yaml", 1, "z")};
    FILE *fp = ledger_file(PF_LEDGER_STATE, &EXCEL, recs, 2, &bytes);
    pf_ledger_reader_t rd;
    pf_ledger_reader_init(&rd, PF_LEDGER_STATE);
    assert_int_equal(pf_ledger_open(&rd, fp), 1);
    assert_int_equal(pf_ledger_next(&rd), 1);
    check_sample(&rd, path, 1, unique);
    assert_int_equal(pf_ledger_next(&rd), 1);
    check_sample(&rd, "in/z.yaml", 1, "z");
    assert_int_equal(pf_ledger_next(&rd), 0);
    pf_ledger_reader_delete(&rd);
    fclose(fp);
    pf_buf_delete(&bytes);
}

/* Each record's place in the file (the byte order mark and header count),
 * and the record read again from just those bytes. */
static void test_offsets_and_reread(void **state)
{
    (void)state;
    pf_buf_t bytes;
    pf_buf_init(&bytes);
    pf_ledger_rec_t recs[3] = {sample("in/a.yaml", 1, "x\ny"), sample("in/b.yaml", 1, "b"),
                               sample("in/c.yaml", 2, "c")};
    FILE *fp = ledger_file(PF_LEDGER_STATE, &EXCEL, recs, 3, &bytes);
    pf_ledger_reader_t rd, again;
    pf_ledger_reader_init(&rd, PF_LEDGER_STATE);
    pf_ledger_reader_init(&again, PF_LEDGER_STATE);
    assert_int_equal(pf_ledger_open(&rd, fp), 1);
    unsigned long long expect = rd.in.off + rd.in.raw.len;
    assert_true(rd.in.off == 0);
    const char *paths[3] = {"in/a.yaml", "in/b.yaml", "in/c.yaml"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(pf_ledger_next(&rd), 1);
        assert_true(rd.in.off == expect); /* records follow each other */
        expect += rd.in.raw.len;
        assert_memory_equal(bytes.data + rd.in.off, rd.in.raw.data, rd.in.raw.len);
        assert_int_equal(pf_ledger_parse(&again, bytes.data + rd.in.off, rd.in.raw.len), 1);
        assert_string_equal(pf_ledger_text(&again, PF_LEDGER_PATH, NULL), paths[i]);
        assert_string_equal(pf_ledger_text(&again, PF_LEDGER_UNIQUE, NULL), recs[i].unique);
    }
    assert_true(expect == bytes.len);
    /* a span cut short, or two records together, is not one record */
    assert_int_equal(pf_ledger_parse(&again, bytes.data + rd.in.off, rd.in.raw.len - 9), 0);
    assert_int_equal(pf_ledger_parse(&again, bytes.data + rd.in.off - 10, rd.in.raw.len + 10), 0);
    pf_ledger_reader_delete(&again);
    pf_ledger_reader_delete(&rd);
    fclose(fp);
    pf_buf_delete(&bytes);
}

static void test_config_record(void **state)
{
    (void)state;
    pf_buf_t bytes;
    pf_buf_init(&bytes);
    pf_csv_header(&bytes, pf_ledger_header(PF_LEDGER_STATE), &PLAIN);
    pf_ledger_write_config("d1g", &PLAIN, &bytes);
    FILE *fp = tmpfile();
    fwrite(bytes.data, 1, bytes.len, fp);
    rewind(fp);
    pf_ledger_reader_t rd;
    pf_ledger_reader_init(&rd, PF_LEDGER_STATE);
    assert_int_equal(pf_ledger_open(&rd, fp), 1);
    assert_int_equal(pf_ledger_next(&rd), 1);
    assert_int_equal(pf_ledger_is_config(&rd, "d1g"), 1);
    assert_int_equal(pf_ledger_is_config(&rd, "d1"), 0);
    assert_int_equal(pf_ledger_is_config(&rd, "other"), 0);
    pf_ledger_reader_delete(&rd);
    /* a shard index has no config record */
    pf_ledger_reader_init(&rd, PF_LEDGER_SHARD_INDEX);
    const char *rec = "1,\"#config\",0,\"d1g\",\"\",0,0,\"\",\"\"\n";
    assert_int_equal(pf_ledger_parse(&rd, rec, strlen(rec)), 1);
    assert_int_equal(pf_ledger_is_config(&rd, "d1g"), 0);
    pf_ledger_reader_delete(&rd);
    fclose(fp);
    pf_buf_delete(&bytes);
}

/* Damaged records are reported as such and reading goes on after them. */
static void test_damaged_records(void **state)
{
    (void)state;
    FILE *fp = text_file("\"seq\",\"file\",\"doc\",\"outcome\",\"unique\",\"line\",\"column\","
                         "\"rows\",\"hits\"\n"
                         "1,\"a.yaml\",1,\"evaluated\"\n"                             /* short */
                         "2,\"b.yaml\",1,\"evaluated\",\"\",0,0,\"1 0\",\"\",\"x\"\n" /* long */
                         "3,\"c.yaml\",1,\"rejected\",\"\",0,0,\"0 1\",\"\"\n"        /* whole */
                         "\n"                                                         /* blank */
                         "4,\"d.yaml\",1,\"rejected\",\"\",0,0,\"0 1\",\"\"\r" /* bare CR... */
                         "5,\"e.yaml\",1,\"rejected\",\"\",0,0,\"0 1\",\"\"\n" /* ...runs on */
                         "6,\"f.yaml\",1,\"evaluated\",\"\",0,0,\"2 0\",\"\"\n"
                         "7,\"g.yaml\",1,\"evaluated\",\"\",0,0,\"2 0\",\"unterminated");
    pf_ledger_reader_t rd;
    pf_ledger_reader_init(&rd, PF_LEDGER_SHARD_INDEX);
    assert_int_equal(pf_ledger_open(&rd, fp), 1);
    assert_int_equal(pf_ledger_next(&rd), -1);
    assert_int_equal(pf_ledger_next(&rd), -1);
    assert_int_equal(pf_ledger_next(&rd), 1);
    assert_string_equal(pf_ledger_text(&rd, PF_LEDGER_PATH, NULL), "c.yaml");
    assert_int_equal(pf_ledger_next(&rd), -1); /* d and e together */
    assert_int_equal(pf_ledger_next(&rd), 1);
    assert_string_equal(pf_ledger_text(&rd, PF_LEDGER_PATH, NULL), "f.yaml");
    /* the last record lacks its closing quote and row end: cut short */
    assert_int_equal(pf_ledger_next(&rd), -1);
    assert_int_equal(pf_ledger_next(&rd), 0);
    pf_ledger_reader_delete(&rd);
    fclose(fp);
}

static void test_empty_and_headless(void **state)
{
    (void)state;
    pf_ledger_reader_t rd;
    pf_ledger_reader_init(&rd, PF_LEDGER_STATE);
    FILE *fp = text_file("");
    assert_int_equal(pf_ledger_open(&rd, fp), 0);
    assert_int_equal(pf_ledger_next(&rd), 0);
    fclose(fp);
    /* a header of other columns (another kind, another version) is refused:
     * read by name, its records would give wrong values, not an error */
    fp = text_file("\"path\",\"doc\"\n");
    assert_int_equal(pf_ledger_open(&rd, fp), 0);
    fclose(fp);
    assert_int_equal(pf_ledger_parse(&rd, "", 0), 0);
    pf_ledger_reader_delete(&rd);
}

/* Records longer than the reader's chunk of the file, and many of them. */
static void test_long_and_many_records(void **state)
{
    (void)state;
    enum { N = 2000 };
    char *big = malloc(30001);
    memset(big, 'q', 30000);
    big[30000] = '\0';
    big[12345] = '\n'; /* a quoted line feed far into the record */
    pf_ledger_rec_t *recs = calloc(N, sizeof *recs);
    char(*paths)[32] = calloc(N, sizeof *paths);
    for (size_t i = 0; i < N; i++) {
        snprintf(paths[i], sizeof paths[i], "in/%zu.yaml", i);
        recs[i] = sample(paths[i], 1, i % 100 == 7 ? big : "u");
    }
    pf_buf_t bytes;
    pf_buf_init(&bytes);
    FILE *fp = ledger_file(PF_LEDGER_STATE, &PLAIN, recs, N, &bytes);
    pf_ledger_reader_t rd;
    pf_ledger_reader_init(&rd, PF_LEDGER_STATE);
    assert_int_equal(pf_ledger_open(&rd, fp), 1);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(pf_ledger_next(&rd), 1);
        assert_string_equal(pf_ledger_text(&rd, PF_LEDGER_PATH, NULL), paths[i]);
        assert_string_equal(pf_ledger_text(&rd, PF_LEDGER_UNIQUE, NULL), recs[i].unique);
        assert_memory_equal(bytes.data + rd.in.off, rd.in.raw.data, rd.in.raw.len);
    }
    assert_int_equal(pf_ledger_next(&rd), 0);
    pf_ledger_reader_delete(&rd);
    fclose(fp);
    pf_buf_delete(&bytes);
    free(paths);
    free(recs);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_headers),  cmocka_unit_test(test_record_bytes),
        cmocka_unit_test(test_state_round_trip),   cmocka_unit_test(test_shard_index_round_trip),
        cmocka_unit_test(test_quoting_and_excel),  cmocka_unit_test(test_offsets_and_reread),
        cmocka_unit_test(test_config_record),      cmocka_unit_test(test_damaged_records),
        cmocka_unit_test(test_empty_and_headless), cmocka_unit_test(test_long_and_many_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
