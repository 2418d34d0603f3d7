/*
 * test_value.c - unit tests for pf_value: the builder (maps keep the order
 * entries were added in, lists, the fixed room and what adding past it
 * does, keys and strings copied into the arena), pf_value_get, and the
 * generic typing of pf_value_from_node over documents read by pf_yread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pf_common.h"
#include "pf_node.h"
#include "pf_value.h"
#include "pf_yread.h"

/* ---- builder --------------------------------------------------------------- */

static void test_map_keeps_order_and_kinds(void **state)
{
    (void)state;
    pf_arena_t a;
    pf_arena_init(&a);
    pf_value_t *m = pf_value_map(&a, 4);
    assert_int_equal(m->kind, PF_VAL_MAP);
    assert_int_equal(m->count, 0);
    pf_value_add_str(&a, m, "zeta", "last letter");
    pf_value_add_int(&a, m, "alpha", -42);
    pf_value_add_num(&a, m, "mid", 0.25);
    pf_value_add_bool(&a, m, "flag", 7); /* any true is stored as 1 */
    assert_int_equal(m->count, 4);
    const char *order[] = {"zeta", "alpha", "mid", "flag"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(m->keys[i], order[i]);
    assert_int_equal(m->items[0].kind, PF_VAL_STR);
    assert_string_equal(m->items[0].s, "last letter");
    assert_int_equal(m->items[0].len, strlen("last letter"));
    assert_int_equal(m->items[1].kind, PF_VAL_INT);
    assert_int_equal(m->items[1].i, -42);
    assert_int_equal(m->items[2].kind, PF_VAL_NUM);
    assert_true(m->items[2].n == 0.25);
    assert_int_equal(m->items[3].kind, PF_VAL_BOOL);
    assert_int_equal(m->items[3].b, 1);
    /* made by hand: no place in a file */
    assert_int_equal(m->items[0].line, 0);
    assert_int_equal(m->items[0].column, 0);
    pf_arena_delete(&a);
}

static void test_list_and_nesting(void **state)
{
    (void)state;
    pf_arena_t a;
    pf_arena_init(&a);
    pf_value_t *root = pf_value_map(&a, 2);
    pf_value_t *list = pf_value_list(&a, 3);
    assert_int_equal(list->kind, PF_VAL_LIST);
    assert_null(list->keys);
    pf_value_add_str(&a, list, NULL, "a");
    pf_value_add_int(&a, list, NULL, 2);
    pf_value_t *slot = pf_value_add(&a, list, NULL);
    assert_int_equal(slot->kind, PF_VAL_BOOL); /* zeroed: false until filled */
    assert_int_equal(slot->b, 0);
    slot->kind = PF_VAL_NUM;
    slot->n = 1.5;
    *pf_value_add(&a, root, "items") = *list;
    pf_value_t *inner = pf_value_map(&a, 1);
    pf_value_add_str(&a, inner, "k", "v");
    *pf_value_add(&a, root, "inner") = *inner;

    const pf_value_t *got = pf_value_get(root, "items");
    assert_non_null(got);
    assert_int_equal(got->kind, PF_VAL_LIST);
    assert_int_equal(got->count, 3);
    assert_string_equal(got->items[0].s, "a");
    assert_int_equal(got->items[1].i, 2);
    assert_true(got->items[2].n == 1.5);
    assert_string_equal(pf_value_get(pf_value_get(root, "inner"), "k")->s, "v");
    pf_arena_delete(&a);
}

static void test_empty_collections(void **state)
{
    (void)state;
    pf_arena_t a;
    pf_arena_init(&a);
    pf_value_t *m = pf_value_map(&a, 0), *l = pf_value_list(&a, 0);
    assert_int_equal(m->count, 0);
    assert_int_equal(l->count, 0);
    assert_null(pf_value_get(m, "anything"));
    pf_arena_delete(&a);
}

/* The caller's key and text may be gone once the call returns. */
static void test_keys_and_strings_are_copied(void **state)
{
    (void)state;
    pf_arena_t a;
    pf_arena_init(&a);
    pf_value_t *m = pf_value_map(&a, 1);
    char key[16], text[16];
    strcpy(key, "name");
    strcpy(text, "Acme");
    size_t before = a.total;
    pf_value_add_str(&a, m, key, text);
    assert_true(a.total > before); /* the copies came from the arena */
    assert_ptr_not_equal(m->keys[0], key);
    assert_ptr_not_equal(m->items[0].s, text);
    memset(key, 'x', sizeof key - 1);
    memset(text, 'y', sizeof text - 1);
    assert_string_equal(m->keys[0], "name");
    assert_string_equal(m->items[0].s, "Acme");
    assert_non_null(pf_value_get(m, "name"));
    pf_arena_delete(&a);
}

/* Slots are handed out from a fixed room, so one kept by the caller stays
 * valid while later entries are added. */
static void test_slots_do_not_move(void **state)
{
    (void)state;
    pf_arena_t a;
    pf_arena_init(&a);
    pf_value_t *m = pf_value_map(&a, 3);
    pf_value_t *first = pf_value_add(&a, m, "first");
    pf_value_add_int(&a, m, "second", 2);
    pf_value_add_int(&a, m, "third", 3);
    first->kind = PF_VAL_INT;
    first->i = 1;
    assert_int_equal(pf_value_get(m, "first")->i, 1);
    assert_ptr_equal(pf_value_get(m, "first"), first);
    pf_arena_delete(&a);
}

/* Runs fn in a child process and expects it to abort with a message. */
static void expect_abort(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, STDERR_FILENO);
        fn();
        _exit(0); /* not reached when fn aborts */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void add_past_room(void)
{
    pf_arena_t a;
    pf_arena_init(&a);
    pf_value_t *m = pf_value_map(&a, 1);
    pf_value_add_int(&a, m, "one", 1);
    pf_value_add_int(&a, m, "two", 2);
}

static void add_item_without_key_to_map(void)
{
    pf_arena_t a;
    pf_arena_init(&a);
    pf_value_add_int(&a, pf_value_map(&a, 1), NULL, 1);
}

static void add_keyed_item_to_list(void)
{
    pf_arena_t a;
    pf_arena_init(&a);
    pf_value_add_int(&a, pf_value_list(&a, 1), "key", 1);
}

static void add_to_value_from_file(void)
{
    /* a map from a conversion has no room to add to */
    pf_arena_t a;
    pf_arena_init(&a);
    pf_value_t m = {.kind = PF_VAL_MAP};
    pf_value_add_int(&a, &m, "key", 1);
}

static void test_misuse_aborts(void **state)
{
    (void)state;
    expect_abort(add_past_room);
    expect_abort(add_item_without_key_to_map);
    expect_abort(add_keyed_item_to_list);
    expect_abort(add_to_value_from_file);
}

/* ---- pf_value_get ---------------------------------------------------------- */

static void test_get(void **state)
{
    (void)state;
    pf_arena_t a;
    pf_arena_init(&a);
    pf_value_t *m = pf_value_map(&a, 2);
    pf_value_add_int(&a, m, "a", 1);
    pf_value_add_int(&a, m, "b", 2);
    assert_int_equal(pf_value_get(m, "b")->i, 2);
    assert_int_equal(pf_value_get(m, "a")->i, 1);
    assert_null(pf_value_get(m, "c"));
    assert_null(pf_value_get(m, "A")); /* keys are case-sensitive */
    assert_null(pf_value_get(NULL, "a"));
    pf_value_t *l = pf_value_list(&a, 1);
    pf_value_add_str(&a, l, NULL, "a");
    assert_null(pf_value_get(l, "a")); /* a list has no keys */
    pf_arena_delete(&a);
}

/* ---- pf_value_from_node -------------------------------------------------------- */

static pf_value_t *typed(pf_doc_t *doc, const char *text)
{
    pf_yread_limits_t lim;
    pf_yread_limits_default(&lim);
    pf_err_t err;
    pf_doc_init(doc);
    if (!pf_yread_one(text, strlen(text), &lim, doc, &err)) fail_msg("yaml: %s", err.msg);
    return pf_value_from_node(&doc->arena, doc->root);
}

static void test_from_node_scalars(void **state)
{
    (void)state;
    pf_doc_t doc;
    pf_value_t *v = typed(&doc, "t: true\n"
                                "f: false\n"
                                "quoted_true: 'true'\n"
                                "yes_word: yes\n"
                                "True_caps: True\n"
                                "int: 42\n"
                                "neg: -7\n"
                                "zero: 0\n"
                                "octal_like: 0755\n"
                                "plus: +3\n"
                                "num: 2.50\n"
                                "neg_num: -0.5\n"
                                "exp: 1e3\n"
                                "quoted_int: \"12\"\n"
                                "huge: 99999999999999999999\n"
                                "text: hello world\n");
    assert_int_equal(v->kind, PF_VAL_MAP);
    const pf_value_t *e;
    assert_int_equal((e = pf_value_get(v, "t"))->kind, PF_VAL_BOOL);
    assert_int_equal(e->b, 1);
    assert_int_equal((e = pf_value_get(v, "f"))->kind, PF_VAL_BOOL);
    assert_int_equal(e->b, 0);
    assert_int_equal(pf_value_get(v, "quoted_true")->kind, PF_VAL_STR);
    assert_int_equal(pf_value_get(v, "yes_word")->kind, PF_VAL_STR);
    assert_int_equal(pf_value_get(v, "True_caps")->kind, PF_VAL_STR);
    assert_int_equal((e = pf_value_get(v, "int"))->kind, PF_VAL_INT);
    assert_int_equal(e->i, 42);
    assert_int_equal(pf_value_get(v, "neg")->i, -7);
    assert_int_equal(pf_value_get(v, "zero")->kind, PF_VAL_INT);
    assert_int_equal(pf_value_get(v, "octal_like")->kind, PF_VAL_STR);
    assert_int_equal(pf_value_get(v, "plus")->kind, PF_VAL_STR);
    assert_int_equal((e = pf_value_get(v, "num"))->kind, PF_VAL_NUM);
    assert_true(e->n == 2.5);
    assert_true(pf_value_get(v, "neg_num")->n == -0.5);
    assert_int_equal(pf_value_get(v, "exp")->kind, PF_VAL_STR);
    assert_int_equal(pf_value_get(v, "quoted_int")->kind, PF_VAL_STR);
    assert_int_equal(pf_value_get(v, "huge")->kind, PF_VAL_STR); /* too large: kept as text */
    assert_int_equal((e = pf_value_get(v, "text"))->kind, PF_VAL_STR);
    assert_string_equal(e->s, "hello world");
    assert_int_equal(e->len, 11);
    assert_int_equal(e->line, 16);
    assert_int_equal(e->column, 7);
    pf_doc_delete(&doc);
}

static void test_from_node_nulls_and_collections(void **state)
{
    (void)state;
    pf_doc_t doc;
    pf_value_t *v = typed(&doc, "b: 1\n"
                                "gone: ~\n"
                                "also_gone:\n"
                                "quoted_null: 'null'\n"
                                "list: [x, 2, null, '']\n"
                                "a: {k: v}\n");
    assert_int_equal(v->count, 4);                           /* the two nulls are absent */
    const char *order[] = {"b", "quoted_null", "list", "a"}; /* file order */
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(v->keys[i], order[i]);
    assert_null(pf_value_get(v, "gone"));
    assert_null(pf_value_get(v, "also_gone"));
    assert_string_equal(pf_value_get(v, "quoted_null")->s, "null");
    const pf_value_t *l = pf_value_get(v, "list");
    assert_int_equal(l->kind, PF_VAL_LIST);
    assert_int_equal(l->count, 4);
    assert_int_equal(l->items[0].kind, PF_VAL_STR);
    assert_int_equal(l->items[1].kind, PF_VAL_INT);
    assert_int_equal(l->items[2].kind, PF_VAL_STR); /* null kept as text in a list */
    assert_int_equal(l->items[3].kind, PF_VAL_STR);
    assert_int_equal(l->items[3].len, 0);
    const pf_value_t *m = pf_value_get(v, "a");
    assert_int_equal(m->kind, PF_VAL_MAP);
    assert_string_equal(pf_value_get(m, "k")->s, "v");
    assert_int_equal(m->line, 6);
    pf_doc_delete(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_keeps_order_and_kinds),
        cmocka_unit_test(test_list_and_nesting),
        cmocka_unit_test(test_empty_collections),
        cmocka_unit_test(test_keys_and_strings_are_copied),
        cmocka_unit_test(test_slots_do_not_move),
        cmocka_unit_test(test_misuse_aborts),
        cmocka_unit_test(test_get),
        cmocka_unit_test(test_from_node_scalars),
        cmocka_unit_test(test_from_node_nulls_and_collections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
