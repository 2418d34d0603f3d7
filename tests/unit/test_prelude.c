/*
 * test_prelude.c - the embedded prelude (pf_prelude.h) and the tools that
 * hand data back through pf_eval_tool_read.
 *
 * Covered: the chunk table (names under "=prelude/", the wiring first, the
 * stages in rules/ order, each chunk a text that compiles, opening with a
 * comment that names it); the ranking tool read as data (rank order, scores,
 * shortlist, the intake id); a reader's error failing the tool.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "pf_common.h"
#include "pf_eval.h"
#include "pf_node.h"
#include "pf_prelude.h"
#include "pf_yread.h"

/* ---- the chunk table ------------------------------------------------------- */

/* The index of the chunk with this name, or -1. */
static long chunk_index(const char *name)
{
    for (size_t i = 0; i < pf_prelude_chunk_count; i++)
        if (strcmp(pf_prelude_chunks[i].name, name) == 0) return (long)i;
    return -1;
}

static void test_chunks_are_named_modules(void **state)
{
    (void)state;
    assert_true(pf_prelude_chunk_count > 1);
    assert_string_equal(pf_prelude_chunks[0].name, "=prelude/wiring.lua");
    for (size_t i = 0; i < pf_prelude_chunk_count; i++) {
        const pf_prelude_chunk_t *c = &pf_prelude_chunks[i];
        assert_true(strncmp(c->name, "=prelude/", 9) == 0);
        assert_true(c->length > 0);
        assert_int_equal(c->bytes[c->length], 0);
        assert_int_equal(strlen((const char *)c->bytes), c->length);
        /* every module opens with a comment naming it: "-- prelude/<path>: ..." */
        char head[128];
        snprintf(head, sizeof head, "-- %s:", c->name + 1);
        assert_true(strncmp((const char *)c->bytes, head, strlen(head)) == 0);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(pf_prelude_chunks[j].name, c->name);
    }
}

static void test_stages_load_in_rule_order(void **state)
{
    (void)state;
    long needs = chunk_index("=prelude/stages/1-needs.lua");
    long fit = chunk_index("=prelude/stages/2-fit.lua");
    long shortlist = chunk_index("=prelude/stages/3-shortlist.lua");
    long engage = chunk_index("=prelude/stages/4-engage.lua");
    long runner = chunk_index("=prelude/runner.lua");
    assert_true(runner >= 0);
    assert_true(runner < needs);
    assert_true(needs < fit);
    assert_true(fit < shortlist);
    assert_true(shortlist < engage);
}

static void test_every_chunk_compiles(void **state)
{
    (void)state;
    lua_State *L = luaL_newstate();
    assert_non_null(L);
    for (size_t i = 0; i < pf_prelude_chunk_count; i++) {
        const pf_prelude_chunk_t *c = &pf_prelude_chunks[i];
        int status = luaL_loadbufferx(L, (const char *)c->bytes, c->length, c->name, "t");
        if (status != LUA_OK) fail_msg("%s: %s", c->name, lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    lua_close(L);
}

/* ---- the ranking tool, read as data ------------------------------------------- */

static const char POLICY_YAML[] = "intake: {id_field: id, as_of_field: assessed_on}\n"
                                  "areas:\n"
                                  "  - {id: alpha, name: Alpha}\n"
                                  "options:\n"
                                  "  - {id: opt_a, name: Option A, areas: [alpha]}\n"
                                  "  - {id: opt_b, name: Option B, areas: [alpha]}\n"
                                  "  - {id: opt_c, name: Option C, areas: [alpha]}\n"
                                  "shortlist: {size: 1, min_score: 0}\n";

static const char RULES_LUA[] =
    "rule { id = 'fit.b', stage = 'fit', because = 'B.', score = { opt_b = 2.125 } }\n"
    "rule { id = 'fit.c', stage = 'fit', because = 'C.', score = { opt_c = 1 } }\n";

typedef struct fx {
    pf_doc_t policy_doc, intake_doc;
    pf_arena_t arena;
    char dir[64];
    pf_eval_t *ev;
    const pf_value_t *intake;
    pf_errlist_t errs;
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    pf_doc_init(&fx->policy_doc);
    pf_doc_init(&fx->intake_doc);
    pf_arena_init(&fx->arena);
    pf_errlist_init(&fx->errs);
    pf_err_t err;
    assert_true(pf_yread_one(POLICY_YAML, strlen(POLICY_YAML), NULL, &fx->policy_doc, &err));
    const char *yaml = "id: acme-1\nassessed_on: 2024-01-01\n";
    assert_true(pf_yread_one(yaml, strlen(yaml), NULL, &fx->intake_doc, &err));
    fx->intake = pf_value_from_node(&fx->arena, fx->intake_doc.root);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/pf_prelude_XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    char path[128];
    snprintf(path, sizeof path, "%s/10-fit.lua", fx->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(RULES_LUA, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    pf_eval_config_t cfg = {.rules_dir = fx->dir,
                            .policy_path = "test-policy.yaml",
                            .policy = pf_value_from_node(&fx->arena, fx->policy_doc.root)};
    pf_eval_limits_default(&cfg.limits);
    fx->ev = pf_eval_new(&cfg, &fx->errs);
    for (size_t i = 0; !fx->ev && i < fx->errs.count; i++)
        print_message("  [%s] %s\n", fx->errs.items[i].kind, fx->errs.items[i].msg);
    assert_non_null(fx->ev);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    pf_eval_delete(fx->ev);
    char path[128];
    snprintf(path, sizeof path, "%s/10-fit.lua", fx->dir);
    unlink(path);
    rmdir(fx->dir);
    pf_doc_delete(&fx->policy_doc);
    pf_doc_delete(&fx->intake_doc);
    pf_arena_delete(&fx->arena);
    pf_errlist_delete(&fx->errs);
    free(fx);
    return 0;
}

typedef struct seen {
    int is_table, stack_kept;
    char id[32];
    char option[4][16];
    double score[4];
    int shortlisted[4];
    size_t count;
} seen_t;

/* Copies the ranking on top into a seen_t (asserted by the caller, not
 * here, inside Lua's protected call): [-0, +0, e] */
static void read_seen(lua_State *L, void *ud)
{
    seen_t *s = ud;
    int t = lua_gettop(L);
    s->is_table = lua_type(L, t) == LUA_TTABLE;
    if (!s->is_table) return;
    lua_getfield(L, t, "id");
    snprintf(s->id, sizeof s->id, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
    for (lua_Integer i = 1; s->count < 4 && lua_rawgeti(L, t, i) == LUA_TTABLE; i++) {
        lua_getfield(L, -1, "option");
        snprintf(s->option[s->count], sizeof s->option[0], "%s", lua_tostring(L, -1));
        lua_getfield(L, -2, "score");
        s->score[s->count] = lua_tonumber(L, -1);
        lua_getfield(L, -3, "shortlisted");
        s->shortlisted[s->count] = lua_toboolean(L, -1);
        lua_pop(L, 4);
        s->count++;
    }
    lua_pop(L, 1);
    s->stack_kept = lua_gettop(L) == t;
}

static void test_ranking_is_read_as_data(void **state)
{
    fx_t *fx = *state;
    seen_t s = {0};
    pf_err_t err;
    assert_true(pf_eval_tool_read(fx->ev, "ranking", fx->intake, "x.yaml", read_seen, &s, &err));
    assert_true(s.is_table);
    assert_true(s.stack_kept);
    assert_string_equal(s.id, "acme-1");
    assert_int_equal(s.count, 3);
    assert_string_equal(s.option[0], "opt_b");
    assert_string_equal(s.option[1], "opt_c");
    assert_string_equal(s.option[2], "opt_a");
    assert_true(s.score[0] == 2.125); /* the points, not a text of them */
    assert_true(s.score[1] == 1.0);
    assert_true(s.score[2] == 0.0);
    assert_int_equal(s.shortlisted[0], 1);
    assert_int_equal(s.shortlisted[1], 0);
    assert_int_equal(s.shortlisted[2], 0);
}

/* Raises a Lua error, as a reader that finds bad data would: [-0, +1, v] */
static void read_and_fail(lua_State *L, void *ud)
{
    *(int *)ud = 1;
    luaL_error(L, "the reader refused the ranking");
}

static void test_reader_error_fails_the_tool(void **state)
{
    fx_t *fx = *state;
    int called = 0;
    pf_err_t err;
    assert_false(
        pf_eval_tool_read(fx->ev, "ranking", fx->intake, "x.yaml", read_and_fail, &called, &err));
    assert_int_equal(called, 1);
    assert_non_null(strstr(err.msg, "the reader refused the ranking"));
    /* the evaluator is still usable */
    seen_t s = {0};
    assert_true(pf_eval_tool_read(fx->ev, "ranking", fx->intake, "x.yaml", read_seen, &s, &err));
    assert_int_equal(s.count, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunks_are_named_modules),
        cmocka_unit_test(test_stages_load_in_rule_order),
        cmocka_unit_test(test_every_chunk_compiles),
        cmocka_unit_test_setup_teardown(test_ranking_is_read_as_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_error_fails_the_tool, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
