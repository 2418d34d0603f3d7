/*
 * pf_overview.h - index.html, the batch overview written by every run and
 * merge: the prelude's overview tool (engine/lua/tools/overview.lua) is
 * told the manifest so far, names the reports it reads, gets their rows
 * one call at a time (so a batch of any size never sits in memory), and
 * returns the page, which becomes one more file of the run, listed in the
 * manifest with its digest.
 *
 * Owns: nothing after it returns.
 */
#ifndef PF_OVERVIEW_H
#define PF_OVERVIEW_H

#include <stdio.h>

#include "pf_eval.h"
#include "pf_results.h"
#include "pf_value.h"

#define PF_OVERVIEW_NAME "index.html"

/* Writes index.html into res (closed: its files finished, not yet
 * committed) from manifest (the run's manifest as a value). 1, or 0 after
 * saying why on log. */
int pf_overview_write(pf_eval_t *ev, pf_results_t *res, const pf_value_t *manifest, FILE *log);

#endif
