/*
 * test_cpus.c - the default --jobs: the CPUs this process may use (its
 * affinity mask, as taskset or a container's cpuset leave it), capped by a
 * cgroup v2 CPU quota, never the host's CPU count.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "pf_batch.h"
#include "test_util.h"

static size_t allowed_now(void)
{
    cpu_set_t set;
    assert_int_equal(sched_getaffinity(0, sizeof set, &set), 0);
    return (size_t)CPU_COUNT(&set);
}

/* Pinned to one CPU (as `taskset -c N` does), one worker by default. */
static void test_affinity(void **state)
{
    (void)state;
    cpu_set_t all, one;
    assert_int_equal(sched_getaffinity(0, sizeof all, &all), 0);
    assert_int_equal(pf_batch_cpus(NULL), (size_t)CPU_COUNT(&all));
    int first = 0;
    while (!CPU_ISSET(first, &all))
        first++;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
    assert_int_equal(pf_batch_cpus(NULL), 1);
    pf_batch_options_t o;
    pf_batch_options_default(&o);
    assert_int_equal(o.jobs, 1);
    assert_int_equal(sched_setaffinity(0, sizeof all, &all), 0);
}

/* cpu.max as the kernel writes it: "QUOTA PERIOD" or "max PERIOD". */
static void test_cgroup_quota(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t cap; /* 0: no cap */
    } cases[] = {
        {"max 100000\n", 0},    {"150000 100000\n", 2}, {"50000 100000\n", 1},
        {"100000 100000\n", 1}, {"garbage\n", 0},       {"", 0},
        {"-1 100000\n", 0},     {"100000 0\n", 0},
    };
    char *dir = pft_temp_dir("/tmp/pf_test_cpus.XXXXXX");
    assert_non_null(dir);
    char *path = pft_path_in(dir, "cpu.max");
    size_t cpus = allowed_now();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pft_write_file(path, cases[i].text, strlen(cases[i].text));
        size_t want = cases[i].cap && cases[i].cap < cpus ? cases[i].cap : cpus;
        if (pf_batch_cpus(path) != want)
            fail_msg("cpu.max '%s': %zu CPUs, expected %zu", cases[i].text, pf_batch_cpus(path),
                     want);
    }
    assert_int_equal(pf_batch_cpus("/nonexistent/cpu.max"), cpus);
    pft_remove_tree(dir);
    free(path);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_affinity),
        cmocka_unit_test(test_cgroup_quota),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
