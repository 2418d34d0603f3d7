/*
 * test_spill.c - pf_spill: a log gives back what it took, by offset, from
 * memory and from its file alike (a record may straddle the two); a set
 * of binary keys finds every key with its first value, in memory and on
 * disk through several doublings; without a folder nothing moves to disk;
 * a folder it cannot write in makes the set fail (-1) rather than forget;
 * the files never show in the folder; the budget knob.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf_spill.h"

static int setup_dir(void **state)
{
    static char dir[32];
    snprintf(dir, sizeof dir, "/tmp/pf-spill-XXXXXX");
    assert_non_null(mkdtemp(dir));
    *state = dir;
    return 0;
}

static int teardown_dir(void **state)
{
    assert_int_equal(rmdir(*state), 0); /* empty: every file was unlinked */
    return 0;
}

static void test_budget_knob(void **state)
{
    (void)state;
    unsetenv("PARTNERFIT_SPILL_BYTES");
    assert_int_equal(pf_spill_budget(), PF_SPILL_BUDGET);
    setenv("PARTNERFIT_SPILL_BYTES", "64", 1);
    assert_int_equal(pf_spill_budget(), 64);
    setenv("PARTNERFIT_SPILL_BYTES", "64k", 1); /* not a number: the default */
    assert_int_equal(pf_spill_budget(), PF_SPILL_BUDGET);
    unsetenv("PARTNERFIT_SPILL_BYTES");
}

/* Records of 1 to 300 bytes, numbered, past the budget and many chunks. */
static void log_round_trip(const char *dir, size_t budget)
{
    pf_spill_log_t l;
    pf_spill_log_init(&l, dir, budget);
    enum { N = 2000 };
    static uint64_t offs[N];
    char rec[300];
    for (size_t i = 0; i < N; i++) {
        size_t n = 1 + i % sizeof rec;
        memset(rec, (int)(i & 0xFF), n);
        offs[i] = pf_spill_log_add(&l, rec, n);
        assert_true(offs[i] != UINT64_MAX);
    }
    assert_int_equal(l.fd >= 0, dir != NULL);
    for (size_t pass = 0; pass < 2; pass++) { /* before and after the flush */
        for (size_t i = 0; i < N; i++) {
            size_t n = 1 + i % sizeof rec;
            char want[300];
            memset(want, (int)(i & 0xFF), n);
            assert_int_equal(pf_spill_log_read(&l, offs[i], rec, n), 1);
            assert_memory_equal(rec, want, n);
        }
        assert_int_equal(pf_spill_log_flush(&l), 1);
    }
    assert_int_equal(pf_spill_log_read(&l, pf_spill_log_size(&l), rec, 1), 0); /* past the end */
    pf_spill_log_delete(&l);
}

static void test_log_memory_and_disk(void **state)
{
    log_round_trip(NULL, 1);   /* no folder: all in memory */
    log_round_trip(*state, 1); /* on disk from the first record */
    log_round_trip(*state, 5000);
}

/* (dev, ino)-like keys, values of their own; half claimed twice. */
static void set_round_trip(const char *dir, size_t budget)
{
    pf_spill_set_t s;
    pf_spill_set_init(&s, dir, budget);
    pf_buf_t v;
    pf_buf_init(&v);
    enum { N = 5000 };
    for (uint64_t i = 0; i < N; i++) {
        uint64_t key[2] = {i % 3, i * 2654435761u};
        uint64_t val = i * 7;
        assert_int_equal(pf_spill_set_claim(&s, key, sizeof key, &val, sizeof val, NULL), 1);
        if (i % 2 == 0) {
            uint64_t early[2] = {(i / 2) % 3, (i / 2) * 2654435761u};
            uint64_t other = 1;
            pf_buf_reset(&v);
            assert_int_equal(pf_spill_set_claim(&s, early, sizeof early, &other, sizeof other, &v),
                             0);
            assert_int_equal(v.len, sizeof val);
            memcpy(&val, v.data, sizeof val);
            assert_true(val == (i / 2) * 7); /* the first value stays */
        }
    }
    assert_int_equal(s.count, N);
    assert_int_equal(pf_spill_set_on_disk(&s), dir != NULL && budget < N * 16);
    for (uint64_t i = 0; i < N; i += 13) {
        uint64_t key[2] = {i % 3, i * 2654435761u};
        pf_buf_reset(&v);
        assert_int_equal(pf_spill_set_find(&s, key, sizeof key, &v), 1);
        uint64_t val;
        memcpy(&val, v.data, sizeof val);
        assert_true(val == i * 7);
        key[0] += 3; /* the same ino on another device is another file */
        assert_int_equal(pf_spill_set_find(&s, key, sizeof key, NULL), 0);
    }
    assert_int_equal(pf_spill_set_claim(&s, "", 0, NULL, 0, NULL), 1); /* an empty key */
    assert_int_equal(pf_spill_set_claim(&s, "", 0, NULL, 0, NULL), 0);
    pf_buf_delete(&v);
    pf_spill_set_delete(&s);
}

static void test_set_memory_and_disk(void **state)
{
    set_round_trip(NULL, 1);
    set_round_trip(*state, 1);
    set_round_trip(*state, 4096);
    set_round_trip(*state, (size_t)1 << 30); /* never leaves memory */
}

/* A folder the set cannot write in: the claim that needs the disk fails,
 * and every later one too (never a key quietly taken as new). */
static void test_unwritable_folder_fails(void **state)
{
    (void)state;
    if (geteuid() == 0) { /* root writes anywhere: use a folder that is not there */
        pf_spill_set_t s;
        pf_spill_set_init(&s, "/nonexistent/pf-spill", 1);
        int rc = 1;
        for (uint32_t i = 0; i < 100 && rc == 1; i++)
            rc = pf_spill_set_claim(&s, &i, sizeof i, NULL, 0, NULL);
        assert_int_equal(rc, -1);
        assert_int_equal(s.err, ENOENT);
        uint32_t k = 0;
        assert_int_equal(pf_spill_set_claim(&s, &k, sizeof k, NULL, 0, NULL), -1);
        pf_spill_set_delete(&s);
        return;
    }
    char dir[] = "/tmp/pf-spill-ro-XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chmod(dir, 0500), 0);
    pf_spill_set_t s;
    pf_spill_set_init(&s, dir, 1);
    int rc = 1;
    for (uint32_t i = 0; i < 100 && rc == 1; i++)
        rc = pf_spill_set_claim(&s, &i, sizeof i, NULL, 0, NULL);
    assert_int_equal(rc, -1);
    assert_int_equal(s.err, EACCES);
    pf_spill_set_delete(&s);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_dir, teardown_dir)
    const struct CMUnitTest tests[] = {
        T(test_budget_knob),
        T(test_log_memory_and_disk),
        T(test_set_memory_and_disk),
        T(test_unwritable_folder_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
