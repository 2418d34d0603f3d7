/*
 * pf_schema_describe.c - the loaded schema as a typed value, for the tools
 * that work from it (rule checks, types, editor annotations, docs); the
 * shape is given at pf_schema_describe in pf_schema.h. Built once per tool
 * run, never per intake.
 */
#include "pf_schema_int.h"

/* Room for every entry a spec can have: type, required, doc, default, min,
 * max, min_length, max_length, pattern, values, items, min_items, max_items,
 * keys and fields. */
#define SPEC_ENTRIES_MAX 15

/* A min or max in the type of its field; a date's stays text. */
static void add_bound(pf_arena_t *a, pf_value_t *m, const char *key, const spec_t *sp, int is_max)
{
    if (sp->type == T_INTEGER)
        pf_value_add_int(a, m, key, is_max ? sp->imax : sp->imin);
    else if (sp->type == T_NUMBER)
        pf_value_add_num(a, m, key, is_max ? sp->nmax : sp->nmin);
    else
        pf_value_add_str(a, m, key, is_max ? sp->max_text : sp->min_text);
}

/* The default as converted, at its place in the schema file; its text
 * copied so the description does not point into the schema. */
static void add_default(pf_arena_t *a, pf_value_t *m, const spec_t *sp)
{
    pf_value_t *v = pf_value_add(a, m, "default");
    *v = sp->def;
    if (v->kind == PF_VAL_STR) v->s = pf_arena_strndup(a, v->s, v->len);
}

static pf_value_t *describe_spec(pf_arena_t *a, const spec_t *sp)
{
    pf_value_t *m = pf_value_map(a, SPEC_ENTRIES_MAX);
    pf_value_add_str(a, m, "type", sch_type_names[sp->type]);
    if (sp->role == ROLE_FIELD || sp->role == ROLE_TOP)
        pf_value_add_bool(a, m, "required", sp->required);
    if (sp->doc) pf_value_add_str(a, m, "doc", sp->doc);
    if (sp->has_default) add_default(a, m, sp);
    if (sp->has_min) add_bound(a, m, "min", sp, 0);
    if (sp->has_max) add_bound(a, m, "max", sp, 1);
    if (sp->type == T_STRING || sp->type == T_TEXT) {
        if (sp->min_length) pf_value_add_int(a, m, "min_length", (long long)sp->min_length);
        pf_value_add_int(a, m, "max_length", (long long)sp->max_length);
        if (sp->pattern) pf_value_add_str(a, m, "pattern", sp->pattern);
    }
    if (sp->type == T_ENUM) {
        pf_value_t *values = pf_value_list(a, sp->nvalues);
        for (size_t i = 0; i < sp->nvalues; i++)
            pf_value_add_str(a, values, NULL, sp->values[i]);
        *pf_value_add(a, m, "values") = *values;
    }
    if (sp->type == T_LIST) *pf_value_add(a, m, "items") = *describe_spec(a, sp->items);
    if (sp->type == T_LIST || sp->type == T_MAP) {
        pf_value_add_int(a, m, "min_items", (long long)sp->min_items);
        pf_value_add_int(a, m, "max_items", (long long)sp->max_items);
    }
    if (sp->type == T_MAP) {
        if (sp->keys) *pf_value_add(a, m, "keys") = *describe_spec(a, sp->keys);
        *pf_value_add(a, m, "values") = *describe_spec(a, sp->items);
    }
    if (sp->type == T_OBJECT) {
        pf_value_t *fields = pf_value_map(a, sp->nfields);
        for (size_t i = 0; i < sp->nfields; i++)
            *pf_value_add(a, fields, sp->names[i]) = *describe_spec(a, sp->fields[i]);
        *pf_value_add(a, m, "fields") = *fields;
    }
    return m;
}

pf_value_t *pf_schema_describe(const pf_schema_t *s, pf_arena_t *arena)
{
    return describe_spec(arena, s->root);
}
