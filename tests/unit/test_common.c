/*
 * test_common.c - unit tests for the text helpers of pf_common:
 * pf_edit_distance, which the schema's "did you mean" suggestions rank by,
 * and pf_text_clean, whose 8-bytes-a-step fast path must say what the
 * character-by-character check says.
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

/* The check pf_text_clean must agree with, a byte (or character) at a
 * time: printable ASCII, \n and \t with keep_lines, or a valid UTF-8
 * sequence that is not a C1 control. */
static int clean_slowly(const unsigned char *s, size_t n, int keep_lines)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (!((c >= 0x20 && c != 0x7F) || (keep_lines && (c == '\n' || c == '\t')))) return 0;
            i++;
            continue;
        }
        size_t len = c >= 0xC2 && c <= 0xDF   ? 2
                     : c >= 0xE0 && c <= 0xEF ? 3
                     : c >= 0xF0 && c <= 0xF4 ? 4
                                              : 0;
        if (len == 0 || i + len > n) return 0;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80) return 0;
        if (c == 0xC2 && s[i + 1] < 0xA0) return 0;
        i += len;
    }
    return 1;
}

/* Every byte value at every position of texts of 1 to 24 bytes (so in
 * the first word, a later word and the tail after the last whole word). */
static void test_text_clean_every_byte_everywhere(void **state)
{
    (void)state;
    unsigned char s[24];
    for (size_t n = 1; n <= sizeof s; n++)
        for (size_t at = 0; at < n; at++)
            for (int c = 0; c < 256; c++)
                for (int keep = 0; keep <= 1; keep++) {
                    memset(s, 'a', n);
                    s[at] = (unsigned char)c;
                    assert_int_equal(pf_text_clean((const char *)s, n, keep),
                                     clean_slowly(s, n, keep));
                }
    /* a multi-byte character across the boundary of two words */
    memcpy(s, "abcdefg\xC3\xA9hijklmn", 16);
    assert_true(pf_text_clean((const char *)s, 16, 0));
    s[8] = 'x'; /* the lead byte without its continuation */
    assert_false(pf_text_clean((const char *)s, 16, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edit_distance_counts_each_edit_once),
        cmocka_unit_test(test_edit_distance_is_symmetric),
        cmocka_unit_test(test_edit_distance_long_words),
        cmocka_unit_test(test_text_clean_every_byte_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
