/*
 * pf_tools_int.h - private to the analyst commands (pf_tools.c, pf_diff.c):
 * a session, one loaded configuration with one evaluator for it.
 *
 * Owns: an open session owns its configuration and evaluator until
 * pf_session_close().
 */
#ifndef PF_TOOLS_INT_H
#define PF_TOOLS_INT_H

#include <stdio.h>

#include "pf_config.h"

typedef struct pf_session {
    pf_config_t cfg;
    pf_eval_t *ev;
} pf_session_t;

/* Loads rules and policy and starts an evaluator: 1, or 0 after printing
 * why (close the session either way). */
int pf_session_open(pf_session_t *s, const char *rules, const char *policy,
                    const pf_eval_limits_t *limits, FILE *log);
void pf_session_close(pf_session_t *s);

#endif
