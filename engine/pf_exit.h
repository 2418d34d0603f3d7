/*
 * pf_exit.h - the exit codes of every command, as README.md and
 * `partnerfit --help` document them. Scripts and schedulers branch on
 * them, so a code never changes meaning; new ones are added at the end.
 *
 * Owns: nothing (one enum).
 */
#ifndef PF_EXIT_H
#define PF_EXIT_H

typedef enum pf_exit {
    /* every intake was evaluated */
    PF_EXIT_OK = 0,
    /* the run finished, but some intakes were rejected (rejects.csv); the
     * analyst tools use it too: a test failed, `diff` found a change */
    PF_EXIT_REJECTS = 1,
    /* usage, policy, schema or rule-pack error: no report was written */
    PF_EXIT_CONFIG = 2,
    /* I/O or internal error: the previous reports were left as they were */
    PF_EXIT_IO = 3,
    /* another run holds the output folder's lock: nothing was written */
    PF_EXIT_BUSY = 4,
    /* the run finished, but a rule failed on some intakes (in rejects.csv
     * with the rule id and its file:line) */
    PF_EXIT_RULE_ERRORS = 5,
    /* the run finished, but a rule fired on no intake (only with
     * --fail-on-dead-rules) */
    PF_EXIT_DEAD_RULES = 6,
    /* no intake file under the paths given (or far fewer than last time,
     * with --max-drop): nothing was written, the previous reports stand */
    PF_EXIT_NO_INPUT = 7
} pf_exit_t;

#endif
