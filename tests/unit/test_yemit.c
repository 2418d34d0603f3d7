/*
 * test_yemit.c - pf_yemit: exact output for a small tree, and a re-read
 * with libyaml's parser to check that values, their order and their quoting
 * survive ("NO" stays a string, a text "12" stays text).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "pf_yemit.h"

/* ---- building trees ---------------------------------------------------------------- */

static pf_value_t v_str(const char *s)
{
    pf_value_t v = {.kind = PF_VAL_STR, .s = s, .len = strlen(s)};
    return v;
}

static pf_value_t v_int(long long i)
{
    pf_value_t v = {.kind = PF_VAL_INT, .i = i};
    return v;
}

static pf_value_t v_num(double n)
{
    pf_value_t v = {.kind = PF_VAL_NUM, .n = n};
    return v;
}

static pf_value_t v_bool(int b)
{
    pf_value_t v = {.kind = PF_VAL_BOOL, .b = b};
    return v;
}

static pf_value_t v_list(pf_value_t *items, size_t count)
{
    pf_value_t v = {.kind = PF_VAL_LIST, .items = items, .count = count};
    return v;
}

static pf_value_t v_map(const char **keys, pf_value_t *items, size_t count)
{
    pf_value_t v = {.kind = PF_VAL_MAP, .keys = keys, .items = items, .count = count};
    return v;
}

/* ---- reading back ---------------------------------------------------------------------- */

/*
 * The document as libyaml's parser sees it, one event a line:
 * "{" "}" "[" "]" for collections, "=text" for a plain scalar and
 * "'text" for a quoted one (so the quoting is part of the comparison).
 */
static char *reread(const char *text, size_t len)
{
    yaml_parser_t parser;
    assert_int_equal(yaml_parser_initialize(&parser), 1);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    pf_buf_t out;
    pf_buf_init(&out);
    int docs = 0;
    for (;;) {
        yaml_event_t ev;
        assert_int_equal(yaml_parser_parse(&parser, &ev), 1);
        yaml_event_type_t type = ev.type;
        switch (type) {
        case YAML_DOCUMENT_START_EVENT:
            docs++;
            break;
        case YAML_MAPPING_START_EVENT:
            assert_null(ev.data.mapping_start.tag);
            assert_null(ev.data.mapping_start.anchor);
            pf_buf_addstr(&out, "{\n");
            break;
        case YAML_MAPPING_END_EVENT:
            pf_buf_addstr(&out, "}\n");
            break;
        case YAML_SEQUENCE_START_EVENT:
            pf_buf_addstr(&out, "[\n");
            break;
        case YAML_SEQUENCE_END_EVENT:
            pf_buf_addstr(&out, "]\n");
            break;
        case YAML_SCALAR_EVENT:
            assert_null(ev.data.scalar.tag);
            pf_buf_addc(&out, ev.data.scalar.plain_implicit ? '=' : '\'');
            pf_buf_add(&out, ev.data.scalar.value, ev.data.scalar.length);
            pf_buf_addc(&out, '\n');
            break;
        case YAML_ALIAS_EVENT:
            fail_msg("unexpected alias");
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (type == YAML_STREAM_END_EVENT) break;
    }
    yaml_parser_delete(&parser);
    assert_int_equal(docs, 1);
    pf_buf_addc(&out, '\0');
    return out.data;
}

static char *emit(const pf_value_t *root)
{
    pf_buf_t b;
    pf_buf_init(&b);
    pf_err_t err;
    pf_err_clear(&err);
    assert_int_equal(pf_yemit_buf(&b, root, &err), 1);
    assert_string_equal(err.kind, "");
    return b.data;
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_exact_small_document(void **state)
{
    (void)state;
    pf_value_t list[] = {v_str("x"), v_int(2), v_bool(0)};
    const char *keys[] = {"name", "count", "country", "tags", "empty", "ratio"};
    pf_value_t inner_empty = v_map(NULL, NULL, 0);
    pf_value_t items[] = {v_str("partnerfit run"), v_int(12),   v_str("NO"),
                          v_list(list, 3),         inner_empty, v_num(0.5)};
    pf_value_t root = v_map(keys, items, 6);
    char *text = emit(&root);
    assert_string_equal(text, "name: partnerfit run\n"
                              "count: 12\n"
                              "country: \"NO\"\n"
                              "tags:\n"
                              "- x\n"
                              "- 2\n"
                              "- false\n"
                              "empty: {}\n"
                              "ratio: 0.5\n");
    free(text);
}

/* Strings that some reader would type, misparse or lose must come back
 * quoted and unchanged; ordinary text stays plain. */
static void test_string_quoting_roundtrip(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int plain;
    } cases[] = {
        {"hello world", 1},
        {"NO", 0},
        {"no", 0},
        {"Yes", 0},
        {"oFf", 0},
        {"y", 0},
        {"N", 0},
        {"true", 0},
        {"FALSE", 0},
        {"null", 0},
        {"Null", 0},
        {"~", 0},
        {"", 0},
        {"12", 0},
        {"-5", 0},
        {"+4412345", 0},
        {"0755", 0},
        {"1.10", 0},
        {".5", 0},
        {"1e3", 0},
        {"1:30", 0},
        {"0x1F", 0},
        {"2024-02-30", 0},
        {".inf", 0},
        {"-.Inf", 0},
        {".NaN", 0},
        {"<<", 0},
        {"=", 0},
        {" lead", 0},
        {"trail ", 0},
        {"a: b", 0},
        {"key:", 0},
        {"a #b", 0},
        {"#c", 0},
        {"*alias", 0},
        {"&anchor", 0},
        {"!tag", 0},
        {"|", 0},
        {">", 0},
        {"%x", 0},
        {"@x", 0},
        {"`x", 0},
        {"'q'", 0},
        {"\"q\"", 0},
        {"[a]", 0},
        {"{a}", 0},
        {"- item", 0},
        {"? key", 0},
        {"---", 0},
        {"...", 0},
        {"two\nlines", 0},
        {"tab\there", 0},
        {"bell\a", 0},
        {"nel\xC2\x85", 0},
        {"ls\xE2\x80\xA8", 0},
        {"bom\xEF\xBB\xBF", 0},
        {"a:b", 1},
        {"a#b", 1},
        {"x-1", 1},
        {"yes sir", 1},
        {"caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC", 1},
        {"a, b", 1},
        {"v1.2.3", 1},
        {"rules/needs.lua", 1},
    };
    size_t n = sizeof cases / sizeof cases[0];
    pf_value_t *items = calloc(n, sizeof *items);
    for (size_t i = 0; i < n; i++)
        items[i] = v_str(cases[i].s);
    pf_value_t root = v_list(items, n);
    char *text = emit(&root);
    char *events = reread(text, strlen(text));

    pf_buf_t want;
    pf_buf_init(&want);
    pf_buf_addstr(&want, "[\n");
    for (size_t i = 0; i < n; i++)
        pf_buf_printf(&want, "%c%s\n", cases[i].plain ? '=' : '\'', cases[i].s);
    pf_buf_addstr(&want, "]\n");
    assert_string_equal(events, want.data);
    /* and quoted means double-quoted */
    assert_non_null(strstr(text, "- \"NO\"\n"));
    assert_non_null(strstr(text, "- \"two\\nlines\"\n"));

    pf_buf_delete(&want);
    free(events);
    free(text);
    free(items);
}

static void test_keys_and_values_roundtrip(void **state)
{
    (void)state;
    pf_value_t nested_items[] = {v_str("v"), v_int(-3)};
    const char *nested_keys[] = {"k", "on"};
    pf_value_t seq[] = {v_str("first"), v_map(nested_keys, nested_items, 2), v_list(NULL, 0)};
    const char *keys[] = {"zeta", "alpha", "12",   "no",    "text12", "int12",
                          "big",  "neg",   "nums", "bools", "list"};
    pf_value_t nums[] = {v_num(0.1),      v_num(5),         v_num(1e20),
                         v_num(-2.5e-7),  v_num(1.0 / 3),   v_num(NAN),
                         v_num(INFINITY), v_num(-INFINITY), v_num(-0.0)};
    pf_value_t bools[] = {v_bool(1), v_bool(0)};
    pf_value_t items[] = {v_str("last first"),
                          v_str("a"),
                          v_str("twelve"),
                          v_str("norway"),
                          v_str("12"),
                          v_int(12),
                          v_int(9223372036854775807LL),
                          v_int(-9223372036854775807LL - 1),
                          v_list(nums, 9),
                          v_list(bools, 2),
                          v_list(seq, 3)};
    pf_value_t root = v_map(keys, items, 11);
    char *text = emit(&root);
    char *events = reread(text, strlen(text));
    assert_string_equal(events, "{\n"
                                "=zeta\n=last first\n"
                                "=alpha\n=a\n"
                                "'12\n=twelve\n"
                                "'no\n=norway\n"
                                "=text12\n'12\n"
                                "=int12\n=12\n"
                                "=big\n=9223372036854775807\n"
                                "=neg\n=-9223372036854775808\n"
                                "=nums\n[\n=0.1\n=5.0\n=1.0e+20\n=-2.5e-07\n=0.3333333333333333\n"
                                "=.nan\n=.inf\n=-.inf\n=-0.0\n]\n"
                                "=bools\n[\n=true\n=false\n]\n"
                                "=list\n[\n=first\n{\n=k\n=v\n'on\n=-3\n}\n[\n]\n]\n"
                                "}\n");
    free(events);
    free(text);
}

/* Numbers print with the fewest digits that read back exactly. */
static void test_numbers_exact(void **state)
{
    (void)state;
    static const double values[] = {
        0.1,  1.0 / 3, 2.0 / 3, 1e-300, 123456789.123456789, 5e-324, 1.7976931348623157e308,
        -1.5, 100};
    size_t n = sizeof values / sizeof values[0];
    pf_value_t items[9];
    for (size_t i = 0; i < n; i++)
        items[i] = v_num(values[i]);
    pf_value_t root = v_list(items, n);
    char *text = emit(&root);
    /* one "- number" line each */
    const char *p = text;
    for (size_t i = 0; i < n; i++) {
        assert_memory_equal(p, "- ", 2);
        char *end;
        double back = strtod(p + 2, &end);
        assert_true(back == values[i]);
        assert_int_equal(*end, '\n');
        assert_true(memchr(p + 2, '.', (size_t)(end - p - 2)) != NULL);
        p = end + 1;
    }
    assert_int_equal(*p, '\0');
    assert_non_null(strstr(text, "- 100.0\n"));
    assert_non_null(strstr(text, "- 0.1\n"));
    free(text);
}

static void test_scalar_root_and_long_string(void **state)
{
    (void)state;
    pf_value_t root = v_str("just text");
    char *text = emit(&root);
    char *events = reread(text, strlen(text));
    assert_string_equal(events, "=just text\n");
    free(events);
    free(text);
    /* A long line is not folded: it comes back in one piece. */
    char *long_s = malloc(501);
    for (int i = 0; i < 500; i++)
        long_s[i] = i % 10 == 9 ? ' ' : 'w';
    long_s[499] = 'w';
    long_s[500] = '\0';
    root = v_str(long_s);
    text = emit(&root);
    assert_int_equal(strlen(text), 501);
    assert_ptr_equal(strchr(text, '\n'), text + 500);
    events = reread(text, strlen(text));
    assert_int_equal(strlen(events), 502);
    assert_memory_equal(events + 1, long_s, 500);
    free(events);
    free(text);
    free(long_s);
}

static void test_buffer_appends(void **state)
{
    (void)state;
    pf_buf_t b;
    pf_buf_init(&b);
    pf_buf_addstr(&b, "# manifest\n");
    pf_value_t root = v_int(1);
    pf_err_t err;
    assert_int_equal(pf_yemit_buf(&b, &root, &err), 1);
    assert_string_equal(b.data, "# manifest\n1\n");
    pf_buf_delete(&b);
}

static void test_invalid_utf8_fails_cleanly(void **state)
{
    (void)state;
    pf_value_t items[] = {v_str("fine"), v_str("caf\xE9")};
    pf_value_t root = v_list(items, 2);
    pf_buf_t b;
    pf_buf_init(&b);
    pf_buf_addstr(&b, "keep");
    pf_err_t err;
    pf_err_clear(&err);
    assert_int_equal(pf_yemit_buf(&b, &root, &err), 0);
    assert_string_equal(err.kind, "yaml.emit");
    assert_string_equal(err.msg, "a string is not valid UTF-8");
    assert_string_equal(b.data, "keep"); /* no half document left behind */
    assert_int_equal(pf_yemit_buf(&b, NULL, &err), 0);
    assert_string_equal(err.kind, "yaml.emit");
    pf_buf_delete(&b);
}

static void test_file_output(void **state)
{
    (void)state;
    const char *keys[] = {"ok"};
    pf_value_t items[] = {v_bool(1)};
    pf_value_t root = v_map(keys, items, 1);
    char *mem = NULL;
    size_t mem_len = 0;
    FILE *fp = open_memstream(&mem, &mem_len);
    assert_non_null(fp);
    pf_err_t err;
    assert_int_equal(pf_yemit_value(fp, &root, &err), 1);
    assert_int_equal(fclose(fp), 0);
    assert_string_equal(mem, "ok: true\n");
    free(mem);
}

static void test_file_output_full_disk(void **state)
{
    (void)state;
    FILE *fp = fopen("/dev/full", "wb");
    if (!fp) skip();
    pf_value_t root = v_str("data");
    pf_err_t err;
    pf_err_clear(&err);
    assert_int_equal(pf_yemit_value(fp, &root, &err), 0);
    assert_string_equal(err.kind, "io");
    assert_string_equal(err.msg, "cannot write the YAML document: No space left on device");
    fclose(fp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_small_document),
        cmocka_unit_test(test_string_quoting_roundtrip),
        cmocka_unit_test(test_keys_and_values_roundtrip),
        cmocka_unit_test(test_numbers_exact),
        cmocka_unit_test(test_scalar_root_and_long_string),
        cmocka_unit_test(test_buffer_appends),
        cmocka_unit_test(test_invalid_utf8_fails_cleanly),
        cmocka_unit_test(test_file_output),
        cmocka_unit_test(test_file_output_full_disk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
