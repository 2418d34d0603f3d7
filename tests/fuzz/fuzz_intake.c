/*
 * fuzz_intake - libFuzzer harness over what an untrusted intake file meets:
 * bytes -> pf_yread_next over every document (limits, anchors, tags,
 * encodings, duplicate keys), as the batch reads bulk files, and
 * pf_yread_one, as config files are read -> pf_schema_validate against the
 * real intake schema (loaded once from policies/intake-schema.yaml), and the
 * generic typing pf_value_from_node. Each scalar the reader accepted is also
 * written as a CSV cell and read back with libcsv in strict mode, so quoting
 * and formula neutralisation are checked on hostile text too.
 *
 * Besides the sanitizers, it traps when a documented contract breaks:
 * a failed read names a yaml.* kind; a validated intake is a mapping; a
 * rejected one has at least one reason; a CSV cell round-trips; and the
 * reader's fast path reads every file exactly as libyaml alone does (the
 * same trees, positions, plain flags, ends and errors), since it takes the
 * files intakes are written as and leaves the rest to libyaml.
 */
#include <csv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_csv.h"
#include "pf_node.h"
#include "pf_schema.h"
#include "pf_yread.h"
#include "../yread_both_ways.h"

#ifndef PF_SOURCE_DIR
#define PF_SOURCE_DIR "."
#endif

static pf_schema_t *schema;
static pf_doc_t schema_doc;
static pf_yread_limits_t limits;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_intake: contract broken: %s (%s:%d)\n", #cond, __FILE__,         \
                    __LINE__);                                                                     \
            __builtin_trap();                                                                      \
        }                                                                                          \
    } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *path = getenv("PF_FUZZ_SCHEMA");
    if (!path) path = PF_SOURCE_DIR "/policies/intake-schema.yaml";
    pf_yread_limits_t lim;
    pf_yread_limits_default(&lim);
    lim.max_file_bytes = 4u << 20;
    lim.max_nodes = 200000;
    pf_err_t err;
    pf_doc_init(&schema_doc);
    if (!pf_yread_file(path, &lim, &schema_doc, &err)) {
        fprintf(stderr, "fuzz_intake: %s:%lu:%lu: %s\n", path, err.line, err.column, err.msg);
        exit(1);
    }
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    schema = pf_schema_load(schema_doc.root, &errs);
    if (!schema) {
        fprintf(stderr, "fuzz_intake: %s: the schema does not load (%zu problems)\n", path,
                errs.count);
        exit(1);
    }
    pf_errlist_delete(&errs);
    pf_yread_limits_default(&limits); /* what the batch uses for intakes */
    return 0;
}

/* ---- CSV round trip of one cell ------------------------------------------ */

typedef struct cells {
    size_t fields, rows;
    char *first;
    size_t first_len;
} cells_t;

static void on_field(void *s, size_t len, void *data)
{
    cells_t *c = data;
    if (c->fields++ == 0) {
        c->first = malloc(len + 1);
        if (len) memcpy(c->first, s, len);
        c->first_len = len;
    }
}

static void on_row(int ch, void *data)
{
    (void)ch;
    ((cells_t *)data)->rows++;
}

static void csv_roundtrip(const char *s, size_t len)
{
    pf_buf_t b;
    pf_buf_init(&b);
    size_t n = 0;
    pf_csv_style_t style = {1, 0, ',', 1};
    pf_csv_text(&b, &n, s, len);
    pf_csv_end_row(&b, &n, &style);
    struct csv_parser p;
    CHECK(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) == 0);
    cells_t c = {0};
    CHECK(csv_parse(&p, b.data, b.len, on_field, on_row, &c) == b.len);
    CHECK(csv_fini(&p, on_field, on_row, &c) == 0);
    csv_free(&p);
    CHECK(c.fields == 1 && c.rows == 1);
    /* the cell is the text, maybe after an apostrophe, maybe cut with a marker */
    const char *got = c.first;
    size_t got_len = c.first_len;
    size_t i = 0;
    while (i < len && s[i] == ' ')
        i++;
    int guard = i < len && strchr("=+-@\t\r\n", s[i]) && s[i] != '\0';
    if (guard) {
        CHECK(got_len > 0 && got[0] == '\'');
        got++;
        got_len--;
    }
    if (got_len >= 5 && memcmp(got + got_len - 5, "[...]", 5) == 0 && got_len - 5 < len)
        CHECK(memcmp(got, s, got_len - 5) == 0);
    else
        CHECK(got_len == len && memcmp(got, s, len) == 0);
    free(c.first);
    pf_buf_delete(&b);
}

static void cells_of(const pf_node_t *n)
{
    if (n->kind == PF_NODE_SCALAR) {
        CHECK(strlen(n->text) == n->len); /* the reader refuses NULs */
        csv_roundtrip(n->text, n->len);
        return;
    }
    size_t items = n->kind == PF_NODE_MAP ? 2 * n->count : n->count;
    for (size_t i = 0; i < items; i++)
        cells_of(n->items[i]);
}

/* ---- the fast path against libyaml ------------------------------------------ */

static void same_both_ways(const char *buf, size_t len)
{
    pf_buf_t fast, slow;
    pf_buf_init(&fast);
    pf_buf_init(&slow);
    yb_read_all(buf, len, &limits, 0, &fast);
    yb_read_all(buf, len, &limits, 1, &slow);
    if (fast.len != slow.len || memcmp(fast.data, slow.data, fast.len) != 0) {
        fprintf(stderr, "fuzz_intake: the fast path read\n%s\nlibyaml alone\n%s\n", fast.data,
                slow.data);
        CHECK(!"the fast path reads a file as libyaml does");
    }
    pf_buf_delete(&fast);
    pf_buf_delete(&slow);
}

/* ---- the harness ------------------------------------------------------------- */

/* One document, as the batch handles each document of a file. */
static void check_document(pf_doc_t *doc)
{
    CHECK(doc->root != NULL);
    cells_of(doc->root);
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    pf_value_t *intake = NULL;
    int ok = pf_schema_validate(schema, doc->root, &doc->arena, &intake, &errs, 20);
    if (ok) {
        CHECK(intake != NULL && intake->kind == PF_VAL_MAP);
        CHECK(errs.count == 0);
    }
    /* capped: at most 20 listed, then one schema.more row counting the rest */
    size_t listed = errs.count, left_out = 0;
    if (!ok) {
        CHECK(errs.count > 0 && errs.count <= 21);
        for (size_t i = 0; i < errs.count; i++)
            CHECK(strncmp(errs.items[i].kind, "schema.", 7) == 0);
        if (strcmp(errs.items[errs.count - 1].kind, "schema.more") == 0) {
            CHECK(errs.count == 21);
            CHECK(sscanf(errs.items[20].msg, "and %zu more", &left_out) == 1 && left_out > 0);
            listed = 20;
        } else {
            CHECK(errs.count <= 20);
        }
    }
    /* uncapped: every problem listed, the same verdict, as many as the
     * capped run listed and counted */
    pf_errlist_reset(&errs);
    intake = NULL;
    CHECK(pf_schema_validate(schema, doc->root, &doc->arena, &intake, &errs, 0) == ok);
    CHECK(errs.count == listed + left_out);
    pf_errlist_delete(&errs);
    /* the generic typing used for policies */
    CHECK(pf_value_from_node(&doc->arena, doc->root) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > limits.max_file_bytes) return 0; /* pf_read_file refuses these */
    /* the batch hands the reader a NUL-terminated heap copy (pf_read_file) */
    char *buf = malloc(size + 1);
    if (size) memcpy(buf, data, size);
    buf[size] = '\0';
    pf_err_t err;

    /* a file holding one document: how the policy and the schema are read */
    pf_doc_t one;
    pf_doc_init(&one);
    pf_err_clear(&err);
    int single = pf_yread_one(buf, size, &limits, &one, &err);
    if (single) {
        check_document(&one);
    } else {
        CHECK(strncmp(err.kind, "yaml.", 5) == 0);
        CHECK(memchr(err.msg, '\0', sizeof err.msg) != NULL && err.msg[0] != '\0');
    }
    pf_doc_delete(&one);

    /* every document of a file is an intake: how the batch reads intakes */
    pf_yread_t r;
    pf_yread_init(&r, buf, size, &limits);
    size_t docs = 0;
    int rc;
    for (;;) {
        pf_doc_t doc;
        pf_doc_init(&doc);
        pf_err_clear(&err);
        rc = pf_yread_next(&r, &doc, &err);
        if (rc == 1) {
            docs++;
            check_document(&doc);
        } else if (rc < 0) {
            CHECK(strncmp(err.kind, "yaml.", 5) == 0 && err.msg[0] != '\0');
        } else {
            CHECK(rc == 0);
        }
        pf_doc_delete(&doc);
        if (rc != 1) break;
    }
    /* after the end or an error the reader stays there */
    pf_doc_t after;
    pf_doc_init(&after);
    pf_err_clear(&err);
    int again = pf_yread_next(&r, &after, &err);
    CHECK(again == rc);
    if (rc < 0) CHECK(strcmp(err.kind, "yaml.dead") == 0);
    pf_doc_delete(&after);
    pf_yread_delete(&r);
    /* one readable, non-empty document read alone is that same stream */
    if (single) CHECK(docs == 1 && rc == 0);
    same_both_ways(buf, size);

    free(buf);
    return 0;
}
