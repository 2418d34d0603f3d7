/*
 * test_common.c - unit tests for the text helper of pf_common:
 * pf_edit_distance, which the schema's "did you mean" suggestions rank by.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "pf_common.h"

static void test_edit_distance_counts_each_edit_once(void **state)
{
    (void)state;
    assert_int_equal(pf_edit_distance("", ""), 0);
    assert_int_equal(pf_edit_distance("same", "same"), 0);
    assert_int_equal(pf_edit_distance("", "abc"), 3);
    assert_int_equal(pf_edit_distance("abc", ""), 3);
    assert_int_equal(pf_edit_distance("pattern", "patern"), 1);    /* deletion */
    assert_int_equal(pf_edit_distance("patern", "pattern"), 1);    /* insertion */
    assert_int_equal(pf_edit_distance("integer", "integar"), 1);   /* substitution */
    assert_int_equal(pf_edit_distance("required", "reqiured"), 1); /* adjacent swap */
    assert_int_equal(pf_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(pf_edit_distance("Type", "type"), 1); /* bytes, case counts */
}

static void test_edit_distance_is_symmetric(void **state)
{
    (void)state;
    const char *w[] = {"max_items", "min_items", "max_length", "values", "enum", "keys", ""};
    size_t n = sizeof w / sizeof w[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            assert_int_equal(pf_edit_distance(w[i], w[j]), pf_edit_distance(w[j], w[i]));
}

static void test_edit_distance_long_words(void **state)
{
    (void)state;
    char a[PF_EDIT_WORD_MAX + 2], b[PF_EDIT_WORD_MAX + 2];
    memset(a, 'a', PF_EDIT_WORD_MAX);
    a[PF_EDIT_WORD_MAX] = '\0';
    memcpy(b, a, sizeof a);
    b[0] = 'b';
    assert_int_equal(pf_edit_distance(a, b), 1); /* the longest compared */
    a[PF_EDIT_WORD_MAX] = 'a';
    a[PF_EDIT_WORD_MAX + 1] = '\0';
    assert_int_equal(pf_edit_distance(a, b), SIZE_MAX); /* one longer: never near */
    assert_int_equal(pf_edit_distance("a", a), SIZE_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edit_distance_counts_each_edit_once),
        cmocka_unit_test(test_edit_distance_is_symmetric),
        cmocka_unit_test(test_edit_distance_long_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
