/*
 * test_schema_load.c - unit tests for loading the schema file
 * (pf_schema_load.c): the example schema, and each kind of problem in a
 * schema file reported at its line:column with a "did you mean" where one
 * is close; then its description for tooling (pf_schema_describe.c).
 * Documents come from the test-only reader in schema_fixture.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "schema_fixture.h"

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

/* ---- description, for tooling ------------------------------------------------- */

static const pf_value_t *described(const pf_value_t *fields, const char *name)
{
    const pf_value_t *v = pf_value_get(fields, name);
    if (!v) fail_msg("no description of %s", name);
    assert_int_equal(v->kind, PF_VAL_MAP);
    return v;
}

static void expect_keys(const pf_value_t *m, const char *const *keys, size_t n)
{
    assert_int_equal(m->count, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(m->keys[i], keys[i]);
}

/* Each spec as a map of the attributes that apply, fields in declaration
 * order, bounds in the type of their field. The description is a copy: it
 * is read after the schema is gone (the sanitizer build would catch a
 * pointer into the schema's arena). */
static void test_describe_example(void **state)
{
    fx_t *f = *state;
    pf_value_t *d = pf_schema_describe(f->schema, &f->arena);
    pf_schema_delete(f->schema);
    f->schema = NULL;
    assert_string_equal(pf_value_get(d, "type")->s, "object");
    assert_int_equal(pf_value_get(d, "required")->b, 0);
    const pf_value_t *fields = pf_value_get(d, "fields");
    static const char *const names[] = {
        "id",    "assessed_on", "organisation", "maturity", "help",        "skills", "tags",
        "notes", "answer",      "headcount",    "budget",   "cloud_first", "ratio"};
    expect_keys(fields, names, 13);

    const pf_value_t *id = described(fields, "id");
    static const char *const id_keys[] = {"type", "required", "doc", "max_length", "pattern"};
    expect_keys(id, id_keys, 5);
    assert_int_equal(pf_value_get(id, "required")->b, 1);
    assert_string_equal(pf_value_get(id, "doc")->s, "Stable id");
    assert_int_equal(pf_value_get(id, "max_length")->i, 64);
    assert_string_equal(pf_value_get(id, "pattern")->s, "^[A-Za-z0-9][A-Za-z0-9._-]*$");
    assert_int_equal(pf_value_get(described(fields, "answer"), "max_length")->i, 200);
    assert_int_equal(pf_value_get(described(fields, "notes"), "max_length")->i, 4000);

    const pf_value_t *min = pf_value_get(described(fields, "assessed_on"), "min");
    assert_int_equal(min->kind, PF_VAL_STR);
    assert_string_equal(min->s, "2020-01-01");
    const pf_value_t *strategy =
        described(pf_value_get(described(fields, "maturity"), "fields"), "strategy");
    assert_int_equal(pf_value_get(strategy, "min")->kind, PF_VAL_INT);
    assert_int_equal(pf_value_get(strategy, "max")->i, 5);
    assert_int_equal(pf_value_get(described(fields, "budget"), "min")->kind, PF_VAL_NUM);

    const pf_value_t *help = described(fields, "help");
    assert_int_equal(pf_value_get(help, "min_items")->i, 0);
    assert_int_equal(pf_value_get(help, "max_items")->i, 7);
    const pf_value_t *item = pf_value_get(help, "items");
    assert_string_equal(pf_value_get(item, "type")->s, "object");
    assert_null(pf_value_get(item, "required")); /* list items are always required */
    const pf_value_t *area = described(pf_value_get(item, "fields"), "area");
    const pf_value_t *values = pf_value_get(area, "values");
    assert_int_equal(values->kind, PF_VAL_LIST);
    assert_int_equal(values->count, 7);
    assert_string_equal(values->items[0].s, "strategy");
    assert_string_equal(values->items[6].s, "manage");
    const pf_value_t *urgency = described(pf_value_get(item, "fields"), "urgency");
    assert_string_equal(pf_value_get(urgency, "default")->s, "medium");
    assert_int_equal(pf_value_get(urgency, "default")->line, 24); /* in the schema file */

    const pf_value_t *skills = described(fields, "skills");
    const pf_value_t *keys = pf_value_get(skills, "keys");
    assert_string_equal(pf_value_get(keys, "type")->s, "enum");
    assert_string_equal(pf_value_get(keys, "values")->items[1].s, "identity");
    assert_string_equal(pf_value_get(pf_value_get(skills, "values"), "type")->s, "object");
    assert_null(pf_value_get(described(fields, "tags"), "keys"));

    const pf_value_t *def = pf_value_get(described(fields, "cloud_first"), "default");
    assert_int_equal(def->kind, PF_VAL_BOOL);
    assert_int_equal(def->b, 0);
    def = pf_value_get(described(fields, "ratio"), "default");
    assert_int_equal(def->kind, PF_VAL_NUM);
    assert_true(def->n == 0.5);
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
        cmocka_unit_test_setup_teardown(test_describe_example, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
