/*
 * pf_schema.h - the intake schema: data (a YAML file in policies/) that says
 * which questions an intake has, their types, ranges, enums and which are
 * required. The host validates every intake against it and converts each
 * answer from text to its typed value; no question name lives in C.
 *
 * Schema file format: see docs/intake-format.md ("The schema file").
 * The analyst's guide to the schema file is docs/schema-format.md.
 *
 * Error kinds: problems in the schema file itself are "schema.definition"
 * (field = the intake path the spec describes: "help[].area" for list items,
 * "skills.*" for map values, "skills (keys)" for map keys; or the schema key,
 * "version", "enums.area"). Problems in an intake are schema.required,
 * schema.unknown_field, schema.type, schema.range, schema.enum,
 * schema.pattern, schema.length, schema.items, schema.date and schema.shape,
 * with field = the answer's path ("help[2].area", 1-based list indexes).
 *
 * Implemented by pf_schema_load.c (the schema file), pf_schema_check.c
 * (intakes), pf_schema_describe.c (tooling) and pf_schema_msg.c (their
 * messages), which share pf_schema_int.h.
 *
 * Owns: a pf_schema_t owns all its memory; free it with pf_schema_delete().
 * Values produced by pf_schema_validate() live in the arena the caller passes.
 */
#ifndef PF_SCHEMA_H
#define PF_SCHEMA_H

#include "pf_common.h"
#include "pf_node.h"
#include "pf_value.h"

typedef struct pf_schema pf_schema_t;

/*
 * Builds a schema from a parsed schema document. On failure returns NULL and
 * appends one error per problem found (with line:column in the schema file).
 */
pf_schema_t *pf_schema_load(const pf_node_t *root, pf_errlist_t *errs);
void pf_schema_delete(pf_schema_t *s);

/*
 * Validates an intake document against the schema and converts it.
 * Returns the typed value (a map) in *out and 1 when valid; returns 0 and
 * appends every problem found (capped at max_errors, 0 = no cap) otherwise.
 * Optional fields that are absent or null are left out of the map unless
 * the schema gives a default, which is then filled in (line 0).
 */
int pf_schema_validate(const pf_schema_t *s, const pf_node_t *root, pf_arena_t *arena,
                       pf_value_t **out, pf_errlist_t *errs, size_t max_errors);

/* Name of the top-level field marked `unique: true`, or NULL. */
const char *pf_schema_unique_field(const pf_schema_t *s);

/*
 * The schema as data, for tooling (rule checks, editor annotations, docs):
 * a map per field spec with type, required, doc, default, min, max,
 * min_length (when above 0), max_length, pattern, values (enum), items (list), min_items/max_items
 * (list and map), keys/values (map) and fields (object, in declaration
 * order). Lives in arena, keys and text copied: it does not need the
 * schema to outlive it.
 */
pf_value_t *pf_schema_describe(const pf_schema_t *s, pf_arena_t *arena);

/* The schema's version string (the file's `version:`), for the manifest. */
const char *pf_schema_version(const pf_schema_t *s);

#endif
