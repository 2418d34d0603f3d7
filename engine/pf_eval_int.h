/*
 * pf_eval_int.h - private to the evaluator: the pf_eval_t that pf_eval.c
 * (building a state, running intakes and tools) and pf_limits.c (the
 * allocator, the count hook, arm and disarm) share. Nothing outside those
 * two files includes it; the sandbox (pf_sandbox.c) and the views
 * (pf_view.c) work on the Lua state alone.
 *
 * Owns: the struct's layout only. What a pf_eval_t owns is said in
 * pf_eval.h; the limit counters below belong to pf_limits.c, the rest to
 * pf_eval.c.
 */
#ifndef PF_EVAL_INT_H
#define PF_EVAL_INT_H

#include <lua.h>

#include "pf_beacon.h"
#include "pf_eval.h"
#include "pf_pack.h"
#include "pf_slab.h"
#include "pf_watch.h"
#include "pf_why.h"

struct run_args;

/* What the prelude's description of a report adds for the host to write
 * itself (pf_why.h): a column whose cell joins a key's contributions, and
 * whether the report is the contributions list. */
typedef struct pf_report_extra {
    size_t explained; /* 1-based column whose cell is the joined contributions of the key
                       * the prelude passes in it; 0: none */
    char *kind;       /* the contributions' kind it joins */
    char *none;       /* the cell when the key has no contribution */
    char **kinds;     /* a contributions report: kind, its text, ..., NULL; NULL: not one */
} pf_report_extra_t;

struct pf_eval {
    lua_State *L;
    pf_eval_config_t cfg;
    /* the rule files every state of this evaluator is built from: the
     * config's shared pack, or own_pack read at pf_eval_new */
    const pf_pack_t *pack;
    pf_pack_t *own_pack;
    char rebuild_error[PF_ERR_MSG_MAX]; /* why the last rebuild failed, for later runs */
    /* memory accounting (allocator ud; pf_limits.c) */
    size_t mem_live; /* bytes the state holds: asked for and not freed */
    pf_slab_t slab;  /* the state's small blocks */
    int mem_failed;
    int uncapped;         /* 1 while the host reads who failed, after a limit (pf_eval.c) */
    struct run_args *run; /* the evaluation under way, for host.emit */
    /* limits, checked in the count hook once the watch has set it (pf_limits.c) */
    int armed;
    pf_watch_t watch;
    unsigned long long instr_used;
    double deadline;
    char killed[160];       /* non-empty: the state is over a limit */
    pf_beacon_t *beacon;    /* for the process watching this one; NULL: none */
    pf_rule_stat_t *labels; /* with a watcher's beacon: each rule in words... */
    size_t nlabels;         /* ...written to the beacon as the rule starts */
    int failed_rule;        /* with a beacon: the rule of the last failed evaluation */
    int native;             /* declarative conditions in C (pf_native.h); 0 with PF_RULE_PATH=lua */
    /* prelude */
    int ref_prelude;
    int ref_upvalues; /* rule upvalues as loaded (pf_view.c, snapshot_t) */
    /* reports */
    size_t nreports;
    char **report_names;
    char ***report_columns;
    pf_report_extra_t *report_extra;
    size_t nrules;
    char digest[65];
    /* rule time of states closed by a rebuild, added to the live ones */
    pf_rule_stat_t *carry;
    size_t ncarry;
    /* report cells already written, by the Lua string they came from */
    struct pf_cell_cache *cells;
    /* the explained cells of the evaluation under way (pf_why.h) */
    pf_why_t *why;
};

/* Tells the supervisor (pf_beacon.h) that rule number i now runs; host.mark
 * from Lua, pf_native_run from C. [-0, +0, -] */
void pf_eval_mark(lua_State *L, lua_Integer i);

/* The evaluator lives in the state's extra space, for the hook and the
 * host functions. [-0, +0, -] */
static inline pf_eval_t *pf_eval_of(lua_State *L)
{
    return *(pf_eval_t **)lua_getextraspace(L);
}

#endif
