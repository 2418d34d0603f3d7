/*
 * pf_eval.c - the rule evaluator: one sandboxed Lua 5.4 state per pf_eval_t.
 *
 * Layout of a state:
 *   registry[ref_prelude]  the table P the prelude returned (DSL, stages)
 *   sandbox                plain table: allow-listed base functions,
 *                          read-only library proxies, P.dsl entries;
 *                          reachable only as __index of each rule file's env
 *   env of a rule file     empty table {__index = sandbox, __newindex = error}
 *   intake, policy         read-only proxies over data tables
 * Every function that touches the Lua stack notes its effect as in the
 * manual: [-pop, +push, errors].
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "pf_eval.h"
#include "pf_sha256.h"
#include "pf_slab.h"
#include "pf_watch.h"

extern const unsigned char pf_prelude_lua[];
extern const size_t pf_prelude_lua_len;

#define HOOK_EVERY 1000          /* instructions between limit checks */
#define GRACE_NS 10000000L       /* CPU time an intake runs before its limits are checked */
#define RECHECK_NS 100000000L    /* then the hook is set again this often (see arm) */
#define MSG_MAX 1024             /* error messages are cut here */
#define REP_MAX_BYTES (4u << 20) /* string.rep result cap */
#define RANGE_MAX 1000000        /* table.move / table.unpack range cap */
#define RULE_FILE_MAX (1u << 20)

struct pf_eval {
    lua_State *L;
    pf_eval_config_t cfg;
    /* memory accounting (allocator ud) */
    size_t mem_large; /* bytes in blocks from malloc; the slab holds the rest */
    pf_slab_t slab;   /* the state's small blocks */
    int mem_failed;
    struct run_args *run; /* the evaluation under way, for host.emit */
    /* limits, checked in the count hook once the watch has set it */
    int armed;
    pf_watch_t watch;
    unsigned long long instr_used;
    double deadline;
    char killed[160]; /* non-empty: the state is over a limit */
    /* prelude */
    int ref_prelude;
    int ref_upvalues; /* {f, i, value, ...}: rule upvalues as loaded */
    /* reports */
    size_t nreports;
    char **report_names;
    char ***report_columns;
    size_t nrules;
    char digest[65];
    /* rule counters of states closed by a rebuild, added to the live ones */
    pf_rule_stat_t *carry;
    size_t ncarry;
};

static int host_emit(lua_State *L);

/* The evaluator lives in the state's extra space, for the hook and wrappers. */
static pf_eval_t *get_ev(lua_State *L)
{
    return *(pf_eval_t **)lua_getextraspace(L);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void pf_eval_limits_default(pf_eval_limits_t *l)
{
    l->mem_bytes = 64u << 20;
    l->instructions = 20000000ULL;
    l->seconds = 2.0;
}

/* ==================================================================== */
/* Memory cap                                                            */
/* ==================================================================== */

/* The state's allocator. The cap counts what the state holds: blocks from
 * malloc by their size, and the slab's chunks whole (freed small blocks stay
 * in them), so no pattern of allocations can hold more than the cap. */
static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    pf_eval_t *ev = ud;
    if (ptr == NULL) osize = 0; /* then osize is a type tag, not a size */
    size_t olarge = pf_slab_is_small(osize) ? 0 : osize;
    if (nsize == 0) {
        pf_slab_realloc(&ev->slab, ptr, osize, 0);
        ev->mem_large -= olarge;
        return NULL;
    }
    size_t nlarge = pf_slab_is_small(nsize) ? 0 : nsize;
    size_t adds = nlarge + pf_slab_grow_cost(&ev->slab, osize, nsize);
    size_t held = ev->mem_large + ev->slab.chunk_bytes;
    if (adds > olarge && held - olarge + adds > ev->cfg.limits.mem_bytes) {
        ev->mem_failed = 1;
        return NULL; /* Lua collects garbage and retries, then raises ERRMEM */
    }
    void *p = pf_slab_realloc(&ev->slab, ptr, osize, nsize);
    if (!p) return NULL;
    ev->mem_large = ev->mem_large - olarge + nlarge;
    return p;
}

/* ==================================================================== */
/* Instruction budget and deadline                                        */
/* ==================================================================== */

static void count_hook(lua_State *L, lua_Debug *ar);

/* The watch's alarm, in signal context on the evaluating thread: from now
 * on this intake's instructions are counted and its clock is checked. */
static void start_counting(void *ud)
{
    pf_eval_t *ev = ud;
    lua_sethook(ev->L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
}

/*
 * Starts the limits for one intake (or rule file). With any count hook
 * set, Lua 5.4 sends every instruction through its hook dispatcher, which
 * cost a sixth of the run time; a normal intake finishes in well under a
 * millisecond. So the hook is set only when the intake has used GRACE_NS
 * of CPU time: the instruction budget counts from there, the deadline from
 * here. It is set again every RECHECK_NS, in case Lua missed the first
 * (it can clear a frame's trap just after the signal); not more often,
 * because setting it walks the whole call stack, which on a deep recursion
 * would take the thread's whole time. Where the watch cannot work, the
 * hook is set at once, as before.
 */
static void arm(pf_eval_t *ev)
{
    ev->instr_used = 0;
    ev->deadline = now_seconds() + ev->cfg.limits.seconds;
    ev->killed[0] = '\0';
    ev->mem_failed = 0;
    ev->armed = 1;
    if (!pf_watch_arm(&ev->watch, GRACE_NS, RECHECK_NS, start_counting, ev))
        lua_sethook(ev->L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
}

/* Ends the limits: no alarm pending, no hook left for the next intake. */
static void disarm(pf_eval_t *ev)
{
    ev->armed = 0;
    pf_watch_disarm(&ev->watch);
    if (ev->L) lua_sethook(ev->L, NULL, 0, 0);
}

/* Once over a limit the state stays "killed": every later hook call raises
 * again, so a rule cannot catch the error and carry on. */
static void count_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    pf_eval_t *ev = get_ev(L);
    if (!ev->armed) return;
    if (!ev->killed[0]) {
        ev->instr_used += HOOK_EVERY;
        if (ev->instr_used > ev->cfg.limits.instructions)
            snprintf(ev->killed, sizeof ev->killed,
                     "went over the limit of %llu Lua instructions for one intake",
                     ev->cfg.limits.instructions);
        else if (now_seconds() > ev->deadline)
            snprintf(ev->killed, sizeof ev->killed,
                     "went over the time limit of %g seconds for one intake",
                     ev->cfg.limits.seconds);
    }
    if (ev->killed[0]) luaL_error(L, "%s", ev->killed);
}

/* pcall for rules: [-(n+1), +r, e]. Like the standard one, except that a
 * limit error (instructions, time, memory) is raised again, never caught. */
static int sb_pcall(lua_State *L)
{
    luaL_checkany(L, 1);
    int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    pf_eval_t *ev = get_ev(L);
    if (status == LUA_ERRMEM && !ev->killed[0])
        snprintf(ev->killed, sizeof ev->killed, "went over the memory limit of %zu MiB",
                 ev->cfg.limits.mem_bytes >> 20);
    if (status != LUA_OK && ev->killed[0]) return lua_error(L);
    lua_pushboolean(L, status == LUA_OK);
    lua_insert(L, 1);
    return lua_gettop(L);
}

/* ==================================================================== */
/* Error messages                                                        */
/* ==================================================================== */

/* Message handler: [-1, +1, m]. Never calls __tostring (a rule's error
 * object could loop there), cuts long messages, adds a traceback. */
static int msghandler(lua_State *L)
{
    size_t len = 0;
    const char *msg = NULL;
    int t = lua_type(L, 1);
    if (t == LUA_TSTRING || t == LUA_TNUMBER)
        msg = lua_tolstring(L, 1, &len);
    else
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    if (msg && len > MSG_MAX) msg = lua_pushlstring(L, msg, MSG_MAX);
    if (!lua_checkstack(L, 8)) return 1;
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Copies a message and a trimmed traceback: only the frames in rule files
 * (the prelude and C frames say nothing to an analyst). */
static void format_lua_error(const char *raw, char *out, size_t outsz)
{
    const char *tb = strstr(raw, "\nstack traceback:");
    size_t head = tb ? (size_t)(tb - raw) : strlen(raw);
    pf_buf_t b;
    pf_buf_init(&b);
    pf_buf_add(&b, raw, head);
    int frames = 0;
    for (const char *p = tb ? tb + 1 : NULL; p && *p && frames < 4;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        const char *line = p;
        while (n && (*line == '\t' || *line == ' '))
            line++, n--;
        if (n && strncmp(line, "[C]", 3) != 0 && strncmp(line, "prelude", 7) != 0 &&
            strncmp(line, "stack traceback", 15) != 0 && strncmp(line, "(...", 4) != 0) {
            pf_buf_addstr(&b, frames ? " < " : " [at ");
            pf_buf_add(&b, line, n);
            frames++;
        }
        p = nl ? nl + 1 : NULL;
    }
    if (frames) pf_buf_addc(&b, ']');
    snprintf(out, outsz, "%s", b.data ? b.data : "");
    pf_buf_delete(&b);
}

/* Runs the function below nargs arguments with the message handler. */
static int protected_call(lua_State *L, int nargs, int nresults)
{
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, msghandler);
    lua_insert(L, base);
    int status = lua_pcall(L, nargs, nresults, base);
    lua_remove(L, base);
    return status;
}

/* Text of the error on top of the stack after a failed protected_call. */
static void error_text(lua_State *L, int status, char *out, size_t outsz)
{
    pf_eval_t *ev = get_ev(L);
    if (ev->killed[0]) {
        snprintf(out, outsz, "%s", ev->killed);
    } else if (status == LUA_ERRMEM) {
        snprintf(out, outsz, "went over the memory limit of %zu MiB",
                 ev->cfg.limits.mem_bytes >> 20);
    } else if (status == LUA_ERRERR) {
        snprintf(out, outsz, "an error occurred while reporting another error");
    } else {
        const char *raw = lua_tostring(L, -1);
        format_lua_error(raw ? raw : "(no message)", out, outsz);
    }
}

/* ==================================================================== */
/* Read-only views                                                        */
/* ==================================================================== */

/* A key as a message shows it: field 'name', item [3], or a boolean key.
 * [-0, +0, -] */
static const char *key_text(lua_State *L, int idx, char *buf, size_t size)
{
    if (lua_type(L, idx) == LUA_TSTRING)
        snprintf(buf, size, "field '%.100s'", lua_tostring(L, idx));
    else if (lua_isinteger(L, idx))
        snprintf(buf, size, "item [%lld]", (long long)lua_tointeger(L, idx));
    else if (lua_type(L, idx) == LUA_TNUMBER)
        snprintf(buf, size, "item [%.14g]", (double)lua_tonumber(L, idx));
    else
        snprintf(buf, size, "a %s key", luaL_typename(L, idx));
    return buf;
}

static int ro_newindex(lua_State *L)
{
    char key[128];
    return luaL_error(L, "this table is read-only (tried to set %s)",
                      key_text(L, 2, key, sizeof key));
}

/* [-0, +1, -] the data table behind proxy at index 1 */
static void ro_data(lua_State *L)
{
    if (!lua_getmetatable(L, 1)) luaL_error(L, "not a read-only view");
    lua_getfield(L, -1, "__index");
    lua_remove(L, -2);
}

static int ro_len(lua_State *L)
{
    ro_data(L);
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
    return 1;
}

/* The iterator of a view's pairs: next over the data table, which stays
 * hidden in an upvalue (returning it, as `next, data` would, hands a rule
 * the writable table). [-2, +(1|2), -] */
static int ro_iter(lua_State *L)
{
    lua_settop(L, 2);
    if (lua_next(L, lua_upvalueindex(1))) return 2;
    lua_pushnil(L);
    return 1;
}

static int ro_pairs(lua_State *L)
{
    ro_data(L);
    lua_pushcclosure(L, ro_iter, 1);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* ---- sorted keys ---- */

/* The registry-free tag under which a view's metatable keeps its sorted
 * keys: its address is the key (a constant, not state). */
static const char KEYS_CACHE = 'k';

typedef struct sort_key {
    lua_Number num;
    const char *str; /* NULL for a number */
    size_t len;
    lua_Integer pos; /* where the key itself is, in the unsorted list */
} sort_key_t;

/* Numbers first, by value; then text, byte by byte (what Lua's < does on
 * text in the C locale, which the host never changes). */
static int compare_keys(const void *pa, const void *pb)
{
    const sort_key_t *a = pa, *b = pb;
    if (!a->str || !b->str) {
        if (a->str || b->str) return a->str ? 1 : -1;
        return (a->num > b->num) - (a->num < b->num);
    }
    int c = memcmp(a->str, b->str, a->len < b->len ? a->len : b->len);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* Pushes a new list with the entries of the list at idx: [-0, +1, m] */
static void push_list_copy(lua_State *L, int idx)
{
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    lua_createtable(L, (int)n, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        lua_rawseti(L, -2, i);
    }
}

/* Pushes the sorted keys of the plain table at data (but "\1pos"), or
 * nothing and returns 0 when a key is neither a number nor text.
 * [-0, +(0|1), m] */
static int push_sorted_keys(lua_State *L, int data)
{
    size_t n = 0;
    lua_newtable(L); /* keys, unsorted; keeps their strings alive */
    int keys = lua_gettop(L);
    for (lua_pushnil(L); lua_next(L, data); lua_pop(L, 1)) {
        int t = lua_type(L, -2);
        if (t != LUA_TNUMBER && t != LUA_TSTRING) {
            lua_settop(L, keys - 1);
            return 0;
        }
        if (t == LUA_TSTRING && strcmp(lua_tostring(L, -2), "\1pos") == 0) continue;
        lua_pushvalue(L, -2);
        lua_rawseti(L, keys, (lua_Integer)++n);
    }
    sort_key_t *k = lua_newuserdatauv(L, (n ? n : 1) * sizeof *k, 0); /* freed by the GC */
    for (size_t i = 0; i < n; i++) {
        k[i].pos = (lua_Integer)i + 1;
        lua_rawgeti(L, keys, k[i].pos);
        if (lua_type(L, -1) == LUA_TSTRING) {
            k[i].str = lua_tolstring(L, -1, &k[i].len); /* alive in keys */
        } else {
            k[i].str = NULL;
            k[i].num = lua_tonumber(L, -1);
        }
        lua_pop(L, 1);
    }
    qsort(k, n, sizeof *k, compare_keys);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) { /* the keys themselves: 1 stays an integer */
        lua_rawgeti(L, keys, k[i].pos);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_replace(L, keys); /* the sorted list where the unsorted one was */
    lua_pop(L, 1);        /* the userdata */
    return 1;
}

/*
 * host.keys(t) -> the keys of t sorted as the DSL's sorted_keys sorts them,
 * in a new list; nothing when t is not a plain table or a host view, or has
 * keys other than numbers and text (the prelude then sorts in Lua). A
 * view's data never changes, so its keys are sorted once and kept in its
 * metatable; rules sort the same answers again and again. [-1, +(0|1), m]
 */
static int host_keys(lua_State *L)
{
    if (!lua_istable(L, 1)) return 0;
    lua_settop(L, 1);
    if (!lua_getmetatable(L, 1)) return push_sorted_keys(L, 1); /* [t, mt] */
    lua_pushliteral(L, "__pairs");
    if (lua_rawget(L, 2) != LUA_TFUNCTION || lua_tocfunction(L, -1) != ro_pairs) return 0;
    if (lua_rawgetp(L, 2, &KEYS_CACHE) == LUA_TTABLE) { /* [t, mt, pairs, cached] */
        push_list_copy(L, 4);
        return 1;
    }
    lua_pushliteral(L, "__index");
    lua_rawget(L, 2); /* [t, mt, pairs, nil, data] */
    if (!lua_istable(L, 5) || !push_sorted_keys(L, 5)) return 0;
    push_list_copy(L, 6);
    lua_rawsetp(L, 2, &KEYS_CACHE); /* the copy stays with the view */
    return 1;
}

static int ro_tostring(lua_State *L)
{
    lua_pushliteral(L, "<read-only table>");
    return 1;
}

/* Pushes the metatable of a read-only view of the table at data, refusing
 * writes with newindex: [-0, +1, m]. Shared by the host's views of intakes,
 * policy and libraries, and by frozen rule-file tables. */
static void push_view_mt(lua_State *L, int data, lua_CFunction newindex)
{
    data = lua_absindex(L, data);
    lua_createtable(L, 0, 6);
    lua_pushvalue(L, data);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, newindex);
    lua_setfield(L, -2, "__newindex");
    static const luaL_Reg view_meta[] = {
        {"__len", ro_len}, {"__pairs", ro_pairs}, {"__tostring", ro_tostring}, {NULL, NULL}};
    luaL_setfuncs(L, view_meta, 0);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
}

/* Replaces the table on top by a read-only proxy of it: [-1, +1, m] */
static void make_readonly(lua_State *L)
{
    lua_createtable(L, 0, 0); /* data proxy */
    push_view_mt(L, -2, ro_newindex);
    lua_setmetatable(L, -2); /* data proxy */
    lua_remove(L, -2);       /* proxy */
}

/* Records where each entry of a list or map came from, as "line:column"
 * under the key "\1pos" of its data table (no YAML key can hold \1: the
 * reader refuses control characters). Only for the policy, whose messages
 * point into the file. [-0, +0, m]; data table on top. */
static void add_positions(lua_State *L, const pf_value_t *v)
{
    lua_createtable(L, 0, (int)v->count);
    for (size_t i = 0; i < v->count; i++) {
        if (v->kind == PF_VAL_MAP)
            lua_pushstring(L, v->keys[i]);
        else
            lua_pushinteger(L, (lua_Integer)i + 1);
        lua_pushfstring(L, "%d:%d", (int)v->items[i].line, (int)v->items[i].column);
        lua_rawset(L, -3);
    }
    lua_setfield(L, -2, "\1pos");
}

/* Pushes a typed value as Lua data: [-0, +1, m]. Tables become read-only
 * proxies; with_pos records source positions (see add_positions). */
static void push_value(lua_State *L, const pf_value_t *v, int with_pos)
{
    luaL_checkstack(L, 6, "value nested too deeply");
    switch (v->kind) {
    case PF_VAL_BOOL:
        lua_pushboolean(L, v->b);
        return;
    case PF_VAL_INT:
        lua_pushinteger(L, (lua_Integer)v->i);
        return;
    case PF_VAL_NUM:
        lua_pushnumber(L, (lua_Number)v->n);
        return;
    case PF_VAL_STR:
        lua_pushlstring(L, v->s, v->len);
        return;
    case PF_VAL_LIST:
        lua_createtable(L, (int)v->count, 0);
        for (size_t i = 0; i < v->count; i++) {
            push_value(L, &v->items[i], with_pos);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    case PF_VAL_MAP:
        lua_createtable(L, 0, (int)v->count);
        for (size_t i = 0; i < v->count; i++) {
            lua_pushstring(L, v->keys[i]);
            push_value(L, &v->items[i], with_pos);
            lua_rawset(L, -3);
        }
        break;
    }
    if (with_pos) add_positions(L, v);
    make_readonly(L);
}

/* ==================================================================== */
/* Sandbox                                                               */
/* ==================================================================== */

/* The base functions a rule may call as they are (S2); pcall, tostring,
 * next and rawlen are the sandbox's own versions, set in push_sandbox. */
static const char *const SANDBOX_BASE[] = {"assert",   "error", "ipairs",   "pairs", "select",
                                           "tonumber", "type",  "rawequal", NULL};
/* Library tables a rule may read, through read-only proxies. */
static const char *const SANDBOX_LIBS[] = {"string", "table", "math", "utf8", NULL};
/* Library entries removed outright: bytecode, nondeterminism. */
static const char *const LIB_REMOVED[][2] = {
    {"string", "dump"}, {"math", "random"}, {"math", "randomseed"}, {NULL, NULL}};

/* The hook sees instructions, not the work a C function does per call:
 * a loop of 4 MB string.rep calls can run 250 calls between two checks.
 * The costly wrappers check the deadline themselves before working. */
static void check_deadline(lua_State *L)
{
    pf_eval_t *ev = get_ev(L);
    if (ev->armed && !ev->killed[0] && now_seconds() > ev->deadline)
        snprintf(ev->killed, sizeof ev->killed,
                 "went over the time limit of %g seconds for one intake", ev->cfg.limits.seconds);
    if (ev->killed[0]) luaL_error(L, "%s", ev->killed);
}

/* string.rep with a cap: the C loop inside cannot be interrupted by the
 * hook, and ("").rep(1e15) would loop for hours. [-(2|3), +1, e] */
static int sb_string_rep(lua_State *L)
{
    check_deadline(L);
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
 * prelude's: the engine's own code is trusted and not held to rule limits. */
static int called_from_prelude(lua_State *L)
{
    lua_Debug ar;
    return lua_getstack(L, 1, &ar) && lua_getinfo(L, "S", &ar) &&
           strcmp(ar.source, "=prelude") == 0;
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

static int call_original(lua_State *L)
{
    check_deadline(L);
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

/* table.move and table.unpack with a range cap (their loops run in C). */
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
 * and rawlen(intake.help) mean what a rule author expects. */
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

/* tostring without addresses, so no report depends on where memory was. */
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

/* Replaces lib[name] by a C closure over the original: [-0, +0, m] */
static void wrap_lib_function(lua_State *L, const char *lib, const char *name, lua_CFunction f)
{
    lua_getglobal(L, lib);
    lua_getfield(L, -1, name);
    lua_pushcclosure(L, f, 1);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

/* Opens only the allowed libraries, one by one (never luaL_openlibs: a
 * distro liblua would bring package, io and os). [-0, +0, e] */
static void open_allowed_libs(lua_State *L)
{
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8}, {NULL, NULL}};
    for (const luaL_Reg *l = libs; l->name; l++) {
        luaL_requiref(L, l->name, l->func, 1);
        lua_pop(L, 1);
    }
    for (int i = 0; LIB_REMOVED[i][0]; i++) {
        lua_getglobal(L, LIB_REMOVED[i][0]);
        lua_pushnil(L);
        lua_setfield(L, -2, LIB_REMOVED[i][1]);
        lua_pop(L, 1);
    }
    wrap_lib_function(L, "string", "rep", sb_string_rep);
    wrap_lib_function(L, "table", "move", sb_table_move);
    wrap_lib_function(L, "table", "unpack", sb_table_unpack);
    wrap_lib_function(L, "string", "find", sb_str_find);
    wrap_lib_function(L, "string", "format", sb_string_format);
    wrap_lib_function(L, "string", "match", sb_str_match);
    wrap_lib_function(L, "string", "gmatch", sb_str_repeated);
    wrap_lib_function(L, "string", "gsub", sb_str_repeated);
    /* Lock the string metatable: shared by every string of the state. */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
}

/* Pushes the sandbox table rule envs read from: [-0, +1, m] */
static void push_sandbox(lua_State *L, int prelude_idx)
{
    prelude_idx = lua_absindex(L, prelude_idx);
    lua_newtable(L);
    for (int i = 0; SANDBOX_BASE[i]; i++) {
        lua_getglobal(L, SANDBOX_BASE[i]);
        lua_setfield(L, -2, SANDBOX_BASE[i]);
    }
    /* the sandbox's own versions of base functions (see their comments) */
    static const luaL_Reg own_base[] = {{"pcall", sb_pcall},
                                        {"tostring", sb_tostring},
                                        {"next", sb_next},
                                        {"rawlen", sb_rawlen},
                                        {NULL, NULL}};
    luaL_setfuncs(L, own_base, 0);
    for (int i = 0; SANDBOX_LIBS[i]; i++) {
        lua_getglobal(L, SANDBOX_LIBS[i]);
        make_readonly(L);
        lua_setfield(L, -2, SANDBOX_LIBS[i]);
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

static int global_write_error(lua_State *L)
{
    return luaL_error(L, "rule files may not set the global '%s'; declare it with 'local' instead",
                      lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?");
}

/* A fresh environment for one rule file: [-0, +1, m]; sandbox at sb_idx. */
static void push_rule_env(lua_State *L, int sb_idx)
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

/* ==================================================================== */
/* Host functions for the prelude                                         */
/* ==================================================================== */

/* host.where(level) -> "file:line" of a caller: [-(0|1), +1, m] */
static int host_where(lua_State *L)
{
    int level = (int)luaL_optinteger(L, 1, 1);
    lua_Debug ar;
    if (!lua_getstack(L, level, &ar) || !lua_getinfo(L, "Sl", &ar) || ar.currentline < 0) {
        lua_pushliteral(L, "?");
        return 1;
    }
    lua_pushfstring(L, "%s:%d", ar.short_src, ar.currentline);
    return 1;
}

/* host.clock() -> monotonic seconds: [-0, +1, -] */
static int host_clock(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)now_seconds());
    return 1;
}

/* ==================================================================== */
/* Building a state                                                       */
/* ==================================================================== */

typedef struct build_args {
    pf_eval_t *ev;
    pf_errlist_t *errs;
} build_args_t;

static void add_error(pf_errlist_t *errs, const char *kind, const char *msg)
{
    pf_err_t *e = pf_errlist_add(errs);
    snprintf(e->kind, sizeof e->kind, "%s", kind);
    snprintf(e->msg, sizeof e->msg, "%s", msg);
}

/* Appends every string of the list on top to errs, then pops it: [-1, +0, -] */
static size_t collect_errors(lua_State *L, pf_errlist_t *errs, const char *kind)
{
    size_t n = 0;
    if (lua_istable(L, -1)) {
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TSTRING; i++, n++) {
            add_error(errs, kind, lua_tostring(L, -1));
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return n;
}

/* Loads the prelude and hands it the policy: [-0, +1, e] pushes P. */
static int load_prelude(lua_State *L, pf_eval_t *ev, pf_errlist_t *errs)
{
    char msg[PF_ERR_MSG_MAX];
    int status =
        luaL_loadbufferx(L, (const char *)pf_prelude_lua, pf_prelude_lua_len, "=prelude", "t");
    if (status == LUA_OK) status = protected_call(L, 0, 1);
    if (status != LUA_OK || !lua_istable(L, -1)) {
        error_text(L, status, msg, sizeof msg);
        add_error(errs, "internal", msg);
        return 0;
    }
    /* P.init(host) -> list of policy problems */
    lua_getfield(L, -1, "init");
    lua_createtable(L, 0, 6);
    static const luaL_Reg host_functions[] = {{"where", host_where},
                                              {"emit", host_emit},
                                              {"keys", host_keys},
                                              {"pcall", sb_pcall},
                                              {NULL, NULL}};
    luaL_setfuncs(L, host_functions, 0);
    if (ev->cfg.timings) {
        lua_pushcfunction(L, host_clock);
        lua_setfield(L, -2, "clock");
    }
    push_value(L, ev->cfg.policy, 1);
    lua_setfield(L, -2, "policy");
    lua_pushstring(L, ev->cfg.policy_path ? ev->cfg.policy_path : "policy");
    lua_setfield(L, -2, "policy_path");
    arm(ev);
    status = protected_call(L, 1, 1);
    disarm(ev);
    if (status != LUA_OK) {
        error_text(L, status, msg, sizeof msg);
        add_error(errs, "policy", msg);
        lua_pop(L, 1);
        return 0;
    }
    return collect_errors(L, errs, "policy") == 0;
}

/* Sorted names of the *.lua files in dir; NULL-terminated, malloc'd. */
static char **list_rule_files(const char *dir, pf_errlist_t *errs)
{
    DIR *d = opendir(dir);
    if (!d) {
        char msg[PF_ERR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s: cannot open the rules folder: %s", dir, strerror(errno));
        add_error(errs, "rules.io", msg);
        return NULL;
    }
    size_t n = 0, cap = 16;
    char **names = pf_xmalloc(cap * sizeof *names);
    for (struct dirent *de; (de = readdir(d));) {
        size_t len = strlen(de->d_name);
        if (len < 5 || de->d_name[0] == '.' || strcmp(de->d_name + len - 4, ".lua") != 0) continue;
        if (n + 1 >= cap) names = pf_xrealloc(names, (cap *= 2) * sizeof *names);
        names[n++] = pf_xstrdup(de->d_name);
    }
    closedir(d);
    names[n] = NULL;
    /* strcmp order: byte-wise, the same on every machine and locale */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    return names;
}

static void free_names(char **names)
{
    for (size_t i = 0; names && names[i]; i++)
        free(names[i]);
    free(names);
}

/* Loads and runs one rule file in its own env: [-0, +0, e]; sandbox at sb. */
static void load_rule_file(lua_State *L, pf_eval_t *ev, int sb, const char *display,
                           pf_sha256_t *sha, pf_errlist_t *errs)
{
    char msg[PF_ERR_MSG_MAX];
    char *buf;
    size_t len;
    pf_err_t ioerr;
    if (!pf_read_file(display, RULE_FILE_MAX, &buf, &len, &ioerr)) {
        snprintf(msg, sizeof msg, "%.200s: %.800s", display, ioerr.msg);
        add_error(errs, "rules.io", msg);
        return;
    }
    pf_sha256_update(sha, display, strlen(display) + 1);
    pf_sha256_update(sha, buf, len);
    char chunkname[PF_ERR_FIELD_MAX];
    snprintf(chunkname, sizeof chunkname, "@%s", display);
    /* text only: precompiled bytecode can crash the interpreter */
    int status = luaL_loadbufferx(L, buf, len, chunkname, "t");
    free(buf);
    if (status == LUA_OK) {
        push_rule_env(L, sb);
        lua_setupvalue(L, -2, 1); /* _ENV */
        arm(ev);
        status = protected_call(L, 0, 0);
        disarm(ev);
        if (status == LUA_OK) return;
    }
    error_text(L, status, msg, sizeof msg);
    int limit = ev->killed[0] || status == LUA_ERRMEM;
    if (limit) { /* the limit's own words speak of an intake: say it was the file */
        char *tail = strstr(msg, " for one intake");
        if (tail) *tail = '\0';
        char full[PF_ERR_MSG_MAX];
        snprintf(full, sizeof full,
                 "%.200s: the file's top-level code %.700s while the pack loaded", display, msg);
        add_error(errs, "rules.load", full);
    } else if (status == LUA_ERRSYNTAX && strncmp(msg, display, strlen(display)) != 0) {
        char full[PF_ERR_MSG_MAX];
        snprintf(full, sizeof full, "%.200s: %.800s", display, msg);
        add_error(errs, "rules.syntax", full);
    } else {
        add_error(errs, status == LUA_ERRSYNTAX ? "rules.syntax" : "rules.load", msg);
    }
    lua_pop(L, 1);
}

/* Loads every rule file, then lets the prelude cross-check the pack.
 * [-0, +0, e]; P at index p. */
static int load_rule_pack(lua_State *L, pf_eval_t *ev, int p, pf_errlist_t *errs)
{
    size_t before = errs->count;
    char **names = list_rule_files(ev->cfg.rules_dir, errs);
    if (!names) return 0;
    push_sandbox(L, p);
    int sb = lua_gettop(L);
    pf_sha256_t sha;
    pf_sha256_init(&sha);
    const char *dir = ev->cfg.rules_dir;
    size_t dlen = strlen(dir);
    while (dlen > 1 && dir[dlen - 1] == '/')
        dlen--;
    for (size_t i = 0; names[i]; i++) {
        char display[PF_ERR_FIELD_MAX];
        snprintf(display, sizeof display, "%.*s/%s", (int)dlen, dir, names[i]);
        load_rule_file(L, ev, sb, display, &sha, errs);
    }
    if (!names[0]) {
        char msg[PF_ERR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s: the rules folder holds no .lua files", dir);
        add_error(errs, "rules.io", msg);
    }
    free_names(names);
    lua_pop(L, 1); /* sandbox */
    unsigned char digest[32];
    pf_sha256_final(&sha, digest);
    pf_sha256_tohex(digest, ev->digest);
    /* P.finish() -> problems, rule count */
    lua_getfield(L, p, "finish");
    if (protected_call(L, 0, 2) != LUA_OK) {
        char msg[PF_ERR_MSG_MAX];
        error_text(L, LUA_ERRRUN, msg, sizeof msg);
        add_error(errs, "internal", msg);
        lua_pop(L, 1);
        return 0;
    }
    ev->nrules = (size_t)lua_tointeger(L, -1);
    lua_pop(L, 1);
    collect_errors(L, errs, "rules.check");
    return errs->count == before;
}

/* Reads P.reports into C strings: [-0, +0, e]; P at index p. */
static int read_reports(lua_State *L, pf_eval_t *ev, int p, pf_errlist_t *errs)
{
    lua_getfield(L, p, "reports");
    size_t n = lua_istable(L, -1) ? (size_t)lua_rawlen(L, -1) : 0;
    ev->report_names = pf_xcalloc(n + 1, sizeof *ev->report_names);
    ev->report_columns = pf_xcalloc(n + 1, sizeof *ev->report_columns);
    ev->nreports = n;
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        lua_getfield(L, -1, "name");
        lua_getfield(L, -2, "columns");
        if (!lua_isstring(L, -2) || !lua_istable(L, -1)) {
            add_error(errs, "internal", "the prelude describes a report without name or columns");
            lua_pop(L, 4);
            return 0;
        }
        ev->report_names[i] = pf_xstrdup(lua_tostring(L, -2));
        size_t nc = (size_t)lua_rawlen(L, -1);
        ev->report_columns[i] = pf_xcalloc(nc + 1, sizeof(char *));
        for (size_t c = 0; c < nc; c++) {
            lua_rawgeti(L, -1, (lua_Integer)c + 1);
            ev->report_columns[i][c] = pf_xstrdup(lua_isstring(L, -1) ? lua_tostring(L, -1) : "?");
            lua_pop(L, 1);
        }
        lua_pop(L, 3);
    }
    lua_pop(L, 1);
    return 1;
}

static void free_reports(pf_eval_t *ev)
{
    for (size_t i = 0; i < ev->nreports; i++) {
        free(ev->report_names[i]);
        for (size_t c = 0; ev->report_columns[i] && ev->report_columns[i][c]; c++)
            free(ev->report_columns[i][c]);
        free(ev->report_columns[i]);
    }
    free(ev->report_names);
    free(ev->report_columns);
    ev->report_names = NULL;
    ev->report_columns = NULL;
    ev->nreports = 0;
}

/* ==================================================================== */
/* Freezing the rule files' state                                         */
/* ==================================================================== */

static int frozen_newindex(lua_State *L)
{
    char key[128];
    return luaL_error(L,
                      "tables of a rule file are read-only once the pack is loaded "
                      "(tried to set %s); keep per-intake values in locals",
                      key_text(L, 2, key, sizeof key));
}

static void freeze_value(lua_State *L, int idx, int visited, int snap);

/* Freezes a table in place: its entries move to a hidden table that a
 * read-only metatable serves (so everything holding it sees the same,
 * unchangeable contents). Tables with a metatable are the host's views
 * and are left as they are. [-0, +0, m] */
static void freeze_table(lua_State *L, int t, int visited, int snap)
{
    if (lua_getmetatable(L, t)) {
        lua_pop(L, 1);
        return;
    }
    lua_newtable(L); /* shadow */
    int shadow = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t)) { /* copy, then clear below */
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, shadow);
    }
    lua_pushnil(L);
    while (lua_next(L, shadow)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_pushnil(L);
        lua_rawset(L, t); /* assigning nil to a present field during traversal is allowed */
    }
    push_view_mt(L, shadow, frozen_newindex);
    lua_setmetatable(L, t);
    lua_pushnil(L);
    while (lua_next(L, shadow)) { /* nested tables and functions */
        freeze_value(L, lua_gettop(L), visited, snap);
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* shadow */
}

/* Records every upvalue of a rule-file function (except _ENV) as loaded,
 * to be put back before each intake, and freezes what they reach. Functions
 * of the prelude and C functions are not rule state and are skipped. */
static void freeze_function(lua_State *L, int f, int visited, int snap)
{
    lua_Debug ar;
    lua_pushvalue(L, f);
    lua_getinfo(L, ">S", &ar);
    if (strcmp(ar.what, "Lua") != 0 && strcmp(ar.what, "main") != 0) return;
    if (strcmp(ar.source, "=prelude") == 0) return;
    for (int i = 1;; i++) {
        const char *name = lua_getupvalue(L, f, i);
        if (!name) break;
        if (strcmp(name, "_ENV") != 0) {
            lua_Integer n = (lua_Integer)lua_rawlen(L, snap);
            lua_pushvalue(L, f);
            lua_rawseti(L, snap, n + 1);
            lua_pushinteger(L, i);
            lua_rawseti(L, snap, n + 2);
            lua_pushvalue(L, -1);
            lua_rawseti(L, snap, n + 3);
            freeze_value(L, lua_gettop(L), visited, snap);
        }
        lua_pop(L, 1);
    }
}

/* [-0, +0, m] value at idx, each object once (visited set) */
static void freeze_value(lua_State *L, int idx, int visited, int snap)
{
    int t = lua_type(L, idx);
    if (t != LUA_TTABLE && t != LUA_TFUNCTION) return;
    luaL_checkstack(L, 8, "rule data nested too deeply");
    lua_pushvalue(L, idx);
    if (lua_rawget(L, visited) != LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, visited);
    if (t == LUA_TTABLE)
        freeze_table(L, idx, visited, snap);
    else
        freeze_function(L, idx, visited, snap);
}

/* After loading: freeze everything the rules hold, and keep the snapshot
 * of their upvalues in the registry. [-0, +0, e]; P at index p. */
static void freeze_rule_state(lua_State *L, pf_eval_t *ev, int p)
{
    lua_newtable(L);
    int visited = lua_gettop(L);
    lua_newtable(L);
    int snap = lua_gettop(L);
    lua_getfield(L, p, "rule_objects");
    lua_call(L, 0, 1);
    for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
        freeze_value(L, lua_gettop(L), visited, snap);
        lua_pop(L, 1);
    }
    lua_pop(L, 2); /* nil, list */
    lua_pushvalue(L, snap);
    ev->ref_upvalues = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pop(L, 2);
}

/* Puts every rule upvalue back as it was loaded: [-0, +0, -] */
static void restore_rule_state(lua_State *L, pf_eval_t *ev)
{
    if (ev->ref_upvalues == LUA_NOREF) return;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ev->ref_upvalues);
    int snap = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, snap);
    for (lua_Integer k = 1; k + 2 <= n; k += 3) {
        lua_rawgeti(L, snap, k); /* f */
        lua_rawgeti(L, snap, k + 1);
        int i = (int)lua_tointeger(L, -1);
        lua_pop(L, 1);
        lua_rawgeti(L, snap, k + 2); /* value as loaded */
        lua_setupvalue(L, -2, i);    /* pops it */
        lua_pop(L, 1);               /* f */
    }
    lua_pop(L, 1);
}

/* The whole start-up, run under lua_pcall (the lua.c pmain pattern) so an
 * allocation failure anywhere becomes an error, not an abort. [-1, +0, e] */
static int build_protected(lua_State *L)
{
    build_args_t *a = lua_touserdata(L, 1);
    pf_eval_t *ev = a->ev;
    open_allowed_libs(L);
    if (!load_prelude(L, ev, a->errs)) return 0;
    int p = lua_gettop(L);
    lua_pushvalue(L, p);
    ev->ref_prelude = luaL_ref(L, LUA_REGISTRYINDEX);
    if (!load_rule_pack(L, ev, p, a->errs)) return 0;
    freeze_rule_state(L, ev, p);
    if (ev->nreports == 0 && !read_reports(L, ev, p, a->errs)) return 0;
    lua_pushboolean(L, 1);
    return 1;
}

static void close_state(pf_eval_t *ev)
{
    if (!ev->L) return;
    disarm(ev);
    lua_gc(ev->L, LUA_GCCOLLECT); /* settle finalisers before closing */
    lua_close(ev->L);
    ev->L = NULL;
    pf_slab_delete(&ev->slab); /* every block of the state at once */
}

static int build_state(pf_eval_t *ev, pf_errlist_t *errs)
{
    size_t before = errs->count;
    ev->mem_large = 0;
    pf_slab_init(&ev->slab);
    ev->L = lua_newstate(capped_alloc, ev);
    if (!ev->L) {
        pf_slab_delete(&ev->slab);
        add_error(errs, "internal", "cannot create a Lua state (out of memory)");
        return 0;
    }
    *(pf_eval_t **)lua_getextraspace(ev->L) = ev;
    lua_gc(ev->L, LUA_GCGEN, 0, 0); /* per-intake garbage is short-lived */
    build_args_t args = {ev, errs};
    lua_State *L = ev->L;
    lua_pushcfunction(L, build_protected);
    lua_pushlightuserdata(L, &args);
    int status = protected_call(L, 1, 1);
    int ok = status == LUA_OK && lua_toboolean(L, -1) && errs->count == before;
    if (status != LUA_OK) {
        char msg[PF_ERR_MSG_MAX];
        error_text(L, status, msg, sizeof msg);
        add_error(errs, "internal", msg);
    }
    lua_settop(L, 0);
    return ok;
}

pf_eval_t *pf_eval_new(const pf_eval_config_t *cfg, pf_errlist_t *errs)
{
    pf_eval_t *ev = pf_xcalloc(1, sizeof *ev);
    ev->cfg = *cfg;
    pf_watch_init(&ev->watch);
    ev->ref_prelude = LUA_NOREF;
    ev->ref_upvalues = LUA_NOREF;
    if (!build_state(ev, errs)) {
        pf_eval_delete(ev);
        return NULL;
    }
    return ev;
}

void pf_eval_delete(pf_eval_t *ev)
{
    if (!ev) return;
    close_state(ev);
    pf_watch_delete(&ev->watch);
    free_reports(ev);
    pf_rule_stats_free(ev->carry, ev->ncarry);
    free(ev);
}

size_t pf_eval_report_count(const pf_eval_t *ev)
{
    return ev->nreports;
}

const char *pf_eval_report_name(const pf_eval_t *ev, size_t i)
{
    return i < ev->nreports ? ev->report_names[i] : NULL;
}

const char *const *pf_eval_report_columns(const pf_eval_t *ev, size_t i)
{
    return i < ev->nreports ? (const char *const *)ev->report_columns[i] : NULL;
}

const char *pf_eval_rules_digest(const pf_eval_t *ev)
{
    return ev->digest;
}

size_t pf_eval_rule_count(const pf_eval_t *ev)
{
    return ev->nrules;
}

/* ==================================================================== */
/* Evaluating one intake                                                  */
/* ==================================================================== */

typedef struct run_args {
    pf_eval_t *ev;
    const pf_value_t *intake;
    const char *source;
    pf_buf_t *out;
    size_t *rows;
    pf_buf_t *hits;
    const pf_csv_style_t *style;
} run_args_t;

/* Writes the values at stack indices first..last as one CSV row: [-0, +0, e] */
static void write_cells(lua_State *L, int first, int last, pf_buf_t *b, const pf_csv_style_t *style)
{
    size_t cells = 0, len;
    for (int i = first; i <= last; i++) {
        switch (lua_type(L, i)) {
        case LUA_TSTRING: {
            const char *s = lua_tolstring(L, i, &len);
            pf_csv_text(b, &cells, s, len);
            break;
        }
        case LUA_TNUMBER:
            if (lua_isinteger(L, i))
                pf_csv_int(b, &cells, (long long)lua_tointeger(L, i));
            else
                pf_csv_num(b, &cells, (double)lua_tonumber(L, i));
            break;
        case LUA_TBOOLEAN:
            pf_csv_text(b, &cells, lua_toboolean(L, i) ? "yes" : "no", lua_toboolean(L, i) ? 3 : 2);
            break;
        case LUA_TNIL:
            pf_csv_text(b, &cells, "", 0);
            break;
        default:
            luaL_error(L, "internal: a report cell is a %s", luaL_typename(L, i));
        }
    }
    pf_csv_end_row(b, &cells, style);
}

/* host.emit(report, cell, ...): the prelude hands each report row straight
 * to CSV, with no Lua table per row. [-(n+1), +0, e] */
static int host_emit(lua_State *L)
{
    pf_eval_t *ev = get_ev(L);
    run_args_t *a = ev->run;
    if (!a) return luaL_error(L, "internal: host.emit outside an evaluation");
    lua_Integer r = luaL_checkinteger(L, 1);
    if (r < 1 || (size_t)r > ev->nreports)
        return luaL_error(L, "internal: host.emit to report %d of %d", (int)r, (int)ev->nreports);
    size_t ncols = 0;
    while (ev->report_columns[r - 1][ncols])
        ncols++;
    int n = lua_gettop(L) - 1;
    if ((size_t)n != ncols)
        return luaL_error(L, "internal: a report row has %d cells, expected %d", n, (int)ncols);
    write_cells(L, 2, n + 1, &a->out[r - 1], a->style);
    if (a->rows) a->rows[r - 1]++;
    return 0;
}

/* Calls P.evaluate(intake, source), which writes its rows through
 * host.emit, and collects what it returns: {rule index, points moved, ...}
 * of the rules that fired. [-1, +0, e] */
static int run_protected(lua_State *L)
{
    run_args_t *a = lua_touserdata(L, 1);
    restore_rule_state(L, a->ev);
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->ev->ref_prelude);
    lua_getfield(L, -1, "evaluate");
    push_value(L, a->intake, 0);
    lua_pushstring(L, a->source);
    a->ev->run = a;
    lua_call(L, 2, 1);
    a->ev->run = NULL;
    luaL_checktype(L, -1, LUA_TTABLE);
    if (!a->hits) return 0;
    for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TNUMBER; i += 2) {
        pf_buf_addint(a->hits, (long long)lua_tointeger(L, -1));
        pf_buf_addc(a->hits, ':');
        lua_rawgeti(L, -2, i + 1);
        double moved = (double)lua_tonumber(L, -1);
        /* whole numbers as %.17g writes them, without printf (-0 aside) */
        if (fabs(moved) < 1e15 && moved == (double)(long long)moved && !signbit(moved))
            pf_buf_addint(a->hits, (long long)moved);
        else
            pf_buf_printf(a->hits, "%.17g", moved);
        pf_buf_addc(a->hits, ';');
        lua_pop(L, 2);
    }
    return 0;
}

/* After a rule error: which rule was running, as "id (file:line)". [-0,+0,-] */
static void failed_rule(lua_State *L, pf_eval_t *ev, char *out, size_t outsz)
{
    out[0] = '\0';
    lua_rawgeti(L, LUA_REGISTRYINDEX, ev->ref_prelude);
    lua_getfield(L, -1, "running_rule");
    if (protected_call(L, 0, 1) == LUA_OK && lua_isstring(L, -1))
        snprintf(out, outsz, "%s", lua_tostring(L, -1));
    lua_pop(L, 2);
}

/* ==================================================================== */
/* Rule statistics                                                         */
/* ==================================================================== */

void pf_rule_stats_free(pf_rule_stat_t *stats, size_t n)
{
    for (size_t i = 0; stats && i < n; i++) {
        free(stats[i].id);
        free(stats[i].stage);
        free(stats[i].where);
    }
    free(stats);
}

static char *field_string(lua_State *L, int t, lua_Integer i)
{
    lua_rawgeti(L, t, i);
    char *s = pf_xstrdup(lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
    lua_pop(L, 1);
    return s;
}

static double field_number(lua_State *L, int t, lua_Integer i)
{
    lua_rawgeti(L, t, i);
    double d = lua_isnumber(L, -1) ? (double)lua_tonumber(L, -1) : 0;
    lua_pop(L, 1);
    return d;
}

/* Reads P.rule_stats() rows into stats: [-0, +0, e] (runs protected). */
static int stats_protected(lua_State *L)
{
    pf_eval_t *ev = lua_touserdata(L, 1);
    pf_rule_stat_t **out = lua_touserdata(L, 2);
    size_t *n = lua_touserdata(L, 3);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ev->ref_prelude);
    lua_getfield(L, -1, "rule_stats");
    lua_call(L, 0, 1);
    size_t count = (size_t)lua_rawlen(L, -1);
    *out = pf_xcalloc(count ? count : 1, sizeof **out);
    for (size_t i = 0; i < count; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        int row = lua_gettop(L);
        pf_rule_stat_t *st = &(*out)[i];
        st->id = field_string(L, row, 1);
        st->stage = field_string(L, row, 2);
        st->where = field_string(L, row, 3);
        st->evaluated = (unsigned long long)field_number(L, row, 4);
        st->fired = (unsigned long long)field_number(L, row, 5);
        st->moved = field_number(L, row, 6);
        st->seconds = field_number(L, row, 7);
        *n = i + 1;
        lua_pop(L, 1);
    }
    return 0;
}

size_t pf_eval_rule_stats(pf_eval_t *ev, pf_rule_stat_t **out)
{
    *out = NULL;
    size_t n = 0;
    if (ev->L) {
        lua_pushcfunction(ev->L, stats_protected);
        lua_pushlightuserdata(ev->L, ev);
        lua_pushlightuserdata(ev->L, out);
        lua_pushlightuserdata(ev->L, &n);
        if (protected_call(ev->L, 3, 0) != LUA_OK) lua_pop(ev->L, 1);
    }
    if (!*out && ev->carry) { /* the state is gone: the carry is all there is */
        *out = pf_xcalloc(ev->ncarry, sizeof **out);
        for (size_t i = 0; i < ev->ncarry; i++) {
            (*out)[i] = ev->carry[i];
            (*out)[i].id = pf_xstrdup(ev->carry[i].id);
            (*out)[i].stage = pf_xstrdup(ev->carry[i].stage);
            (*out)[i].where = pf_xstrdup(ev->carry[i].where);
        }
        return ev->ncarry;
    }
    for (size_t i = 0; i < n && i < ev->ncarry; i++) { /* same pack, same order */
        (*out)[i].evaluated += ev->carry[i].evaluated;
        (*out)[i].fired += ev->carry[i].fired;
        (*out)[i].moved += ev->carry[i].moved;
        (*out)[i].seconds += ev->carry[i].seconds;
    }
    return n;
}

/* A state that went over a limit is rebuilt from scratch (S13): whatever
 * the rule left half-done must not reach the next intake. */
static void rebuild(pf_eval_t *ev)
{
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    pf_rule_stat_t *now = NULL;
    size_t n = pf_eval_rule_stats(ev, &now); /* includes the carry so far */
    pf_rule_stats_free(ev->carry, ev->ncarry);
    ev->carry = now;
    ev->ncarry = n;
    close_state(ev);
    if (!build_state(ev, &errs)) close_state(ev); /* next runs report it */
    pf_errlist_delete(&errs);
}

/* After a failed protected call (error object on top): fills err with the
 * failing rule and the message, and rebuilds the state after a limit.
 * Returns 0. [-1, +0, -] */
static int fail_evaluation(pf_eval_t *ev, int status, pf_err_t *err)
{
    lua_State *L = ev->L;
    int limit = ev->killed[0] || status == LUA_ERRMEM;
    char msg[PF_ERR_MSG_MAX], rule[256];
    error_text(L, status, msg, sizeof msg);
    lua_pop(L, 1);
    failed_rule(L, ev, rule, sizeof rule);
    const char *kind = limit ? "rule.limit" : "rule.error";
    if (rule[0])
        pf_err_set(err, kind, 0, 0, "", "rule %s failed: %s", rule, msg);
    else
        pf_err_set(err, kind, 0, 0, "", "%s", msg);
    if (limit) rebuild(ev);
    return 0;
}

int pf_eval_run(pf_eval_t *ev, const pf_value_t *intake, const char *source, pf_buf_t *out,
                size_t *rows, pf_buf_t *hits, const pf_csv_style_t *style, pf_err_t *err)
{
    if (!ev->L) {
        pf_err_set(err, "internal", 0, 0, "", "the rule evaluator could not be restarted");
        return 0;
    }
    size_t *marks = pf_xmalloc((ev->nreports + 1) * sizeof *marks);
    for (size_t r = 0; r < ev->nreports; r++) {
        marks[r] = out[r].len;
        if (rows) rows[r] = 0;
    }
    lua_State *L = ev->L;
    size_t hits_mark = hits ? hits->len : 0;
    run_args_t args = {ev, intake, source, out, rows, hits, style};
    lua_pushcfunction(L, run_protected);
    lua_pushlightuserdata(L, &args);
    arm(ev);
    int status = protected_call(L, 1, 0);
    disarm(ev);
    ev->run = NULL; /* also when the evaluation stopped half-way */
    if (status == LUA_OK) {
        free(marks);
        return 1;
    }
    for (size_t r = 0; r < ev->nreports; r++) {
        out[r].len = marks[r];
        if (out[r].data) out[r].data[marks[r]] = '\0';
        if (rows) rows[r] = 0;
    }
    if (hits) {
        hits->len = hits_mark;
        if (hits->data) hits->data[hits_mark] = '\0';
    }
    free(marks);
    return fail_evaluation(ev, status, err);
}

/* ==================================================================== */
/* Analyst tools                                                          */
/* ==================================================================== */

typedef struct tool_args {
    pf_eval_t *ev;
    const char *tool;
    const pf_value_t *intake, *arg;
    const char *source;
    int *verdict;
    pf_buf_t *out;
} tool_args_t;

/* Calls P.<tool>(intake, source, arg) -> verdict, text: [-1, +0, e] */
static int tool_protected(lua_State *L)
{
    tool_args_t *a = lua_touserdata(L, 1);
    restore_rule_state(L, a->ev);
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->ev->ref_prelude);
    if (lua_getfield(L, -1, a->tool) != LUA_TFUNCTION)
        return luaL_error(L, "internal: the prelude has no tool '%s'", a->tool);
    if (a->intake)
        push_value(L, a->intake, 0);
    else
        lua_pushnil(L);
    lua_pushstring(L, a->source ? a->source : "");
    if (a->arg)
        push_value(L, a->arg, 0);
    else
        lua_pushnil(L);
    lua_call(L, 3, 2);
    *a->verdict = lua_toboolean(L, -2);
    size_t len = 0;
    const char *text = lua_tolstring(L, -1, &len);
    if (text) pf_buf_add(a->out, text, len);
    return 0;
}

int pf_eval_tool(pf_eval_t *ev, const char *tool, const pf_value_t *intake, const char *source,
                 const pf_value_t *arg, int *verdict, pf_buf_t *out, pf_err_t *err)
{
    if (!ev->L) {
        pf_err_set(err, "internal", 0, 0, "", "the rule evaluator could not be restarted");
        return 0;
    }
    *verdict = 0;
    tool_args_t args = {ev, tool, intake, arg, source, verdict, out};
    lua_State *L = ev->L;
    lua_pushcfunction(L, tool_protected);
    lua_pushlightuserdata(L, &args);
    arm(ev);
    int status = protected_call(L, 1, 0);
    disarm(ev);
    if (status == LUA_OK) return 1;
    return fail_evaluation(ev, status, err);
}
