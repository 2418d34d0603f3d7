/*
 * test_idset.c - pf_idset: a new id is claimed, a second claim of the same
 * id fails and names the first owner and line, owners and lines survive
 * the table's growth past many ids, lines of every varint length, the
 * duplicate message, and the same on disk with a tiny memory budget.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pf_idset.h"

static int setup_set(void **state)
{
    static pf_idset_t set;
    pf_idset_init(&set);
    *state = &set;
    return 0;
}

static int teardown_set(void **state)
{
    pf_idset_delete(*state);
    return 0;
}

static void test_claim_then_duplicate(void **state)
{
    pf_idset_t *set = *state;
    pf_id_owner_t first = {99, 99};
    assert_int_equal(pf_idset_claim(set, "acme", 3, 12, &first), 1);
    assert_int_equal(first.who, 99); /* untouched when the id is new */
    assert_int_equal(pf_idset_claim(set, "globex", 4, 7, &first), 1);
    assert_int_equal(pf_idset_claim(set, "acme", 8, 30, &first), 0);
    assert_int_equal(first.who, 3);
    assert_int_equal(first.line, 12);
    assert_int_equal(pf_idset_claim(set, "globex", 9, 1, &first), 0);
    assert_int_equal(first.who, 4);
    assert_int_equal(first.line, 7);
    assert_int_equal(set->count, 2);
}

static void test_ids_differ_by_case_and_prefix(void **state)
{
    pf_idset_t *set = *state;
    pf_id_owner_t first;
    assert_int_equal(pf_idset_claim(set, "acme", 1, 1, &first), 1);
    assert_int_equal(pf_idset_claim(set, "ACME", 2, 1, &first), 1);
    assert_int_equal(pf_idset_claim(set, "acm", 3, 1, &first), 1);
    assert_int_equal(pf_idset_claim(set, "acme-2", 4, 1, &first), 1);
    assert_int_equal(pf_idset_claim(set, "", 5, 1, &first), 1);
    assert_int_equal(pf_idset_claim(set, "", 6, 2, &first), 0);
    assert_int_equal(first.who, 5);
}

/* Lines of 1 to 10 varint bytes, owners up to UINT32_MAX. */
static void test_lines_and_owners_round_trip(void **state)
{
    pf_idset_t *set = *state;
    const unsigned long lines[] = {0, 1, 127, 128, 16383, 16384, 2097152, ULONG_MAX};
    const uint32_t whos[] = {0, 1, 255, 256, 65536, 1u << 24, UINT32_MAX - 1, UINT32_MAX};
    char id[32];
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        pf_id_owner_t first;
        snprintf(id, sizeof id, "id-%zu", i);
        assert_int_equal(pf_idset_claim(set, id, whos[i], lines[i], &first), 1);
    }
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        pf_id_owner_t first;
        snprintf(id, sizeof id, "id-%zu", i);
        assert_int_equal(pf_idset_claim(set, id, 7, 7, &first), 0);
        assert_int_equal(first.who, whos[i]);
        assert_true(first.line == lines[i]);
    }
}

/* Well past the first table (1024 slots) and several doublings. */
static void test_growth_keeps_every_id(void **state)
{
    pf_idset_t *set = *state;
    enum { N = 50000 };
    char id[32];
    pf_id_owner_t first;
    for (uint32_t i = 0; i < N; i++) {
        snprintf(id, sizeof id, "org-%u", i);
        assert_int_equal(pf_idset_claim(set, id, i, i + 1, &first), 1);
    }
    assert_int_equal(set->count, N);
    assert_true(4 * set->ids.count <= 3 * set->ids.cap); /* the fill bound holds */
    for (uint32_t i = 0; i < N; i += 7) {
        snprintf(id, sizeof id, "org-%u", i);
        assert_int_equal(pf_idset_claim(set, id, 0, 0, &first), 0);
        assert_int_equal(first.who, i);
        assert_int_equal(first.line, i + 1);
    }
    assert_int_equal(pf_idset_claim(set, "org-50000", 1, 1, &first), 1);
    assert_int_equal(set->count, N + 1);
}

static void test_delete_then_reuse(void **state)
{
    pf_idset_t *set = *state;
    pf_id_owner_t first;
    assert_int_equal(pf_idset_claim(set, "a", 1, 1, &first), 1);
    pf_idset_delete(set);
    assert_int_equal(set->count, 0);
    assert_int_equal(pf_idset_claim(set, "a", 2, 2, &first), 1);
}

/* With a budget of a few hundred bytes the set moves to files in a
 * folder at once: every duplicate is still found, across any number of
 * table doublings on disk, with its first owner, line and name; the files
 * are gone from the folder from the start. */
static void test_spilled_set_is_exact(void **state)
{
    (void)state;
    char dir[] = "/tmp/pf-idset-XXXXXX";
    assert_non_null(mkdtemp(dir));
    setenv("PARTNERFIT_SPILL_BYTES", "300", 1);
    pf_idset_t set;
    pf_idset_init_in(&set, dir);
    unsetenv("PARTNERFIT_SPILL_BYTES");
    enum { N = 3000 };
    char id[32], name[64];
    pf_id_owner_t first;
    pf_buf_t first_name;
    pf_buf_init(&first_name);
    for (uint32_t i = 0; i < N; i++) { /* every third id a second time, later */
        snprintf(id, sizeof id, "org-%u", i);
        assert_int_equal(pf_idset_claim(&set, id, i, i + 1, &first), 1);
        if (i % 3 == 0 && i >= 300) {
            snprintf(id, sizeof id, "org-%u", i - 300);
            assert_int_equal(pf_idset_claim(&set, id, 99999, 5, &first), 0);
            assert_int_equal(first.who, i - 300);
            assert_int_equal(first.line, i - 299);
        }
    }
    assert_true(pf_spill_set_on_disk(&set.ids));
    assert_int_equal(set.count, N);
    for (uint32_t i = 0; i < N; i++) { /* the names a merge keeps */
        snprintf(id, sizeof id, "named-%u", i);
        snprintf(name, sizeof name, "shard/%u.yaml", i);
        assert_int_equal(pf_idset_claim_named(&set, id, name, i, &first, &first_name), 1);
    }
    for (uint32_t i = 0; i < N; i += 97) {
        snprintf(id, sizeof id, "named-%u", i);
        pf_buf_reset(&first_name);
        assert_int_equal(pf_idset_claim_named(&set, id, "later.yaml", 1, &first, &first_name), 0);
        snprintf(name, sizeof name, "shard/%u.yaml", i);
        assert_int_equal(first_name.len, strlen(name));
        assert_memory_equal(first_name.data, name, first_name.len);
        assert_int_equal(first.line, i);
    }
    assert_int_equal(pf_idset_claim(&set, "org-0x", 1, 1, &first), 1); /* a prefix is not it */
    assert_int_equal(rmdir(dir), 0); /* nothing left in the folder, even now */
    pf_idset_delete(&set);
    pf_buf_delete(&first_name);
}

static void test_duplicate_message(void **state)
{
    (void)state;
    pf_err_t e;
    pf_idset_duplicate_error(&e, "id", "acme", 3, 5, "in/a.yaml", 2);
    assert_string_equal(e.kind, "intake.duplicate_id");
    assert_string_equal(e.field, "id");
    assert_int_equal(e.line, 3);
    assert_int_equal(e.column, 5);
    assert_string_equal(e.msg, "the id \"acme\" is already used by in/a.yaml (line 2); each "
                               "intake needs its own");
    pf_idset_duplicate_error(&e, NULL, "x", 1, 1, "b.yaml", 9);
    assert_string_equal(e.field, "");
    assert_non_null(strstr(e.msg, "the id \"x\" is already used by b.yaml (line 9)"));
    pf_idset_duplicate_error(&e, "org_code", "x", 1, 1, "b.yaml", 9);
    assert_non_null(strstr(e.msg, "the org_code \"x\""));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_set, teardown_set)
    const struct CMUnitTest tests[] = {
        T(test_claim_then_duplicate),        T(test_ids_differ_by_case_and_prefix),
        T(test_lines_and_owners_round_trip), T(test_growth_keeps_every_id),
        T(test_delete_then_reuse),           T(test_duplicate_message),
        T(test_spilled_set_is_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
