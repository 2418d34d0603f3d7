/*
 * test_paths.c - the defaults of --rules and --policy: the current
 * folder's when they are there (and of the right kind), else the first
 * installed data folder holding them, else the relative name, so the error
 * names what the user expected.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "pf_paths.h"
#include "test_util.h"

typedef struct layout {
    char *top;    /* the scratch folder */
    char *here;   /* top/here: the current folder during a test */
    char *first;  /* top/first: an installed data folder */
    char *second; /* top/second: another one */
    char old[PATH_MAX];
} layout_t;

static char *make_dir(const char *top, const char *name)
{
    char *p = pft_path_in(top, name);
    assert_int_equal(mkdir(p, 0755), 0);
    return p;
}

/* dir/rules/ and dir/policies/default.yaml, as an install leaves them. */
static void install_data(const char *dir)
{
    char *rules = pft_path_in(dir, "rules"), *pol = pft_path_in(dir, "policies");
    assert_int_equal(mkdir(rules, 0755), 0);
    assert_int_equal(mkdir(pol, 0755), 0);
    char *file = pft_path_in(pol, "default.yaml");
    pft_write_file(file, "x: 1\n", 5);
    free(file);
    free(rules);
    free(pol);
}

static int setup(void **state)
{
    layout_t *l = calloc(1, sizeof *l);
    assert_non_null(l);
    char *tmp = pft_temp_dir("/tmp/pf_test_paths.XXXXXX");
    assert_non_null(tmp);
    /* canonical, as the paths picked are (TMPDIR may lead through a link) */
    l->top = realpath(tmp, NULL);
    assert_non_null(l->top);
    free(tmp);
    l->here = make_dir(l->top, "here");
    l->first = make_dir(l->top, "first");
    l->second = make_dir(l->top, "second");
    assert_non_null(getcwd(l->old, sizeof l->old));
    assert_int_equal(chdir(l->here), 0);
    *state = l;
    return 0;
}

static int teardown(void **state)
{
    layout_t *l = *state;
    assert_int_equal(chdir(l->old), 0);
    pft_remove_tree(l->top);
    free(l->top);
    free(l->here);
    free(l->first);
    free(l->second);
    free(l);
    return 0;
}

/* Nothing here: the installed copy, as a clean absolute path. */
static void test_falls_back_to_installed(void **state)
{
    layout_t *l = *state;
    install_data(l->second);
    const char *dirs[] = {NULL, l->first, l->second};
    char buf[PATH_MAX], want[PATH_MAX + 32];
    snprintf(want, sizeof want, "%s/rules", l->second);
    assert_string_equal(pf_paths_pick(PF_PATHS_RULES, 1, dirs, 3, buf, sizeof buf), want);
    snprintf(want, sizeof want, "%s/policies/default.yaml", l->second);
    assert_string_equal(pf_paths_pick(PF_PATHS_POLICY, 0, dirs, 3, buf, sizeof buf), want);
    /* the first folder holding it wins, and ".." is resolved away */
    install_data(l->first);
    char *dotted = pft_path_in(l->here, "../first");
    const char *two[] = {dotted, l->second};
    snprintf(want, sizeof want, "%s/rules", l->first);
    assert_string_equal(pf_paths_pick(PF_PATHS_RULES, 1, two, 2, buf, sizeof buf), want);
    free(dotted);
}

/* The current folder's copies come first (an analyst's checkout). */
static void test_current_folder_first(void **state)
{
    layout_t *l = *state;
    install_data(l->first);
    install_data(l->here);
    const char *dirs[] = {l->first};
    char buf[PATH_MAX];
    assert_string_equal(pf_paths_pick(PF_PATHS_RULES, 1, dirs, 1, buf, sizeof buf), "rules");
    assert_string_equal(pf_paths_pick(PF_PATHS_POLICY, 0, dirs, 1, buf, sizeof buf),
                        "policies/default.yaml");
}

/* A `rules` file is not a rules folder, a `default.yaml` folder not a
 * policy: the installed ones are used instead. */
static void test_kind_matters(void **state)
{
    layout_t *l = *state;
    install_data(l->first);
    pft_write_file("rules", "", 0);
    assert_int_equal(mkdir("policies", 0755), 0);
    assert_int_equal(mkdir("policies/default.yaml", 0755), 0);
    const char *dirs[] = {l->first};
    char buf[PATH_MAX], want[PATH_MAX + 32];
    snprintf(want, sizeof want, "%s/rules", l->first);
    assert_string_equal(pf_paths_pick(PF_PATHS_RULES, 1, dirs, 1, buf, sizeof buf), want);
    snprintf(want, sizeof want, "%s/policies/default.yaml", l->first);
    assert_string_equal(pf_paths_pick(PF_PATHS_POLICY, 0, dirs, 1, buf, sizeof buf), want);
}

/* Found nowhere, or only in a path too long for the buffer: the relative
 * name, so the error says "policies/default.yaml: cannot open the file". */
static void test_nowhere(void **state)
{
    layout_t *l = *state;
    const char *dirs[] = {l->first, NULL, "/nonexistent/partnerfit"};
    char buf[PATH_MAX];
    assert_string_equal(pf_paths_pick(PF_PATHS_RULES, 1, dirs, 3, buf, sizeof buf), "rules");
    assert_string_equal(pf_paths_pick(PF_PATHS_POLICY, 0, dirs, 3, buf, sizeof buf),
                        "policies/default.yaml");
    install_data(l->first);
    char tiny[8];
    assert_string_equal(pf_paths_pick(PF_PATHS_RULES, 1, dirs, 3, tiny, sizeof tiny), "rules");
}

/* The process's own defaults: in a checkout (the tests run in the source
 * folder) the relative names; the compiled-in folder is absolute. */
static void test_process_defaults(void **state)
{
    layout_t *l = *state;
    assert_int_equal(chdir(l->old), 0);
    assert_string_equal(pf_paths_default_rules(), "rules");
    assert_string_equal(pf_paths_default_policy(), "policies/default.yaml");
    const char *inst = pf_paths_installed_dir();
    assert_true(inst[0] == '/');
    size_t n = strlen(inst);
    assert_true(n > 11 && strcmp(inst + n - 11, "/partnerfit") == 0);
    assert_int_equal(chdir(l->here), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_falls_back_to_installed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_current_folder_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kind_matters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nowhere, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_defaults, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
