/*
 * test_hits.c - per-intake rule hits: growth, and the text form the record
 * files keep (it must read back to the same doubles, so a reused or merged
 * intake adds exactly what it added when it was evaluated).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pf_hits.h"

static void test_push_grows(void **state)
{
    (void)state;
    pf_hits_t h;
    pf_hits_init(&h);
    for (size_t i = 1; i <= 1000; i++)
        pf_hits_push(&h, i, (double)i / 4);
    assert_int_equal(h.count, 1000);
    assert_int_equal(h.items[999].rule, 1000);
    assert_true(h.items[2].points == 0.75);
    pf_hits_delete(&h);
    assert_null(h.items);
    assert_int_equal(h.count, 0);
}

/* Whole points without a decimal point, others as %.17g writes them. */
static void test_text_form(void **state)
{
    (void)state;
    const pf_hit_t hits[] = {{1, 30}, {7, -5}, {12, 7.5}, {3, 0.1}, {4, -0.0}, {5, 1e16}};
    pf_buf_t b;
    pf_buf_init(&b);
    pf_hits_text(&b, hits, 6);
    assert_string_equal(b.data, "1:30;7:-5;12:7.5;3:0.10000000000000001;4:-0;5:10000000000000000;");
    pf_buf_reset(&b);
    pf_hits_text(&b, NULL, 0);
    assert_int_equal(b.len, 0);
    pf_buf_delete(&b);
}

static void test_round_trip(void **state)
{
    (void)state;
    const pf_hit_t hits[] = {{1, 30}, {2, 1.0 / 3}, {76, -2.25}, {9, 123456789.125}};
    pf_buf_t b;
    pf_buf_init(&b);
    pf_hits_text(&b, hits, 4);
    pf_hits_t back;
    pf_hits_init(&back);
    assert_int_equal(pf_hits_parse(&back, b.data, b.len), 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(back.items[i].rule, hits[i].rule);
        assert_memory_equal(&back.items[i].points, &hits[i].points, sizeof(double));
    }
    pf_buf_delete(&b);
    pf_hits_delete(&back);
}

/* A damaged list: what comes before the damage is kept, the rest ignored;
 * parse appends to what is there. */
static void test_parse_damaged(void **state)
{
    (void)state;
    pf_hits_t h;
    pf_hits_init(&h);
    pf_hits_push(&h, 99, 1);
    assert_int_equal(pf_hits_parse(&h, "3:4;x:5;6:7;", 12), 1);
    assert_int_equal(h.count, 2);
    assert_int_equal(h.items[1].rule, 3);
    assert_int_equal(pf_hits_parse(&h, "", 0), 0);
    assert_int_equal(pf_hits_parse(&h, "5", 1), 0);
    assert_int_equal(pf_hits_parse(&h, "8:2", 3), 1); /* a last entry without ';' */
    assert_int_equal(h.count, 3);
    /* len is the end, not a NUL: "4:5" of "4:56789" is 5 points, and "4:" of
     * "4:5" has no points (a reader past len would take 56789 and 5) */
    assert_int_equal(pf_hits_parse(&h, "4:56789", 3), 1);
    assert_true(h.items[3].points == 5.0);
    assert_int_equal(pf_hits_parse(&h, "4:5", 2), 0);
    assert_int_equal(h.count, 4);
    pf_hits_delete(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_grows),
        cmocka_unit_test(test_text_form),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_parse_damaged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
