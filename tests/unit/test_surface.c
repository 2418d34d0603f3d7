/*
 * test_surface.c - the rule surface: the names a rule file can reach, with
 * the running engine as the source of truth.
 *
 * An evaluator is built on the shipped policy and rule pack; its sandbox
 * table (pf_sandbox_push over the prelude's P, through the private
 * pf_eval_int.h) gives the globals a rule sees, P.dsl which of them are the
 * DSL, and each library view the names it exposes. The lists people keep
 * by hand are then held to it:
 *
 *   .luacheckrc           files["rules/"].read_globals is exactly the globals
 *   intake-types.lua      a stub for every DSL function and table, of the
 *                         same kind, and none for a name the sandbox lacks
 *   docs/rules.md         every global in backticks under "What a rule can
 *                         read" or "Rules of the sandbox"; every row of the
 *                         DSL table names a global; the removed library
 *                         functions named there too
 *   library views         none of the removed library functions
 *                         (pf_sandbox_removed) is reachable
 *
 * The files are read in a plain Lua state (.luacheckrc is Lua). Each
 * failure names the names that differ.
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

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "pf_config.h"
#include "pf_eval_int.h"
#include "pf_sandbox.h"

#define MAX_NAMES 256
#define MAX_LIBS 16
#define MSG_MAX 4096

/* ---- sets of names ------------------------------------------------------------- */

/* A set of names, each with the kind of its value: 'f' function, 't' table,
 * 'o' anything else. */
typedef struct names {
    char *name[MAX_NAMES];
    char kind[MAX_NAMES];
    size_t n;
} names_t;

static long names_find(const names_t *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->name[i], name) == 0) return (long)i;
    return -1;
}

static int names_has(const names_t *s, const char *name)
{
    return names_find(s, name) >= 0;
}

static void names_add(names_t *s, const char *name, char kind)
{
    if (names_has(s, name)) return;
    assert_true(s->n < MAX_NAMES);
    s->name[s->n] = strdup(name);
    assert_non_null(s->name[s->n]);
    s->kind[s->n++] = kind;
}

static void names_clear(names_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->name[i]);
    s->n = 0;
}

/* Sorts the set by name (insertion sort: a few dozen names). */
static void names_sort(names_t *s)
{
    for (size_t i = 1; i < s->n; i++)
        for (size_t j = i; j > 0 && strcmp(s->name[j - 1], s->name[j]) > 0; j--) {
            char *n = s->name[j];
            char k = s->kind[j];
            s->name[j] = s->name[j - 1];
            s->kind[j] = s->kind[j - 1];
            s->name[j - 1] = n;
            s->kind[j - 1] = k;
        }
}

/* Appends "<what>: a, b, c; " to msg for the names of a not in b (keep,
 * when given, filters a by kind). Returns how many there were. */
static size_t names_missing(const names_t *a, const names_t *b, const char *keep, const char *what,
                            char *msg)
{
    char list[MSG_MAX] = "";
    size_t count = 0;
    for (size_t i = 0; i < a->n; i++) {
        if (keep && !strchr(keep, a->kind[i])) continue;
        if (names_has(b, a->name[i])) continue;
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s%s", count++ ? ", " : "", a->name[i]);
    }
    if (count) {
        size_t len = strlen(msg);
        snprintf(msg + len, MSG_MAX - len, "%s: %s; ", what, list);
    }
    return count;
}

/* The kind of the value at idx: [-0, +0, -] */
static char kind_of(lua_State *L, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TFUNCTION:
        return 'f';
    case LUA_TTABLE:
        return 't';
    default:
        return 'o';
    }
}

/* Adds the string keys of the plain table at idx, with the kinds of their
 * values; when as_text, a value that is a string ("function", "value")
 * gives its first letter as the kind. [-0, +0, -] */
static void names_from_table(lua_State *L, int idx, names_t *s, int as_text)
{
    idx = lua_absindex(L, idx);
    for (lua_pushnil(L); lua_next(L, idx); lua_pop(L, 1)) {
        if (lua_type(L, -2) != LUA_TSTRING) continue;
        char kind = kind_of(L, -1);
        if (as_text && lua_type(L, -1) == LUA_TSTRING) kind = lua_tostring(L, -1)[0];
        names_add(s, lua_tostring(L, -2), kind);
    }
    names_sort(s);
}

/* ---- the engine's surface ------------------------------------------------------ */

static struct {
    pf_config_t cfg;
    pf_eval_t *ev;
    names_t globals; /* the sandbox table's keys */
    names_t dsl;     /* P.dsl's keys */
    names_t base;    /* globals neither DSL nor a library */
    const char *lib[MAX_LIBS];
    names_t lib_names[MAX_LIBS]; /* what each library view exposes */
    size_t nlibs;
    lua_State *plain; /* reads the files */
} S;

/* Adds the names the read-only view at idx hands out through pairs, as a
 * rule iterating it would see them. [-0, +0, e] */
static void view_names(lua_State *L, int idx, names_t *s)
{
    idx = lua_absindex(L, idx);
    lua_getglobal(L, "pairs"); /* the state's own globals keep the whole base library */
    lua_pushvalue(L, idx);
    lua_call(L, 1, 3); /* f, state, control */
    for (;;) {
        lua_pushvalue(L, -3);
        lua_pushvalue(L, -3);
        lua_pushvalue(L, -3);
        lua_call(L, 2, 2); /* key, value */
        if (lua_isnil(L, -2)) {
            lua_pop(L, 2);
            break;
        }
        if (lua_type(L, -2) == LUA_TSTRING) names_add(s, lua_tostring(L, -2), kind_of(L, -1));
        lua_pop(L, 1);
        lua_replace(L, -2); /* the key is the next control */
    }
    lua_pop(L, 3);
    names_sort(s);
}

/* Collects the surface from the evaluator's state, under lua_pcall.
 * [-0, +0, e] */
static int collect_protected(lua_State *L)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, pf_eval_of(L)->ref_prelude);
    pf_sandbox_push(L, -1); /* P, sandbox */
    names_from_table(L, -1, &S.globals, 0);
    lua_getfield(L, -2, "dsl");
    luaL_checktype(L, -1, LUA_TTABLE);
    names_from_table(L, -1, &S.dsl, 0);
    lua_pop(L, 1);
    for (size_t i = 0; i < S.globals.n; i++) {
        const char *name = S.globals.name[i];
        if (names_has(&S.dsl, name)) continue;
        if (S.globals.kind[i] != 't') {
            names_add(&S.base, name, S.globals.kind[i]);
            continue;
        }
        if (S.nlibs == MAX_LIBS) return luaL_error(L, "more than %d libraries", MAX_LIBS);
        S.lib[S.nlibs] = S.globals.name[i];
        lua_getfield(L, -1, name);
        view_names(L, -1, &S.lib_names[S.nlibs++]);
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
    return 0;
}

/* Builds the evaluator and collects its surface; opens the plain state.
 * [-0, +0, -] on the evaluator's state (errors caught) */
static int setup(void **state)
{
    (void)state;
    if (chdir(PF_SOURCE_DIR) != 0) return -1;
    memset(&S, 0, sizeof S);
    pf_config_init(&S.cfg);
    pf_eval_limits_t limits;
    pf_eval_limits_default(&limits);
    if (!pf_config_load(&S.cfg, "rules", "policies/default.yaml", &limits, 0, stderr)) return -1;
    S.ev = pf_config_evaluator(&S.cfg, stderr);
    if (!S.ev) return -1;
    lua_State *L = S.ev->L;
    lua_pushcfunction(L, collect_protected);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        fprintf(stderr, "collecting the sandbox: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    S.plain = luaL_newstate();
    if (!S.plain) return -1;
    luaL_openlibs(S.plain);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (S.plain) lua_close(S.plain);
    names_clear(&S.globals);
    names_clear(&S.dsl);
    names_clear(&S.base);
    for (size_t i = 0; i < S.nlibs; i++)
        names_clear(&S.lib_names[i]);
    pf_eval_delete(S.ev);
    pf_config_delete(&S.cfg);
    return 0;
}

/* Runs a chunk in the plain state with a string argument; its result (a
 * table) is left on top. [-0, +1, -] */
static void plain_run(const char *chunk, const char *arg)
{
    lua_State *L = S.plain;
    if (luaL_loadstring(L, chunk) != LUA_OK) fail_msg("chunk: %s", lua_tostring(L, -1));
    lua_pushstring(L, arg);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) fail_msg("%s: %s", arg, lua_tostring(L, -1));
    assert_true(lua_istable(L, -1));
}

/* ---- the engine, as collected ---------------------------------------------------- */

static void test_engine_surface_is_collected(void **state)
{
    (void)state;
    /* one name of each part, so a collection that went wrong fails here */
    assert_true(names_has(&S.base, "pairs"));
    assert_true(names_has(&S.base, "pcall"));
    assert_true(names_has(&S.dsl, "rule"));
    assert_true(S.nlibs >= 4);
    for (size_t i = 0; i < S.dsl.n; i++)
        assert_true(names_has(&S.globals, S.dsl.name[i]));
    for (size_t i = 0; i < S.nlibs; i++)
        if (S.lib_names[i].n == 0) fail_msg("the library view %s exposes nothing", S.lib[i]);
}

/* ---- .luacheckrc ------------------------------------------------------------------- */

/* [-0, +0, -] on the plain state (errors fail the test) */
static void test_luacheckrc_is_the_sandbox(void **state)
{
    (void)state;
    lua_State *L = S.plain;
    lua_newtable(L); /* luacheck runs its config with files = {} */
    lua_setglobal(L, "files");
    if (luaL_dofile(L, ".luacheckrc") != LUA_OK) fail_msg(".luacheckrc: %s", lua_tostring(L, -1));
    lua_getglobal(L, "files");
    assert_int_equal(lua_getfield(L, -1, "rules/"), LUA_TTABLE);
    assert_int_equal(lua_getfield(L, -1, "read_globals"), LUA_TTABLE);
    names_t rc = {0};
    for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) {
        /* "name", or name = { fields = ... } */
        if (lua_type(L, -2) == LUA_TSTRING)
            names_add(&rc, lua_tostring(L, -2), 'o');
        else if (lua_type(L, -1) == LUA_TSTRING)
            names_add(&rc, lua_tostring(L, -1), 'o');
    }
    lua_pop(L, 3);
    char msg[MSG_MAX] = "";
    size_t bad = names_missing(&S.globals, &rc, NULL,
                               "in the sandbox, missing from .luacheckrc read_globals", msg);
    bad += names_missing(&rc, &S.globals, NULL, "in .luacheckrc read_globals, not in the sandbox",
                         msg);
    names_clear(&rc);
    if (bad) fail_msg("%s", msg);
}

/* ---- the editor annotations ---------------------------------------------------------- */

/* The top-level stubs of an annotations file: name = "function" for
 * `function name(...)`, name = "value" for `name = ...`. */
static const char STUBS_CHUNK[] =
    "local out = {}\n"
    "for line in io.lines((...)) do\n"
    "  local f = line:match('^function%s+([%a_][%w_]*)%s*%(')\n"
    "  local v = line:match('^([%a_][%w_]*)%s*=')\n"
    "  if f then out[f] = 'function' elseif v then out[v] = 'value' end\n"
    "end\n"
    "return out\n";

/* [-0, +0, -] on the plain state */
static void test_annotations_follow_the_dsl(void **state)
{
    (void)state;
    names_t stubs = {0};
    plain_run(STUBS_CHUNK, "policies/intake-types.lua");
    names_from_table(S.plain, -1, &stubs, 1); /* kinds 'f'unction, 'v'alue */
    lua_pop(S.plain, 1);
    char msg[MSG_MAX] = "";
    size_t bad = names_missing(&S.dsl, &stubs, "ft",
                               "DSL names without a stub in policies/intake-types.lua "
                               "(engine/lua/tools/types.lua)",
                               msg);
    bad += names_missing(&stubs, &S.globals, NULL,
                         "stubs in policies/intake-types.lua for names the sandbox lacks", msg);
    for (size_t i = 0; i < S.dsl.n; i++) {
        long j = names_find(&stubs, S.dsl.name[i]);
        if (j < 0 || !strchr("ft", S.dsl.kind[i])) continue;
        char want = S.dsl.kind[i] == 'f' ? 'f' : 'v';
        if (stubs.kind[j] != want) {
            size_t len = strlen(msg);
            snprintf(msg + len, MSG_MAX - len, "%s is a %s in the sandbox but not stubbed as one; ",
                     S.dsl.name[i], want == 'f' ? "function" : "table");
            bad++;
        }
    }
    names_clear(&stubs);
    if (bad) fail_msg("%s", msg);
}

/* ---- docs/rules.md -------------------------------------------------------------- */

/* The backtick spans of the sections named in the second argument (outside
 * code blocks): out[word] for each span's leading name, and out[lib.name]
 * when it starts with a dotted one; rows[word] for each span in the first
 * cell of each row of a "| name | meaning |" table. Returns {out, rows}. */
static const char DOCS_CHUNK[] =
    "local path, wanted = ...\n"
    "local sections = {}\n"
    "for s in wanted:gmatch('[^\\n]+') do sections[s] = true end\n"
    "local text, rows, keep, fenced, in_names = {}, {}, false, false, false\n"
    "for line in io.lines(path) do\n"
    "  if line:match('^```') then fenced = not fenced\n"
    "  elseif not fenced then\n"
    "    local h = line:match('^#+%s+(.-)%s*$')\n"
    "    if h then keep = sections[h] or false\n"
    "    elseif keep then\n"
    "      text[#text + 1] = line\n"
    "      if line:match('^|%s*name%s*|') then in_names = true\n"
    "      elseif not line:match('^|') then in_names = false\n"
    "      elseif in_names then\n"
    "        local cell = line:match('^|([^|]*)|') or ''\n"
    "        for w in cell:gmatch('`([%a_][%w_]*)') do rows[w] = true end\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "end\n"
    "local out = {}\n"
    "for span in table.concat(text, '\\n'):gmatch('`([^`]+)`') do\n"
    "  local w = span:match('^[%a_][%w_]*')\n"
    "  if w then out[w] = true end\n"
    "  local d = span:match('^[%a_][%w_]*%.[%a_][%w_]*')\n"
    "  if d then out[d] = true end\n"
    "end\n"
    "return { out, rows }\n";

static const char DOCS_SECTIONS[] = "What a rule can read\nRules of the sandbox";

/* Reads the mentions and the DSL table's rows of docs/rules.md.
 * [-0, +0, -] on the plain state (errors fail the test) */
static void docs_names(names_t *mentions, names_t *rows)
{
    lua_State *L = S.plain;
    lua_pushstring(L, DOCS_SECTIONS);
    if (luaL_loadstring(L, DOCS_CHUNK) != LUA_OK) fail_msg("chunk: %s", lua_tostring(L, -1));
    lua_pushstring(L, "docs/rules.md");
    lua_pushvalue(L, -3);
    if (lua_pcall(L, 2, 1, 0) != LUA_OK) fail_msg("docs/rules.md: %s", lua_tostring(L, -1));
    lua_rawgeti(L, -1, 1);
    names_from_table(L, -1, mentions, 0);
    lua_rawgeti(L, -2, 2);
    names_from_table(L, -1, rows, 0);
    lua_pop(L, 4);
}

static void test_docs_name_every_global(void **state)
{
    (void)state;
    names_t mentions = {0}, rows = {0};
    docs_names(&mentions, &rows);
    char msg[MSG_MAX] = "";
    size_t bad = names_missing(&S.globals, &mentions, NULL,
                               "sandbox globals not named in backticks in docs/rules.md "
                               "(What a rule can read, Rules of the sandbox)",
                               msg);
    bad += names_missing(&rows, &S.globals, NULL,
                         "rows of the DSL table in docs/rules.md for names the sandbox lacks", msg);
    bad += names_missing(&S.dsl, &rows, NULL,
                         "DSL names without a row in the DSL table of docs/rules.md", msg);
    names_clear(&mentions);
    names_clear(&rows);
    if (bad) fail_msg("%s", msg);
}

/* ---- the library functions removed ------------------------------------------------ */

static void test_removed_functions_are_absent(void **state)
{
    (void)state;
    names_t mentions = {0}, rows = {0};
    docs_names(&mentions, &rows);
    const char *lib, *name;
    int i;
    for (i = 0; pf_sandbox_removed(i, &lib, &name); i++) {
        size_t l;
        for (l = 0; l < S.nlibs && strcmp(S.lib[l], lib) != 0; l++)
            ;
        if (l == S.nlibs) fail_msg("%s.%s is removed from a library the sandbox lacks", lib, name);
        if (names_has(&S.lib_names[l], name))
            fail_msg("%s.%s is removed but the sandbox's %s view has it", lib, name, lib);
        char dotted[128];
        snprintf(dotted, sizeof dotted, "%s.%s", lib, name);
        if (!names_has(&mentions, dotted))
            fail_msg("docs/rules.md does not say that %s is removed (in backticks, under Rules "
                     "of the sandbox)",
                     dotted);
    }
    assert_true(i > 0);
    names_clear(&mentions);
    names_clear(&rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_surface_is_collected),
        cmocka_unit_test(test_luacheckrc_is_the_sandbox),
        cmocka_unit_test(test_annotations_follow_the_dsl),
        cmocka_unit_test(test_docs_name_every_global),
        cmocka_unit_test(test_removed_functions_are_absent),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
