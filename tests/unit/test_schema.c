/*
 * test_schema.c - unit tests for pf_schema: schema loading (and its errors
 * with line:column), validation of intake trees and their conversion to
 * typed values.
 *
 * There is no YAML reader to lean on yet, so documents are built from
 * pf_node_t constructors (scalar, map, seq). To keep the tests readable the
 * constructors are driven by a tiny test-only reader for a YAML subset:
 * block mappings and sequences, one-line flow [..] and {..}, plain, 'single'
 * and "double" quoted scalars. Positions are 1-based like libyaml's: a
 * scalar starts at its first character (its quote if quoted), a block
 * mapping at its first key, a block sequence at its first '-', a flow
 * collection at its bracket.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_common.h"
#include "pf_node.h"
#include "pf_schema.h"

/* ---- node constructors -------------------------------------------------- */

static pf_node_t *scalar(pf_arena_t *a, const char *text, int plain, unsigned long line,
                         unsigned long col)
{
    pf_node_t *n = pf_arena_alloc(a, sizeof *n);
    n->kind = PF_NODE_SCALAR;
    n->text = pf_arena_strndup(a, text, strlen(text));
    n->len = strlen(text);
    n->plain = plain;
    n->line = line;
    n->column = col;
    return n;
}

static pf_node_t *collection(pf_arena_t *a, pf_node_kind_t kind, unsigned long line,
                             unsigned long col, pf_node_t **items, size_t nitems)
{
    pf_node_t *n = pf_arena_alloc(a, sizeof *n);
    n->kind = kind;
    n->line = line;
    n->column = col;
    n->count = kind == PF_NODE_MAP ? nitems / 2 : nitems;
    n->items = pf_arena_alloc(a, nitems * sizeof *n->items);
    if (nitems) memcpy(n->items, items, nitems * sizeof *items);
    return n;
}

/* map(a, line, col, npairs, key1, value1, key2, value2, ...) */
static pf_node_t *map(pf_arena_t *a, unsigned long line, unsigned long col, size_t npairs, ...)
{
    pf_node_t *items[64];
    assert_true(npairs * 2 <= 64);
    va_list ap;
    va_start(ap, npairs);
    for (size_t i = 0; i < 2 * npairs; i++)
        items[i] = va_arg(ap, pf_node_t *);
    va_end(ap);
    return collection(a, PF_NODE_MAP, line, col, items, 2 * npairs);
}

/* seq(a, line, col, n, item1, item2, ...) */
static pf_node_t *seq(pf_arena_t *a, unsigned long line, unsigned long col, size_t n, ...)
{
    pf_node_t *items[64];
    assert_true(n <= 64);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        items[i] = va_arg(ap, pf_node_t *);
    va_end(ap);
    return collection(a, PF_NODE_SEQ, line, col, items, n);
}

/* ---- test-only YAML subset reader ------------------------------------------ */

typedef struct nodevec {
    pf_node_t **v;
    size_t n, cap;
} nodevec_t;

static void vec_push(nodevec_t *v, pf_node_t *n)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 8;
        v->v = pf_xrealloc(v->v, v->cap * sizeof *v->v);
    }
    v->v[v->n++] = n;
}

static pf_node_t *vec_finish(pf_arena_t *a, nodevec_t *v, pf_node_kind_t kind, unsigned long line,
                             unsigned long col)
{
    pf_node_t *n = collection(a, kind, line, col, v->v, v->n);
    free(v->v);
    return n;
}

typedef struct yp {
    pf_arena_t *a;
    char **lines;
    size_t *start; /* where a line's content may begin (moves past "- ") */
    size_t n;
} yp_t;

static size_t indent_of(const yp_t *p, size_t i)
{
    size_t k = p->start[i];
    while (p->lines[i][k] == ' ')
        k++;
    return k;
}

static int is_blank(const yp_t *p, size_t i)
{
    char c = p->lines[i][indent_of(p, i)];
    return c == '\0' || c == '#';
}

static void skip_blank(const yp_t *p, size_t *i)
{
    while (*i < p->n && is_blank(p, *i))
        (*i)++;
}

static int is_seq_line(const yp_t *p, size_t i)
{
    const char *c = p->lines[i] + indent_of(p, i);
    return c[0] == '-' && (c[1] == ' ' || c[1] == '\0');
}

/* Offset of the ':' ending a block mapping key on line i, or 0. */
static size_t key_colon(const yp_t *p, size_t i)
{
    const char *l = p->lines[i];
    size_t k = indent_of(p, i);
    if (strchr("[{\"'", l[k])) return 0;
    for (; l[k]; k++) {
        if (l[k] == ' ' && l[k + 1] == '#') return 0;
        if (l[k] == ':' && (l[k + 1] == ' ' || l[k + 1] == '\0')) return k;
    }
    return 0;
}

static void skip_spaces(const char *l, size_t *k)
{
    while (l[*k] == ' ')
        (*k)++;
}

static pf_node_t *flow_value(yp_t *p, size_t i, size_t *k, int in_flow);

static pf_node_t *quoted(yp_t *p, size_t i, size_t *k)
{
    const char *l = p->lines[i];
    char q = l[*k], buf[512];
    size_t start = *k, n = 0;
    for ((*k)++; l[*k] && !(l[*k] == q && !(q == '\'' && l[*k + 1] == '\'')); (*k)++) {
        char c = l[*k];
        if (q == '\'' && c == '\'') {
            (*k)++; /* '' is one quote */
        } else if (q == '"' && c == '\\') {
            c = l[++(*k)];
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
        }
        assert_true(n + 1 < sizeof buf);
        buf[n++] = c;
    }
    if (l[*k] != q) fail_msg("test yaml: unterminated quote on line %zu", i + 1);
    (*k)++;
    buf[n] = '\0';
    return scalar(p->a, buf, 0, i + 1, start + 1);
}

static pf_node_t *plain(yp_t *p, size_t i, size_t *k, const char *stops)
{
    const char *l = p->lines[i];
    size_t start = *k, end = *k;
    while (l[end] && !strchr(stops, l[end]) && !(l[end] == ' ' && l[end + 1] == '#'))
        end++;
    *k = end;
    while (end > start && l[end - 1] == ' ')
        end--;
    char *text = pf_arena_strndup(p->a, l + start, end - start);
    return scalar(p->a, text, 1, i + 1, start + 1);
}

static pf_node_t *flow_collection(yp_t *p, size_t i, size_t *k)
{
    const char *l = p->lines[i];
    int is_map = l[*k] == '{';
    size_t start = (*k)++;
    nodevec_t v = {0};
    for (;;) {
        skip_spaces(l, k);
        if (l[*k] == (is_map ? '}' : ']')) break;
        if (is_map) {
            char q = l[*k];
            vec_push(&v, q == '"' || q == '\'' ? quoted(p, i, k) : plain(p, i, k, ":"));
            if (l[*k] != ':') fail_msg("test yaml: ':' expected on line %zu", i + 1);
            (*k)++;
            skip_spaces(l, k);
        }
        vec_push(&v, flow_value(p, i, k, 1));
        skip_spaces(l, k);
        if (l[*k] == ',')
            (*k)++;
        else if (l[*k] != (is_map ? '}' : ']'))
            fail_msg("test yaml: bad flow collection on line %zu", i + 1);
    }
    (*k)++;
    return vec_finish(p->a, &v, is_map ? PF_NODE_MAP : PF_NODE_SEQ, i + 1, start + 1);
}

static pf_node_t *flow_value(yp_t *p, size_t i, size_t *k, int in_flow)
{
    char c = p->lines[i][*k];
    if (c == '[' || c == '{') return flow_collection(p, i, k);
    if (c == '"' || c == '\'') return quoted(p, i, k);
    return plain(p, i, k, in_flow ? ",]}" : "");
}

static pf_node_t *block(yp_t *p, size_t *i, size_t parent);

static pf_node_t *block_seq(yp_t *p, size_t *i, size_t ind)
{
    nodevec_t v = {0};
    unsigned long line = *i + 1;
    while ((skip_blank(p, i), *i < p->n) && indent_of(p, *i) == ind && is_seq_line(p, *i)) {
        p->start[*i] = ind + 1; /* the item's content begins after the '-' */
        if (!is_blank(p, *i)) {
            vec_push(&v, block(p, i, ind));
            continue;
        }
        size_t here = (*i)++;
        skip_blank(p, i);
        if (*i < p->n && indent_of(p, *i) > ind)
            vec_push(&v, block(p, i, ind));
        else
            vec_push(&v, scalar(p->a, "", 1, here + 1, ind + 2));
    }
    return vec_finish(p->a, &v, PF_NODE_SEQ, line, ind + 1);
}

static pf_node_t *block_map(yp_t *p, size_t *i, size_t ind)
{
    nodevec_t v = {0};
    unsigned long line = *i + 1;
    while ((skip_blank(p, i), *i < p->n) && indent_of(p, *i) == ind && !is_seq_line(p, *i)) {
        size_t colon = key_colon(p, *i), k = ind;
        if (!colon) fail_msg("test yaml: 'key:' expected on line %zu", *i + 1);
        vec_push(&v, plain(p, *i, &k, ":"));
        k = colon + 1;
        skip_spaces(p->lines[*i], &k);
        char c = p->lines[*i][k];
        if (c != '\0' && c != '#') {
            vec_push(&v, flow_value(p, *i, &k, 0));
            (*i)++;
            continue;
        }
        size_t here = (*i)++;
        skip_blank(p, i);
        if (*i < p->n && indent_of(p, *i) > ind)
            vec_push(&v, block(p, i, ind));
        else
            vec_push(&v, scalar(p->a, "", 1, here + 1, colon + 2));
    }
    return vec_finish(p->a, &v, PF_NODE_MAP, line, ind + 1);
}

static pf_node_t *block(yp_t *p, size_t *i, size_t parent)
{
    skip_blank(p, i);
    size_t ind = indent_of(p, *i);
    (void)parent;
    if (is_seq_line(p, *i)) return block_seq(p, i, ind);
    if (key_colon(p, *i)) return block_map(p, i, ind);
    size_t k = ind;
    pf_node_t *n = flow_value(p, *i, &k, 0);
    (*i)++;
    return n;
}

/* Builds the tree of a document written in the YAML subset above. */
static pf_node_t *yaml(pf_arena_t *a, const char *text)
{
    yp_t p = {.a = a};
    char *copy = pf_arena_strndup(a, text, strlen(text));
    for (const char *c = copy; *c; c++)
        p.n += *c == '\n';
    p.n += 1;
    p.lines = pf_arena_alloc(a, p.n * sizeof *p.lines);
    p.start = pf_arena_alloc(a, p.n * sizeof *p.start);
    size_t n = 0;
    for (char *line = copy; line; n++) {
        p.lines[n] = line;
        line = strchr(line, '\n');
        if (line) *line++ = '\0';
    }
    p.n = n;
    size_t i = 0;
    skip_blank(&p, &i);
    if (i == p.n) return NULL;
    pf_node_t *root = block(&p, &i, 0);
    skip_blank(&p, &i);
    if (i != p.n) fail_msg("test yaml: unexpected content on line %zu", i + 1);
    return root;
}

/* ---- fixture and assertions -------------------------------------------------- */

static const char *const SCHEMA = "version: \"2026.1\"\n"
                                  "enums:\n"
                                  "  area: [strategy, plan, ready, migrate, innovate, govern, "
                                  "manage]\n"
                                  "fields:\n"
                                  "  id: {type: string, required: true, unique: true, pattern: "
                                  "'^[A-Za-z0-9][A-Za-z0-9._-]*$', max_length: 64, doc: "
                                  "\"Stable id\"}\n"
                                  "  assessed_on: {type: date, required: true, min: 2020-01-01}\n"
                                  "  organisation:\n"
                                  "    type: object\n"
                                  "    required: true\n"
                                  "    fields:\n"
                                  "      name: {type: string, required: true}\n"
                                  "      size: {type: enum, values: [small, medium, large, "
                                  "enterprise]}\n"
                                  "  maturity:\n"
                                  "    type: object\n"
                                  "    fields:\n"
                                  "      strategy: {type: integer, min: 0, max: 5, required: "
                                  "true}\n"
                                  "  help:\n"
                                  "    type: list\n"
                                  "    max_items: 7\n"
                                  "    items:\n"
                                  "      type: object\n"
                                  "      fields:\n"
                                  "        area: {type: enum, enum: area, required: true}\n"
                                  "        urgency: {type: enum, values: [low, medium, high], "
                                  "default: medium}\n"
                                  "  skills:\n"
                                  "    type: map\n"
                                  "    keys: {type: enum, values: [networking, identity]}\n"
                                  "    values: {type: object, fields: {have: {type: integer, min: "
                                  "0, max: 5}, need: {type: integer, min: 0, max: 5}}}\n"
                                  "  tags: {type: map, values: {type: string}}\n"
                                  "  notes: {type: text, max_length: 4000}\n"
                                  "  answer: {type: string}\n"
                                  "  headcount: {type: integer}\n"
                                  "  budget: {type: number, min: 0}\n"
                                  "  cloud_first: {type: boolean, default: false}\n"
                                  "  ratio: {type: number, default: 0.5}\n";

/* The three required answers, so single-field tests add theirs at line 4. */
#define BASE "id: acme-1\nassessed_on: 2026-03-01\norganisation: {name: Acme}\n"

typedef struct fx {
    pf_arena_t arena; /* intake documents and their values */
    pf_errlist_t errs;
    pf_schema_t *schema;
} fx_t;

static void dump_errs(const pf_errlist_t *e)
{
    for (size_t i = 0; i < e->count; i++)
        print_message("  [%zu] %s %s %lu:%lu %s\n", i, e->items[i].kind, e->items[i].field,
                      e->items[i].line, e->items[i].column, e->items[i].msg);
}

/* Loads a schema from a tree in an arena that is gone once the load is
 * done: the schema must keep copies of everything it uses. */
static pf_schema_t *load_text(const char *text, pf_errlist_t *errs)
{
    pf_arena_t tmp;
    pf_arena_init(&tmp);
    pf_schema_t *s = pf_schema_load(yaml(&tmp, text), errs);
    pf_arena_delete(&tmp);
    return s;
}

static int setup(void **state)
{
    fx_t *f = pf_xcalloc(1, sizeof *f);
    pf_arena_init(&f->arena);
    pf_errlist_init(&f->errs);
    f->schema = load_text(SCHEMA, &f->errs);
    if (!f->schema) dump_errs(&f->errs);
    assert_non_null(f->schema);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    pf_schema_delete(f->schema);
    pf_errlist_delete(&f->errs);
    pf_arena_delete(&f->arena);
    free(f);
    return 0;
}

static int validate_cap(fx_t *f, const char *doc, pf_value_t **out, size_t max_errors)
{
    pf_errlist_reset(&f->errs);
    pf_value_t *v = (pf_value_t *)1; /* must be overwritten */
    int ok =
        pf_schema_validate(f->schema, yaml(&f->arena, doc), &f->arena, &v, &f->errs, max_errors);
    assert_int_equal(ok, f->errs.count == 0);
    assert_true(ok ? v != NULL : v == NULL);
    if (out) *out = v;
    return ok;
}

static int validate(fx_t *f, const char *doc, pf_value_t **out)
{
    return validate_cap(f, doc, out, 0);
}

static pf_value_t *valid(fx_t *f, const char *doc)
{
    pf_value_t *v = NULL;
    if (!validate(f, doc, &v)) {
        dump_errs(&f->errs);
        fail_msg("expected a valid document");
    }
    return v;
}

/* Checks error idx; on mismatch says why in buf and returns 0. */
static int err_matches(const pf_errlist_t *e, size_t idx, const char *kind, const char *field,
                       unsigned long line, unsigned long col, const char *part, char *buf,
                       size_t size)
{
    if (idx >= e->count) {
        snprintf(buf, size, "no error #%zu (only %zu)", idx, e->count);
        return 0;
    }
    const pf_err_t *r = &e->items[idx];
    if (strcmp(r->kind, kind) || strcmp(r->field, field) || r->line != line || r->column != col ||
        (part && !strstr(r->msg, part))) {
        snprintf(buf, size,
                 "error #%zu is {%s, %s, %lu:%lu, \"%s\"}, expected {%s, %s, %lu:%lu, "
                 "\"...%s...\"}",
                 idx, r->kind, r->field, r->line, r->column, r->msg, kind, field, line, col,
                 part ? part : "");
        return 0;
    }
    return 1;
}

#define EXPECT_ERR(errs, idx, kind, field, line, col, part)                                        \
    do {                                                                                           \
        char why_[2048];                                                                           \
        if (!err_matches(errs, idx, kind, field, line, col, part, why_, sizeof why_)) {            \
            dump_errs(errs);                                                                       \
            fail_msg("%s", why_);                                                                  \
        }                                                                                          \
    } while (0)

/* Validates BASE plus "key: value" on line 4 (the value at column
 * strlen(key) + 3) and expects exactly one error of that kind there. */
static void expect_field_error(fx_t *f, const char *key, const char *value, const char *kind,
                               const char *part)
{
    char doc[512], why[2048];
    snprintf(doc, sizeof doc, BASE "%s: %s\n", key, value);
    validate(f, doc, NULL);
    if (f->errs.count != 1 ||
        !err_matches(&f->errs, 0, kind, key, 4, strlen(key) + 3, part, why, sizeof why)) {
        dump_errs(&f->errs);
        fail_msg("%s: %s -> %s", key, value, f->errs.count == 1 ? why : "not exactly one error");
    }
}

/* Validates BASE plus "key: value" and returns the converted value. */
static const pf_value_t *field_value(fx_t *f, const char *key, const char *value)
{
    char doc[512];
    snprintf(doc, sizeof doc, BASE "%s: %s\n", key, value);
    return pf_value_get(valid(f, doc), key);
}

/* ---- the reader helper itself ---------------------------------------------- */

static void test_helpers_build_positions(void **state)
{
    (void)state;
    pf_arena_t a;
    pf_arena_init(&a);
    pf_node_t *root = yaml(&a, "a: {b: 'x''y', c: [1, \"two\"]}\n"
                               "list:\n"
                               "  - k: v\n"
                               "    m: ~\n"
                               "  - plain text # comment\n");
    assert_int_equal(root->kind, PF_NODE_MAP);
    assert_int_equal(root->count, 2);
    const pf_node_t *b = pf_node_get(pf_node_get(root, "a"), "b");
    assert_string_equal(b->text, "x'y");
    assert_false(b->plain);
    assert_int_equal(b->column, 8);
    const pf_node_t *c = pf_node_get(pf_node_get(root, "a"), "c");
    assert_int_equal(c->column, 19);
    assert_string_equal(c->items[1]->text, "two");
    assert_int_equal(c->items[1]->column, 23);
    const pf_node_t *list = pf_node_get(root, "list");
    assert_int_equal(list->count, 2);
    assert_int_equal(list->line, 3);
    assert_int_equal(list->column, 3);
    assert_int_equal(list->items[0]->column, 5);
    assert_true(pf_node_is_null(pf_node_get(list->items[0], "m")));
    assert_string_equal(list->items[1]->text, "plain text");

    /* and the raw constructors agree with it */
    pf_node_t *m = map(&a, 1, 1, 1, scalar(&a, "k", 1, 1, 1), seq(&a, 1, 4, 0));
    assert_int_equal(m->count, 1);
    assert_int_equal(pf_node_get(m, "k")->kind, PF_NODE_SEQ);
    pf_arena_delete(&a);
}

/* ---- loading -------------------------------------------------------------------- */

static void test_load_example(void **state)
{
    fx_t *f = *state;
    assert_string_equal(pf_schema_version(f->schema), "2026.1");
    assert_string_equal(pf_schema_unique_field(f->schema), "id");
}

static void expect_load_error(const char *text, size_t nerrs, size_t idx, const char *field,
                              unsigned long line, unsigned long col, const char *part)
{
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    pf_schema_t *s = load_text(text, &errs);
    if (s) fail_msg("the schema should not load");
    if (errs.count != nerrs) {
        dump_errs(&errs);
        fail_msg("expected %zu schema errors, got %zu", nerrs, errs.count);
    }
    EXPECT_ERR(&errs, idx, "schema.definition", field, line, col, part);
    pf_errlist_delete(&errs);
}

#define HEAD "version: \"1\"\nfields:\n"

static void test_load_unknown_type(void **state)
{
    (void)state;
    expect_load_error(HEAD "  a: {type: strng}\n", 1, 0, "a", 3, 13,
                      "unknown type 'strng'; did you mean 'string'?");
    expect_load_error(HEAD "  a: {type: blob}\n", 1, 0, "a", 3, 13, "the types are string");
    expect_load_error(HEAD "  a: {required: true}\n", 1, 0, "a", 3, 6, "has no type");
}

static void test_load_bad_pattern(void **state)
{
    (void)state;
    expect_load_error(HEAD "  a: {type: string, pattern: '^[a-z'}\n", 1, 0, "a", 3, 30,
                      "is not a valid regular expression");
}

static void test_load_unknown_enum_name(void **state)
{
    (void)state;
    expect_load_error("version: \"1\"\n"
                      "enums:\n"
                      "  area: [plan, ready]\n"
                      "fields:\n"
                      "  a: {type: list, items: {type: enum, enum: aera}}\n",
                      1, 0, "a[]", 5, 45, "unknown enum 'aera'; did you mean 'area'?");
    expect_load_error(HEAD "  a: {type: enum, enum: area}\n", 1, 0, "a", 3, 25, "no enums section");
}

static void test_load_invalid_default(void **state)
{
    (void)state;
    expect_load_error(HEAD "  a: {type: enum, values: [low, high], default: medium}\n", 1, 0, "a",
                      3, 49, "the default \"medium\" is not valid for this field: expected one of");
    expect_load_error(HEAD "  a: {type: integer, max: 5, default: 9}\n", 1, 0, "a", 3, 39,
                      "expected a whole number of at most 5, found \"9\".");
    expect_load_error(HEAD "  a: {type: boolean, default: yes}\n", 1, 0, "a", 3, 31,
                      "expected true or false");
    expect_load_error(HEAD "  a: {type: list, items: {type: string}, default: x}\n", 1, 0, "a", 3,
                      42, "default does not apply to a field of type list");
    expect_load_error(HEAD "  a: {type: integer, required: true, default: 1}\n", 1, 0, "a", 3, 47,
                      "required field cannot have a default");
}

static void test_load_unknown_attribute(void **state)
{
    (void)state;
    expect_load_error(HEAD "  a: {type: string, max_lenght: 5}\n", 1, 0, "a", 3, 21,
                      "unknown attribute 'max_lenght' in a field spec; did you mean 'max_length'?");
    expect_load_error(HEAD "  a: {type: integer, pattern: '^1$'}\n", 1, 0, "a", 3, 22,
                      "pattern does not apply to a field of type integer");
    expect_load_error(HEAD "  a: {type: integer, min: low}\n", 1, 0, "a", 3, 27,
                      "min must be a whole number (the field is of type integer), found \"low\".");
    expect_load_error(HEAD "  a: {type: string, required: yes}\n", 1, 0, "a", 3, 31,
                      "required must be true or false");
}

static void test_load_structural_errors(void **state)
{
    (void)state;
    expect_load_error("fields:\n  a: {type: string}\n", 1, 0, "version", 1, 1, "needs a version");
    expect_load_error(HEAD "  a: {type: enum}\n", 1, 0, "a", 3, 6, "exactly one of values");
    expect_load_error(HEAD "  a: {type: list}\n", 1, 0, "a", 3, 6, "needs items");
    expect_load_error(HEAD "  a: {type: map, keys: {type: integer}, values: {type: string}}\n", 1,
                      0, "a (keys)", 3, 31, "string or enum");
    expect_load_error(HEAD "  a: {type: object, fields: {b: {type: string, unique: true}}}\n", 1, 0,
                      "a.b", 3, 56, "only on a top-level field");
    expect_load_error(HEAD "  a: {type: integer, min: 5, max: 1}\n", 1, 0, "a", 3, 6,
                      "min (5) is larger than max (1)");
    expect_load_error(HEAD "  a: {type: enum, values: [x, y, x]}\n", 1, 0, "a", 3, 34,
                      "listed twice");
    expect_load_error("version: \"1\"\nfeilds: {}\n", 2, 0, "", 2, 1,
                      "unknown key 'feilds' at the top of the schema; did you mean 'fields'?");
}

/* Loading goes on after an error so one run lists every problem. */
static void test_load_collects_all_errors(void **state)
{
    (void)state;
    const char *text = HEAD "  a: {type: strng}\n"
                            "  b: {type: string, pattern: '('}\n"
                            "  c: {type: integer, max_lenght: 3}\n"
                            "  d:\n"
                            "    type: list\n"
                            "    items: {type: date, min: 2024-02-30}\n";
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    assert_null(load_text(text, &errs));
    if (errs.count != 4) dump_errs(&errs);
    assert_int_equal(errs.count, 4);
    EXPECT_ERR(&errs, 0, "schema.definition", "a", 3, 13, "unknown type");
    EXPECT_ERR(&errs, 1, "schema.definition", "b", 4, 30, "not a valid regular expression");
    EXPECT_ERR(&errs, 2, "schema.definition", "c", 5, 22, "did you mean 'max_length'?");
    EXPECT_ERR(&errs, 3, "schema.definition", "d[]", 8, 30,
               "min must be a real date YYYY-MM-DD (the field is of type date)");
    pf_errlist_delete(&errs);
}

/* ---- conversion of a whole document ----------------------------------------------- */

static void test_valid_document_converts(void **state)
{
    fx_t *f = *state;
    pf_value_t *v = valid(f, "organisation:\n"
                             "  size: large\n"
                             "  name: Acme Ltd\n"
                             "id: acme-1\n"
                             "assessed_on: 2026-03-01\n"
                             "maturity: {strategy: 3}\n"
                             "help:\n"
                             "  - area: migrate\n"
                             "    urgency: high\n"
                             "  - area: govern\n"
                             "skills:\n"
                             "  networking: {have: 2, need: 4}\n"
                             "  identity: {have: 1}\n"
                             "notes: \"line one\\n\\tline two\"\n"
                             "budget: 1250.5\n");
    assert_int_equal(v->kind, PF_VAL_MAP);
    /* declaration order, not document order; defaults appended in place */
    const char *order[] = {"id",     "assessed_on", "organisation", "maturity",    "help",
                           "skills", "notes",       "budget",       "cloud_first", "ratio"};
    assert_int_equal(v->count, 10);
    for (size_t i = 0; i < 10; i++)
        assert_string_equal(v->keys[i], order[i]);

    const pf_value_t *id = pf_value_get(v, "id");
    assert_int_equal(id->kind, PF_VAL_STR);
    assert_string_equal(id->s, "acme-1");
    assert_int_equal(id->line, 4);
    assert_int_equal(id->column, 5);

    const pf_value_t *org = pf_value_get(v, "organisation");
    assert_string_equal(org->keys[0], "name");
    assert_string_equal(org->keys[1], "size");
    assert_string_equal(org->items[1].s, "large");

    const pf_value_t *strategy = pf_value_get(pf_value_get(v, "maturity"), "strategy");
    assert_int_equal(strategy->kind, PF_VAL_INT);
    assert_int_equal(strategy->i, 3);

    const pf_value_t *help = pf_value_get(v, "help");
    assert_int_equal(help->kind, PF_VAL_LIST);
    assert_int_equal(help->count, 2);
    assert_string_equal(pf_value_get(&help->items[0], "urgency")->s, "high");
    const pf_value_t *dflt = pf_value_get(&help->items[1], "urgency");
    assert_string_equal(dflt->s, "medium");
    assert_int_equal(dflt->line, 0);

    const pf_value_t *skills = pf_value_get(v, "skills");
    assert_string_equal(skills->keys[0], "identity"); /* sorted by key */
    assert_string_equal(skills->keys[1], "networking");
    assert_int_equal(pf_value_get(&skills->items[1], "need")->i, 4);
    assert_null(pf_value_get(&skills->items[0], "need"));

    assert_string_equal(pf_value_get(v, "notes")->s, "line one\n\tline two");
    const pf_value_t *budget = pf_value_get(v, "budget");
    assert_int_equal(budget->kind, PF_VAL_NUM);
    assert_true(budget->n == 1250.5);
    const pf_value_t *cloud = pf_value_get(v, "cloud_first");
    assert_int_equal(cloud->kind, PF_VAL_BOOL);
    assert_false(cloud->b);
    assert_int_equal(cloud->line, 0);
    assert_true(pf_value_get(v, "ratio")->n == 0.5);
    assert_null(pf_value_get(v, "answer"));
}

/* ---- per-type accept and reject ------------------------------------------------------ */

static void test_string_traps(void **state)
{
    fx_t *f = *state;
    assert_string_equal(field_value(f, "answer", "NO")->s, "NO");
    assert_string_equal(field_value(f, "answer", "yes")->s, "yes");
    assert_string_equal(field_value(f, "answer", "0755")->s, "0755");
    assert_string_equal(field_value(f, "answer", "1:30")->s, "1:30");
    const pf_value_t *empty = field_value(f, "answer", "\"\"");
    assert_non_null(empty);
    assert_int_equal(empty->len, 0);
    assert_string_equal(field_value(f, "answer", "'null'")->s, "null");
    assert_null(field_value(f, "answer", "~"));
    assert_null(field_value(f, "answer", "null"));
    assert_null(field_value(f, "answer", "NULL"));
}

static void test_string_rejects(void **state)
{
    fx_t *f = *state;
    expect_field_error(f, "answer", "\"two\\nlines\"", "schema.type",
                       "expected a single line of text, found a line break");
    expect_field_error(f, "answer", "\"a\\tb\"", "schema.type", "a tab character");
    expect_field_error(f, "answer", "[a, b]", "schema.shape",
                       "expected a single line of text, found a list.");
    /* 201 characters: over the default maximum of 200 */
    char longer[256];
    memset(longer, 'x', 201);
    longer[201] = '\0';
    expect_field_error(f, "answer", longer, "schema.length",
                       "expected at most 200 characters, found 201.");
}

/* A schema of one field, a, for the checks of one attribute. */
typedef struct one_field {
    pf_errlist_t errs;
    pf_schema_t *s;
    pf_arena_t a;
} one_field_t;

static void one_field_open(one_field_t *t, const char *field)
{
    char text[512];
    snprintf(text, sizeof text, "%s  a: %s\n", HEAD, field);
    pf_errlist_init(&t->errs);
    t->s = load_text(text, &t->errs);
    assert_non_null(t->s);
    pf_arena_init(&t->a);
}

/* Validates the document doc; its errors are added to t->errs. */
static int one_field_valid(one_field_t *t, const char *doc)
{
    pf_value_t *v;
    return pf_schema_validate(t->s, yaml(&t->a, doc), &t->a, &v, &t->errs, 0);
}

static void one_field_close(one_field_t *t)
{
    pf_arena_delete(&t->a);
    pf_schema_delete(t->s);
    pf_errlist_delete(&t->errs);
}

static void test_string_length_counts_characters(void **state)
{
    (void)state;
    one_field_t t;
    one_field_open(&t, "{type: string, min_length: 2, max_length: 5}");
    /* five characters, six bytes */
    assert_true(one_field_valid(&t, "a: h\xc3\xa9llo\n"));
    assert_false(one_field_valid(&t, "a: h\xc3\xa9llos\n"));
    EXPECT_ERR(&t.errs, 0, "schema.length", "a", 1, 4, "at most 5 characters, found 6");
    assert_false(one_field_valid(&t, "a: x\n"));
    EXPECT_ERR(&t.errs, 1, "schema.length", "a", 1, 4, "at least 2 characters, found 1");
    one_field_close(&t);
}

static void test_pattern_matches_whole_value(void **state)
{
    fx_t *f = *state;
    char doc[256];
    snprintf(doc, sizeof doc, "id: acme 1\nassessed_on: 2026-03-01\norganisation: {name: A}\n");
    validate(f, doc, NULL);
    assert_int_equal(f->errs.count, 1);
    EXPECT_ERR(&f->errs, 0, "schema.pattern", "id", 1, 5,
               "expected text matching the pattern ^[A-Za-z0-9][A-Za-z0-9._-]*$, found \"acme 1\"");

    /* an unanchored pattern must still match the whole value */
    one_field_t t;
    one_field_open(&t, "{type: string, pattern: '[0-9]+'}");
    assert_true(one_field_valid(&t, "a: '123'\n"));
    assert_false(one_field_valid(&t, "a: x123y\n"));
    EXPECT_ERR(&t.errs, 0, "schema.pattern", "a", 1, 4, "\"x123y\"");
    one_field_close(&t);
}

static void test_text_accepts_lines_and_tabs(void **state)
{
    fx_t *f = *state;
    assert_string_equal(field_value(f, "notes", "\"a\\n\\tb\"")->s, "a\n\tb");
    expect_field_error(f, "notes", "\"a\\rb\"", "schema.type",
                       "expected text, found a carriage return");
}

static void test_integer_accepts(void **state)
{
    fx_t *f = *state;
    assert_int_equal(field_value(f, "headcount", "0")->i, 0);
    assert_int_equal(field_value(f, "headcount", "-42")->i, -42);
    assert_int_equal(field_value(f, "headcount", "'17'")->i, 17);
    assert_int_equal(field_value(f, "headcount", "9223372036854775807")->i, INT64_MAX);
    assert_int_equal(field_value(f, "headcount", "1000")->kind, PF_VAL_INT);
}

static void test_integer_rejects(void **state)
{
    fx_t *f = *state;
    static const struct {
        const char *text, *kind, *part;
    } cases[] = {
        {"0755", "schema.type", "found \"0755\": leading zeros are not allowed."},
        {"+5", "schema.type", "a leading + sign is not allowed"},
        {"1e3", "schema.type", "exponent notation"},
        {"1_000", "schema.type", "digit separators"},
        {"0x1F", "schema.type", "only decimal notation"},
        {"' 5'", "schema.type", "spaces are not allowed"},
        {"'5 '", "schema.type", "spaces are not allowed"},
        {"3.5", "schema.type", "a whole number is needed (no decimal point)"},
        {"five", "schema.type", "expected a whole number, found \"five\""},
        {"\"\"", "schema.type", "it is empty"},
        {"99999999999999999999", "schema.range", "too large"},
        {"{a: 1}", "schema.shape", "expected a whole number, found a mapping."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_field_error(f, "headcount", cases[i].text, cases[i].kind, cases[i].part);
}

static void test_integer_range(void **state)
{
    fx_t *f = *state;
    validate(f, BASE "maturity: {strategy: 7}\n", NULL);
    assert_int_equal(f->errs.count, 1);
    EXPECT_ERR(&f->errs, 0, "schema.range", "maturity.strategy", 4, 22,
               "expected a whole number from 0 to 5, found \"7\".");
    validate(f, BASE "maturity: {strategy: -1}\n", NULL);
    EXPECT_ERR(&f->errs, 0, "schema.range", "maturity.strategy", 4, 22, "from 0 to 5");
}

static void test_number(void **state)
{
    fx_t *f = *state;
    assert_true(field_value(f, "budget", "0")->n == 0.0);
    assert_true(field_value(f, "budget", "10")->n == 10.0);
    assert_int_equal(field_value(f, "budget", "10")->kind, PF_VAL_NUM);
    assert_true(field_value(f, "budget", "2.25")->n == 2.25);
    expect_field_error(f, "budget", "'.5'", "schema.type", "a digit is needed before");
    expect_field_error(f, "budget", "5.", "schema.type", "a digit is needed after");
    expect_field_error(f, "budget", "1e3", "schema.type", "exponent notation");
    expect_field_error(f, "budget", ".inf", "schema.type", "infinity and NaN");
    expect_field_error(f, "budget", "nan", "schema.type", "infinity and NaN");
    expect_field_error(f, "budget", "'1,5'", "schema.type", "digit separators");
    expect_field_error(f, "budget", "1.2.3", "schema.type", "only one decimal point");
    expect_field_error(f, "budget", "-0.5", "schema.range",
                       "expected a number of at least 0, found \"-0.5\".");
}

static void test_boolean(void **state)
{
    fx_t *f = *state;
    assert_true(field_value(f, "cloud_first", "true")->b);
    assert_false(field_value(f, "cloud_first", "false")->b);
    assert_true(field_value(f, "cloud_first", "'true'")->b);
    const char *bad[] = {"yes", "no", "on", "True", "FALSE", "y", "1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_field_error(f, "cloud_first", bad[i], "schema.type",
                           "expected true or false (written exactly so, in lower case)");
    expect_field_error(f, "cloud_first", "yes", "schema.type", "found \"yes\".");
}

static void test_enum(void **state)
{
    fx_t *f = *state;
    pf_value_t *v =
        valid(f, "id: a\nassessed_on: 2026-01-01\norganisation: {name: A, size: small}\n");
    assert_string_equal(pf_value_get(pf_value_get(v, "organisation"), "size")->s, "small");

    validate(f, "id: a\nassessed_on: 2026-01-01\norganisation: {name: A, size: Large}\n", NULL);
    assert_int_equal(f->errs.count, 1);
    EXPECT_ERR(&f->errs, 0, "schema.enum", "organisation.size", 3, 31,
               "expected one of: small, medium, large, enterprise; found \"Large\"; did you mean "
               "\"large\"?");
    /* ten edits away, but the same word in capitals */
    validate(f, "id: a\nassessed_on: 2026-01-01\norganisation: {name: A, size: ENTERPRISE}\n",
             NULL);
    EXPECT_ERR(&f->errs, 0, "schema.enum", "organisation.size", 3, 31,
               "did you mean \"enterprise\"?");
    validate(f, "id: a\nassessed_on: 2026-01-01\norganisation: {name: A, size: lrge}\n", NULL);
    EXPECT_ERR(&f->errs, 0, "schema.enum", "organisation.size", 3, 31, "did you mean \"large\"?");
    validate(f, "id: a\nassessed_on: 2026-01-01\norganisation: {name: A, size: huge}\n", NULL);
    EXPECT_ERR(&f->errs, 0, "schema.enum", "organisation.size", 3, 31,
               "expected one of: small, medium, large, enterprise; found \"huge\".");
}

static void test_enum_by_name_and_nested_paths(void **state)
{
    fx_t *f = *state;
    validate(f,
             BASE "help:\n"
                  "  - area: plan\n"
                  "  - area: Migrat\n"
                  "    urgency: soon\n",
             NULL);
    assert_int_equal(f->errs.count, 2);
    EXPECT_ERR(&f->errs, 0, "schema.enum", "help[2].area", 6, 11,
               "expected one of: strategy, plan, ready, migrate, innovate, govern, manage; found "
               "\"Migrat\"; did you mean \"migrate\"?");
    EXPECT_ERR(&f->errs, 1, "schema.enum", "help[2].urgency", 7, 14, "low, medium, high");
    validate(f, BASE "skills: {networking: {have: 9}}\n", NULL);
    EXPECT_ERR(&f->errs, 0, "schema.range", "skills.networking.have", 4, 29, "from 0 to 5");
}

static void test_date(void **state)
{
    fx_t *f = *state;
    const char *doc = "id: a\norganisation: {name: A}\nassessed_on: %s\n";
    char buf[256];
    const char *good[] = {"2024-02-29", "2400-02-29", "2026-12-31", "'2026-01-01'"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(buf, sizeof buf, doc, good[i]);
        assert_int_equal(pf_value_get(valid(f, buf), "assessed_on")->kind, PF_VAL_STR);
    }
    static const struct {
        const char *text, *kind, *part;
    } bad[] = {
        {"2024-02-30", "schema.date", "found \"2024-02-30\": February 2024 has 29 days."},
        {"2023-02-29", "schema.date", "February 2023 has 28 days"},
        {"2100-02-29", "schema.date", "February 2100 has 28 days"},
        {"2024-04-31", "schema.date", "April 2024 has 30 days"},
        {"2024-13-01", "schema.date", "there is no month 13"},
        {"2024/01/05", "schema.date", "expected a date written YYYY-MM-DD, found \"2024/01/05\""},
        {"2024-1-5", "schema.date", "YYYY-MM-DD"},
        {"2019-12-31", "schema.range", "expected a date on or after 2020-01-01"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(buf, sizeof buf, doc, bad[i].text);
        validate(f, buf, NULL);
        assert_int_equal(f->errs.count, 1);
        EXPECT_ERR(&f->errs, 0, bad[i].kind, "assessed_on", 3, 14, bad[i].part);
    }
    snprintf(buf, sizeof buf, doc, "2024-02-29");
    assert_string_equal(pf_value_get(valid(f, buf), "assessed_on")->s, "2024-02-29");
}

/* ---- objects, lists, maps -------------------------------------------------------------- */

static void test_unknown_field_suggestion(void **state)
{
    fx_t *f = *state;
    validate(f, BASE "maturty: {strategy: 1}\n", NULL);
    assert_int_equal(f->errs.count, 1);
    EXPECT_ERR(&f->errs, 0, "schema.unknown_field", "maturty", 4, 1,
               "unknown field 'maturty'; did you mean 'maturity'?");
    validate(f, "id: a\nassessed_on: 2026-01-01\norganisation: {name: A, sise: small}\n", NULL);
    EXPECT_ERR(&f->errs, 0, "schema.unknown_field", "organisation.sise", 3, 25,
               "did you mean 'size'?");
    validate(f, BASE "colour: blue\n", NULL);
    EXPECT_ERR(&f->errs, 0, "schema.unknown_field", "colour", 4, 1,
               "unknown field 'colour'; the fields here are: id, assessed_on,");
}

static void test_missing_required_at_parent(void **state)
{
    fx_t *f = *state;
    validate(f,
             "id: a\n"
             "assessed_on: 2026-01-01\n"
             "organisation:\n"
             "  size: small\n",
             NULL);
    assert_int_equal(f->errs.count, 1);
    EXPECT_ERR(&f->errs, 0, "schema.required", "organisation.name", 4, 3,
               "the required field 'name' is missing.");

    validate(f, "\nassessed_on: 2026-01-01\norganisation: {name: A}\n", NULL);
    EXPECT_ERR(&f->errs, 0, "schema.required", "id", 2, 1, "'id' is missing");

    /* null counts as absent, so a required field given as ~ is empty */
    validate(f, "id: ~\nassessed_on: 2026-01-01\norganisation: {name: A}\n", NULL);
    EXPECT_ERR(&f->errs, 0, "schema.required", "id", 1, 5, "the required field 'id' is empty.");

    /* a required object inside an optional one is checked only if given */
    valid(f, BASE);
    validate(f, BASE "maturity: {}\n", NULL);
    EXPECT_ERR(&f->errs, 0, "schema.required", "maturity.strategy", 4, 11, "missing");
}

static void test_defaults_filled(void **state)
{
    fx_t *f = *state;
    pf_value_t *v = valid(f, BASE "help: [{area: plan}]\n");
    const pf_value_t *u = pf_value_get(&pf_value_get(v, "help")->items[0], "urgency");
    assert_non_null(u);
    assert_string_equal(u->s, "medium");
    assert_int_equal(u->line, 0);
    assert_int_equal(u->column, 0);
    /* null means absent, so the default applies too */
    v = valid(f, BASE "cloud_first: ~\nratio:\n");
    assert_false(pf_value_get(v, "cloud_first")->b);
    assert_int_equal(pf_value_get(v, "cloud_first")->line, 0);
    assert_true(pf_value_get(v, "ratio")->n == 0.5);
    /* a given value wins */
    v = valid(f, BASE "cloud_first: true\n");
    assert_true(pf_value_get(v, "cloud_first")->b);
    assert_int_equal(pf_value_get(v, "cloud_first")->line, 4);
}

static void test_list_rules(void **state)
{
    fx_t *f = *state;
    validate(f,
             BASE "help: [{area: plan}, {area: plan}, {area: plan}, {area: plan}, {area: "
                  "plan}, {area: plan}, {area: plan}, {area: plan}]\n",
             NULL);
    assert_int_equal(f->errs.count, 1);
    EXPECT_ERR(&f->errs, 0, "schema.items", "help", 4, 7, "expected at most 7 items, found 8.");

    validate(f, BASE "help: urgent\n", NULL);
    EXPECT_ERR(&f->errs, 0, "schema.shape", "help", 4, 7, "expected a list, found \"urgent\".");
    validate(f, BASE "help: {area: plan}\n", NULL);
    EXPECT_ERR(&f->errs, 0, "schema.shape", "help", 4, 7, "expected a list, found a mapping.");

    validate(f, BASE "help:\n  - area: plan\n  -\n", NULL);
    assert_int_equal(f->errs.count, 1);
    EXPECT_ERR(&f->errs, 0, "schema.required", "help[2]", 6, 4, "found nothing");

    pf_value_t *v = valid(f, BASE "help: []\n");
    assert_int_equal(pf_value_get(v, "help")->count, 0);
}

static void test_map_rules(void **state)
{
    fx_t *f = *state;
    pf_value_t *v = valid(f, BASE "tags: {zeta: z, alpha: a, mid.dle-1: m}\n");
    const pf_value_t *tags = pf_value_get(v, "tags");
    assert_int_equal(tags->kind, PF_VAL_MAP);
    assert_int_equal(tags->count, 3);
    assert_string_equal(tags->keys[0], "alpha");
    assert_string_equal(tags->keys[1], "mid.dle-1");
    assert_string_equal(tags->keys[2], "zeta");
    assert_string_equal(tags->items[2].s, "z");
    assert_int_equal(tags->items[2].column, 14);

    validate(f, BASE "tags: {'bad key': x}\n", NULL);
    assert_int_equal(f->errs.count, 1);
    EXPECT_ERR(&f->errs, 0, "schema.pattern", "tags.bad key", 4, 8,
               "expected a key made of letters, digits");

    validate(f, BASE "skills: {netwrking: {have: 1}}\n", NULL);
    EXPECT_ERR(&f->errs, 0, "schema.enum", "skills.netwrking", 4, 10,
               "found \"netwrking\"; did you mean \"networking\"?");

    validate(f, BASE "skills: {identity: 3}\n", NULL);
    EXPECT_ERR(&f->errs, 0, "schema.shape", "skills.identity", 4, 20,
               "expected a mapping, found \"3\".");
}

static void test_shapes_and_root(void **state)
{
    fx_t *f = *state;
    validate(f, "id: {a: b}\nassessed_on: 2026-01-01\norganisation: [x]\n", NULL);
    assert_int_equal(f->errs.count, 2);
    EXPECT_ERR(&f->errs, 0, "schema.shape", "id", 1, 5,
               "expected a single line of text, found a mapping.");
    EXPECT_ERR(&f->errs, 1, "schema.shape", "organisation", 3, 15,
               "expected a mapping, found a list.");

    validate(f, "- a\n- b\n", NULL);
    EXPECT_ERR(&f->errs, 0, "schema.shape", "", 1, 1, "expected a mapping, found a list.");

    validate(f, "", NULL);
    EXPECT_ERR(&f->errs, 0, "schema.shape", "", 0, 0, "the document is empty");

    /* a null root from the constructors directly */
    pf_errlist_reset(&f->errs);
    pf_value_t *out;
    assert_false(pf_schema_validate(f->schema, scalar(&f->arena, "~", 1, 1, 1), &f->arena, &out,
                                    &f->errs, 0));
    assert_null(out);
    EXPECT_ERR(&f->errs, 0, "schema.shape", "", 1, 1, "the document is empty");
}

/* Every problem is reported, in document order, then the missing fields. */
static void test_collects_all_errors(void **state)
{
    fx_t *f = *state;
    const char *doc = "id: 'bad id'\n"
                      "assessed_on: 2024-02-30\n"
                      "maturity: {strategy: 0755}\n"
                      "help:\n"
                      "  - area: plan\n"
                      "    urgency: asap\n"
                      "cloud_first: yes\n"
                      "extra: 1\n";
    validate(f, doc, NULL);
    assert_int_equal(f->errs.count, 7);
    EXPECT_ERR(&f->errs, 0, "schema.pattern", "id", 1, 5, "\"bad id\"");
    EXPECT_ERR(&f->errs, 1, "schema.date", "assessed_on", 2, 14, "February 2024 has 29 days");
    EXPECT_ERR(&f->errs, 2, "schema.type", "maturity.strategy", 3, 22, "leading zeros");
    EXPECT_ERR(&f->errs, 3, "schema.enum", "help[1].urgency", 6, 14, "found \"asap\"");
    EXPECT_ERR(&f->errs, 4, "schema.type", "cloud_first", 7, 14, "true or false");
    EXPECT_ERR(&f->errs, 5, "schema.unknown_field", "extra", 8, 1, "unknown field 'extra'");
    EXPECT_ERR(&f->errs, 6, "schema.required", "organisation", 1, 1, "is missing");

    /* capped: exactly max_errors, still invalid */
    assert_false(validate_cap(f, doc, NULL, 2));
    assert_int_equal(f->errs.count, 2);
    EXPECT_ERR(&f->errs, 1, "schema.date", "assessed_on", 2, 14, NULL);
}

/* Errors already in the list belong to the caller; the cap counts ours. */
static void test_appends_to_existing_errors(void **state)
{
    fx_t *f = *state;
    pf_errlist_reset(&f->errs);
    pf_err_set(pf_errlist_add(&f->errs), "read.other", 1, 1, "", "earlier problem");
    pf_value_t *out;
    pf_node_t *doc = yaml(&f->arena, BASE "budget: x\nheadcount: y\n");
    assert_false(pf_schema_validate(f->schema, doc, &f->arena, &out, &f->errs, 1));
    assert_int_equal(f->errs.count, 2);
    assert_string_equal(f->errs.items[0].kind, "read.other");
    EXPECT_ERR(&f->errs, 1, "schema.type", "budget", 4, 9, "expected a number");
}

/* Evaluator threads share one loaded schema read-only. Each thread keeps
 * its own arena and error list and only counts; cmocka asserts stay on the
 * main thread. Run under the sanitizer build this also checks for races on
 * the compiled patterns. */
typedef struct worker {
    const pf_schema_t *schema;
    int good, bad;
} worker_t;

static void *worker_run(void *arg)
{
    worker_t *w = arg;
    for (int i = 0; i < 200; i++) {
        pf_arena_t a;
        pf_errlist_t errs;
        pf_arena_init(&a);
        pf_errlist_init(&errs);
        pf_value_t *v;
        const char *doc = i % 2 ? BASE "help: [{area: plan}]\n" : "id: 'no spaces'\n";
        if (pf_schema_validate(w->schema, yaml(&a, doc), &a, &v, &errs, 0))
            w->good += strcmp(pf_value_get(&pf_value_get(v, "help")->items[0], "urgency")->s,
                              "medium") == 0;
        else
            w->bad += errs.count == 3 && strcmp(errs.items[0].kind, "schema.pattern") == 0;
        pf_errlist_delete(&errs);
        pf_arena_delete(&a);
    }
    return NULL;
}

static void test_shared_schema_across_threads(void **state)
{
    fx_t *f = *state;
    worker_t w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker_t){.schema = f->schema};
        assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].good, 100);
        assert_int_equal(w[i].bad, 100);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_helpers_build_positions),
        cmocka_unit_test_setup_teardown(test_load_example, setup, teardown),
        cmocka_unit_test(test_load_unknown_type),
        cmocka_unit_test(test_load_bad_pattern),
        cmocka_unit_test(test_load_unknown_enum_name),
        cmocka_unit_test(test_load_invalid_default),
        cmocka_unit_test(test_load_unknown_attribute),
        cmocka_unit_test(test_load_structural_errors),
        cmocka_unit_test(test_load_collects_all_errors),
        cmocka_unit_test_setup_teardown(test_valid_document_converts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_traps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_rejects, setup, teardown),
        cmocka_unit_test(test_string_length_counts_characters),
        cmocka_unit_test_setup_teardown(test_pattern_matches_whole_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_accepts_lines_and_tabs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_integer_accepts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_integer_rejects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_integer_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_number, setup, teardown),
        cmocka_unit_test_setup_teardown(test_boolean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enum_by_name_and_nested_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_date, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_field_suggestion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_required_at_parent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_filled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shapes_and_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_collects_all_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_appends_to_existing_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_schema_across_threads, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
