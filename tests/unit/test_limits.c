/*
 * test_limits.c - pf_limits: the memory cap, the instruction budget and the
 * deadline.
 *
 * First the pieces on their own: the capped allocator's accounting (it
 * includes the private pf_eval_int.h, as pf_limits.c does, to give it a
 * pf_eval_t), and arm, the deadline check, the count hook after the grace
 * period and the "killed" state on a bare Lua state. Then hostile rules
 * through whole evaluations (eval_fixture.h, S6 and section 5), each
 * timed, each followed by a normal intake on the same evaluator.
 */
#include "eval_fixture.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "pf_eval_int.h"
#include "pf_limits.h"
#include "pf_sandbox.h"

/* ---- the pieces ------------------------------------------------------------------------ */

static void test_alloc_cap(void **state)
{
    (void)state;
    pf_eval_t ev;
    memset(&ev, 0, sizeof ev);
    ev.cfg.limits.mem_bytes = 1u << 20;
    pf_slab_init(&ev.slab);
    /* blocks count by the size Lua asked for, large ones */
    void *p = pf_limits_alloc(&ev, NULL, LUA_TTABLE, 512u << 10);
    assert_non_null(p);
    assert_int_equal(ev.mem_live, 512u << 10);
    assert_null(pf_limits_alloc(&ev, NULL, LUA_TSTRING, 600u << 10));
    assert_true(ev.mem_failed);
    assert_int_equal(ev.mem_live, 512u << 10);
    p = pf_limits_alloc(&ev, p, 512u << 10, 900u << 10); /* growing in place of itself */
    assert_non_null(p);
    assert_int_equal(ev.mem_live, 900u << 10);
    assert_null(pf_limits_alloc(&ev, p, 900u << 10, 0));
    assert_int_equal(ev.mem_live, 0);
    /* and small ones alike: they run out at the cap */
    enum { MAX_SMALL = 1 << 17 };
    void **small = calloc(MAX_SMALL, sizeof *small);
    assert_non_null(small);
    size_t n = 0;
    while (n < MAX_SMALL && (small[n] = pf_limits_alloc(&ev, NULL, 0, 32)) != NULL)
        n++;
    assert_int_equal(n, (1u << 20) / 32);
    assert_int_equal(ev.mem_live, 1u << 20);
    /* freed, they no longer count: blocks of another size fit again
     * (the chunks still hold the freed ones; the cap is on live bytes) */
    for (size_t i = 0; i < n; i++)
        pf_limits_alloc(&ev, small[i], 32, 0);
    assert_int_equal(ev.mem_live, 0);
    size_t m = 0;
    while (m < MAX_SMALL && (small[m] = pf_limits_alloc(&ev, NULL, 0, 48)) != NULL)
        m++;
    assert_int_equal(m, (1u << 20) / 48);
    assert_true(ev.slab.chunk_bytes > ev.cfg.limits.mem_bytes);
    /* shrinking is never refused, even over the cap */
    ev.cfg.limits.mem_bytes = 0;
    void *q = pf_limits_alloc(&ev, small[0], 48, 16);
    assert_non_null(q);
    small[0] = q;
    pf_limits_alloc(&ev, small[0], 16, 0);
    for (size_t i = 1; i < m; i++)
        pf_limits_alloc(&ev, small[i], 48, 0);
    assert_int_equal(ev.mem_live, 0);
    free(small);
    pf_slab_delete(&ev.slab);
}

/* [-0, +0, e] */
static int check_deadline(lua_State *L)
{
    pf_limits_check_deadline(L);
    return 0;
}

/* An evaluator's limits over a bare state, without the prelude. */
static void bare_limits(pf_eval_t *ev, double seconds, unsigned long long instructions)
{
    memset(ev, 0, sizeof *ev);
    pf_eval_limits_default(&ev->cfg.limits);
    assert_int_equal(ev->cfg.limits.mem_bytes, 64u << 20); /* the defaults */
    assert_int_equal(ev->cfg.limits.instructions, 20000000ULL);
    assert_true(ev->cfg.limits.seconds == 2.0);
    ev->cfg.limits.seconds = seconds;
    ev->cfg.limits.instructions = instructions;
    pf_watch_init(&ev->watch);
    pf_slab_init(&ev->slab);
    ev->L = lua_newstate(pf_limits_alloc, ev);
    assert_non_null(ev->L);
    *(pf_eval_t **)lua_getextraspace(ev->L) = ev;
    luaL_openlibs(ev->L);
}

static void bare_limits_delete(pf_eval_t *ev)
{
    pf_limits_disarm(ev);
    lua_close(ev->L);
    pf_slab_delete(&ev->slab);
    pf_watch_delete(&ev->watch);
}

/* Calls check_deadline protected: its status, the message left on top. */
static int call_check(lua_State *L)
{
    lua_pushcfunction(L, check_deadline);
    return lua_pcall(L, 0, 0, 0);
}

static void test_deadline_and_killed(void **state)
{
    (void)state;
    pf_eval_t ev;
    bare_limits(&ev, 0.05, 20000000ULL);
    lua_State *L = ev.L;
    assert_int_equal(call_check(L), LUA_OK); /* not armed: nothing to check */
    pf_limits_arm(&ev);
    assert_int_equal(call_check(L), LUA_OK);
    assert_int_equal(pf_limits_reached(L, LUA_ERRRUN), 0); /* a plain error is caught */
    struct timespec nap = {0, 100000000L};
    nanosleep(&nap, NULL);
    for (int i = 0; i < 2; i++) { /* killed: raised again at every check */
        assert_int_equal(call_check(L), LUA_ERRRUN);
        assert_string_equal(lua_tostring(L, -1),
                            "went over the time limit of 0.05 seconds for one intake");
        lua_pop(L, 1);
        assert_int_equal(pf_limits_reached(L, LUA_ERRRUN), 1);
    }
    assert_int_equal(pf_limits_reached(L, LUA_OK), 0);
    /* arming again starts over */
    pf_limits_arm(&ev);
    assert_int_equal(call_check(L), LUA_OK);
    assert_string_equal(ev.killed, "");
    /* a memory error inside a rule's pcall is the memory limit */
    assert_int_equal(pf_limits_reached(L, LUA_ERRMEM), 1);
    assert_string_equal(ev.killed, "went over the memory limit of 64 MiB");
    bare_limits_delete(&ev);
}

/* The count hook, set once the loop has used the grace period's CPU time,
 * stops it at the instruction budget; the rules' pcall (pf_sandbox_pcall,
 * through pf_limits_reached) cannot catch it. */
static void test_budget_counts_after_grace(void **state)
{
    (void)state;
    pf_eval_t ev;
    bare_limits(&ev, 30.0, 1000);
    lua_State *L = ev.L;
    lua_pushcfunction(L, pf_sandbox_pcall);
    lua_setglobal(L, "pcall");
    static const char *const loops[] = {
        "while true do end", "while true do pcall(function() while true do end end) end"};
    for (size_t i = 0; i < N_OF(loops); i++) {
        assert_int_equal(luaL_loadstring(L, loops[i]), LUA_OK);
        double t0 = now_seconds();
        pf_limits_arm(&ev);
        int status = lua_pcall(L, 0, 0, 0);
        pf_limits_disarm(&ev);
        assert_true(now_seconds() - t0 < 1.0 * PF_TIME_SLACK);
        assert_int_equal(status, LUA_ERRRUN);
        assert_non_null(strstr(lua_tostring(L, -1),
                               "went over the limit of 1000 Lua instructions for one intake"));
        lua_pop(L, 1);
    }
    bare_limits_delete(&ev);
}

/* ---- hostile rules ------------------------------------------------------------------------ */

static const hostile_case_t LIMIT_CASES[] = {
    {"while true",
     "while true do end",
     "rule.limit",
     "went over the limit of 20000000 Lua instructions for one intake",
     3.0,
     {0}},
    {"pcall(while true)",
     "while true do pcall(function() while true do end end) end",
     "rule.limit",
     "went over the limit of 20000000 Lua instructions",
     3.0,
     {0}},
    {"recursive pcall",
     "local g; g = function() return pcall(g) end while true do g() end",
     "rule.limit",
     "went over the",
     5.0,
     {0}},
    /* a huge instruction budget: the deadline must end it */
    {"deadline 0.5 s",
     "while true do end",
     "rule.limit",
     "went over the time limit of 0.5 seconds for one intake",
     2.0,
     {.instructions = 1000000000000ULL, .seconds = 0.5}},
    /* The instruction budget counts only once an intake has used 10 ms of CPU
     * (before that no hook slows the normal case): a quick intake passes even
     * under a tiny budget, and a loop still meets it soon after the grace. */
    {"budget 1000 after grace",
     "while true do end",
     "rule.limit",
     "went over the limit of 1000 Lua instructions for one intake",
     1.0,
     {.instructions = 1000}},
    {"1e8-entry table",
     "local t = {} for i = 1, 1e8 do t[i] = i end",
     "rule.limit",
     "went over the memory limit of 16 MiB",
     5.0,
     {0}},
    {"1e8 table in pcall",
     "pcall(function() local t = {} for i = 1, 1e8 do t[i] = i end end)",
     "rule.limit",
     "went over the memory limit of 16 MiB",
     5.0,
     {0}},
    {"string concat growth",
     "local s = 'x' while true do s = s .. s end",
     "rule.limit",
     "went over the",
     5.0,
     {0}},
    /* the hook cannot see string.rep's C loop: the wrapper checks the deadline */
    {"1e7 x 4 MB string.rep",
     "for i = 1, 1e7 do local s = string.rep('x', 4000000) end",
     "rule.limit",
     "went over the time limit of 2 seconds",
     5.0,
     {0}},
    {"deep recursion",
     "local function f() return 1 + f() end f()",
     "rule.limit",
     "went over the memory limit of 16 MiB",
     5.0,
     {0}},
    /* with room for the whole Lua stack, the stack limit ends it */
    {"deep recursion (256 MiB)",
     "local function f() return 1 + f() end f()",
     "rule.error",
     "stack overflow",
     5.0,
     {.mem_bytes = 256u << 20}},
};

static void test_load_infinite_loop_at_top_level(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-loop.lua", "while true do end\n");
    double t0 = now_seconds();
    load_fails(fx, "rules.load", NULL, 0, "went over the limit of 20000000 Lua instructions");
    double dt = now_seconds() - t0;
    print_message("[ TIME     ] load-time while true: %.3f s\n", dt);
    assert_true(dt < 3.0);
}

/* Rows no rule's text made large (the intake's own label on every row)
 * meet the output cap in host.emit, while the prelude writes the reports:
 * the message names the cap and says no rule was running. */
static void test_output_cap_without_rule(void **state)
{
    fx_t *fx = *state;
    fx->limits.output_bytes = 20000;
    put(fx, "20-normal.lua", NORMAL_RULE);
    load(fx);
    char yaml[12000];
    int len = snprintf(yaml, 128, "id: big-1\nassessed_on: 2024-01-01\norg: {name: ");
    memset(yaml + len, 'L', 10000);
    strcpy(yaml + len + 10000, "}\n");
    run_fails(fx, intake(fx, yaml), "rule.limit",
              "no rule was running (the prelude, in writing the reports): went over the output "
              "limit of 20000 bytes of report rows for one intake");
    assert_int_equal(fx->out[0].len, 0);
    assert_int_equal(fx->out[1].len, 0);
    run_ok(fx, intake(fx, INTAKE_YAML));
}

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_alloc_cap),
        cmocka_unit_test(test_deadline_and_killed),
        cmocka_unit_test(test_budget_counts_after_grace),
        cmocka_unit_test_setup_teardown(test_load_infinite_loop_at_top_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_cap_without_rule, setup, teardown),
    };
    struct CMUnitTest tests[N_OF(fixed) + N_OF(LIMIT_CASES)];
    list_tests(tests, fixed, N_OF(fixed), LIMIT_CASES, N_OF(LIMIT_CASES));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
