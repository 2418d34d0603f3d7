/*
 * pf_guard.h - a command run in a child process that a watcher stops when
 * rule code in it runs on past its deadline.
 *
 * The evaluator's own limits (pf_limits.h) are checked by Lua's hook and by
 * the sandbox's wrappers, so they cannot stop a rule that is inside one
 * long C call: at the top of a rule file, in `check`'s probes, in
 * `explain`. pf_guard runs the whole command in a child whose evaluators
 * report their deadlines and the rule they run in a shared beacon
 * (pf_beacon.h, through pf_eval_limits_t.beacon); the parent only waits,
 * watches the beacon, passes on the signals it gets (an operator's SIGTERM
 * reaches the command as before) and, when the deadline has passed by the
 * overrun, kills the child and says which rule it was in. A `run`'s worker
 * processes have their own supervisor (pf_procs.h); this covers what runs
 * before and around them.
 *
 * Owns: the child and the beacon, both gone when pf_guard_run returns.
 */
#ifndef PF_GUARD_H
#define PF_GUARD_H

#include <stdio.h>

#include "pf_eval.h"

typedef int (*pf_guard_fn)(void *arg);

/* Runs fn(arg) in a child process with limits->beacon set for it, and
 * returns its exit code; a child killed by a signal is passed on as that
 * signal (this process dies of it too). When rule code in the child runs
 * `overrun` seconds past its deadline, the child is killed, the rule is
 * named on log and stopped_code returned. If no child can be made, fn runs
 * in this process, unwatched. */
int pf_guard_run(pf_guard_fn fn, void *arg, pf_eval_limits_t *limits, double overrun,
                 int stopped_code, FILE *log);

#endif
