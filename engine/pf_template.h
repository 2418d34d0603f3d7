/*
 * pf_template.h - what a consultant or an editor gets from the intake
 * schema, generated from its description (pf_schema_describe), never from
 * names written in C:
 *
 *   template   a blank intake in the questionnaire's order, every question
 *              with its help text, allowed values, ranges and default as
 *              comments; with example answers filled in (--example)
 *   schema     the schema as data (YAML), or as a JSON Schema (draft
 *              2020-12, --json-schema) for the YAML language server's
 *              completion and checks in an editor
 *
 * Owns: nothing after a call; text is appended to the caller's pf_buf_t.
 */
#ifndef PF_TEMPLATE_H
#define PF_TEMPLATE_H

#include <stdio.h>

#include "pf_common.h"
#include "pf_tools.h"
#include "pf_value.h"

/* The intake template as YAML text with comments. desc is the described
 * root (an object spec); version the schema's. With example, every
 * question gets an example answer (its default, else the first allowed
 * value, the lower bound, or a text that matches its pattern) and every
 * list and map one example entry; without, answers are left blank and
 * the shape of list and map entries is shown in comments. */
void pf_template_yaml(const pf_value_t *desc, const char *version, int example, pf_buf_t *out);

/* The JSON Schema (draft 2020-12) of an intake as YAML 1.2 reads it. */
void pf_template_json_schema(const pf_value_t *desc, const char *version, pf_buf_t *out);

/* `partnerfit template [--policy FILE] [--example] [--out FILE]`: exit 0, 2
 * when the policy or schema cannot load, 3 when --out cannot be written. */
int pf_cmd_template(const pf_tools_options_t *o, FILE *out, FILE *log);
/* `partnerfit schema [--policy FILE] [--json-schema] [--out FILE]`. */
int pf_cmd_schema(const pf_tools_options_t *o, FILE *out, FILE *log);

#endif
