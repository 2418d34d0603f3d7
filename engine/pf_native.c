/*
 * pf_native.c - conditions of declarative rules evaluated in C; see
 * pf_native.h. The compiled condition is a userdata (freed by the Lua
 * garbage collector, nothing malloc'ed); its user value 1 is a sequence of
 * the keys and constants the nodes name by index.
 */
#include "pf_native.h"
#include "pf_eval_int.h"
#include "pf_limits.h"

#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

/* A program longer than this stays in Lua: it bounds the C recursion of
 * the evaluation (a chain of `and` is a left-deep tree) and the userdata. */
#define NATIVE_MAX_NODES 256
#define NATIVE_MAX_KEYS 16 /* steps of one reference */

enum { N_REF, N_REF_SAFE, N_CONST, N_LEN, N_CMP, N_NOT, N_AND, N_OR };
enum { R_INTAKE = 2, R_CTX = 3, R_FACTS = 4 }; /* stack slots of the roots in plan_run */
enum { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE };

typedef struct node {
    uint8_t op;
    uint8_t arg;   /* N_REF*: root slot; N_CMP: the comparison */
    uint16_t a, b; /* N_REF*: first key's index, key count; N_CONST: the constant's index */
    uint16_t l,
        r; /* children (N_LEN, N_NOT: l only); N_REF*: l, its cache slot in the plan (0: none) */
} node_t;

typedef struct program {
    uint16_t n;       /* nodes; the root is the last */
    uint16_t planned; /* its references have cache slots of a plan */
    node_t nodes[];
} program_t;

/* References a plan caches, per points stage and intake (more are read
 * uncached). */
#define NATIVE_MAX_SLOTS 1024

static const char *const CMP_NAMES[] = {"==", "~=", "<", "<=", ">", ">=", NULL};

/* ---- compiling --------------------------------------------------------------- */

typedef struct compiler {
    lua_State *L;
    int prog;    /* stack index of the prelude's program */
    int values;  /* stack index of the keys-and-constants table being filled */
    int nvalues; /* its length */
    node_t *out; /* nodes written */
    uint16_t n;
    uint16_t stack[NATIVE_MAX_NODES]; /* postfix operands not yet consumed */
    int depth;
    const char *why; /* set when the program is refused */
} compiler_t;

/* Appends the value on the top to the values table: [-1, +0, m] */
static uint16_t keep_value(compiler_t *c)
{
    lua_rawseti(c->L, c->values, ++c->nvalues);
    return (uint16_t)c->nvalues;
}

/* The root of a reference by name: its stack slot in plan_run, or 0. */
static int root_slot(const char *name)
{
    if (strcmp(name, "intake") == 0) return R_INTAKE;
    if (strcmp(name, "ctx") == 0) return R_CTX;
    if (strcmp(name, "f") == 0) return R_FACTS;
    return 0;
}

/* A reference instruction (at the top) into node d: [-0, +0, m] */
static int compile_ref(compiler_t *c, node_t *d, int safe)
{
    lua_State *L = c->L;
    int ins = lua_gettop(L);
    lua_Integer len = luaL_len(L, ins);
    lua_rawgeti(L, ins, 2);
    int slot = lua_type(L, -1) == LUA_TSTRING ? root_slot(lua_tostring(L, -1)) : 0;
    lua_pop(L, 1);
    if (!slot || len < 3 || len - 2 > NATIVE_MAX_KEYS) return c->why = "a reference", 0;
    d->op = safe ? N_REF_SAFE : N_REF;
    d->arg = (uint8_t)slot;
    d->a = (uint16_t)(c->nvalues + 1);
    d->b = (uint16_t)(len - 2);
    for (lua_Integer i = 3; i <= len; i++) {
        if (lua_rawgeti(L, ins, i) != LUA_TSTRING) return c->why = "a key that is not text", 0;
        keep_value(c);
    }
    return 1;
}

/* A constant instruction (at the top) into node d: [-0, +0, m] */
static int compile_const(compiler_t *c, node_t *d)
{
    int t = lua_rawgeti(c->L, -1, 2);
    if (t != LUA_TNIL && t != LUA_TBOOLEAN && t != LUA_TNUMBER && t != LUA_TSTRING) {
        lua_pop(c->L, 1);
        return c->why = "a constant that is not plain", 0;
    }
    d->op = N_CONST;
    d->a = keep_value(c);
    return 1;
}

/* Pops k operands of the postfix program into d's children. */
static int take_operands(compiler_t *c, node_t *d, int k)
{
    if (c->depth < k) return c->why = "a program missing an operand", 0;
    if (k == 2) d->r = c->stack[--c->depth];
    d->l = c->stack[--c->depth];
    return 1;
}

/* One instruction (at the top) into node d: [-0, +0, m] */
static int compile_one(compiler_t *c, node_t *d, const char *op)
{
    memset(d, 0, sizeof *d);
    if (strcmp(op, "ref") == 0) return compile_ref(c, d, 0);
    if (strcmp(op, "ref_safe") == 0) return compile_ref(c, d, 1);
    if (strcmp(op, "const") == 0) return compile_const(c, d);
    if (strcmp(op, "len") == 0) return d->op = N_LEN, take_operands(c, d, 1);
    if (strcmp(op, "not") == 0) return d->op = N_NOT, take_operands(c, d, 1);
    if (strcmp(op, "and") == 0) return d->op = N_AND, take_operands(c, d, 2);
    if (strcmp(op, "or") == 0) return d->op = N_OR, take_operands(c, d, 2);
    if (strcmp(op, "cmp") == 0) {
        lua_rawgeti(c->L, -1, 2);
        const char *name = lua_tostring(c->L, -1);
        int k = 0;
        while (CMP_NAMES[k] && !(name && strcmp(CMP_NAMES[k], name) == 0))
            k++;
        lua_pop(c->L, 1);
        if (!CMP_NAMES[k]) return c->why = "an unknown comparison", 0;
        d->op = N_CMP;
        d->arg = (uint8_t)k;
        return take_operands(c, d, 2);
    }
    return c->why = "an unknown instruction", 0;
}

/* Compiles every instruction of the program; the root is left as the only
 * operand. [-0, +0, m] */
static int compile_all(compiler_t *c)
{
    lua_State *L = c->L;
    lua_Integer len = luaL_len(L, c->prog);
    if (len < 1 || len > NATIVE_MAX_NODES) return c->why = "a program of this length", 0;
    for (lua_Integer i = 1; i <= len; i++) {
        if (lua_rawgeti(L, c->prog, i) != LUA_TTABLE)
            return c->why = "an instruction that is not a list", 0;
        lua_rawgeti(L, -1, 1);
        const char *op = lua_tostring(L, -1);
        lua_pop(L, 1); /* the opcode stays alive in the instruction */
        if (!op || !compile_one(c, &c->out[c->n], op)) return 0;
        c->stack[c->depth++] = c->n++;
        lua_pop(L, 1);
    }
    if (c->depth != 1) return c->why = "a program that is not one expression", 0;
    return 1;
}

int pf_native_compile(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_newtable(L); /* 2: keys and constants */
    node_t nodes[NATIVE_MAX_NODES];
    compiler_t c = {.L = L, .prog = 1, .values = 2, .out = nodes};
    if (!compile_all(&c)) {
        lua_pushnil(L);
        lua_pushstring(L, c.why ? c.why : "a program");
        return 2;
    }
    program_t *p = lua_newuserdatauv(L, sizeof *p + c.n * sizeof(node_t), 1);
    p->n = c.n;
    p->planned = 0;
    memcpy(p->nodes, nodes, c.n * sizeof(node_t));
    lua_pushvalue(L, 2);
    lua_setiuservalue(L, -2, 1);
    return 1;
}

/* ---- evaluating -------------------------------------------------------------- */

#define UNKNOWN (-1) /* only the Lua condition can say */

typedef struct eval {
    lua_State *L;
    const program_t *p;
    int values;      /* stack index of the keys and constants */
    int cache;       /* stack index of the plan's cache of references by slot, or 0 */
    uint32_t *stamp; /* per slot: the generation its cached value is of */
    uint32_t gen;    /* the generation of this stage's run */
} eval_t;

/* Pushes the value a reference reads, stepping as the compiled Lua
 * expression does (safe: as H.path_reader does, nil at a step that is not
 * a table). [-0, +1, e] on success; [-0, +0, e] and UNKNOWN when Lua would
 * raise. */
static int push_ref_read(eval_t *e, const node_t *d)
{
    lua_State *L = e->L;
    lua_pushvalue(L, d->arg);
    for (int i = 0; i < d->b; i++) {
        int t = lua_type(L, -1);
        if (t != LUA_TTABLE) {
            if (d->op == N_REF_SAFE) {
                lua_pop(L, 1);
                lua_pushnil(L);
                return 1;
            }
            lua_pop(L, 1); /* Lua would raise "attempt to index": let it */
            return UNKNOWN;
        }
        lua_rawgeti(L, e->values, d->a + i);
        lua_gettable(L, -2);
        lua_replace(L, -2);
        if (d->op == N_REF_SAFE && lua_isnil(L, -1)) return 1;
    }
    return 1;
}

/* push_ref_read through the plan's cache: a reference already read in this
 * stage's run of this intake is not read again (the intake does not change
 * while it is evaluated, facts are computed once, and ctx.need, in_focus
 * and focus_areas change only between stages). [-0, +1, e], or [-0, +0, e]
 * and UNKNOWN (not cached). */
static int push_ref(eval_t *e, const node_t *d)
{
    if (!e->cache || !d->l) return push_ref_read(e, d);
    if (e->stamp[d->l] == e->gen) {
        lua_rawgeti(e->L, e->cache, d->l);
        return 1;
    }
    if (push_ref_read(e, d) == UNKNOWN) return UNKNOWN;
    lua_pushvalue(e->L, -1);
    lua_rawseti(e->L, e->cache, d->l);
    e->stamp[d->l] = e->gen;
    return 1;
}

static int truth(eval_t *e, uint16_t i);

/* Pushes the value of node i: [-0, +1, e], or [-0, +0, e] and UNKNOWN. */
static int push_value(eval_t *e, uint16_t i)
{
    lua_State *L = e->L;
    const node_t *d = &e->p->nodes[i];
    switch (d->op) {
    case N_REF:
    case N_REF_SAFE:
        return push_ref(e, d);
    case N_CONST:
        lua_rawgeti(L, e->values, d->a);
        return 1;
    case N_LEN: {
        if (push_value(e, d->l) == UNKNOWN) return UNKNOWN;
        int t = lua_type(L, -1);
        if (t != LUA_TTABLE && t != LUA_TSTRING) {
            lua_pop(L, 1);
            return UNKNOWN;
        }
        lua_len(L, -1); /* as `#`: __len of a view, the border of a list */
        lua_remove(L, -2);
        return 1;
    }
    default: {
        /* a condition read as a value: only its truth matters here */
        int t = truth(e, i);
        if (t == UNKNOWN) return UNKNOWN;
        lua_pushboolean(L, t);
        return 1;
    }
    }
}

/* Compares the two values on the top as Lua does, and pops them: 1, 0 or
 * UNKNOWN for an order between values Lua cannot order without raising. */
static int compare(lua_State *L, int how)
{
    int r;
    if (how == C_EQ || how == C_NE) {
        r = lua_compare(L, -2, -1, LUA_OPEQ);
        if (how == C_NE) r = !r;
    } else {
        int ta = lua_type(L, -2), tb = lua_type(L, -1);
        if (ta != tb || (ta != LUA_TNUMBER && ta != LUA_TSTRING)) {
            lua_pop(L, 2);
            return UNKNOWN;
        }
        /* a > b is b < a, a >= b is b <= a, as Lua evaluates them */
        if (how == C_LT)
            r = lua_compare(L, -2, -1, LUA_OPLT);
        else if (how == C_LE)
            r = lua_compare(L, -2, -1, LUA_OPLE);
        else if (how == C_GT)
            r = lua_compare(L, -1, -2, LUA_OPLT);
        else
            r = lua_compare(L, -1, -2, LUA_OPLE);
    }
    lua_pop(L, 2);
    return r;
}

/* The truth of node i, operands left to right and and/or short-circuited
 * as in Lua (a fact is computed only when Lua would read it): 1, 0 or
 * UNKNOWN. Lua stack: [-0, +0, e]. */
static int truth(eval_t *e, uint16_t i)
{
    lua_State *L = e->L;
    const node_t *d = &e->p->nodes[i];
    int t;
    switch (d->op) {
    case N_NOT:
        t = truth(e, d->l);
        return t == UNKNOWN ? t : !t;
    case N_AND:
        t = truth(e, d->l);
        return t != 1 ? t : truth(e, d->r);
    case N_OR:
        t = truth(e, d->l);
        return t != 0 ? t : truth(e, d->r);
    case N_CMP:
        if (push_value(e, d->l) == UNKNOWN) return UNKNOWN;
        if (push_value(e, d->r) == UNKNOWN) {
            lua_pop(L, 1);
            return UNKNOWN;
        }
        return compare(L, d->arg);
    default:
        if (push_value(e, i) == UNKNOWN) return UNKNOWN;
        t = lua_toboolean(L, -1);
        lua_pop(L, 1);
        return t;
    }
}

/* ---- a stage's rules run in C until one fires -------------------------------- */

enum {
    P_LUA,
    P_ALWAYS,
    P_NATIVE
}; /* a rule the plan hands to Lua, one with no when, one compiled */

typedef struct plan_rule {
    const program_t *p; /* P_NATIVE: its compiled condition */
    int kind;
    lua_Integer index; /* the rule's number, for the beacon */
} plan_rule_t;

typedef struct plan {
    int n;
    int cur;      /* the position whose condition native_run evaluates, 0 outside */
    int nslots;   /* cache slots given out */
    uint32_t gen; /* bumped at each run of the stage (native_run from position 1) */
    uint32_t stamp[NATIVE_MAX_SLOTS + 1];
    plan_rule_t at[];
} plan_t;

enum { PLAN_MAP = 4 }; /* native_plan's stack slot of the map from a reference to its cache slot */

/* The cache slot of reference d (its values table at the top): the same
 * reference (kind, root, keys) in two conditions gets the same slot.
 * [-0, +0, m] */
static uint16_t plan_slot(lua_State *L, plan_t *pl, const node_t *d)
{
    int values = lua_gettop(L);
    luaL_checkstack(L, 2 * NATIVE_MAX_KEYS + 4, "a native plan");
    lua_pushfstring(L, "%d:%d", (int)d->op, (int)d->arg);
    for (int k = 0; k < d->b; k++) {
        lua_rawgeti(L, values, d->a + k);
        lua_pushfstring(L, "/%d:", (int)lua_rawlen(L, -1));
        lua_insert(L, -2); /* each key after its length: no two paths read alike */
    }
    lua_concat(L, 1 + 2 * d->b);
    lua_pushvalue(L, -1);
    lua_rawget(L, PLAN_MAP);
    uint16_t slot = (uint16_t)lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (!slot && pl->nslots < NATIVE_MAX_SLOTS) {
        slot = (uint16_t)++pl->nslots;
        lua_pushinteger(L, slot);
        lua_rawset(L, PLAN_MAP);
    }
    lua_settop(L, values);
    return slot;
}

/* Gives program p's references (its values table at the top) their cache
 * slots. [-0, +0, m] */
static void plan_slots(lua_State *L, plan_t *pl, program_t *p)
{
    if (p->planned) luaL_error(L, "native_plan: a condition in two plans");
    p->planned = 1;
    for (int i = 0; i < p->n; i++) {
        node_t *d = &p->nodes[i];
        if (d->op == N_REF || d->op == N_REF_SAFE) d->l = plan_slot(L, pl, d);
    }
}

/* The plan entry e of the rule at the top, which it replaces with what
 * the plan keeps for it: its compiled condition's keys and constants, or
 * false. [-1, +1, m] */
static void plan_one(lua_State *L, plan_t *pl, plan_rule_t *e)
{
    int r = lua_gettop(L);
    lua_getfield(L, r, "index");
    e->index = lua_tointeger(L, -1);
    e->p = NULL;
    e->kind = P_LUA;
    if (lua_getfield(L, r, "native_when") == LUA_TUSERDATA) {
        program_t *p = lua_touserdata(L, -1);
        e->p = p;
        e->kind = P_NATIVE;
        lua_getiuservalue(L, -1, 1);
        plan_slots(L, pl, p);
        lua_replace(L, r);
        lua_pop(L, 2);
        return;
    }
    int no_when = lua_getfield(L, r, "when") == LUA_TNIL;
    /* declarative with no condition at all: it always fires */
    if (no_when && lua_getfield(L, r, "native") == LUA_TTABLE) e->kind = P_ALWAYS;
    lua_settop(L, r - 1);
    lua_pushboolean(L, 0);
}

int pf_native_plan(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_Integer n = luaL_len(L, 1);
    if (n < 0 || n > 4096) return luaL_error(L, "native_plan: a stage of %d rules", (int)n);
    plan_t *pl = lua_newuserdatauv(L, sizeof *pl + (size_t)n * sizeof(plan_rule_t), 3); /* 2 */
    memset(pl, 0, sizeof *pl);
    pl->n = (int)n;
    lua_createtable(L, (int)n, 0); /* 3: values tables by position */
    lua_newtable(L);               /* 4 (PLAN_MAP) */
    for (int j = 1; j <= pl->n; j++) {
        if (lua_rawgeti(L, 1, j) != LUA_TTABLE)
            return luaL_error(L, "native_plan: rule %d is not a table", j);
        plan_one(L, pl, &pl->at[j - 1]); /* replaces the rule with its values table or false */
        lua_rawseti(L, 3, j);
    }
    lua_pop(L, 1);
    lua_setiuservalue(L, 2, 1);
    lua_pushvalue(L, 1); /* the rules keep their compiled conditions alive */
    lua_setiuservalue(L, 2, 2);
    lua_createtable(L, pl->nslots, 0); /* the cache */
    lua_setiuservalue(L, 2, 3);
    return 1;
}

/* The truth of plan position j's condition, its values table pushed at
 * stack slot 7 and popped again (plan_run's slots below). [-0, +0, e] */
static int plan_truth(lua_State *L, plan_t *pl, const plan_rule_t *e, int j)
{
    lua_rawgeti(L, 5, j);
    eval_t ev = {L, e->p, 7, 6, pl->stamp, pl->gen};
    int t = truth(&ev, (uint16_t)(e->p->n - 1));
    lua_settop(L, 6);
    return t;
}

/* A new run of the stage: every cached reference is out of date. */
static void plan_new_run(plan_t *pl)
{
    if (++pl->gen == 0) { /* wrapped: no stamp may look current */
        memset(pl->stamp, 0, sizeof pl->stamp);
        pl->gen = 1;
    }
}

/* Returns j and the truth to Lua (nil: Lua decides). [-0, +2, -] */
static int plan_stop(lua_State *L, plan_t *pl, int j, int t)
{
    pl->cur = 0;
    lua_pushinteger(L, j);
    if (t == UNKNOWN)
        lua_pushnil(L);
    else
        lua_pushboolean(L, t);
    return 2;
}

/* native_run's loop, called protected: the arguments of native_run, the
 * results of native_run. [-5, +2, e] */
static int plan_run(lua_State *L)
{
    plan_t *pl = lua_touserdata(L, 1);
    lua_Integer i = lua_tointeger(L, 2);
    lua_settop(L, 5);
    if (!pl || lua_getiuservalue(L, 1, 1) != LUA_TTABLE || i < 1)
        return luaL_error(L, "native_run: not a plan");
    lua_replace(L, 2);    /* 1 plan, 2 values by position, 3 intake, 4 ctx, 5 f */
    lua_rotate(L, 2, -1); /* 2 intake, 3 ctx, 4 f, 5 values: the roots where truth reads them */
    lua_getiuservalue(L, 1, 3); /* 6: the cache */
    luaL_checkstack(L, 8, "a native condition");
    if (i == 1) plan_new_run(pl);
    for (int j = (int)i; j <= pl->n; j++) {
        const plan_rule_t *e = &pl->at[j - 1];
        if (e->kind == P_LUA) return plan_stop(L, pl, j, UNKNOWN);
        pf_eval_mark(L, e->index);
        if (e->kind == P_ALWAYS) return plan_stop(L, pl, j, 1);
        pl->cur = j;
        int t = plan_truth(L, pl, e, j);
        if (t != 0) return plan_stop(L, pl, j, t);
    }
    return plan_stop(L, pl, pl->n + 1, 0);
}

/* An error a fact or a metamethod raised while a condition was evaluated
 * in C: its position, nil, and true, so that Lua runs that rule's
 * condition again and raises the error with the traceback of the Lua path;
 * a limit (time, instructions, memory) stops the evaluation here.
 * [-1, +3, e] */
static int plan_raised(lua_State *L, int status)
{
    if (pf_limits_reached(L, status)) return lua_error(L);
    plan_t *pl = lua_touserdata(L, 1);
    lua_pushinteger(L, pl->cur);
    pl->cur = 0; /* Lua runs the rule now (runner.lua's running names it) */
    lua_pushnil(L);
    lua_pushboolean(L, 1);
    return 3;
}

int pf_native_run(lua_State *L)
{
    lua_settop(L, 5);
    const plan_t *pl = lua_touserdata(L, 1);
    if (!pl) return luaL_error(L, "native_run: not a plan");
    lua_pushcfunction(L, plan_run);
    lua_pushvalue(L, 1);
    lua_rotate(L, 2, 2); /* 1 plan, 2 plan_run, 3 plan, 4 i, 5 intake, 6 ctx, 7 f */
    int status = lua_pcall(L, 5, 2, 0);
    if (status != LUA_OK) return plan_raised(L, status);
    return 2;
}

int pf_native_cursor(lua_State *L)
{
    const plan_t *pl = lua_touserdata(L, 1);
    lua_pushinteger(L, pl ? pl->cur : 0);
    return 1;
}
