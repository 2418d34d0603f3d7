/*
 * pf_native.c - conditions of declarative rules evaluated in C; see
 * pf_native.h. The compiled condition is a userdata (freed by the Lua
 * garbage collector, nothing malloc'ed); its user value 1 is a sequence of
 * the keys and constants the nodes name by index.
 */
#include "pf_native.h"

#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

/* A program longer than this stays in Lua: it bounds the C recursion of
 * the evaluation (a chain of `and` is a left-deep tree) and the userdata. */
#define NATIVE_MAX_NODES 256
#define NATIVE_MAX_KEYS 16 /* steps of one reference */

enum { N_REF, N_REF_SAFE, N_CONST, N_LEN, N_CMP, N_NOT, N_AND, N_OR };
enum { R_INTAKE = 2, R_CTX = 3, R_FACTS = 4 }; /* stack slots of native_when's arguments */
enum { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE };

typedef struct node {
    uint8_t op;
    uint8_t arg;   /* N_REF*: root slot; N_CMP: the comparison */
    uint16_t a, b; /* N_REF*: first key's index, key count; N_CONST: the constant's index */
    uint16_t l, r; /* children (N_LEN, N_NOT: l only) */
} node_t;

typedef struct program {
    uint16_t n; /* nodes; the root is the last */
    node_t nodes[];
} program_t;

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

/* The root of a reference by name: its stack slot in native_when, or 0. */
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
    int values; /* stack index of the keys and constants */
} eval_t;

/* Pushes the value a reference reads, stepping as the compiled Lua
 * expression does (safe: as H.path_reader does, nil at a step that is not
 * a table). [-0, +1, e] on success; [-0, +0, e] and UNKNOWN when Lua would
 * raise. */
static int push_ref(eval_t *e, const node_t *d)
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
        lua_remove(L, -2);
        if (d->op == N_REF_SAFE && lua_isnil(L, -1)) return 1;
    }
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

int pf_native_when(lua_State *L)
{
    lua_settop(L, 4); /* compiled, intake, ctx, f */
    const program_t *p = lua_type(L, 1) == LUA_TUSERDATA ? lua_touserdata(L, 1) : NULL;
    if (!p || lua_getiuservalue(L, 1, 1) != LUA_TTABLE || p->n == 0)
        return luaL_error(L, "native_when: not a compiled condition");
    luaL_checkstack(L, 8, "a native condition");
    eval_t e = {L, p, 5};
    int t = truth(&e, (uint16_t)(p->n - 1));
    if (t == UNKNOWN)
        lua_pushnil(L);
    else
        lua_pushboolean(L, t);
    return 1;
}
