/*
 * pf_sandbox.c - everything a rule file can reach (see pf_sandbox.h).
 *
 * Reading order for a review: the allow-lists on this page name every base
 * function and every library function a rule can call, the ones removed and
 * the ones wrapped; then come the wrappers (bounds on C loops the count hook
 * cannot interrupt, no memory addresses in any text, views seen through),
 * then how the libraries, the sandbox table and a rule file's environment
 * are built. The read-only views themselves are pf_view.c; the limits the
 * wrappers check are pf_limits.c. tests/unit/test_surface.c holds the
 * lists kept by hand (.luacheckrc, the editor annotations, docs/rules.md)
 * to the sandbox built here.
 */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "pf_limits.h"
#include "pf_sandbox.h"
#include "pf_view.h"

#define REP_MAX_BYTES (4u << 20) /* string.rep result cap */
#define RANGE_MAX 1000000        /* table.move / table.unpack range cap */

static int sb_tostring(lua_State *L);
static int sb_next(lua_State *L);
static int sb_rawlen(lua_State *L);
static int sb_string_rep(lua_State *L);
static int sb_string_format(lua_State *L);
/* The pattern functions, held to the cost budget: [-n, +r, e] */
static int sb_str_find(lua_State *L);
static int sb_str_match(lua_State *L);
static int sb_str_repeated(lua_State *L);
/* [-(4|5), +1, e] */
static int sb_table_move(lua_State *L);
/* [-(1|2|3), +r, e] */
static int sb_table_unpack(lua_State *L);

/* ==================================================================== */
/* The allow-lists                                                        */
/* ==================================================================== */

/* The base functions a rule may call as they are (S2). */
static const char *const SANDBOX_BASE[] = {"assert",   "error", "ipairs",   "pairs", "select",
                                           "tonumber", "type",  "rawequal", NULL};

/* Base functions a rule gets in the sandbox's own version (see each). */
static const luaL_Reg SANDBOX_OWN_BASE[] = {{"pcall", pf_sandbox_pcall},
                                            {"tostring", sb_tostring},
                                            {"next", sb_next},
                                            {"rawlen", sb_rawlen},
                                            {NULL, NULL}};

/* The libraries opened in the state, one by one (never luaL_openlibs: a
 * distro liblua would bring package, io and os). The base library stays
 * whole for the prelude; rules see only SANDBOX_BASE of it. */
static const luaL_Reg LIBS_OPENED[] = {
    {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
    {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
    {LUA_UTF8LIBNAME, luaopen_utf8}, {NULL, NULL}};

/* What each library keeps: every other entry is removed from the library
 * table itself, so a method call on a string cannot reach it either. A name
 * the library lacks is simply absent. */
static const char *const STRING_KEPT[] = {
    "byte", "char",     "find", "format",  "gmatch", "gsub",   "len",   "lower", "match",
    "pack", "packsize", "rep",  "reverse", "sub",    "unpack", "upper", NULL};
static const char *const TABLE_KEPT[] = {"concat", "insert", "move",   "pack",
                                         "remove", "sort",   "unpack", NULL};
static const char *const MATH_KEPT[] = {
    "abs", "acos", "asin", "atan", "ceil", "cos", "deg", "exp", "floor", "fmod", "huge", "log",
    "max", "maxinteger", "min", "mininteger", "modf", "pi", "rad", "sin", "sqrt", "tan",
    "tointeger", "type", "ult",
    /* Lua 5.3's, there when liblua is built with LUA_COMPAT_MATHLIB */
    "atan2", "cosh", "frexp", "ldexp", "log10", "pow", "sinh", "tanh", NULL};
static const char *const UTF8_KEPT[] = {"char", "charpattern", "codepoint", "codes",
                                        "len",  "offset",      NULL};

/* Library tables a rule may read, through read-only views, and what each keeps. */
static const struct sandbox_lib {
    const char *name;
    const char *const *kept;
} SANDBOX_LIBS[] = {{LUA_STRLIBNAME, STRING_KEPT},
                    {LUA_TABLIBNAME, TABLE_KEPT},
                    {LUA_MATHLIBNAME, MATH_KEPT},
                    {LUA_UTF8LIBNAME, UTF8_KEPT},
                    {NULL, NULL}};

/* Never kept, whatever the lists above say: bytecode (string.dump) and
 * nondeterminism (math.random, math.randomseed). */
static const char *const LIB_REMOVED[][2] = {
    {"string", "dump"}, {"math", "random"}, {"math", "randomseed"}, {NULL, NULL}};

/* Library functions replaced by a wrapper around the original: string.rep,
 * table.move and table.unpack bounded, the pattern functions held to a cost
 * budget, string.format without addresses. */
static const struct lib_wrap {
    const char *lib, *name;
    lua_CFunction wrapper;
} LIB_WRAPPED[] = {{"string", "rep", sb_string_rep},
                   {"table", "move", sb_table_move},
                   {"table", "unpack", sb_table_unpack},
                   {"string", "find", sb_str_find},
                   {"string", "format", sb_string_format},
                   {"string", "match", sb_str_match},
                   {"string", "gmatch", sb_str_repeated},
                   {"string", "gsub", sb_str_repeated},
                   {NULL, NULL, NULL}};

/* ==================================================================== */
/* Wrapped and own functions                                              */
/* ==================================================================== */

/* pcall for rules: [-(n+1), +r, e]. Like the standard one, except that a
 * limit error (instructions, time, memory) is raised again, never caught. */
int pf_sandbox_pcall(lua_State *L)
{
    luaL_checkany(L, 1);
    int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    if (pf_limits_reached(L, status)) return lua_error(L);
    lua_pushboolean(L, status == LUA_OK);
    lua_insert(L, 1);
    return lua_gettop(L);
}

/* string.rep with a cap: the C loop inside cannot be interrupted by the
 * hook, and ("").rep(1e15) would loop for hours. [-(2|3), +1, e] */
static int sb_string_rep(lua_State *L)
{
    pf_limits_check_deadline(L);
    size_t len, seplen = 0;
    luaL_checklstring(L, 1, &len);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &seplen);
    if (n > 0) {
        double total = (double)len * (double)n + (double)seplen * (double)(n - 1);
        if (total > REP_MAX_BYTES || n > (lua_Integer)REP_MAX_BYTES) {
            char msg[128]; /* lua_pushfstring knows no %.0f or %u */
            snprintf(msg, sizeof msg, "string.rep would build %.0f bytes; the limit is %u", total,
                     REP_MAX_BYTES);
            return luaL_error(L, "%s", msg);
        }
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* Lua's pattern matcher backtracks in C, out of the hook's reach: a few
 * lazy quantifiers over a long text can run for hours. Each quantifier can
 * multiply the work by the text's length, so a pattern with q quantifiers
 * over n bytes is refused when n^q (n^(q+1) when it is applied repeatedly,
 * as gmatch and gsub do) exceeds a budget. Plain finds are never limited. */
#define PATTERN_BUDGET 1e8

/* How many quantifiers the pattern has (no Lua stack). */
static int pattern_quantifiers(const char *p, size_t len)
{
    int q = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '%') {
            i++; /* an escaped character is never a quantifier */
        } else if (p[i] == '[') {
            i++;
            if (i < len && p[i] == '^') i++;
            if (i < len && p[i] == ']') i++; /* a leading ] is a member */
            while (i < len && p[i] != ']')
                i += p[i] == '%' ? 2 : 1;
        } else if (p[i] == '*' || p[i] == '+' || p[i] == '-' || p[i] == '?') {
            q++;
        }
    }
    return q;
}

/* 1 when the Lua function calling the C function running now is the
 * prelude's: the engine's own code is trusted and not held to rule limits.
 * [-0, +0, -] */
static int called_from_prelude(lua_State *L)
{
    lua_Debug ar;
    return lua_getstack(L, 1, &ar) && lua_getinfo(L, "S", &ar) &&
           strncmp(ar.source, "=prelude/", 9) == 0; /* chunks "=prelude/<module>" */
}

/* [-0, +0, e] raises if the pattern at arg 2 is too costly for arg 1. */
static void check_pattern_cost(lua_State *L, int repeated)
{
    if (called_from_prelude(L)) return;
    size_t n, plen;
    luaL_checklstring(L, 1, &n);
    const char *p = luaL_checklstring(L, 2, &plen);
    int q = pattern_quantifiers(p, plen) + (repeated ? 1 : 0);
    if (q == 0 || n < 2) return;
    double cost = 1;
    for (int i = 0; i < q && cost <= PATTERN_BUDGET; i++)
        cost *= (double)n;
    if (cost > PATTERN_BUDGET)
        luaL_error(L,
                   "pattern with %d quantifier(s) is too costly on a text of %d bytes; "
                   "use a plain find, fewer quantifiers or a shorter text",
                   q - (repeated ? 1 : 0), (int)n);
}

static int call_original(lua_State *L);

/* string.format without addresses: %p is refused and a table or function
 * given for %s prints as "<table>", so no report depends on where memory
 * was. [-n, +1, e] */
static int sb_string_format(lua_State *L)
{
    size_t len;
    const char *fmt = luaL_checklstring(L, 1, &len);
    for (size_t i = 0; i + 1 < len; i++) {
        if (fmt[i] != '%') continue;
        size_t j = i + 1;
        while (j < len && strchr("-+ #0123456789.", fmt[j]))
            j++;
        if (j < len && fmt[j] == 'p')
            return luaL_error(L, "string.format: %%p is not allowed in rules");
        i = j; /* %% and every other conversion */
    }
    for (int a = 2; a <= lua_gettop(L); a++) {
        int t = lua_type(L, a);
        if (t == LUA_TTABLE || t == LUA_TFUNCTION || t == LUA_TUSERDATA || t == LUA_TTHREAD) {
            lua_pushfstring(L, "<%s>", luaL_typename(L, a));
            lua_replace(L, a);
        }
    }
    return call_original(L);
}

/* Checks the time, then calls the original (upvalue 1) with the same
 * arguments and returns all it returns: [-n, +r, e] */
static int call_original(lua_State *L)
{
    pf_limits_check_deadline(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int sb_str_find(lua_State *L)
{
    if (!lua_toboolean(L, 4)) check_pattern_cost(L, 0); /* find(s, p, init, plain) */
    return call_original(L);
}

static int sb_str_match(lua_State *L)
{
    check_pattern_cost(L, 0);
    return call_original(L);
}

static int sb_str_repeated(lua_State *L)
{
    check_pattern_cost(L, 1);
    return call_original(L);
}

/* table.move and table.unpack with a range cap (their loops run in C):
 * [-n, +r, e]; the range is args first..last. */
static int sb_range_checked(lua_State *L, int first, int last, const char *what)
{
    lua_Integer f = luaL_optinteger(L, first, 1);
    lua_Integer e =
        lua_isnoneornil(L, last) ? (lua_Integer)luaL_len(L, 1) : luaL_checkinteger(L, last);
    if (e >= f && (lua_Unsigned)e - (lua_Unsigned)f >= RANGE_MAX)
        return luaL_error(L, "%s over more than %d elements is not allowed", what, RANGE_MAX);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int sb_table_move(lua_State *L)
{
    luaL_checkinteger(L, 3);
    return sb_range_checked(L, 2, 3, "table.move");
}

static int sb_table_unpack(lua_State *L)
{
    return sb_range_checked(L, 2, 3, "table.unpack");
}

/* The table a read-only view stands for (its __index), else the table
 * itself: [-0, +1, -]. Rules cannot set metatables, so any table with an
 * __index table is one of the host's or the prelude's views. */
static void view_target(lua_State *L, int idx)
{
    lua_pushvalue(L, idx);
    /* a tracking view wraps a view that wraps the data: follow a few links */
    for (int depth = 0; depth < 4 && lua_getmetatable(L, -1); depth++) {
        if (lua_getfield(L, -1, "__target") != LUA_TTABLE) {
            lua_pop(L, 1);
            if (lua_getfield(L, -1, "__index") != LUA_TTABLE) {
                lua_pop(L, 2);
                return;
            }
        }
        lua_replace(L, -3); /* target replaces the view; mt still on top */
        lua_pop(L, 1);
    }
}

/* next and rawlen that see through read-only views, so next(intake.skills)
 * and rawlen(intake.help) mean what a rule author expects.
 * next: [-(1|2), +(1|2), e]; rawlen: [-1, +1, e] */
static int sb_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    view_target(L, 1);
    lua_insert(L, 2); /* stack: view, target, key */
    return lua_next(L, 2) ? 2 : (lua_pushnil(L), 1);
}

static int sb_rawlen(lua_State *L)
{
    luaL_argexpected(L, lua_istable(L, 1) || lua_type(L, 1) == LUA_TSTRING, 1, "table or string");
    if (lua_type(L, 1) == LUA_TSTRING) {
        lua_pushinteger(L, (lua_Integer)lua_rawlen(L, 1));
        return 1;
    }
    view_target(L, 1);
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
    return 1;
}

/* tostring without addresses, so no report depends on where memory was.
 * [-1, +1, e] */
static int sb_tostring(lua_State *L)
{
    luaL_checkany(L, 1);
    switch (lua_type(L, 1)) {
    case LUA_TNIL:
    case LUA_TBOOLEAN:
    case LUA_TNUMBER:
    case LUA_TSTRING:
        luaL_tolstring(L, 1, NULL);
        break;
    default:
        lua_pushfstring(L, "<%s>", luaL_typename(L, 1));
        break;
    }
    return 1;
}

/* ==================================================================== */
/* Building the libraries, the sandbox and a rule file's environment      */
/* ==================================================================== */

/* Replaces lib[name] by a C closure over the original: [-0, +0, m] */
static void wrap_lib_function(lua_State *L, const char *lib, const char *name, lua_CFunction f)
{
    lua_getglobal(L, lib);
    lua_getfield(L, -1, name);
    lua_pushcclosure(L, f, 1);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

/* 1 when name is in the NULL-terminated list. */
static int listed(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (strcmp(*list, name) == 0) return 1;
    return 0;
}

/* Removes from the library table on top every entry not in kept:
 * [-0, +0, -] (clearing a field during a traversal is allowed). */
static void keep_only(lua_State *L, const char *const *kept)
{
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING || !listed(kept, lua_tostring(L, -1))) {
            lua_pushvalue(L, -1);
            lua_pushnil(L);
            lua_rawset(L, -4);
        }
    }
}

void pf_sandbox_open_libs(lua_State *L)
{
    for (const luaL_Reg *l = LIBS_OPENED; l->name; l++) {
        luaL_requiref(L, l->name, l->func, 1);
        lua_pop(L, 1);
    }
    for (const struct sandbox_lib *lib = SANDBOX_LIBS; lib->name; lib++) {
        lua_getglobal(L, lib->name);
        keep_only(L, lib->kept);
        lua_pop(L, 1);
    }
    for (int i = 0; LIB_REMOVED[i][0]; i++) {
        lua_getglobal(L, LIB_REMOVED[i][0]);
        lua_pushnil(L);
        lua_setfield(L, -2, LIB_REMOVED[i][1]);
        lua_pop(L, 1);
    }
    for (const struct lib_wrap *w = LIB_WRAPPED; w->lib; w++)
        wrap_lib_function(L, w->lib, w->name, w->wrapper);
    /* Lock the string metatable: shared by every string of the state. */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
}

void pf_sandbox_push(lua_State *L, int prelude_idx)
{
    prelude_idx = lua_absindex(L, prelude_idx);
    lua_newtable(L);
    for (int i = 0; SANDBOX_BASE[i]; i++) {
        lua_getglobal(L, SANDBOX_BASE[i]);
        lua_setfield(L, -2, SANDBOX_BASE[i]);
    }
    luaL_setfuncs(L, SANDBOX_OWN_BASE, 0);
    for (const struct sandbox_lib *lib = SANDBOX_LIBS; lib->name; lib++) {
        lua_getglobal(L, lib->name);
        pf_view_make_readonly(L);
        lua_setfield(L, -2, lib->name);
    }
    /* the DSL: everything the prelude lists in P.dsl */
    lua_getfield(L, prelude_idx, "dsl");
    luaL_checktype(L, -1, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -5);
    }
    lua_pop(L, 1);
}

int pf_sandbox_removed(int i, const char **lib, const char **name)
{
    for (int j = 0; LIB_REMOVED[j][0]; j++)
        if (j == i) {
            *lib = LIB_REMOVED[j][0];
            *name = LIB_REMOVED[j][1];
            return 1;
        }
    return 0;
}

/* __newindex of a rule file's env: [-3, +0, e] */
static int global_write_error(lua_State *L)
{
    return luaL_error(L, "rule files may not set the global '%s'; declare it with 'local' instead",
                      lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?");
}

/* A fresh environment for one rule file: [-0, +1, m]; sandbox at sb_idx. */
void pf_sandbox_push_rule_env(lua_State *L, int sb_idx)
{
    sb_idx = lua_absindex(L, sb_idx);
    lua_newtable(L);
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, sb_idx);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, global_write_error);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}
