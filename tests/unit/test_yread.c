/*
 * test_yread.c - pf_yread: the YAML reader with limits.
 *
 * Covers the tree it builds (shape, 1-based line:column, the plain flag),
 * the YAML features it refuses (anchors, aliases, tags, %TAG, duplicate and
 * non-scalar keys), its limits (depth, nodes, scalar and file size, each
 * fast on hostile input), documents and streams, encodings (UTF-8 with and
 * without BOM, BOM-marked UTF-16LE/BE, invalid UTF-8) and the characters an
 * intake must not contain (hazards doc section 6, items 1-15 and 28).
 *
 * Every error is asserted by exact kind, line and column.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pf_common.h"
#include "pf_node.h"
#include "pf_yread.h"
#include "../yread_both_ways.h"
#include "test_util.h"

/* ---- helpers ------------------------------------------------------------- */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parses exactly one document and fails the test on any error. */
static void read_ok(const void *buf, size_t len, const pf_yread_limits_t *lim, pf_doc_t *doc)
{
    pf_err_t err;
    pf_err_clear(&err);
    pf_doc_init(doc);
    int ok = pf_yread_one(buf, len, lim, doc, &err);
    if (!ok)
        fail_msg("unexpected error %s at %lu:%lu: %s", err.kind, err.line, err.column, err.msg);
    assert_non_null(doc->root);
}

/* Parses and expects an error of this kind at line:column; err is filled. */
static void read_fails(const void *buf, size_t len, const pf_yread_limits_t *lim, const char *kind,
                       unsigned long line, unsigned long col, pf_err_t *err)
{
    pf_doc_t doc;
    pf_doc_init(&doc);
    pf_err_clear(err);
    int ok = pf_yread_one(buf, len, lim, &doc, err);
    pf_doc_delete(&doc);
    assert_int_equal(ok, 0);
    assert_string_equal(err->kind, kind);
    assert_int_equal(err->line, line);
    assert_int_equal(err->column, col);
}

static void read_fails_str(const char *text, const char *kind, unsigned long line,
                           unsigned long col, pf_err_t *err)
{
    read_fails(text, strlen(text), NULL, kind, line, col, err);
}

static void assert_scalar(const pf_node_t *n, const char *text, int plain, unsigned long line,
                          unsigned long col)
{
    assert_non_null(n);
    assert_int_equal(n->kind, PF_NODE_SCALAR);
    assert_string_equal(n->text, text);
    assert_int_equal(n->len, strlen(text));
    assert_int_equal(n->plain, plain);
    assert_int_equal(n->line, line);
    assert_int_equal(n->column, col);
}

static void assert_coll(const pf_node_t *n, pf_node_kind_t kind, size_t count, unsigned long line,
                        unsigned long col)
{
    assert_non_null(n);
    assert_int_equal(n->kind, kind);
    assert_int_equal(n->count, count);
    assert_int_equal(n->line, line);
    assert_int_equal(n->column, col);
}

/* A temp folder per test that needs files; the test removes it. */
static char *make_dir(void)
{
    char *dir = pft_temp_dir("/tmp/pf_yread_XXXXXX");
    assert_non_null(dir);
    return dir;
}

/* ---- tree shape and positions ------------------------------------------ */

static void test_tree_shape(void **state)
{
    (void)state;
    const char *y = "# comment\n"
                    "name: Acme\n"
                    "tags:\n"
                    "  - one\n"
                    "  - 'two'\n"
                    "nested:\n"
                    "  deep: {k: \"v\", n: [1, 2]}\n"
                    "empty:\n";
    pf_doc_t doc;
    read_ok(y, strlen(y), NULL, &doc);
    const pf_node_t *r = doc.root;
    assert_coll(r, PF_NODE_MAP, 4, 2, 1);
    assert_scalar(r->items[0], "name", 1, 2, 1);
    assert_scalar(r->items[1], "Acme", 1, 2, 7);
    assert_scalar(r->items[2], "tags", 1, 3, 1);
    const pf_node_t *tags = r->items[3];
    assert_coll(tags, PF_NODE_SEQ, 2, 4, 3);
    assert_scalar(tags->items[0], "one", 1, 4, 5);
    assert_scalar(tags->items[1], "two", 0, 5, 5);
    assert_scalar(r->items[4], "nested", 1, 6, 1);
    const pf_node_t *nested = r->items[5];
    assert_coll(nested, PF_NODE_MAP, 1, 7, 3);
    assert_scalar(nested->items[0], "deep", 1, 7, 3);
    const pf_node_t *deep = nested->items[1];
    assert_coll(deep, PF_NODE_MAP, 2, 7, 9);
    assert_scalar(deep->items[0], "k", 1, 7, 10);
    assert_scalar(deep->items[1], "v", 0, 7, 13);
    assert_scalar(deep->items[2], "n", 1, 7, 18);
    const pf_node_t *n = deep->items[3];
    assert_coll(n, PF_NODE_SEQ, 2, 7, 21);
    assert_scalar(n->items[0], "1", 1, 7, 22);
    assert_scalar(n->items[1], "2", 1, 7, 25);
    assert_scalar(r->items[6], "empty", 1, 8, 1);
    const pf_node_t *empty = r->items[7];
    assert_scalar(empty, "", 1, 8, 7);
    assert_true(pf_node_is_null(empty));
    /* lookups by key */
    assert_ptr_equal(pf_node_get(r, "tags"), tags);
    assert_ptr_equal(pf_node_get(deep, "n"), n);
    assert_null(pf_node_get(r, "missing"));
    pf_doc_delete(&doc);
}

static void test_plain_flag_and_null_forms(void **state)
{
    (void)state;
    const char *y = "a: ~\n"
                    "b: null\n"
                    "c: \"null\"\n"
                    "d: ''\n"
                    "e: |\n"
                    "  lit\n"
                    "f: >-\n"
                    "  folded\n"
                    "  text\n";
    pf_doc_t doc;
    read_ok(y, strlen(y), NULL, &doc);
    const pf_node_t *r = doc.root;
    assert_coll(r, PF_NODE_MAP, 6, 1, 1);
    assert_scalar(r->items[1], "~", 1, 1, 4);
    assert_true(pf_node_is_null(r->items[1]));
    assert_scalar(r->items[3], "null", 1, 2, 4);
    assert_true(pf_node_is_null(r->items[3]));
    assert_scalar(r->items[5], "null", 0, 3, 4);
    assert_false(pf_node_is_null(r->items[5]));
    assert_scalar(r->items[7], "", 0, 4, 4);
    assert_false(pf_node_is_null(r->items[7]));
    assert_scalar(r->items[9], "lit\n", 0, 5, 4);
    assert_scalar(r->items[11], "folded text", 0, 7, 4);
    pf_doc_delete(&doc);
}

/* ---- anchors, aliases, tags, directives ---------------------------------- */

static void test_anchor_refused(void **state)
{
    (void)state;
    pf_err_t err;
    read_fails_str("a: 1\nb: &x hello\n", "yaml.anchor", 2, 4, &err);
    assert_non_null(strstr(err.msg, "&x"));
}

static void test_alias_refused(void **state)
{
    (void)state;
    pf_err_t err;
    /* an alias to nothing: libyaml's parser does not resolve, we refuse */
    read_fails_str("a: 1\nb: *nope\n", "yaml.alias", 2, 4, &err);
    assert_non_null(strstr(err.msg, "*nope"));
}

static void test_alias_cycle_refused(void **state)
{
    (void)state;
    pf_err_t err;
    read_fails_str("x: &a [1, *a]\n", "yaml.anchor", 1, 4, &err);
}

static void test_billion_laughs(void **state)
{
    (void)state;
    const char *y =
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
        "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
        "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    assert_int_equal(strlen(y), 342);
    pf_err_t err;
    double t0 = now_seconds();
    read_fails_str(y, "yaml.anchor", 1, 4, &err);
    assert_true(now_seconds() - t0 < 0.1 * PF_TIME_SLACK); /* hang detector */
    /* the same bomb without the first anchor fails at the first alias */
    read_fails_str("a: [*a, *a]\n", "yaml.alias", 1, 5, &err);
}

static void test_tags_refused(void **state)
{
    (void)state;
    pf_err_t err;
    read_fails_str("consent: !!str yes\n", "yaml.tag", 1, 10, &err);
    assert_non_null(strstr(err.msg, "tag:yaml.org,2002:str"));
    read_fails_str("a: 1\nb: !x 2\n", "yaml.tag", 2, 4, &err);
    read_fails_str("run: !!python/object/apply:os.system [\"id\"]\n", "yaml.tag", 1, 6, &err);
    assert_non_null(strstr(err.msg, "python/object/apply:os.system"));
    read_fails_str("a: !!map {b: 1}\n", "yaml.tag", 1, 4, &err);
    read_fails_str("a: !!binary aGVsbG8=\n", "yaml.tag", 1, 4, &err);
}

static void test_tag_directive_refused(void **state)
{
    (void)state;
    pf_err_t err;
    read_fails_str("%TAG !e! tag:example.com,2000:\n---\na: 1\n", "yaml.directive", 1, 1, &err);
    /* %YAML 1.3 is a libyaml syntax error: an incompatible version */
    read_fails_str("%YAML 1.3\n---\na: 1\n", "yaml.syntax", 1, 1, &err);
}

/* ---- keys ------------------------------------------------------------------ */

static void test_duplicate_keys(void **state)
{
    (void)state;
    pf_err_t err;
    read_fails_str("q1: a\nq2: b\nq1: c\n", "yaml.duplicate_key", 3, 1, &err);
    assert_string_equal(err.field, "q1");
    assert_non_null(strstr(err.msg, "first at line 1, column 1"));
    /* quoting does not make a key different */
    read_fails_str("q1: a\n\"q1\": b\n", "yaml.duplicate_key", 2, 1, &err);
    read_fails_str("q1: a\n? q1\n: b\n", "yaml.duplicate_key", 2, 3, &err);
    /* nested: reported inside the inner mapping */
    read_fails_str("o:\n  x: 1\n  y: 2\n  x: 3\n", "yaml.duplicate_key", 4, 3, &err);
    assert_non_null(strstr(err.msg, "first at line 2, column 3"));
    /* two duplicates: the earliest second occurrence is reported */
    read_fails_str("b: 1\na: 1\na: 2\nb: 2\n", "yaml.duplicate_key", 3, 1, &err);
    assert_string_equal(err.field, "a");
    /* the same key in sibling mappings is fine */
    const char *ok = "a: {x: 1}\nb: {x: 2}\n";
    pf_doc_t doc;
    read_ok(ok, strlen(ok), NULL, &doc);
    pf_doc_delete(&doc);
}

static void test_duplicate_key_wide_mapping(void **state)
{
    (void)state;
    pf_buf_t b;
    pf_buf_init(&b);
    for (int i = 0; i < 5000; i++)
        pf_buf_printf(&b, "key%d: %d\n", i, i);
    pf_buf_addstr(&b, "key0: again\n");
    pf_yread_limits_t lim;
    pf_yread_limits_default(&lim);
    pf_err_t err;
    double t0 = now_seconds();
    read_fails(b.data, b.len, &lim, "yaml.duplicate_key", 5001, 1, &err);
    double dt = now_seconds() - t0;
    assert_true(dt < 0.5 * PF_TIME_SLACK); /* hang detector */
    assert_string_equal(err.field, "key0");
    assert_non_null(strstr(err.msg, "first at line 1, column 1"));
    /* the same mapping without the duplicate is read */
    b.len -= strlen("key0: again\n");
    pf_doc_t doc;
    read_ok(b.data, b.len, &lim, &doc);
    assert_int_equal(doc.root->count, 5000);
    assert_scalar(doc.root->items[2 * 4999], "key4999", 1, 5000, 1);
    pf_doc_delete(&doc);
    pf_buf_delete(&b);
}

static void test_non_scalar_key(void **state)
{
    (void)state;
    pf_err_t err;
    read_fails_str("? [a]\n: 1\n", "yaml.key", 1, 3, &err);
    read_fails_str("a: 1\n? {b: 1}\n: 2\n", "yaml.key", 2, 3, &err);
    read_fails_str("{[a]: 1}\n", "yaml.key", 1, 2, &err);
}

/* ---- limits ----------------------------------------------------------------- */

static void test_depth_flow_100000(void **state)
{
    (void)state;
    size_t n = 100000;
    char *y = malloc(n + 1);
    assert_non_null(y);
    memset(y, '[', n);
    y[n] = '\0';
    pf_err_t err;
    double t0 = now_seconds();
    read_fails(y, n, NULL, "yaml.depth", 1, 33, &err);
    double dt = now_seconds() - t0;
    assert_true(dt < 1.0 * PF_TIME_SLACK); /* hang detector */
    assert_non_null(strstr(err.msg, "32 levels"));
    /* closed brackets: the same */
    char *z = malloc(2 * n + 1);
    assert_non_null(z);
    memset(z, '[', n);
    memset(z + n, ']', n);
    z[2 * n] = '\0';
    t0 = now_seconds();
    read_fails(z, 2 * n, NULL, "yaml.depth", 1, 33, &err);
    assert_true(now_seconds() - t0 < 1.0 * PF_TIME_SLACK); /* hang detector */
    /* 30000 unclosed brackets, the last on line 2 */
    memset(z, '[', 30000);
    z[0] = '\n';
    t0 = now_seconds();
    read_fails(z, 30000, NULL, "yaml.depth", 2, 33, &err);
    assert_true(now_seconds() - t0 < 1.0 * PF_TIME_SLACK); /* hang detector */
    free(z);
    free(y);
}

static void test_depth_at_limit_ok(void **state)
{
    (void)state;
    pf_yread_limits_t lim;
    pf_yread_limits_default(&lim);
    lim.max_depth = 4;
    pf_doc_t doc;
    read_ok("[[[[x]]]]", 9, &lim, &doc);
    assert_scalar(doc.root->items[0]->items[0]->items[0]->items[0], "x", 1, 1, 5);
    pf_doc_delete(&doc);
    pf_err_t err;
    read_fails("[[[[[x]]]]]", 11, &lim, "yaml.depth", 1, 5, &err);
}

static void test_depth_block_3000(void **state)
{
    (void)state;
    pf_buf_t b;
    pf_buf_init(&b);
    for (int i = 0; i < 3000; i++) {
        for (int s = 0; s < i; s++)
            pf_buf_addc(&b, ' ');
        pf_buf_addstr(&b, "k:\n");
    }
    pf_err_t err;
    double t0 = now_seconds();
    /* the 33rd mapping starts at line 33, column 33 */
    read_fails(b.data, b.len, NULL, "yaml.depth", 33, 33, &err);
    assert_true(now_seconds() - t0 < 1.0 * PF_TIME_SLACK); /* hang detector */
    pf_buf_delete(&b);
}

static void test_node_limit(void **state)
{
    (void)state;
    pf_yread_limits_t lim;
    pf_yread_limits_default(&lim);
    lim.max_nodes = 10;
    pf_buf_t b;
    pf_buf_init(&b);
    for (int i = 0; i < 9; i++)
        pf_buf_printf(&b, "- %d\n", i);
    pf_doc_t doc;
    read_ok(b.data, b.len, &lim, &doc); /* 1 list + 9 items = 10 nodes */
    assert_int_equal(doc.root->count, 9);
    pf_doc_delete(&doc);
    pf_buf_addstr(&b, "- 9\n- 10\n");
    pf_err_t err;
    read_fails(b.data, b.len, &lim, "yaml.size", 10, 3, &err);
    assert_non_null(strstr(err.msg, "more than 10 values"));
    /* keys count too */
    read_fails("{a: 1, b: 2, c: 3, d: 4, e: 5, f: 6}", 36, &lim, "yaml.size", 1, 29, &err);
    pf_buf_delete(&b);
}

static void test_scalar_size_limit(void **state)
{
    (void)state;
    pf_yread_limits_t lim;
    pf_yread_limits_default(&lim);
    lim.max_scalar_bytes = 16;
    pf_doc_t doc;
    const char *ok = "a: \"0123456789abcdef\"\n";
    read_ok(ok, strlen(ok), &lim, &doc);
    assert_int_equal(doc.root->items[1]->len, 16);
    pf_doc_delete(&doc);
    pf_err_t err;
    /* 17 bytes: one over */
    read_fails("x: 1\na: \"0123456789abcdefg\"\n", 28, &lim, "yaml.scalar_size", 2, 4, &err);
    assert_non_null(strstr(err.msg, "17 bytes"));
    /* a long key is a scalar too */
    read_fails("0123456789abcdefXY: 1\n", 22, &lim, "yaml.scalar_size", 1, 1, &err);
    /* the size is counted after decoding: 16 x "\u00e9" is 32 bytes */
    pf_buf_t b;
    pf_buf_init(&b);
    pf_buf_addstr(&b, "a: \"");
    for (int i = 0; i < 16; i++)
        pf_buf_addstr(&b, "\\u00e9");
    pf_buf_addstr(&b, "\"\n");
    read_fails(b.data, b.len, &lim, "yaml.scalar_size", 1, 4, &err);
    pf_buf_delete(&b);
}

static void test_file_size_limit(void **state)
{
    (void)state;
    char *dir = make_dir();
    char *p = pft_path_in(dir, "big.yaml");
    char text[101];
    memset(text, 'x', 100);
    memcpy(text, "a: ", 3);
    text[99] = '\n';
    text[100] = '\0';
    pft_write_file(p, text, 100);
    char *buf = NULL;
    size_t len = 0;
    pf_err_t err;
    pf_err_clear(&err);
    assert_int_equal(pf_read_file(p, 99, &buf, &len, &err), 0);
    assert_null(buf);
    assert_string_equal(err.kind, "io.size");
    assert_int_equal(pf_read_file(p, 100, &buf, &len, &err), 1);
    assert_int_equal(len, 100);
    assert_int_equal(buf[100], '\0');
    assert_memory_equal(buf, text, 100);
    free(buf);
    /* through pf_yread_file */
    pf_yread_limits_t lim;
    pf_yread_limits_default(&lim);
    lim.max_file_bytes = 99;
    pf_doc_t doc;
    pf_doc_init(&doc);
    assert_int_equal(pf_yread_file(p, &lim, &doc, &err), 0);
    assert_string_equal(err.kind, "io.size");
    pf_doc_delete(&doc);
    lim.max_file_bytes = 100;
    pf_doc_init(&doc);
    assert_int_equal(pf_yread_file(p, &lim, &doc, &err), 1);
    assert_int_equal(doc.root->items[1]->len, 96);
    pf_doc_delete(&doc);
    /* a missing file and a folder */
    char *missing = pft_path_in(dir, "missing.yaml");
    assert_int_equal(pf_read_file(missing, 100, &buf, &len, &err), 0);
    assert_string_equal(err.kind, "io.open");
    assert_int_equal(pf_read_file(dir, 100, &buf, &len, &err), 0);
    assert_string_equal(err.kind, "io.type");
    unlink(p);
    rmdir(dir);
    free(missing);
    free(p);
    free(dir);
}

static void test_fifo_refused(void **state)
{
    (void)state;
    char *dir = make_dir();
    char *p = pft_path_in(dir, "pipe.yaml");
    assert_int_equal(mkfifo(p, 0600), 0);
    char *buf = NULL;
    size_t len = 0;
    pf_err_t err;
    pf_err_clear(&err);
    double t0 = now_seconds();
    assert_int_equal(pf_read_file(p, 1000, &buf, &len, &err), 0);
    assert_string_equal(err.kind, "io.type");
    assert_null(buf);
    pf_doc_t doc;
    pf_doc_init(&doc);
    assert_int_equal(pf_yread_file(p, NULL, &doc, &err), 0);
    assert_string_equal(err.kind, "io.type");
    assert_null(doc.root);
    pf_doc_delete(&doc);
    assert_true(now_seconds() - t0 < 1.0 * PF_TIME_SLACK); /* hang detector */
    unlink(p);
    rmdir(dir);
    free(p);
    free(dir);
}

/* ---- documents ---------------------------------------------------------------- */

static void test_empty_inputs(void **state)
{
    (void)state;
    pf_err_t err;
    read_fails("", 0, NULL, "yaml.empty", 1, 1, &err);
    read_fails_str("# only a comment\n# and another\n", "yaml.empty", 1, 1, &err);
    read_fails_str("\n\n   \n", "yaml.empty", 1, 1, &err);
    read_fails_str("---\n", "yaml.empty", 2, 1, &err);
    read_fails_str("--- ~\n", "yaml.empty", 1, 5, &err);
    read_fails_str("---\n...\n", "yaml.empty", 2, 1, &err);
    /* an empty file on disk, through pf_yread_file */
    char *dir = make_dir();
    char *p = pft_path_in(dir, "empty.yaml");
    pft_write_file(p, "", 0);
    pf_doc_t doc;
    pf_doc_init(&doc);
    assert_int_equal(pf_yread_file(p, NULL, &doc, &err), 0);
    assert_string_equal(err.kind, "yaml.empty");
    pf_doc_delete(&doc);
    unlink(p);
    rmdir(dir);
    free(p);
    free(dir);
}

static void test_two_documents(void **state)
{
    (void)state;
    pf_err_t err;
    read_fails_str("a: 1\n---\nb: 2\n", "yaml.documents", 3, 1, &err);
    read_fails_str("--- a\n--- b\n", "yaml.documents", 2, 5, &err);
    /* an explicit end marker alone is still one document */
    pf_doc_t doc;
    read_ok("a: 1\n...\n", 9, NULL, &doc);
    pf_doc_delete(&doc);
}

static void test_stream_iteration(void **state)
{
    (void)state;
    const char *y = "a: 1\n"
                    "---\n"
                    "# second\n"
                    "b:\n"
                    "  - x\n"
                    "--- [y]\n";
    pf_yread_t r;
    pf_yread_init(&r, y, strlen(y), NULL);
    pf_err_t err;
    pf_doc_t d1, d2, d3, d4;
    pf_doc_init(&d1);
    pf_doc_init(&d2);
    pf_doc_init(&d3);
    pf_doc_init(&d4);
    assert_int_equal(pf_yread_next(&r, &d1, &err), 1);
    assert_coll(d1.root, PF_NODE_MAP, 1, 1, 1);
    assert_scalar(d1.root->items[1], "1", 1, 1, 4);
    assert_int_equal(pf_yread_next(&r, &d2, &err), 1);
    assert_coll(d2.root, PF_NODE_MAP, 1, 4, 1);
    assert_scalar(d2.root->items[0], "b", 1, 4, 1);
    assert_coll(d2.root->items[1], PF_NODE_SEQ, 1, 5, 3);
    assert_scalar(d2.root->items[1]->items[0], "x", 1, 5, 5);
    assert_int_equal(pf_yread_next(&r, &d3, &err), 1);
    assert_coll(d3.root, PF_NODE_SEQ, 1, 6, 5);
    assert_scalar(d3.root->items[0], "y", 1, 6, 6);
    assert_int_equal(pf_yread_next(&r, &d4, &err), 0);
    assert_null(d4.root);
    assert_int_equal(pf_yread_next(&r, &d4, &err), 0);
    assert_int_equal(r.documents, 3);
    /* the first trees are still intact: each document has its own arena */
    assert_scalar(d1.root->items[0], "a", 1, 1, 1);
    pf_doc_delete(&d1);
    pf_doc_delete(&d2);
    pf_doc_delete(&d3);
    pf_doc_delete(&d4);
    pf_yread_delete(&r);
}

static void test_dead_after_error(void **state)
{
    (void)state;
    /* a good document, then a broken one: no spin, no assert */
    const char *y = "a: 1\n---\nb: [1, 2\n";
    pf_yread_t r;
    pf_yread_init(&r, y, strlen(y), NULL);
    pf_err_t err;
    pf_doc_t d;
    pf_doc_init(&d);
    assert_int_equal(pf_yread_next(&r, &d, &err), 1);
    pf_doc_delete(&d);
    pf_doc_init(&d);
    pf_err_clear(&err);
    assert_int_equal(pf_yread_next(&r, &d, &err), -1);
    assert_string_equal(err.kind, "yaml.syntax");
    assert_int_equal(err.line, 4);
    assert_int_equal(err.column, 1);
    for (int i = 0; i < 1000; i++) {
        pf_err_clear(&err);
        assert_int_equal(pf_yread_next(&r, &d, &err), -1);
        assert_string_equal(err.kind, "yaml.dead");
    }
    pf_doc_delete(&d);
    pf_yread_delete(&r);
    /* a refused feature kills the reader too */
    const char *z = "a: &x 1\n---\nb: 2\n";
    pf_yread_init(&r, z, strlen(z), NULL);
    pf_doc_init(&d);
    assert_int_equal(pf_yread_next(&r, &d, &err), -1);
    assert_string_equal(err.kind, "yaml.anchor");
    assert_int_equal(pf_yread_next(&r, &d, &err), -1);
    assert_string_equal(err.kind, "yaml.dead");
    pf_doc_delete(&d);
    pf_yread_delete(&r);
}

static void test_syntax_errors_positions(void **state)
{
    (void)state;
    pf_err_t err;
    /* unterminated quote: reported where the scalar started */
    read_fails_str("a: 1\nb: \"open\n", "yaml.syntax", 3, 1, &err);
    /* tab indentation: the message says why */
    read_fails_str("a:\n\tb: 1\n", "yaml.syntax", 2, 1, &err);
    assert_non_null(strstr(err.msg, "tabs cannot indent YAML"));
}

/* ---- encodings ----------------------------------------------------------------- */

static const char ENC_TEXT[] = "a: 1\nb: [x, \"y\"]\nc: caf\xC3\xA9\n";

/* Converts ASCII/Latin-1-free UTF-8 test text (BMP only) to UTF-16. */
static size_t to_utf16(const char *s, unsigned char *out, int big_endian, int bom)
{
    size_t n = 0;
    if (bom) {
        out[n++] = big_endian ? 0xFE : 0xFF;
        out[n++] = big_endian ? 0xFF : 0xFE;
    }
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned cp;
        if (p[0] < 0x80) {
            cp = p[0];
            p += 1;
        } else if ((p[0] & 0xE0) == 0xC0) {
            cp = ((unsigned)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
            p += 2;
        } else {
            cp = ((unsigned)(p[0] & 0x0F) << 12) | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
            p += 3;
        }
        out[n++] = (unsigned char)(big_endian ? cp >> 8 : cp & 0xFF);
        out[n++] = (unsigned char)(big_endian ? cp & 0xFF : cp >> 8);
    }
    return n;
}

static void assert_enc_tree(const pf_doc_t *doc)
{
    const pf_node_t *r = doc->root;
    assert_coll(r, PF_NODE_MAP, 3, 1, 1);
    assert_scalar(r->items[0], "a", 1, 1, 1);
    assert_scalar(r->items[1], "1", 1, 1, 4);
    assert_scalar(r->items[2], "b", 1, 2, 1);
    assert_coll(r->items[3], PF_NODE_SEQ, 2, 2, 4);
    assert_scalar(r->items[3]->items[0], "x", 1, 2, 5);
    assert_scalar(r->items[3]->items[1], "y", 0, 2, 8);
    assert_scalar(r->items[4], "c", 1, 3, 1);
    assert_scalar(r->items[5], "caf\xC3\xA9", 1, 3, 4);
}

static void test_utf8_with_and_without_bom(void **state)
{
    (void)state;
    pf_doc_t doc;
    read_ok(ENC_TEXT, strlen(ENC_TEXT), NULL, &doc);
    assert_enc_tree(&doc);
    pf_doc_delete(&doc);
    char bom[64];
    int n = snprintf(bom, sizeof bom, "\xEF\xBB\xBF%s", ENC_TEXT);
    read_ok(bom, (size_t)n, NULL, &doc);
    assert_enc_tree(&doc); /* the BOM is not part of the first key */
    pf_doc_delete(&doc);
}

static void test_utf16_with_bom(void **state)
{
    (void)state;
    unsigned char buf[128];
    pf_doc_t doc;
    size_t n = to_utf16(ENC_TEXT, buf, 0, 1);
    read_ok(buf, n, NULL, &doc);
    assert_enc_tree(&doc);
    pf_doc_delete(&doc);
    n = to_utf16(ENC_TEXT, buf, 1, 1);
    read_ok(buf, n, NULL, &doc);
    assert_enc_tree(&doc);
    pf_doc_delete(&doc);
}

static void test_utf16_without_bom_refused(void **state)
{
    (void)state;
    unsigned char buf[128];
    pf_err_t err;
    /* little endian: "a\0" - the NUL is the second byte */
    size_t n = to_utf16(ENC_TEXT, buf, 0, 0);
    read_fails(buf, n, NULL, "yaml.encoding", 1, 2, &err);
    assert_int_equal(err.offset, 1);
    /* big endian: the NUL is the first byte */
    n = to_utf16(ENC_TEXT, buf, 1, 0);
    read_fails(buf, n, NULL, "yaml.encoding", 1, 1, &err);
    assert_int_equal(err.offset, 0);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    pf_err_t err;
    /* Latin-1 e-acute: an incomplete sequence at byte 11 (line 2, column 7) */
    read_fails_str("x: 1\na: caf\xE9\n", "yaml.encoding", 2, 7, &err);
    assert_int_equal(err.offset, 11);
    /* overlong "/" */
    read_fails_str("x: 1\na: \xC0\xAF\n", "yaml.encoding", 2, 4, &err);
    assert_int_equal(err.offset, 8);
    /* a UTF-16 surrogate encoded in UTF-8 */
    read_fails_str("a: b\xED\xA0\x80\n", "yaml.encoding", 1, 5, &err);
    assert_int_equal(err.offset, 4);
    /* a lone continuation byte after valid multi-byte text */
    read_fails_str("a: \xC3\xA9\xA9\n", "yaml.encoding", 1, 5, &err);
    assert_int_equal(err.offset, 5);
}

/* Regression test (was a bug, now fixed): reader errors in UTF-16 input are placed by counting raw
 * bytes as if they were UTF-8 (offset_to_position in pf_yread.c), so the column is about twice the
 * real one. Input: UTF-16LE with BOM, "a: 1\nb: x" followed by a lone low surrogate (DC00) on line
 * 2 at character 5. Expected yaml.encoding at 2:5; observed 2:10 (the byte offset, 20, is right).
 */
static void test_utf16_error_position(void **state)
{
    (void)state;
    static const unsigned char b[] = {0xFF, 0xFE, 'a', 0, ':', 0, ' ', 0, '1',  0,    '\n', 0,
                                      'b',  0,    ':', 0, ' ', 0, 'x', 0, 0x00, 0xDC, '\n', 0};
    pf_err_t err;
    read_fails(b, sizeof b, NULL, "yaml.encoding", 2, 5, &err);
    assert_int_equal(err.offset, 20);
}

/* ---- characters ------------------------------------------------------------------- */

static void test_control_characters(void **state)
{
    (void)state;
    pf_err_t err;
    /* a NUL through an escape: refused, never truncated to "b" */
    read_fails_str("a: 1\nb: \"b\\0c\"\n", "yaml.control_char", 2, 4, &err);
    assert_non_null(strstr(err.msg, "NUL"));
    /* ANSI escape */
    read_fails_str("a: \"\\e[31m\"\n", "yaml.control_char", 1, 4, &err);
    assert_non_null(strstr(err.msg, "U+001B"));
    /* raw DEL and a raw BEL in a quoted scalar: libyaml itself refuses
     * non-printable characters as a reader error */
    read_fails_str("a: \"x\x07\"\n", "yaml.encoding", 1, 6, &err);
    read_fails_str("a: \"\\x7f\"\n", "yaml.control_char", 1, 4, &err);
    assert_non_null(strstr(err.msg, "U+007F"));
    /* right-to-left override, raw */
    read_fails_str("name: evil\xE2\x80\xAEtxt.exe\n", "yaml.control_char", 1, 7, &err);
    assert_non_null(strstr(err.msg, "U+202E"));
    /* bidi isolate and Arabic letter mark */
    read_fails_str("a: \"\\u2066x\"\n", "yaml.control_char", 1, 4, &err);
    assert_non_null(strstr(err.msg, "U+2066"));
    read_fails_str("a: \"x\\u061C\"\n", "yaml.control_char", 1, 4, &err);
    assert_non_null(strstr(err.msg, "U+061C"));
    /* line and paragraph separators, escaped and raw */
    read_fails_str("a: \"x\\Ly\"\n", "yaml.control_char", 1, 4, &err);
    assert_non_null(strstr(err.msg, "U+2028"));
    read_fails_str("a: \"x\\Py\"\n", "yaml.control_char", 1, 4, &err);
    assert_non_null(strstr(err.msg, "U+2029"));
    /* raw, the separator itself is placed: libyaml would fold it away */
    read_fails_str("a: \"x\xE2\x80\xA8y\"\n", "yaml.control_char", 1, 6, &err);
    assert_non_null(strstr(err.msg, "U+2028"));
    /* a byte order mark inside text */
    read_fails_str("a: x\xEF\xBB\xBFy\n", "yaml.control_char", 1, 4, &err);
    assert_non_null(strstr(err.msg, "U+FEFF"));
    read_fails_str("a: \"\\uFEFF\"\n", "yaml.control_char", 1, 4, &err);
    /* invisible characters from the Unicode table, named: zero-width space,
     * non-joiner and joiner, word joiner, soft hyphen, a noncharacter,
     * private use, a variation selector, a tag character */
    static const struct {
        const char *yaml, *cp;
    } invisible[] = {
        {"name: \"Acme\\u200BLtd\"\n", "U+200B ZERO WIDTH SPACE"},
        {"name: \"Acme\\u200CLtd\"\n", "U+200C ZERO WIDTH NON-JOINER"},
        {"name: \"Acme\\u200DLtd\"\n", "U+200D ZERO WIDTH JOINER"},
        {"name: \"Acme\\u2060Ltd\"\n", "U+2060 WORD JOINER"},
        {"name: Ac\xC2\xADme\n", "U+00AD SOFT HYPHEN"},
        {"name: \"Acme\\uFFFE\"\n", "U+FFFE"},
        {"name: \"Acme\\uE000\"\n", "U+E000"},
        {"name: \"Acme\\uFE0F\"\n", "U+FE0F VARIATION SELECTOR-16"},
        {"name: \"Acme\\U000E0041\"\n", "U+E0041 TAG LATIN CAPITAL LETTER A"},
    };
    for (size_t i = 0; i < sizeof invisible / sizeof *invisible; i++) {
        read_fails_str(invisible[i].yaml, "yaml.control_char", 1, 7, &err);
        if (!strstr(err.msg, invisible[i].cp)) fail_msg("%s: %s", invisible[i].cp, err.msg);
    }
    /* what stays allowed: accents, other scripts, emoji without selectors */
    pf_doc_t doc;
    pf_doc_init(&doc);
    assert_int_equal(pf_yread_one("name: \"Caf\xC3\xA9 \xD8\xB4\xD8\xB1\xDA\xA9\xD8\xAA "
                                  "\xE6\x9D\xB1\xE4\xBA\xAC \xF0\x9F\x9A\x80\"\n",
                                  strlen("name: \"Caf\xC3\xA9 \xD8\xB4\xD8\xB1\xDA\xA9\xD8\xAA "
                                         "\xE6\x9D\xB1\xE4\xBA\xAC \xF0\x9F\x9A\x80\"\n"),
                                  NULL, &doc, &err),
                     1);
    pf_doc_delete(&doc);
    /* C1 control NEL, escaped; a raw NEL is a line break to libyaml, so it
     * is refused in the raw text, where it stands (see also
     * test_raw_nel_in_quoted_scalar) */
    read_fails_str("a: \"x\\Ny\"\n", "yaml.control_char", 1, 4, &err);
    assert_non_null(strstr(err.msg, "U+0085"));
    read_fails_str("a: x\xC2\x85y\n", "yaml.control_char", 1, 5, &err);
    read_fails_str("a: \"\\x9b\"\n", "yaml.control_char", 1, 4, &err);
    assert_non_null(strstr(err.msg, "U+009B"));
    /* in a key */
    read_fails_str("\"k\\e\": 1\n", "yaml.control_char", 1, 1, &err);
    /* a carriage return written as an escape is refused too */
    read_fails_str("a: \"x\\ry\"\n", "yaml.control_char", 1, 4, &err);
    assert_non_null(strstr(err.msg, "U+000D"));
}

/* Regression test (was a bug, now fixed): a raw NEL (U+0085, bytes C2 85) inside a quoted scalar is
 * accepted and silently read as a space: libyaml treats NEL as a YAML 1.1 line break and folds it
 * before pf_yread sees the value, so forbidden_char() never finds it. pf_yread.h promises that C1
 * controls are rejected with their position; now refused as yaml.control_char at the NEL itself
 * (1:6). (The escaped form "\N" and a raw U+2028 are refused correctly.) */
static void test_raw_nel_in_quoted_scalar(void **state)
{
    (void)state;
    pf_err_t err;
    read_fails_str("a: \"x\xC2\x85y\"\n", "yaml.control_char", 1, 6, &err);
    assert_non_null(strstr(err.msg, "U+0085"));
}

static void test_allowed_characters(void **state)
{
    (void)state;
    pf_doc_t doc;
    /* TAB and LF inside a literal block scalar */
    const char *y = "a: |\n  x\ty\n  z\n";
    read_ok(y, strlen(y), NULL, &doc);
    assert_scalar(doc.root->items[1], "x\ty\nz\n", 0, 1, 4);
    pf_doc_delete(&doc);
    /* escaped tab and newline, non-breaking space, CJK, emoji (astral) */
    const char *z = "a: \"t\\tn\\n\\u00a0\"\nb: \xE6\x97\xA5\xE6\x9C\xAC\nc: \xF0\x9F\x98\x80\n";
    read_ok(z, strlen(z), NULL, &doc);
    assert_scalar(doc.root->items[1], "t\tn\n\xC2\xA0", 0, 1, 4);
    assert_scalar(doc.root->items[3], "\xE6\x97\xA5\xE6\x9C\xAC", 1, 2, 4);
    assert_scalar(doc.root->items[5], "\xF0\x9F\x98\x80", 1, 3, 4);
    pf_doc_delete(&doc);
    /* CRLF line ends are line breaks, not characters in values */
    const char *w = "a: 1\r\nb: |\r\n  x\r\n";
    read_ok(w, strlen(w), NULL, &doc);
    assert_scalar(doc.root->items[3], "x\n", 0, 2, 4);
    pf_doc_delete(&doc);
}

/* ---- the fast path -------------------------------------------------------- */

/* 1 when the fast path read buf; fails the test when its reading differs
 * from libyaml's in any node, position, text, end or error. */
static int same_both_ways(const char *buf, size_t len)
{
    pf_buf_t a, b;
    pf_buf_init(&a);
    pf_buf_init(&b);
    int fast = yb_read_all(buf, len, NULL, 0, &a);
    yb_read_all(buf, len, NULL, 1, &b);
    if (strcmp(a.data, b.data) != 0)
        fail_msg("the fast path read\n%.*s\nas\n%s\nlibyaml as\n%s", (int)len, buf, a.data, b.data);
    pf_buf_delete(&a);
    pf_buf_delete(&b);
    return fast;
}

/* The fast path (pf_yread.c) reads what it can as libyaml does and leaves
 * the rest to libyaml: each case both ways, and whether the fast path took
 * it; then mutants of an intake (a character put in, taken out, a line
 * indented more or less), which must read the same both ways. */
static void test_fast_path_reads_as_libyaml(void **state)
{
    (void)state;
    static const struct {
        const char *yaml;
        int fast;
    } cases[] = {
        {"a: b c  \n", 1},
        {"a:   x   y  # c\n", 1},
        {"a: 'x y'\nb: \"z\"\n", 1},
        {"a: {b: 1, c: [1, 2, {d: e}]}\n", 1},
        {"a: [ ]\nb: { }\n", 1},
        {"- a: 1\n  b: 2\n- c\n", 1},
        {"  a: 1\n  b: 2\n", 1},
        {"a:\n  - x\n  - y\nb: 1\n", 1},
        {"a: >\n  x\n  y\n", 1},
        {"a: |\n  x\n  y\nb: 1\n", 1},
        {"a: >-\n  x\nb: 2", 1},
        {"a: Zo\xc3\xab \xce\xa9\nb: {c: \xc3\x9c x, d: 1}\n", 1},
        {"a: x,y [z]\n", 1},
        {"a: -5\nb: +3\nc: .5\nd: ~\ne: (x)\nf: $5\n", 1},
        {"a: x\n\n\n# c\nb: y\n", 1},
        {"key-with-dash: 1\nkey.dot: 2\n", 1},
        {"a: x\n  # indented comment\nb: y\n", 1},
        {"a: >-\n  text # not a comment\n  more: text\nb: 1\n", 1},
        {"a: |-\n  l1\n  l2", 1},
        {"a: \"x\" # c\nb: 'y'\n", 1},
        {"- {a: 1}\n- [x, y]\n- 'q'\n", 1},
        {"a:\n  b:\n    c: 1\n  d: 2\ne: 3\n", 1},
        {"a: [1,2]\n", 1},
        {"a: {b: x y z, c: \"q r\"}\n", 1},
        {"a: {b: 1}\na: 2\n", 0},   /* a duplicate key: libyaml's reading reports it */
        {"a: x\xe2\x80\x8by\n", 0}, /* a refused character, reported the same way */
        {"a: 'it''s'\n", 0},        /* escapes */
        {"a: \"x\\ty\"\n", 0},
        {"a: |\n  l1", 0}, /* clipped without a final line break */
        {"# only a comment\n", 0},
        {"a: 1\n---\nb: 2\n", 0}, /* two documents */
        {"a: {b: 1, }\n", 0},
        {"a: b: c\n", 0},
        {"a: x\n b: y\n", 0}, /* a plain scalar's second line */
        {"a: {b:1}\n", 0},
        {"a: 'x' y\n", 0},
        {"a: >-\n  one\n   two\n", 0}, /* a more indented line */
        {"a: >-\n\n  one\n", 0},       /* a blank line */
        {"a:\n- x\n", 0},              /* a sequence not indented under its key */
        {"a:\n", 0},                   /* null */
        {"a: &x 1\n", 0},
        {"a:\tb\n", 0},
        {"a: b\r\n", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int fast = same_both_ways(cases[i].yaml, strlen(cases[i].yaml));
        if (fast != cases[i].fast)
            fail_msg("case %zu (%s): the fast path %s it", i + 1, cases[i].yaml,
                     fast ? "read" : "did not read");
    }
    static const char intake[] =
        "# an intake\nid: acme-1\nassessed_on: 2025-01-02\norganisation:\n  name: Acme \xc3\x96y\n"
        "  size: large\nhelp:\n  - {area: plan, urgency: high}\n  - {area: govern}\n"
        "skills:\n  data: {have: 0, need: 1}\nestate:\n  servers: 10\n  list: [a, b]\n"
        "notes: >-\n  One line, and\n  another: here.\n";
    static const char *const put[] = {" ",  "\n", ":",        "-",    "#",  "{",    "}",    "[",
                                      "]",  ",",  "\"",       "'",    "a",  "1",    "\t",   "|",
                                      ">",  "&",  "\xc3\xa9", ": ",   "- ", "\n  ", "\n- ", " #",
                                      "\\", "\r", "---",      "\n\n", "''"};
    char m[sizeof intake + 16];
    unsigned long long x = 12345;
    int fast = 0;
    for (int k = 0; k < 3000; k++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t len = sizeof intake - 1, pos = (size_t)(x >> 33) % len;
        memcpy(m, intake, len);
        switch ((x >> 20) % 4) {
        case 0: /* a character out */
            memmove(m + pos, m + pos + 1, len - pos - 1);
            len--;
            break;
        case 1: { /* a line indented one space more */
            size_t b = pos;
            while (b > 0 && m[b - 1] != '\n')
                b--;
            memmove(m + b + 1, m + b, len - b);
            m[b] = ' ';
            len++;
            break;
        }
        default: { /* something put in */
            const char *p = put[(x >> 40) % (sizeof put / sizeof *put)];
            size_t n = strlen(p);
            memmove(m + pos + n, m + pos, len - pos);
            memcpy(m + pos, p, n);
            len += n;
        }
        }
        fast += same_both_ways(m, len);
    }
    assert_true(fast > 300); /* the mutants test the fast path, not only libyaml */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_shape),
        cmocka_unit_test(test_plain_flag_and_null_forms),
        cmocka_unit_test(test_anchor_refused),
        cmocka_unit_test(test_alias_refused),
        cmocka_unit_test(test_alias_cycle_refused),
        cmocka_unit_test(test_billion_laughs),
        cmocka_unit_test(test_tags_refused),
        cmocka_unit_test(test_tag_directive_refused),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_duplicate_key_wide_mapping),
        cmocka_unit_test(test_non_scalar_key),
        cmocka_unit_test(test_depth_flow_100000),
        cmocka_unit_test(test_depth_at_limit_ok),
        cmocka_unit_test(test_depth_block_3000),
        cmocka_unit_test(test_node_limit),
        cmocka_unit_test(test_scalar_size_limit),
        cmocka_unit_test(test_file_size_limit),
        cmocka_unit_test(test_fifo_refused),
        cmocka_unit_test(test_empty_inputs),
        cmocka_unit_test(test_two_documents),
        cmocka_unit_test(test_stream_iteration),
        cmocka_unit_test(test_dead_after_error),
        cmocka_unit_test(test_syntax_errors_positions),
        cmocka_unit_test(test_utf8_with_and_without_bom),
        cmocka_unit_test(test_utf16_with_bom),
        cmocka_unit_test(test_utf16_without_bom_refused),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_utf16_error_position),
        cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_raw_nel_in_quoted_scalar),
        cmocka_unit_test(test_allowed_characters),
        cmocka_unit_test(test_fast_path_reads_as_libyaml),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
