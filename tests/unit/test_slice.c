/*
 * test_slice.c - pf_slice: names shown escaped (bad UTF-8, control bytes,
 * backslashes) or as they are; N shards split a scan exactly, each in
 * scan order; the whole scan without --shard.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_slice.h"

static void test_escape(void **state)
{
    (void)state;
    assert_null(pf_slice_escape("in/plain-name.yaml"));
    assert_null(pf_slice_escape("in/caf\xC3\xA9/\xE2\x82\xAC.yaml")); /* valid UTF-8 */
    char *e = pf_slice_escape("in/a\x1b[31m.yaml");
    assert_string_equal(e, "in/a\\x1B[31m.yaml");
    free(e);
    e = pf_slice_escape("in/\xFF\xC3.yaml"); /* not UTF-8 */
    assert_string_equal(e, "in/\\xFF\\xC3.yaml");
    free(e);
    e = pf_slice_escape("in\\x/\x7F"); /* once escaped, a backslash is too */
    assert_string_equal(e, "in\\x5Cx/\\x7F");
    free(e);
    e = pf_slice_escape("in/\xC2\x85.yaml"); /* a C1 control character */
    assert_string_equal(e, "in/\\xC2\\x85.yaml");
    free(e);
}

/* A scan built by hand: the slice reads only items[].path and count. */
static void fake_scan(pf_scan_t *scan, pf_scan_entry_t *items, char (*names)[48], size_t n)
{
    memset(scan, 0, sizeof *scan);
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "in/intake-%zu.yaml", i);
        items[i].path = names[i];
        items[i].skip_reason = NULL;
    }
    names[3][3] = '\x01'; /* one name that needs escaping */
    scan->items = items;
    scan->count = n;
}

static void test_whole_and_shards(void **state)
{
    (void)state;
    enum { N = 500, SHARDS = 3 };
    static pf_scan_entry_t items[N];
    static char names[N][48];
    pf_scan_t scan;
    fake_scan(&scan, items, names, N);
    pf_slice_t all;
    pf_slice_init(&all);
    assert_int_equal(pf_slice_take(&all, &scan, 0, 0, stderr), 1);
    assert_int_equal(all.count, N);
    assert_null(all.order);
    assert_int_equal(pf_slice_entry(&all, 17), 17);
    assert_string_equal(pf_slice_path(&all, 17), "in/intake-17.yaml");
    assert_string_equal(pf_slice_path(&all, 3), "in/\\x01ntake-3.yaml");
    unsigned char taken[N] = {0};
    size_t total = 0;
    for (size_t k = 0; k < SHARDS; k++) {
        pf_slice_t s;
        pf_slice_init(&s);
        assert_int_equal(pf_slice_take(&s, &scan, k, SHARDS, stderr), 1);
        assert_true(s.count > N / SHARDS / 2); /* a hash spreads them */
        for (size_t i = 0; i < s.count; i++) {
            size_t e = pf_slice_entry(&s, i);
            assert_true(e < N);
            if (i) assert_true(e > pf_slice_entry(&s, i - 1)); /* scan order */
            taken[e]++;
        }
        total += s.count;
        pf_slice_delete(&s);
    }
    assert_int_equal(total, N);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(taken[i], 1);
    pf_slice_delete(&all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_whole_and_shards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
