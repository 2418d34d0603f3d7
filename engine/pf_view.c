/*
 * pf_view.c - read-only views of the host's data and the freezing of the
 * rule files' state (see pf_view.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "pf_view.h"

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

/* __newindex of a view: refuses, naming the key. [-3, +0, e] */
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

/* __len of a view: the length of its data. [-1, +1, e] */
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

/* __pairs of a view: ro_iter, the view, nil. [-1, +3, e] */
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

/* qsort order (no Lua stack). Numbers first, by value; then text, byte by byte (what Lua's < does
 * on text in the C locale, which the host never changes). */
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
int pf_view_keys(lua_State *L)
{
    if (!lua_istable(L, 1)) return 0;
    lua_settop(L, 1);
    if (!lua_getmetatable(L, 1)) return push_sorted_keys(L, 1); /* [t, mt] */
    /* the cache first: only a view's metatable has one (no script can make
     * the light userdata of its key), and most calls find it */
    if (lua_rawgetp(L, 2, &KEYS_CACHE) == LUA_TTABLE) { /* [t, mt, cached] */
        push_list_copy(L, 3);
        return 1;
    }
    lua_pushliteral(L, "__pairs");
    if (lua_rawget(L, 2) != LUA_TFUNCTION || lua_tocfunction(L, -1) != ro_pairs) return 0;
    lua_pushliteral(L, "__index");
    lua_rawget(L, 2); /* [t, mt, nil, pairs, data] */
    if (!lua_istable(L, 5) || !push_sorted_keys(L, 5)) return 0;
    push_list_copy(L, 6);
    lua_rawsetp(L, 2, &KEYS_CACHE); /* the copy stays with the view */
    return 1;
}

/* __tostring of a view, without an address. [-1, +1, -] */
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
void pf_view_make_readonly(lua_State *L)
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

/* ---- views handed on from one intake to the next ---- */

/* The registry key of the list of proxies the intake pushed last had (its
 * address is the key, as KEYS_CACHE's). */
static const char VIEW_POOL = 'p';

/* What pushing an intake with reused views walks with: the stack index of
 * the list of proxies, and how many of them this intake has taken. */
typedef struct view_reuse {
    int list;
    lua_Integer used;
} view_reuse_t;

/* Replaces the table on top by a read-only view of it, as
 * pf_view_make_readonly does, but through the next proxy of the list when
 * there is one: its metatable is pointed at the new data and loses the
 * sorted keys of the old (KEYS_CACHE). A new proxy joins the list.
 * [-1, +1, m] */
static void make_readonly_reused(lua_State *L, view_reuse_t *r)
{
    lua_Integer i = ++r->used;
    if (lua_rawgeti(L, r->list, i) != LUA_TTABLE) { /* [data, nil] */
        lua_pop(L, 1);
        pf_view_make_readonly(L); /* [proxy] */
        lua_pushvalue(L, -1);
        lua_rawseti(L, r->list, i);
        return;
    }
    lua_getmetatable(L, -1); /* [data, proxy, mt] */
    lua_pushliteral(L, "__index");
    lua_pushvalue(L, -4);
    lua_rawset(L, -3);
    if (lua_rawgetp(L, -1, &KEYS_CACHE) != LUA_TNIL) {
        lua_pushnil(L);
        lua_rawsetp(L, -3, &KEYS_CACHE);
    }
    lua_pop(L, 2);     /* [data, proxy] */
    lua_remove(L, -2); /* [proxy] */
}

static void push_value(lua_State *L, const pf_value_t *v, int with_pos, view_reuse_t *r);

/* Pushes a typed value as Lua data: [-0, +1, m]. Tables become read-only
 * proxies; with_pos records source positions (see add_positions). */
void pf_view_push_value(lua_State *L, const pf_value_t *v, int with_pos)
{
    push_value(L, v, with_pos, NULL);
}

/* An intake's views are made again for every intake, about fifteen of
 * them, and making a view's metatable (six fields) cost more than filling
 * its data. Here each intake takes the proxies and metatables the one
 * before had, pointed at its own data: the caller vouches that nothing
 * of that intake is still in use (the run evaluates one intake at a time,
 * and the rule files keep nothing from one to the next: pf_view_restore_rules,
 * the frozen tables). [-0, +1, m] */
void pf_view_push_intake(lua_State *L, const pf_value_t *v)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &VIEW_POOL) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &VIEW_POOL);
    }
    view_reuse_t r = {lua_gettop(L), 0};
    push_value(L, v, 0, &r);
    lua_remove(L, r.list);
}

/* pf_view_push_value, with the proxies of r when r is not NULL. [-0, +1, m] */
static void push_value(lua_State *L, const pf_value_t *v, int with_pos, view_reuse_t *r)
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
            push_value(L, &v->items[i], with_pos, r);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    case PF_VAL_MAP:
        lua_createtable(L, 0, (int)v->count);
        for (size_t i = 0; i < v->count; i++) {
            lua_pushstring(L, v->keys[i]);
            push_value(L, &v->items[i], with_pos, r);
            lua_rawset(L, -3);
        }
        break;
    }
    if (with_pos) add_positions(L, v);
    if (r)
        make_readonly_reused(L, r);
    else
        pf_view_make_readonly(L);
}

/* ==================================================================== */
/* Freezing the rule files' state                                         */
/* ==================================================================== */

/* __newindex of a frozen rule-file table. [-3, +0, e] */
static int frozen_newindex(lua_State *L)
{
    char key[128];
    return luaL_error(L,
                      "tables of a rule file are read-only once the pack is loaded "
                      "(tried to set %s); keep per-intake values in locals",
                      key_text(L, 2, key, sizeof key));
}

/* What freezing walks with: the objects seen, the upvalue snapshot, the
 * upvalue cells already in it, the library functions the sandbox gives
 * every rule, and whose object is being frozen (for messages). Stack
 * indices. */
typedef struct freezer {
    int visited, snap, cells, library;
    const char *whose;
} freezer_t;

static void freeze_value(lua_State *L, int idx, const freezer_t *fz);

/* Freezes a table in place: its entries move to a hidden table that a
 * read-only metatable serves (so everything holding it sees the same,
 * unchangeable contents). Tables with a metatable are the host's views
 * and are left as they are. Keys are frozen like values: a table used as a
 * key is as reachable as one stored under it. [-0, +0, m]; the table at t. */
static void freeze_table(lua_State *L, int t, const freezer_t *fz)
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
    while (lua_next(L, shadow)) { /* nested tables and functions, keys and values */
        freeze_value(L, lua_gettop(L), fz);
        freeze_value(L, lua_gettop(L) - 1, fz);
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* shadow */
}

/* A C function that holds state of its own (upvalues: a string.gmatch
 * iterator keeps its position in one) and that the sandbox did not hand
 * out would carry that state from one intake to the next, and nothing can
 * put it back: refused at load. One without upvalues holds nothing.
 * [-0, +0, e]; the function at f. */
static void check_c_function(lua_State *L, int f, const freezer_t *fz)
{
    if (!lua_getupvalue(L, f, 1)) return;
    lua_pop(L, 1);
    lua_pushvalue(L, f);
    int known = lua_rawget(L, fz->library) != LUA_TNIL;
    lua_pop(L, 1);
    if (known) return;
    luaL_error(L,
               "%s keeps a library function made while its file loaded (such as a "
               "string.gmatch iterator), whose state would carry from one intake to the next; "
               "make it inside the rule's function instead",
               fz->whose ? fz->whose : "a rule file");
}

/* The snapshot's stand-in for an upvalue that was nil at load. */
static const char NIL_UPVALUE = 'n';

/* Records every upvalue of a rule-file function as loaded, _ENV included
 * (a rule function may assign _ENV, and all functions of the file share
 * it), to be put back before each intake, and freezes what they reach.
 * An upvalue shared by several functions (a file's _ENV and locals: one
 * cell, lua_upvalueid) is recorded once: putting it back through one of
 * them puts it back for all. Functions of the prelude are trusted and
 * skipped; C functions are checked (check_c_function). [-0, +0, e]; the
 * function at f. */
static void freeze_function(lua_State *L, int f, const freezer_t *fz)
{
    lua_Debug ar;
    lua_pushvalue(L, f);
    lua_getinfo(L, ">S", &ar);
    if (strcmp(ar.what, "C") == 0) {
        check_c_function(L, f, fz);
        return;
    }
    if (strcmp(ar.what, "Lua") != 0 && strcmp(ar.what, "main") != 0) return;
    if (strncmp(ar.source, "=prelude/", 9) == 0) return; /* a prelude module's */
    for (int i = 1;; i++) {
        const char *name = lua_getupvalue(L, f, i);
        if (!name) break;
        void *cell = lua_upvalueid(L, f, i);
        if (lua_rawgetp(L, fz->cells, cell) != LUA_TNIL) { /* in the snapshot already */
            lua_pop(L, 1);
            freeze_value(L, lua_gettop(L), fz);
            lua_pop(L, 1);
            continue;
        }
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
        lua_rawsetp(L, fz->cells, cell);
        lua_Integer n = (lua_Integer)lua_rawlen(L, fz->snap);
        lua_pushvalue(L, f);
        lua_rawseti(L, fz->snap, n + 1);
        lua_pushinteger(L, i);
        lua_rawseti(L, fz->snap, n + 2);
        if (lua_isnil(L, -1)) /* a nil would end the snapshot's list */
            lua_pushlightuserdata(L, (void *)&NIL_UPVALUE);
        else
            lua_pushvalue(L, -1);
        lua_rawseti(L, fz->snap, n + 3);
        /* _ENV too: a file's own `local _ENV = {...}` is a table it keeps
         * (the sandbox's environments have a metatable and stay as they are) */
        freeze_value(L, lua_gettop(L), fz);
        lua_pop(L, 1);
    }
}

/* [-0, +0, e] value at idx, each object once (visited set) */
static void freeze_value(lua_State *L, int idx, const freezer_t *fz)
{
    int t = lua_type(L, idx);
    if (t != LUA_TTABLE && t != LUA_TFUNCTION) return;
    luaL_checkstack(L, 8, "rule data nested too deeply");
    lua_pushvalue(L, idx);
    if (lua_rawget(L, fz->visited) != LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, fz->visited);
    if (t == LUA_TTABLE)
        freeze_table(L, idx, fz);
    else
        freeze_function(L, idx, fz);
}

/* The C functions a rule can reach through its environment: the globals
 * and the functions of the library tables (string.find, ...), as a set.
 * They are the sandbox's; their upvalues are its own, set once. [-0, +1, m] */
static void push_library_set(lua_State *L)
{
    lua_newtable(L);
    int set = lua_gettop(L);
    lua_pushglobaltable(L);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                if (lua_iscfunction(L, -1)) {
                    lua_pushboolean(L, 1);
                    lua_rawset(L, set);
                } else {
                    lua_pop(L, 1);
                }
            }
        } else if (lua_iscfunction(L, -1)) {
            lua_pushvalue(L, -1);
            lua_pushboolean(L, 1);
            lua_rawset(L, set);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* globals */
}

/* The snapshot as pf_view_restore_rules reads it before every intake: the
 * upvalue numbers in C memory, and the functions and values as loaded,
 * [f1, value1, f2, value2, ...], a nil value a hole, in its user value. */
typedef struct snapshot {
    size_t n;
    int index[]; /* cell k is upvalue index[k] of function k */
} snapshot_t;

/* Replaces the list of (f, i, value) triples on top by its snapshot_t: a
 * cell then costs two reads and the set, not five Lua API calls more.
 * [-1, +1, m] */
static void compact_snapshot(lua_State *L)
{
    int triples = lua_gettop(L);
    size_t n = (size_t)lua_rawlen(L, triples) / 3;
    snapshot_t *sn = lua_newuserdatauv(L, sizeof *sn + (n ? n : 1) * sizeof sn->index[0], 1);
    sn->n = n;
    lua_createtable(L, (int)(2 * n), 0); /* [triples, sn, pairs] */
    for (size_t k = 0; k < n; k++) {
        lua_Integer t = (lua_Integer)(3 * k), pr = (lua_Integer)(2 * k);
        lua_rawgeti(L, triples, t + 1);
        lua_rawseti(L, -2, pr + 1);
        lua_rawgeti(L, triples, t + 2);
        sn->index[k] = (int)lua_tointeger(L, -1);
        lua_pop(L, 1);
        if (lua_rawgeti(L, triples, t + 3) == LUA_TLIGHTUSERDATA &&
            lua_touserdata(L, -1) == (void *)&NIL_UPVALUE)
            lua_pop(L, 1); /* nil: the hole reads back as nil */
        else
            lua_rawseti(L, -2, pr + 2);
    }
    lua_setiuservalue(L, -2, 1);
    lua_replace(L, triples);
}

/* After loading: freeze everything the rules hold, and keep the snapshot
 * of their upvalues in the registry. [-0, +0, e]; P at index p. */
int pf_view_freeze_rules(lua_State *L, int p)
{
    freezer_t fz;
    lua_newtable(L);
    fz.visited = lua_gettop(L);
    lua_newtable(L);
    fz.snap = lua_gettop(L);
    lua_newtable(L);
    fz.cells = lua_gettop(L);
    push_library_set(L);
    fz.library = lua_gettop(L);
    lua_getfield(L, p, "rule_objects");
    lua_call(L, 0, 2); /* the objects, and whose each is */
    int objects = lua_gettop(L) - 1, whose = lua_gettop(L);
    for (lua_Integer i = 1; lua_rawgeti(L, objects, i) != LUA_TNIL; i++) {
        lua_rawgeti(L, whose, i);
        fz.whose = lua_tostring(L, -1); /* kept alive by the list */
        lua_pop(L, 1);
        freeze_value(L, lua_gettop(L), &fz);
        lua_pop(L, 1);
    }
    lua_pop(L, 4); /* nil, whose, objects, library */
    lua_pushvalue(L, fz.snap);
    compact_snapshot(L);
    int ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pop(L, 3); /* cells, snap, visited */
    return ref;
}

/* Puts every rule upvalue back as it was loaded: [-0, +0, -] */
void pf_view_restore_rules(lua_State *L, int ref)
{
    if (ref == LUA_NOREF) return;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    const snapshot_t *sn = lua_touserdata(L, -1);
    lua_getiuservalue(L, -1, 1); /* [sn, pairs] */
    int pairs = lua_gettop(L);
    for (size_t k = 0; k < sn->n; k++) {
        lua_rawgeti(L, pairs, (lua_Integer)(2 * k) + 1); /* f */
        lua_rawgeti(L, pairs, (lua_Integer)(2 * k) + 2); /* the value as loaded, nil too */
        lua_setupvalue(L, -2, sn->index[k]);             /* pops it */
        lua_pop(L, 1);                                   /* f */
    }
    lua_pop(L, 2);
}
