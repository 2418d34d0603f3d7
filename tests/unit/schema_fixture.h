/*
 * schema_fixture.h - what the schema unit tests share (test_schema_load.c,
 * test_schema_check.c): node constructors, a reader for a YAML subset, the
 * example schema and the assertions on errors. Functions are static inline
 * so each test program keeps only the ones it uses without warnings.
 *
 * Documents are built from pf_node_t constructors (scalar, map, seq) so the
 * schema is tested apart from the real reader. To keep the tests readable the
 * constructors are driven by a tiny test-only reader for a YAML subset:
 * block mappings and sequences, one-line flow [..] and {..}, plain, 'single'
 * and "double" quoted scalars. Positions are 1-based like libyaml's: a
 * scalar starts at its first character (its quote if quoted), a block
 * mapping at its first key, a block sequence at its first '-', a flow
 * collection at its bracket.
 *
 * Include after cmocka.h.
 */
#ifndef SCHEMA_FIXTURE_H
#define SCHEMA_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_common.h"
#include "pf_node.h"
#include "pf_schema.h"
#include "pf_value.h"

/* ---- node constructors -------------------------------------------------- */

static inline pf_node_t *scalar(pf_arena_t *a, const char *text, int plain, unsigned long line,
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

static inline pf_node_t *collection(pf_arena_t *a, pf_node_kind_t kind, unsigned long line,
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
static inline pf_node_t *map(pf_arena_t *a, unsigned long line, unsigned long col, size_t npairs,
                             ...)
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
static inline pf_node_t *seq(pf_arena_t *a, unsigned long line, unsigned long col, size_t n, ...)
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

static inline void vec_push(nodevec_t *v, pf_node_t *n)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 8;
        v->v = pf_xrealloc(v->v, v->cap * sizeof *v->v);
    }
    v->v[v->n++] = n;
}

static inline pf_node_t *vec_finish(pf_arena_t *a, nodevec_t *v, pf_node_kind_t kind,
                                    unsigned long line, unsigned long col)
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

static inline size_t indent_of(const yp_t *p, size_t i)
{
    size_t k = p->start[i];
    while (p->lines[i][k] == ' ')
        k++;
    return k;
}

static inline int is_blank(const yp_t *p, size_t i)
{
    char c = p->lines[i][indent_of(p, i)];
    return c == '\0' || c == '#';
}

static inline void skip_blank(const yp_t *p, size_t *i)
{
    while (*i < p->n && is_blank(p, *i))
        (*i)++;
}

static inline int is_seq_line(const yp_t *p, size_t i)
{
    const char *c = p->lines[i] + indent_of(p, i);
    return c[0] == '-' && (c[1] == ' ' || c[1] == '\0');
}

/* Offset of the ':' ending a block mapping key on line i, or 0. */
static inline size_t key_colon(const yp_t *p, size_t i)
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

static inline void skip_spaces(const char *l, size_t *k)
{
    while (l[*k] == ' ')
        (*k)++;
}

static inline pf_node_t *flow_value(yp_t *p, size_t i, size_t *k, int in_flow);

static inline pf_node_t *quoted(yp_t *p, size_t i, size_t *k)
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

static inline pf_node_t *plain(yp_t *p, size_t i, size_t *k, const char *stops)
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

static inline pf_node_t *flow_collection(yp_t *p, size_t i, size_t *k)
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

static inline pf_node_t *flow_value(yp_t *p, size_t i, size_t *k, int in_flow)
{
    char c = p->lines[i][*k];
    if (c == '[' || c == '{') return flow_collection(p, i, k);
    if (c == '"' || c == '\'') return quoted(p, i, k);
    return plain(p, i, k, in_flow ? ",]}" : "");
}

static inline pf_node_t *block(yp_t *p, size_t *i, size_t parent);

static inline pf_node_t *block_seq(yp_t *p, size_t *i, size_t ind)
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

static inline pf_node_t *block_map(yp_t *p, size_t *i, size_t ind)
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

static inline pf_node_t *block(yp_t *p, size_t *i, size_t parent)
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
static inline pf_node_t *yaml(pf_arena_t *a, const char *text)
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

/* The start of a schema file, for schemas of a field or two. */
#define HEAD "version: \"1\"\nfields:\n"

/* The three required answers, so single-field tests add theirs at line 4. */
#define BASE "id: acme-1\nassessed_on: 2026-03-01\norganisation: {name: Acme}\n"

typedef struct fx {
    pf_arena_t arena; /* intake documents and their values */
    pf_errlist_t errs;
    pf_schema_t *schema;
} fx_t;

static inline void dump_errs(const pf_errlist_t *e)
{
    for (size_t i = 0; i < e->count; i++)
        print_message("  [%zu] %s %s %lu:%lu %s\n", i, e->items[i].kind, e->items[i].field,
                      e->items[i].line, e->items[i].column, e->items[i].msg);
}

/* Loads a schema from a tree in an arena that is gone once the load is
 * done: the schema must keep copies of everything it uses. */
static inline pf_schema_t *load_text(const char *text, pf_errlist_t *errs)
{
    pf_arena_t tmp;
    pf_arena_init(&tmp);
    pf_schema_t *s = pf_schema_load(yaml(&tmp, text), errs);
    pf_arena_delete(&tmp);
    return s;
}

static inline int setup(void **state)
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

static inline int teardown(void **state)
{
    fx_t *f = *state;
    pf_schema_delete(f->schema);
    pf_errlist_delete(&f->errs);
    pf_arena_delete(&f->arena);
    free(f);
    return 0;
}

static inline int validate_cap(fx_t *f, const char *doc, pf_value_t **out, size_t max_errors)
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

static inline int validate(fx_t *f, const char *doc, pf_value_t **out)
{
    return validate_cap(f, doc, out, 0);
}

static inline pf_value_t *valid(fx_t *f, const char *doc)
{
    pf_value_t *v = NULL;
    if (!validate(f, doc, &v)) {
        dump_errs(&f->errs);
        fail_msg("expected a valid document");
    }
    return v;
}

/* Checks error idx; on mismatch says why in buf and returns 0. */
static inline int err_matches(const pf_errlist_t *e, size_t idx, const char *kind,
                              const char *field, unsigned long line, unsigned long col,
                              const char *part, char *buf, size_t size)
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
static inline void expect_field_error(fx_t *f, const char *key, const char *value, const char *kind,
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
static inline const pf_value_t *field_value(fx_t *f, const char *key, const char *value)
{
    char doc[512];
    snprintf(doc, sizeof doc, BASE "%s: %s\n", key, value);
    return pf_value_get(valid(f, doc), key);
}

#endif
