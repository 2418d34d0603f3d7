/*
 * pf_config.h - what every command loads before it looks at an intake: the
 * policy (typed generically), the intake schema it names, and the settings
 * to start rule evaluators with; plus reading one intake through the
 * reader and the schema. Shared by `run`, `check`, `test`, `explain`, `diff`.
 *
 * Owns: a pf_config_t owns the policy and schema texts, documents and the
 * loaded schema, and the rule pack, until pf_config_delete(). Evaluators made from it must be
 * deleted first (they point at its policy).
 */
#ifndef PF_CONFIG_H
#define PF_CONFIG_H

#include <stdio.h>

#include "pf_eval.h"
#include "pf_pack.h"
#include "pf_schema.h"
#include "pf_yread.h"

typedef struct pf_config {
    char *policy_text, *schema_text; /* kept for their digests */
    size_t policy_len, schema_len;
    char *schema_path;
    pf_doc_t policy_doc, schema_doc;
    pf_value_t *policy;
    pf_schema_t *schema;
    pf_pack_t *pack;       /* the rule files, read once: every evaluator shares it */
    pf_eval_config_t eval; /* rules folder and pack, policy, limits: for pf_eval_new */
} pf_config_t;

void pf_config_init(pf_config_t *c);
void pf_config_delete(pf_config_t *c);

/* Loads the policy at policy_path and its schema; messages go to log.
 * Returns 1, or 0 after printing every problem found. */
int pf_config_load(pf_config_t *c, const char *rules_dir, const char *policy_path,
                   const pf_eval_limits_t *limits, int timings, FILE *log);

/* Loads only the policy and its schema (no rule pack, no evaluator), for
 * the commands that work from the schema alone: template, schema, import.
 * Returns 1, or 0 after printing every problem found. */
int pf_config_load_schema(pf_config_t *c, const char *policy_path, FILE *log);

/* A new evaluator for this configuration, or NULL after printing why. */
pf_eval_t *pf_config_evaluator(const pf_config_t *c, FILE *log);

/* Reads one intake file and validates it: 1 with *intake (in doc's arena),
 * or 0 with the problems appended to errs. */
int pf_intake_read(const pf_config_t *c, const char *path, const pf_yread_limits_t *lim,
                   size_t max_errors, pf_doc_t *doc, pf_value_t **intake, pf_errlist_t *errs);

/* Validates a document against the schema: 1 with *intake (in arena), or 0
 * with the problems appended to errs (at most max_errors, 0: no cap) and
 * never without one: a refusal the schema did not word gets a general
 * reason, so no rejected intake is left without a line in rejects.csv. */
int pf_intake_check(const pf_config_t *c, const pf_node_t *root, pf_arena_t *arena,
                    pf_value_t **intake, pf_errlist_t *errs, size_t max_errors);

#endif
