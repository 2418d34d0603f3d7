/*
 * test_json.c - pf_json: exact text for nested objects and arrays, escapes
 * (quote, backslash, controls; other UTF-8 as it is), numbers that read
 * back as the same double, NaN as null, and typed values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "pf_json.h"

static void nested_layout(void **state)
{
    (void)state;
    pf_buf_t b;
    pf_buf_init(&b);
    pf_json_t j;
    pf_json_init(&j, &b);
    pf_json_object(&j);
    pf_json_kstr(&j, "a", "x");
    pf_json_key(&j, "list");
    pf_json_array(&j);
    pf_json_int(&j, -3);
    pf_json_null(&j);
    pf_json_bool(&j, 1);
    pf_json_end(&j);
    pf_json_key(&j, "empty");
    pf_json_object(&j);
    pf_json_end(&j);
    pf_json_end(&j);
    assert_string_equal(b.data, "{\n"
                                "  \"a\": \"x\",\n"
                                "  \"list\": [\n"
                                "    -3,\n"
                                "    null,\n"
                                "    true\n"
                                "  ],\n"
                                "  \"empty\": {}\n"
                                "}");
    pf_buf_delete(&b);
}

static void escapes_and_numbers(void **state)
{
    (void)state;
    pf_buf_t b;
    pf_buf_init(&b);
    pf_json_t j;
    pf_json_init(&j, &b);
    pf_json_array(&j);
    pf_json_str(&j, "q\"b\\s/\n\t\x01\x7f \xc3\xa5");
    pf_json_num(&j, 0.1);
    pf_json_num(&j, 600000);
    pf_json_num(&j, NAN);
    pf_json_num(&j, INFINITY);
    pf_json_end(&j);
    assert_string_equal(b.data, "[\n"
                                "  \"q\\\"b\\\\s/\\n\\t\\u0001\\u007f \xc3\xa5\",\n"
                                "  0.1,\n"
                                "  600000,\n"
                                "  null,\n"
                                "  null\n"
                                "]");
    pf_buf_delete(&b);
}

static void typed_values(void **state)
{
    (void)state;
    pf_arena_t a;
    pf_arena_init(&a);
    pf_value_t *m = pf_value_map(&a, 2);
    pf_value_add_str(&a, m, "k", "v");
    pf_value_t *l = pf_value_list(&a, 2);
    pf_value_add_num(&a, l, NULL, 2.5);
    pf_value_add_bool(&a, l, NULL, 0);
    *pf_value_add(&a, m, "l") = *l;
    pf_buf_t b;
    pf_buf_init(&b);
    pf_json_t j;
    pf_json_init(&j, &b);
    pf_json_value(&j, m);
    assert_string_equal(b.data, "{\n  \"k\": \"v\",\n  \"l\": [\n    2.5,\n    false\n  ]\n}");
    pf_buf_delete(&b);
    pf_arena_delete(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nested_layout),
        cmocka_unit_test(escapes_and_numbers),
        cmocka_unit_test(typed_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
