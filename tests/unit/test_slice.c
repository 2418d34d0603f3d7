/*
 * test_slice.c - pf_slice: names shown escaped (bad UTF-8, control bytes,
 * backslashes) or as they are; N shards split a scan exactly, each in
 * scan order; the whole scan without --shard; the same read back from
 * files when the budget is one byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Entries as a scan hands them over: in/intake-N.yaml, one name that
 * needs escaping, one skipped. */
static void offer_all(pf_slice_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char name[48];
        snprintf(name, sizeof name, "in/intake-%zu.yaml", i);
        if (i == 3) name[3] = '\x01';
        pf_scan_entry_t e = {
            name, i == 5 ? "is a FIFO, not a regular file" : NULL, {7, 1000 + i, i == 9}};
        assert_int_equal(pf_slice_add(s, &e), 1);
    }
    assert_int_equal(pf_slice_finish(s), 1);
}

/* The whole scan and N shards, in memory and (with a budget of one byte)
 * in files in dir. */
static void whole_and_shards(const char *dir)
{
    enum { N = 500, SHARDS = 3 };
    pf_slice_t all;
    pf_buf_t scratch;
    pf_buf_init(&scratch);
    pf_slice_item_t it;
    pf_slice_init(&all, dir, 0, 0);
    offer_all(&all, N);
    assert_int_equal(all.count, N);
    assert_int_equal(all.offered, N);
    if (dir) assert_true(all.index.fd >= 0 && all.strings.fd >= 0);
    assert_int_equal(pf_slice_get(&all, 17, &it, &scratch), 1);
    assert_int_equal(it.entry, 17);
    assert_string_equal(it.path, "in/intake-17.yaml");
    assert_string_equal(it.shown, "in/intake-17.yaml");
    assert_null(it.skip_reason);
    assert_true(it.id.dev == 7 && it.id.ino == 1017 && !it.id.via_link);
    assert_int_equal(pf_slice_get(&all, 3, &it, &scratch), 1);
    assert_string_equal(it.path, "in/\x01ntake-3.yaml");
    assert_string_equal(it.shown, "in/\\x01ntake-3.yaml");
    assert_int_equal(pf_slice_get(&all, 5, &it, &scratch), 1);
    assert_string_equal(it.skip_reason, "is a FIFO, not a regular file");
    assert_int_equal(pf_slice_get(&all, 9, &it, &scratch), 1);
    assert_true(it.id.via_link);
    assert_int_equal(pf_slice_get(&all, N, &it, &scratch), 0); /* past the end */
    unsigned char taken[N] = {0};
    size_t total = 0;
    for (size_t k = 0; k < SHARDS; k++) {
        pf_slice_t s;
        pf_slice_init(&s, dir, k, SHARDS);
        offer_all(&s, N);
        assert_int_equal(s.offered, N);
        assert_true(s.count > N / SHARDS / 2); /* a hash spreads them */
        size_t last = 0;
        for (size_t i = 0; i < s.count; i++) {
            assert_int_equal(pf_slice_get(&s, i, &it, &scratch), 1);
            assert_true(it.entry < N);
            if (i) assert_true(it.entry > last); /* scan order */
            last = it.entry;
            char want[48];
            snprintf(want, sizeof want, "in/intake-%zu.yaml", it.entry);
            if (it.entry != 3) assert_string_equal(it.path, want);
            taken[it.entry]++;
        }
        total += s.count;
        pf_slice_delete(&s);
    }
    assert_int_equal(total, N);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(taken[i], 1);
    pf_slice_delete(&all);
    pf_buf_delete(&scratch);
}

static void test_whole_and_shards(void **state)
{
    (void)state;
    whole_and_shards(NULL);
}

static void test_whole_and_shards_on_disk(void **state)
{
    (void)state;
    char dir[] = "/tmp/pf-slice-XXXXXX";
    assert_non_null(mkdtemp(dir));
    setenv("PARTNERFIT_SPILL_BYTES", "1", 1);
    whole_and_shards(dir);
    unsetenv("PARTNERFIT_SPILL_BYTES");
    assert_int_equal(rmdir(dir), 0); /* the files were unlinked at once */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_whole_and_shards),
        cmocka_unit_test(test_whole_and_shards_on_disk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
