/*
 * pf_limits.c - the memory cap, the instruction budget and the deadline of
 * one evaluator's Lua state (see pf_limits.h).
 */
#include <stdio.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>

#include "pf_eval_int.h"
#include "pf_limits.h"

#define HOOK_EVERY 1000       /* instructions between limit checks */
#define GRACE_NS 10000000L    /* CPU time an intake runs before its limits are checked */
#define RECHECK_NS 100000000L /* then the hook is set again this often (see arm) */

double pf_limits_now(void)
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
    l->output_bytes = 1u << 20;
    l->beacon = NULL;
}

/* ==================================================================== */
/* Memory cap                                                            */
/* ==================================================================== */

/* The state's allocator. The cap counts the live bytes: what Lua asked for
 * and has not freed. Not the slab's chunks: freed small blocks stay in them,
 * so counting chunks made an intake's verdict depend on what the intakes
 * before it left there. What the chunks hold beyond the live bytes is
 * bounded by the evaluator (it rebuilds a state whose chunks grew past
 * twice the cap, pf_eval.c) and, per process, by RLIMIT_AS.
 * Growing is refused over the cap (Lua then collects garbage and retries
 * before it raises ERRMEM); shrinking and freeing never are. */
void *pf_limits_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    pf_eval_t *ev = ud;
    if (ptr == NULL) osize = 0; /* then osize is a type tag, not a size */
    if (nsize == 0) {
        pf_slab_realloc(&ev->slab, ptr, osize, 0);
        ev->mem_live -= osize;
        return NULL;
    }
    if (nsize > osize && !ev->uncapped && ev->mem_live - osize + nsize > ev->cfg.limits.mem_bytes) {
        ev->mem_failed = 1;
        return NULL;
    }
    void *p = pf_slab_realloc(&ev->slab, ptr, osize, nsize);
    if (!p) return NULL;
    ev->mem_live = ev->mem_live - osize + nsize;
    return p;
}

/* ==================================================================== */
/* Instruction budget and deadline                                        */
/* ==================================================================== */

static void count_hook(lua_State *L, lua_Debug *ar);

/* The watch's alarm, in signal context on the evaluating thread: from now
 * on this intake's instructions are counted and its clock is checked.
 * Touches no Lua stack (lua_sethook is signal-safe). */
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
void pf_limits_arm(pf_eval_t *ev)
{
    ev->instr_used = 0;
    ev->deadline = pf_limits_now() + ev->cfg.limits.seconds;
    ev->killed[0] = '\0';
    ev->mem_failed = 0;
    ev->armed = 1;
    if (ev->beacon) { /* the supervisor's deadline: a little past this one (pf_procs) */
        atomic_store(&ev->beacon->rule, 0);
        atomic_store(&ev->beacon->deadline_ns, (long long)(ev->deadline * 1e9));
    }
    if (!pf_watch_arm(&ev->watch, GRACE_NS, RECHECK_NS, start_counting, ev))
        lua_sethook(ev->L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
}

void pf_limits_disarm(pf_eval_t *ev)
{
    ev->armed = 0;
    if (ev->beacon) atomic_store(&ev->beacon->deadline_ns, 0);
    pf_watch_disarm(&ev->watch);
    if (ev->L) lua_sethook(ev->L, NULL, 0, 0);
}

/* Once over a limit the state stays "killed": every later hook call raises
 * again, so a rule cannot catch the error and carry on. [-0, +0, e] */
static void count_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    pf_eval_t *ev = pf_eval_of(L);
    if (!ev->armed) return;
    if (!ev->killed[0]) {
        ev->instr_used += HOOK_EVERY;
        if (ev->instr_used > ev->cfg.limits.instructions)
            snprintf(ev->killed, sizeof ev->killed,
                     "went over the limit of %llu Lua instructions for one intake",
                     ev->cfg.limits.instructions);
        else if (pf_limits_now() > ev->deadline)
            snprintf(ev->killed, sizeof ev->killed,
                     "went over the time limit of %g seconds for one intake",
                     ev->cfg.limits.seconds);
    }
    if (ev->killed[0]) luaL_error(L, "%s", ev->killed);
}

/* The hook sees instructions, not the work a C function does per call:
 * a loop of 4 MB string.rep calls can run 250 calls between two checks.
 * The costly wrappers check the deadline themselves before working. */
void pf_limits_check_deadline(lua_State *L)
{
    pf_eval_t *ev = pf_eval_of(L);
    if (ev->armed && !ev->killed[0] && pf_limits_now() > ev->deadline)
        snprintf(ev->killed, sizeof ev->killed,
                 "went over the time limit of %g seconds for one intake", ev->cfg.limits.seconds);
    if (ev->killed[0]) luaL_error(L, "%s", ev->killed);
}

int pf_limits_reached(lua_State *L, int status)
{
    pf_eval_t *ev = pf_eval_of(L);
    if (status == LUA_ERRMEM && !ev->killed[0])
        snprintf(ev->killed, sizeof ev->killed, "went over the memory limit of %zu MiB",
                 ev->cfg.limits.mem_bytes >> 20);
    return status != LUA_OK && ev->killed[0];
}
