/*
 * test_view.c - pf_view: read-only views of the host's data and the
 * freezing of the rule files' state.
 *
 * First on a bare Lua state: what a view lets a script read and how it
 * refuses writes (the key named in the message), the sorted keys host.keys
 * gives (table-driven, on plain tables and on views), the positions the
 * policy's views carry, and a frozen rule file whose upvalues come back
 * as loaded. Then through whole evaluations (eval_fixture.h): intake,
 * policy, libraries and ctx stay read-only, pairs() hands out no writable
 * table, sorted_keys in the DSL.
 */
#include "eval_fixture.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "pf_view.h"

/* ---- on a bare state ------------------------------------------------------------------ */

/* Runs code with the global v set to the value on top (popped), and
 * returns the Lua status; the result or the message is left on top.
 * [-1, +1, -] */
static int run_with_v(lua_State *L, const char *code)
{
    lua_setglobal(L, "v");
    int status = luaL_loadstring(L, code);
    if (status == LUA_OK) status = lua_pcall(L, 0, 1, 0);
    return status;
}

/* Pushes the typed value of a YAML text as a view. [-0, +1, m] */
static void push_yaml_view(lua_State *L, pf_arena_t *arena, pf_doc_t *doc, const char *yaml,
                           int with_pos)
{
    pf_err_t err;
    pf_doc_init(doc);
    if (!pf_yread_one(yaml, strlen(yaml), NULL, doc, &err)) fail_msg("yaml: %s", err.msg);
    pf_view_push_value(L, pf_value_from_node(arena, doc->root), with_pos);
}

static void test_view_reads_and_refuses(void **state)
{
    (void)state;
    static const struct {
        const char *code, *error; /* error NULL: must return true */
    } cases[] = {
        {"return v.name == 'Acme' and v.n == 3 and #v.list == 2 and v.list[2] == 20", NULL},
        {"local n = 0 for _ in pairs(v) do n = n + 1 end return n == 5", NULL},
        {"local n = 0 for _ in pairs(v.list) do n = n + 1 end return n == 2 and #v.list == 2",
         NULL},
        /* pairs hands out the view again, never the table behind it */
        {"local _, t = pairs(v) return t == v and rawget(v, 'name') == nil", NULL},
        {"return next(v) == nil and rawlen(v) == 0", NULL},
        {"return tostring(v) == '<read-only table>' and getmetatable(v) == false", NULL},
        {"return v.flag == true and math.type(v.n) == 'integer' and v.x == 1.5", NULL},
        {"v.name = 'x'", "this table is read-only (tried to set field 'name')"},
        {"v.list[1] = 0", "this table is read-only (tried to set item [1])"},
        {"v[2.5] = 0", "this table is read-only (tried to set item [2.5])"},
        {"v[true] = 0", "this table is read-only (tried to set a boolean key)"},
        {"setmetatable(v, {})", "cannot change a protected metatable"},
    };
    lua_State *L = luaL_newstate();
    assert_non_null(L);
    luaL_openlibs(L);
    pf_arena_t arena;
    pf_arena_init(&arena);
    pf_doc_t doc;
    push_yaml_view(L, &arena, &doc, "name: Acme\nn: 3\nlist: [10, 20]\nflag: true\nx: 1.5\n", 0);
    int view = lua_gettop(L);
    for (size_t i = 0; i < N_OF(cases); i++) {
        lua_pushvalue(L, view);
        int status = run_with_v(L, cases[i].code);
        if (cases[i].error) {
            if (status == LUA_OK || !strstr(lua_tostring(L, -1), cases[i].error))
                fail_msg("%s: expected \"%s\", got %s", cases[i].code, cases[i].error,
                         status == LUA_OK ? "no error" : lua_tostring(L, -1));
        } else if (status != LUA_OK || !lua_toboolean(L, -1)) {
            fail_msg("%s: %s", cases[i].code, status == LUA_OK ? "false" : lua_tostring(L, -1));
        }
        lua_pop(L, 1);
    }
    pf_doc_delete(&doc);
    /* with positions: "line:column" of each entry, under "\1pos" */
    push_yaml_view(L, &arena, &doc, "a: 1\nlist:\n  - x\n  - y\n", 1);
    assert_int_equal(run_with_v(L, "return v['\\1pos'].a .. ' ' .. v['\\1pos'].list .. ' ' ..\n"
                                   "  v.list['\\1pos'][2]"),
                     LUA_OK);
    assert_string_equal(lua_tostring(L, -1), "1:4 3:3 4:5");
    pf_doc_delete(&doc);
    pf_arena_delete(&arena);
    lua_close(L);
}

/* host.keys on a plain table and on a view of it: the keys sorted (numbers
 * by value first, then text byte by byte), "\1pos" left out, nothing when
 * a key is of another type or the argument is no table. */
static void test_keys_sorted(void **state)
{
    (void)state;
    static const struct {
        const char *table; /* a Lua expression */
        const char *keys;  /* joined by spaces; NULL: no result */
    } cases[] = {
        {"{ b = 1, a = 2, [3] = 'x', [1] = 'y' }", "1 3 a b"},
        {"{ zz = 1, [2.5] = 1, [10] = 1, aa = 1 }", "2.5 10 aa zz"},
        {"{ B = 1, b = 1, a = 1, ['10'] = 1, [-1] = 1 }", "-1 10 B a b"},
        {"{ ['\\1pos'] = {}, b = 1 }", "b"},
        {"{}", ""},
        {"{ [true] = 1 }", NULL},
        {"{ [{}] = 1, a = 1 }", NULL},
        {"5", NULL},
    };
    lua_State *L = luaL_newstate();
    assert_non_null(L);
    luaL_openlibs(L);
    lua_pushcfunction(L, pf_view_keys);
    lua_setglobal(L, "keys");
    for (size_t i = 0; i < N_OF(cases); i++) {
        for (int as_view = 0; as_view < 2; as_view++) {
            char code[512];
            snprintf(code, sizeof code, "return %s", cases[i].table);
            assert_int_equal(luaL_dostring(L, code), LUA_OK);
            if (as_view && lua_istable(L, -1)) pf_view_make_readonly(L);
            /* twice: the second answer of a view comes from its cache, and
             * the first one changed must not change it */
            int status = run_with_v(L, "local k = keys(v)\n"
                                       "if k == nil then return nil end\n"
                                       "local text = table.concat(k, ' ')\n"
                                       "k[1] = 'changed'\n"
                                       "assert(table.concat(keys(v), ' ') == text)\n"
                                       "return text");
            if (status != LUA_OK) fail_msg("%s: %s", cases[i].table, lua_tostring(L, -1));
            if (cases[i].keys) {
                if (!lua_isstring(L, -1))
                    fail_msg("%s (view %d): no keys", cases[i].table, as_view);
                assert_string_equal(lua_tostring(L, -1), cases[i].keys);
            } else if (!lua_isnil(L, -1)) {
                fail_msg("%s (view %d): keys %s", cases[i].table, as_view, lua_tostring(L, -1));
            }
            lua_pop(L, 1);
        }
    }
    lua_close(L);
}

/* Intakes pushed one after the other take the views of the one before
 * (pf_view_push_intake): each intake must read as itself alone, whether it
 * has more views than the one before or fewer, with the sorted keys of its
 * own maps (a view keeps them in its metatable) and still read-only. */
static void test_intake_views_handed_on(void **state)
{
    (void)state;
    static const struct {
        const char *yaml, *code; /* code must return true with v the intake */
    } cases[] = {
        {"a: {y: 2, x: 1}\nl: [1]\n",
         "return table.concat(keys(v.a), ' ') == 'x y' and v.a.x == 1 and #v.l == 1"},
        {"a: {z: 3}\nl: [5, 6]\nm: {q: {r: 1}}\n",
         "local n = 0 for _ in pairs(v.a) do n = n + 1 end\n"
         "return table.concat(keys(v.a), ' ') == 'z' and n == 1 and v.a.x == nil and v.a.z == 3\n"
         "  and #v.l == 2 and v.l[2] == 6 and v.m.q.r == 1 and table.concat(keys(v), ' ') == 'a l "
         "m'\n"
         "  and getmetatable(v.a) == false and not pcall(function() v.a.z = 4 end)"},
        {"a: 1\n", "return v.a == 1 and v.l == nil and table.concat(keys(v), ' ') == 'a'"},
        {"a: {x: 7}\nl: []\n", "return table.concat(keys(v.a), ' ') == 'x' and v.a.x == 7 and #v.l "
                               "== 0 and next(v.l) == nil"},
    };
    lua_State *L = luaL_newstate();
    assert_non_null(L);
    luaL_openlibs(L);
    lua_pushcfunction(L, pf_view_keys);
    lua_setglobal(L, "keys");
    pf_arena_t arena;
    pf_arena_init(&arena);
    for (size_t i = 0; i < N_OF(cases); i++) {
        pf_err_t err;
        pf_doc_t doc;
        pf_doc_init(&doc);
        if (!pf_yread_one(cases[i].yaml, strlen(cases[i].yaml), NULL, &doc, &err))
            fail_msg("yaml: %s", err.msg);
        pf_view_push_intake(L, pf_value_from_node(&arena, doc.root));
        int status = run_with_v(L, cases[i].code);
        if (status != LUA_OK || !lua_toboolean(L, -1))
            fail_msg("intake %zu: %s", i + 1, status == LUA_OK ? "false" : lua_tostring(L, -1));
        lua_pop(L, 1);
        pf_doc_delete(&doc);
    }
    pf_arena_delete(&arena);
    lua_close(L);
}

/* A stand-in rule file: state in upvalues and tables, and a P whose
 * rule_objects lists its functions. */
static const char FROZEN_FILE[] =
    "local n = 0\n"
    "local t = { a = 1, sub = { b = 2 } }\n"
    "local function count() n = n + 1 return n end\n"
    "local function read() return t.a + t.sub.b end\n"
    "local function write(k) t[k] = 1 end\n"
    "local function write_sub() t.sub.c = 1 end\n"
    "local m\n"
    "local function mark() local was = m m = 'set' return was end\n"
    "return { rule_objects = function() return { count, read, write, write_sub, mark } end,\n"
    "  count = count, read = read, write = write, write_sub = write_sub, mark = mark }\n";

/* Calls P[name](arg) and returns the Lua status; result or message on top.
 * [-0, +1, -]; P at index 1. */
static int call_p(lua_State *L, const char *name, const char *arg)
{
    lua_getfield(L, 1, name);
    lua_pushstring(L, arg);
    return lua_pcall(L, 1, 1, 0);
}

static void test_freeze_and_restore(void **state)
{
    (void)state;
    lua_State *L = luaL_newstate();
    assert_non_null(L);
    luaL_openlibs(L);
    assert_int_equal(luaL_dostring(L, FROZEN_FILE), LUA_OK);
    int ref = pf_view_freeze_rules(L, 1);
    assert_int_not_equal(ref, LUA_NOREF);
    assert_int_equal(lua_gettop(L), 1);
    for (int round = 0; round < 2; round++) { /* each "intake" starts from n = 0, m = nil */
        pf_view_restore_rules(L, ref);
        for (lua_Integer want = 1; want <= 3; want++) {
            assert_int_equal(call_p(L, "count", ""), LUA_OK);
            assert_int_equal(lua_tointeger(L, -1), want);
            lua_pop(L, 1);
        }
        assert_int_equal(call_p(L, "mark", ""), LUA_OK);
        assert_true(lua_isnil(L, -1)); /* an upvalue nil at load comes back nil */
        lua_pop(L, 1);
        assert_int_equal(call_p(L, "mark", ""), LUA_OK);
        assert_string_equal(lua_tostring(L, -1), "set");
        lua_pop(L, 1);
    }
    pf_view_restore_rules(L, LUA_NOREF); /* nothing to put back */
    assert_int_equal(call_p(L, "count", ""), LUA_OK);
    assert_int_equal(lua_tointeger(L, -1), 4);
    lua_pop(L, 1);
    /* the tables: readable, frozen at every depth */
    assert_int_equal(call_p(L, "read", ""), LUA_OK);
    assert_int_equal(lua_tointeger(L, -1), 3);
    lua_pop(L, 1);
    static const struct {
        const char *fn, *arg, *key;
    } writes[] = {
        {"write", "x", "field 'x'"}, {"write", "a", "field 'a'"}, {"write_sub", "", "field 'c'"}};
    for (size_t i = 0; i < N_OF(writes); i++) {
        assert_int_not_equal(call_p(L, writes[i].fn, writes[i].arg), LUA_OK);
        char want[160];
        snprintf(want, sizeof want,
                 "tables of a rule file are read-only once the pack is loaded (tried to set %s)",
                 writes[i].key);
        if (!strstr(lua_tostring(L, -1), want)) fail_msg("%s", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    assert_int_equal(call_p(L, "read", ""), LUA_OK);
    assert_int_equal(lua_tointeger(L, -1), 3);
    lua_close(L);
}

/* ---- through evaluations ------------------------------------------------------------- */

/* Regression test (was a bug, now fixed): the read-only proxies of the sandbox hand out their
 * backing table through __pairs: ro_pairs() in pf_view.c (and readonly() in engine/lua/helpers.lua)
 * return (next, data, nil), so `local _, raw = pairs(string)` gives a rule the real, writable
 * string table
 * - the same table that is the __index of the shared string metatable and that the prelude itself
 * uses. One rule can then change string.upper / math.floor for every later rule and every later
 * intake (the state is only rebuilt after a limit error), or plant a value
 * another rule file reads. Input: 10-a.lua below. Expected: rule b.check
 * still sees the real functions, 'opt_b' scores 1 on both intakes and the
 * second intake's need levels are 0. Observed: b.check does not fire (score
 * 0) and, with math.floor replaced, the prelude computes every need level of
 * the next intake as 3 ("high"). */
static void test_sandbox_pairs_leaks_library_tables(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-a.lua",
        "rule { id = 'a.leak', stage = 'fit', because = 'Leak.', score = { opt_a = 1 },\n"
        "  when = function()\n"
        "    pcall(function() local _, raw = pairs(string); raw.upper = nil; raw.planted = 1 end)\n"
        "    pcall(function() local _, raw = pairs(math); raw.floor = function() return 99 end "
        "end)\n"
        "    return true\n"
        "  end }\n");
    put(fx, "20-b.lua",
        "rule { id = 'b.check', stage = 'fit', because = 'Intact.', score = { opt_b = 1 },\n"
        "  when = function()\n"
        "    return string.upper ~= nil and string.planted == nil and math.floor(1.5) == 1\n"
        "  end }\n");
    load(fx);
    for (int i = 0; i < 2; i++) {
        run_ok(fx, intake(fx, INTAKE_YAML));
        size_t b = row_where(&fx->recs, R_OPT, "opt_b");
        assert_string_equal(fx->recs.cell[b][R_SCORE], "1");
        assert_string_equal(fx->needs.cell[0][N_LEVEL], "0");
    }
}

/* Regression test (was a bug, now fixed): the same __pairs leak on data: `local _, raw =
 * pairs(intake)` gives the writable table behind the read-only intake, and pairs(ctx.score) the
 * prelude's live score table, so a rule can forge the intake id written to
 * the reports or give an option points with no rule and no 'because' in the
 * why column. Expected: the writes fail (read-only) or change nothing: the
 * report says intake_id "acme-1" and opt_c scores 0. Observed: intake_id
 * "forged" and opt_c ranked first with 1000 points, "no rule scored this
 * option". */
static void test_sandbox_pairs_leaks_intake_and_scores(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-a.lua",
        "rule { id = 'a.forge', stage = 'shortlist', because = 'Forge.', exclude = {},\n"
        "  when = function(intake, ctx)\n"
        "    pcall(function() local _, raw = pairs(intake); raw.id = 'forged' end)\n"
        "    pcall(function() local _, raw = pairs(ctx.score); raw.opt_c = 1000 end)\n"
        "    return true\n"
        "  end }\n");
    load(fx);
    run_ok(fx, intake(fx, INTAKE_YAML));
    assert_string_equal(REC(fx, 1, R_ID), "acme-1");
    size_t c = row_where(&fx->recs, R_OPT, "opt_c");
    assert_string_equal(fx->recs.cell[c][R_SCORE], "0");
}

static void test_sandbox_read_only_data(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-a.lua",
        "local SEEN = {}\n"
        "rule { id = 'ro.write', stage = 'fit', because = 'W.', score = { opt_a = 1 },\n"
        "  when = function(intake, ctx)\n"
        "    if intake.what == 'top' then intake.id = 'forged' end\n"
        "    if intake.what == 'nested' then intake.org.name = 'forged' end\n"
        "    if intake.what == 'ctx' then ctx.score.opt_a = 100 end\n"
        "    if intake.what == 'ctx2' then ctx.top = 'opt_a' end\n"
        "    if intake.what == 'policy' then policy.weights.base = 100 end\n"
        "    if intake.what == 'item' then policy.options[1] = 'forged' end\n"
        "    if intake.what == 'bool' then policy.weights[true] = 1 end\n"
        "    if intake.what == 'frozen' then SEEN[#SEEN + 1] = intake.id end\n"
        "    return true\n"
        "  end }\n");
    load(fx);
    static const char *const cases[][2] = {
        {"top", "this table is read-only (tried to set field 'id')"},
        {"nested", "this table is read-only (tried to set field 'name')"},
        {"ctx", "ctx.score is read-only (tried to set 'opt_a')"},
        {"ctx2", "ctx is read-only (tried to set 'top')"},
        {"policy", "this table is read-only (tried to set field 'base')"},
        /* keys that are not names are shown as what they are */
        {"item", "this table is read-only (tried to set item [1])"},
        {"bool", "this table is read-only (tried to set a boolean key)"},
        {"frozen", "read-only once the pack is loaded (tried to set item [1])"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char yaml[128];
        snprintf(yaml, sizeof yaml, "id: x\norg: {name: X}\nwhat: %s\n", cases[i][0]);
        run_fails(fx, intake(fx, yaml), "rule.error", cases[i][1]);
        assert_non_null(strstr(fx->err.msg, "ro.write"));
    }
    run_ok(fx, intake(fx, INTAKE_YAML));
    assert_string_equal(REC(fx, 1, R_ID), "acme-1");
    assert_rec(fx, 1, "opt_a", "1", "no");
}

/* sorted_keys: views (sorted once in C and kept), frozen rule-file tables,
 * plain tables; numbers before text, integers stay integers, each call a
 * fresh list the rule may change, other key types still sorted in Lua. */
static void test_dsl_sorted_keys(void **state)
{
    fx_t *fx = *state;
    put(fx, "10-a.lua",
        "local STATIC = { b = 1, a = 2, [3] = 'x', [1] = 'y' }\n"
        "rule { id = 'keys', stage = 'fit', score = { opt_a = 1 },\n"
        "  because = function(intake)\n"
        "    local first = sorted_keys(intake)\n"
        "    first[1] = 'changed'\n"
        "    local again = sorted_keys(intake)\n"
        "    local plain = sorted_keys({ zz = 1, [2.5] = 1, [10] = 1, aa = 1 })\n"
        "    local odd = sorted_keys({ [true] = 1 })\n"
        "    return table.concat(again, ',') .. '|' .. table.concat(sorted_keys(STATIC), ',')\n"
        "      .. '|' .. table.concat(plain, ',') .. '|' .. table.concat(sorted_keys(intake.org), "
        "',')\n"
        "      .. '|' .. #odd .. tostring(odd[1])\n"
        "  end }\n");
    load(fx);
    run_ok(fx, intake(fx, INTAKE_YAML));
    size_t a = row_where(&fx->recs, R_OPT, "opt_a");
    assert_string_equal(fx->recs.cell[a][R_WHY],
                        "keys +1: assessed_on,id,org|1,3,a,b|2.5,10,aa,zz|name|1true");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_reads_and_refuses),
        cmocka_unit_test(test_keys_sorted),
        cmocka_unit_test(test_intake_views_handed_on),
        cmocka_unit_test(test_freeze_and_restore),
        T(test_sandbox_pairs_leaks_library_tables),
        T(test_sandbox_pairs_leaks_intake_and_scores),
        T(test_sandbox_read_only_data),
        T(test_dsl_sorted_keys),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
