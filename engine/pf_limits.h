/*
 * pf_limits.h - the limits that keep a hostile rule in check, per evaluator:
 *
 *   memory        the state's allocator counts the live bytes of the state
 *                 (what Lua asked for and has not freed, small blocks in
 *                 pf_slab and large ones from malloc alike) and refuses to
 *                 go over pf_eval_limits_t.mem_bytes;
 *   instructions  a count hook, set only once an intake has used 10 ms of
 *                 CPU time (pf_watch), counts against the budget;
 *   time          a monotonic deadline per intake (or rule file), checked in
 *                 the hook and by the costly sandbox wrappers.
 *
 * Once over a limit the state stays "killed" (pf_eval_t.killed): every
 * later check raises again, so a rule cannot catch the error and carry on;
 * the evaluator then rebuilds the state.
 *
 * Owns: nothing of its own. Its counters live in pf_eval_t (pf_eval_int.h);
 * the watch is created and deleted by pf_eval.c.
 */
#ifndef PF_LIMITS_H
#define PF_LIMITS_H

#include <stddef.h>

#include <lua.h>

#include "pf_eval.h"

/* The state's lua_Alloc; ud is the pf_eval_t. */
void *pf_limits_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

/* Starts the limits for one intake (or rule file): counters cleared, the
 * deadline set, the watch armed. Touches no Lua stack. */
void pf_limits_arm(pf_eval_t *ev);
/* Ends them: no alarm pending, no hook left for the next intake. */
void pf_limits_disarm(pf_eval_t *ev);

/* For C functions whose work the hook cannot see: raises when the deadline
 * has passed or the state is over a limit. [-0, +0, e] */
void pf_limits_check_deadline(lua_State *L);

/* After a protected call made inside the state (a rule's pcall) that ended
 * with status: counts a memory error as the memory limit, and returns 1
 * when the state is over a limit, so the error must go on up and never be
 * caught. [-0, +0, -] */
int pf_limits_reached(lua_State *L, int status);

/* Monotonic seconds. */
double pf_limits_now(void);

#endif
