/*
 * pf_tools.h - the analyst's subcommands, each a thin layer over the
 * configuration (pf_config) and the prelude's tools (pf_eval_tool):
 *
 *   check    load everything, probe every rule with schema-built intakes
 *   explain  the trace of one intake, as text or JSON
 *   sensitivity  which answer of one intake, changed by one step, moves its
 *            top option or shortlist (steps from the schema), text or JSON
 *   brief    one intake's HTML brief (pf_brief.h), to stdout or --out FILE
 *   test     rule tests: intakes with expected outcomes, in YAML files
 *   diff     a baseline pack and a candidate over the same intakes (pf_diff.c)
 *   types    editor annotations (Lua Language Server) from the schema
 *
 * Each returns a process exit code (pf_exit_t values, plus 1 for "found
 * something": test failures, diff changes, check problems).
 * Owns: nothing after it returns.
 */
#ifndef PF_TOOLS_H
#define PF_TOOLS_H

#include <stdio.h>

#include "pf_eval.h"

typedef struct pf_tools_options {
    const char *rules_dir;
    const char *policy_path;
    const char *base_rules_dir;   /* diff */
    const char *base_policy_path; /* diff */
    const char *base_rev;         /* diff: the baseline is --rules/--policy at this git revision */
    const char *out;              /* diff: folder; types, brief: file */
    const char *format;           /* explain, sensitivity: "text" or "json" */
    int sensitivity;              /* explain: the sensitivity report instead */
    int strict;                   /* check: warnings fail too */
    const char *name;             /* test: only the cases whose name contains this */
    const char *junit;            /* test: also write the results as JUnit XML to this file */
    unsigned orders;              /* isolation: warm orders to try [4] */
    unsigned long long seed;      /* isolation: seed of the shuffled orders */
    int example;                  /* template: example answers filled in */
    int json_schema;              /* schema: as a JSON Schema */
    const char *map;              /* import: the mapping of form columns to questions */
    const char *rejects;          /* import: the rejects report [OUT/import-rejects.csv] */
    int quiet;                    /* import: no summary line */
    const char *const *paths;
    size_t npaths;
    pf_eval_limits_t limits;
} pf_tools_options_t;

int pf_cmd_check(const pf_tools_options_t *o, FILE *out, FILE *log);
int pf_cmd_explain(const pf_tools_options_t *o, FILE *out, FILE *log);
/* Exit 0, or 1 when the intake cannot be read or evaluated. */
int pf_cmd_sensitivity(const pf_tools_options_t *o, FILE *out, FILE *log);
int pf_cmd_test(const pf_tools_options_t *o, FILE *out, FILE *log);
/* Exit 0; 1 when the intake cannot be read; 5 when a rule fails on it. */
int pf_cmd_brief(const pf_tools_options_t *o, FILE *out, FILE *log);
int pf_cmd_diff(const pf_tools_options_t *o, FILE *out, FILE *log);
int pf_cmd_types(const pf_tools_options_t *o, FILE *out, FILE *log);
/* (pf_isolation.c) Each intake on a fresh evaluator and on a warm one in
 * several orders; exit 1 when any intake's rows differ. */
int pf_cmd_isolation(const pf_tools_options_t *o, FILE *out, FILE *log);

#endif
