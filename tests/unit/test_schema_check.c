/*
 * test_schema_check.c - unit tests for validating intakes against a loaded
 * schema (pf_schema_check.c): conversion of a whole document to typed
 * values, accept and reject per type with the path and line:column of each
 * error, objects, lists and maps, defaults, error caps, and one schema
 * shared by threads. Documents come from the test-only reader in
 * schema_fixture.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>

#include "schema_fixture.h"

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

    /* capped: exactly max_errors listed, still invalid, and one more record
     * that counts the problems left out, so none goes unmentioned */
    assert_false(validate_cap(f, doc, NULL, 2));
    assert_int_equal(f->errs.count, 3);
    EXPECT_ERR(&f->errs, 1, "schema.date", "assessed_on", 2, 14, NULL);
    EXPECT_ERR(&f->errs, 2, "schema.more", "", 0, 0, "and 5 more problems not listed");
    assert_false(validate_cap(f, doc, NULL, 6));
    assert_int_equal(f->errs.count, 7);
    EXPECT_ERR(&f->errs, 6, "schema.more", "", 0, 0, "and 1 more problem not listed");
    /* at the cap exactly: nothing left out, no extra record */
    assert_false(validate_cap(f, doc, NULL, 7));
    assert_int_equal(f->errs.count, 7);
    EXPECT_ERR(&f->errs, 6, "schema.required", "organisation", 1, 1, NULL);
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
    assert_int_equal(f->errs.count, 3);
    assert_string_equal(f->errs.items[0].kind, "read.other");
    EXPECT_ERR(&f->errs, 1, "schema.type", "budget", 4, 9, "expected a number");
    EXPECT_ERR(&f->errs, 2, "schema.more", "", 0, 0, "and 1 more problem not listed");
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
