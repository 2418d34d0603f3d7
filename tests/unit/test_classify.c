/*
 * test_classify.c - the load-time classifier of the declarative subset
 * (forms.classify in engine/lua/forms.lua, issue 16): which `when`
 * expressions compile to a program a native evaluator could run, the
 * program's shape, and hostile texts (deep nesting, huge numbers, unknown
 * names, escapes) refused, so that the rule stays on the Lua path, rather
 * than crashing or looping.
 *
 * The prelude's chunks are loaded into a bare state with (P, M) as the
 * host does, without P.init: classify needs no policy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "pf_prelude.h"

/* A state with the prelude loaded; M.forms.classify left in the registry
 * as "classify". */
static int setup(void **state)
{
    lua_State *L = luaL_newstate();
    if (!L) return -1;
    luaL_openlibs(L);
    lua_newtable(L); /* P */
    lua_newtable(L); /* M */
    for (size_t i = 0; i < pf_prelude_chunk_count; i++) {
        const pf_prelude_chunk_t *c = &pf_prelude_chunks[i];
        if (luaL_loadbufferx(L, (const char *)c->bytes, c->length, c->name, "t") != LUA_OK)
            return -1;
        lua_pushvalue(L, -3);
        lua_pushvalue(L, -3);
        if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
            fprintf(stderr, "%s: %s\n", c->name, lua_tostring(L, -1));
            return -1;
        }
    }
    lua_getfield(L, -1, "forms");
    lua_getfield(L, -1, "classify");
    lua_setfield(L, LUA_REGISTRYINDEX, "classify");
    lua_settop(L, 0);
    *state = L;
    return 0;
}

static int teardown(void **state)
{
    lua_close(*state);
    return 0;
}

/* Classifies src; returns the number of instructions of its program, or -1
 * when it is refused. The program, or the reason, is left on the stack's
 * top; the stack holds only it. */
static int classify(lua_State *L, const char *src, size_t len)
{
    lua_settop(L, 0);
    lua_getfield(L, LUA_REGISTRYINDEX, "classify");
    lua_pushlstring(L, src, len);
    if (lua_pcall(L, 1, 2, 0) != LUA_OK) fail_msg("classify raised: %s", lua_tostring(L, -1));
    if (lua_istable(L, 1)) {
        lua_settop(L, 1);
        return (int)luaL_len(L, 1);
    }
    assert_true(lua_isstring(L, 2)); /* the reason it stays in Lua */
    lua_remove(L, 1);
    return -1;
}

static int classify_str(lua_State *L, const char *src)
{
    return classify(L, src, strlen(src));
}

/* instruction i (1-based) of the program on the top: its opcode */
static const char *opcode(lua_State *L, int i)
{
    lua_rawgeti(L, 1, i);
    lua_rawgeti(L, -1, 1);
    const char *op = lua_tostring(L, -1);
    lua_pop(L, 2); /* the string stays alive: it is interned and the program holds it */
    return op;
}

static void test_pack_forms_are_declarative(void **state)
{
    lua_State *L = *state;
    /* forms the shipped pack writes */
    assert_int_equal(classify_str(L, "f.regulated"), 1);
    assert_int_equal(classify_str(L, "not f.executive_sponsor"), 2);
    assert_int_equal(classify_str(L, "#f.skill_gaps > 0"), 4);
    assert_int_equal(classify_str(L, "f.adoption_phase == 'exploring'"), 3);
    assert_int_equal(classify_str(L, "intake.help ~= nil and #intake.help > 0"), 8);
    assert_int_equal(classify_str(L, "f.average_maturity >= thresholds.high_maturity"), 3);
    assert_int_equal(
        classify_str(L, "ctx.in_focus.innovate and (f.short_skills.ai or f.short_skills.data "
                        "or f.short_skills.cloud_native)"),
        7);
    assert_int_equal(classify_str(L, "#ctx.focus_areas == 0 and f.exit_days == nil"), 8);
    assert_int_equal(classify_str(L, "ctx.need.data >= 3"), 3);
}

static void test_program_is_postfix(void **state)
{
    lua_State *L = *state;
    assert_int_equal(classify_str(L, "not (f.a < 2.5 or f.b == \"x\")"), 8);
    const char *want[] = {"ref", "const", "cmp", "ref", "const", "cmp", "or", "not"};
    for (int i = 0; i < 8; i++)
        assert_string_equal(opcode(L, i + 1), want[i]);
}

static void test_outside_the_subset_stays_in_lua(void **state)
{
    lua_State *L = *state;
    const char *refused[] = {
        "f.a + 1 > 2",                       /* arithmetic */
        "contains(f.list, 'x')",             /* a call */
        "ctx.lifecycle('opt') == 'retired'", /* a ctx function */
        "ctx.score.opt_a > 2",               /* a stage's result the subset does not read */
        "math.huge > f.a",                   /* an unknown root name */
        "f",                                 /* a root without a field */
        "(f.a or f.b) == 'x'",               /* a condition's value compared */
        "f.a == 'it\\'s'",                   /* an escape in a string */
        "f.a == 'open",                      /* an unfinished string */
        "f.a == 0x10",                       /* a hex number */
        "f.a > 1e5",                         /* an exponent */
        "thresholds.a.b > 1",                /* a threshold is a number, not a table */
        "f.a > 1 f.b",                       /* a second expression */
        "f.and > 1",                         /* a keyword as a field */
        "",                                  /* nothing */
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (classify_str(L, refused[i]) != -1) fail_msg("classified: %s", refused[i]);
}

static void test_hostile_texts_are_refused(void **state)
{
    lua_State *L = *state;
    /* huge numbers: beyond 2^53, or so long that tonumber gives inf */
    assert_int_equal(classify_str(L, "f.a > 9007199254740993"), -1);
    char big[400];
    memset(big, '9', sizeof big - 1);
    big[sizeof big - 1] = 0;
    char src[512];
    snprintf(src, sizeof src, "f.a > %s", big);
    assert_int_equal(classify_str(L, src), -1);
    /* deep nesting: parentheses and `not`, refused past the depth bound */
    size_t n = 5000;
    char *deep = malloc(2 * n + 8);
    assert_non_null(deep);
    memset(deep, '(', n);
    memcpy(deep + n, "f.a", 3);
    memset(deep + n + 3, ')', n);
    assert_int_equal(classify(L, deep, 2 * n + 3), -1);
    free(deep);
    /* a long chain of `and` is flat, not deep: fine up to the length bound */
    char chain[4096] = "f.a";
    while (strlen(chain) + 8 < 4000)
        strcat(chain, " and f.a");
    assert_true(classify_str(L, chain) > 0);
    /* a NUL and bytes outside ASCII are no token of the subset */
    assert_int_equal(classify(L, "f.a\0 or f.b", 11), -1);
    assert_int_equal(classify_str(L, "f.\xc3\xa9t\xc3\xa9 == 1"), -1);
    /* over the length bound */
    char *longsrc = malloc(9000);
    assert_non_null(longsrc);
    memset(longsrc, ' ', 8999);
    memcpy(longsrc, "f.a", 3);
    assert_int_equal(classify(L, longsrc, 8999), -1);
    free(longsrc);
    /* not a string at all */
    lua_settop(L, 0);
    lua_getfield(L, LUA_REGISTRYINDEX, "classify");
    lua_pushinteger(L, 3);
    assert_int_equal(lua_pcall(L, 1, 2, 0), LUA_OK);
    assert_true(lua_isnil(L, 1));
}

static void test_deep_not_chain_is_refused(void **state)
{
    lua_State *L = *state;
    size_t n = 2000;
    char *src = malloc(4 * n + 4);
    assert_non_null(src);
    for (size_t i = 0; i < n; i++)
        memcpy(src + 4 * i, "not ", 4);
    memcpy(src + 4 * n, "f.a", 3);
    assert_int_equal(classify(L, src, 4 * n + 3), -1);
    free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pack_forms_are_declarative, setup, teardown),
        cmocka_unit_test_setup_teardown(test_program_is_postfix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outside_the_subset_stays_in_lua, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_texts_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deep_not_chain_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
