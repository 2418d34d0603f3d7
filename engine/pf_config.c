/*
 * pf_config.c - loading the policy, the schema and evaluators; reading one
 * intake through the reader and the schema.
 */
#include <stdlib.h>
#include <string.h>

#include "pf_config.h"

void pf_config_init(pf_config_t *c)
{
    memset(c, 0, sizeof *c);
    pf_doc_init(&c->policy_doc);
    pf_doc_init(&c->schema_doc);
}

void pf_config_delete(pf_config_t *c)
{
    pf_schema_delete(c->schema);
    pf_pack_delete(c->pack);
    pf_doc_delete(&c->policy_doc);
    pf_doc_delete(&c->schema_doc);
    free(c->policy_text);
    free(c->schema_text);
    free(c->schema_path);
    memset(c, 0, sizeof *c);
}

/* Configuration files are trusted more than intakes, and larger. */
static void config_limits(pf_yread_limits_t *l)
{
    pf_yread_limits_default(l);
    l->max_file_bytes = 4u << 20;
    l->max_nodes = 200000;
}

/* Reads a YAML config file (kept as text for its digest). */
static int read_config(const char *path, char **text, size_t *len, pf_doc_t *doc, FILE *log)
{
    pf_yread_limits_t lim;
    config_limits(&lim);
    pf_err_t err;
    if (!pf_read_file(path, lim.max_file_bytes, text, len, &err) ||
        !pf_yread_one(*text, *len, &lim, doc, &err)) {
        pf_log_error(log, path, &err);
        return 0;
    }
    return 1;
}

/* The schema file named by the policy's `schema:`, relative to the policy. */
static char *schema_path_for(const char *policy_path, const char *name)
{
    if (name[0] == '/') return pf_xstrdup(name);
    const char *slash = strrchr(policy_path, '/');
    size_t dir = slash ? (size_t)(slash - policy_path) + 1 : 0;
    char *p = pf_xmalloc(dir + strlen(name) + 1);
    memcpy(p, policy_path, dir);
    strcpy(p + dir, name);
    return p;
}

static int load_schema(pf_config_t *c, const char *policy_path, FILE *log)
{
    const pf_value_t *name = pf_value_get(c->policy, "schema");
    if (!name || name->kind != PF_VAL_STR) {
        fprintf(log, "partnerfit: %s: the policy must name its intake schema file (schema: ...)\n",
                policy_path);
        return 0;
    }
    c->schema_path = schema_path_for(policy_path, name->s);
    if (!read_config(c->schema_path, &c->schema_text, &c->schema_len, &c->schema_doc, log))
        return 0;
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    c->schema = pf_schema_load(c->schema_doc.root, &errs);
    for (size_t i = 0; i < errs.count; i++)
        pf_log_error(log, c->schema_path, &errs.items[i]);
    pf_errlist_delete(&errs);
    return c->schema != NULL;
}

/* The policy checked against its own schema (`policy_schema:`, relative to
 * the policy): a misspelt key is an error at its line with "did you mean",
 * as in an intake, rather than a setting silently left at its default.
 * Only checked: the prelude reads the policy as it is. */
static int check_policy_shape(pf_config_t *c, const char *policy_path, FILE *log)
{
    const pf_value_t *name = pf_value_get(c->policy, "policy_schema");
    if (!name) return 1; /* `check` warns that nothing checks the keys */
    if (name->kind != PF_VAL_STR) {
        fprintf(log, "partnerfit: %s:%lu:%lu: policy_schema must name a file\n", policy_path,
                name->line, name->column);
        return 0;
    }
    char *path = schema_path_for(policy_path, name->s), *text = NULL;
    size_t len;
    pf_doc_t doc;
    pf_doc_init(&doc);
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    int ok = read_config(path, &text, &len, &doc, log);
    pf_schema_t *shape = ok ? pf_schema_load(doc.root, &errs) : NULL;
    for (size_t i = 0; i < errs.count; i++)
        pf_log_error(log, path, &errs.items[i]);
    if (ok && shape) {
        pf_errlist_reset(&errs);
        pf_arena_t arena;
        pf_arena_init(&arena);
        pf_value_t *typed;
        ok = pf_schema_validate(shape, c->policy_doc.root, &arena, &typed, &errs, 0);
        for (size_t i = 0; i < errs.count; i++)
            pf_log_error(log, policy_path, &errs.items[i]);
        pf_arena_delete(&arena);
    }
    ok = ok && shape;
    pf_schema_delete(shape);
    pf_errlist_delete(&errs);
    pf_doc_delete(&doc);
    free(text);
    free(path);
    return ok;
}

int pf_config_load_schema(pf_config_t *c, const char *policy_path, FILE *log)
{
    if (!read_config(policy_path, &c->policy_text, &c->policy_len, &c->policy_doc, log)) return 0;
    c->policy = pf_value_from_node(&c->policy_doc.arena, c->policy_doc.root);
    if (c->policy->kind != PF_VAL_MAP) {
        fprintf(log, "partnerfit: %s: the policy must be a mapping\n", policy_path);
        return 0;
    }
    if (!check_policy_shape(c, policy_path, log)) return 0;
    return load_schema(c, policy_path, log);
}

int pf_config_load(pf_config_t *c, const char *rules_dir, const char *policy_path,
                   const pf_eval_limits_t *limits, int timings, FILE *log)
{
    if (!pf_config_load_schema(c, policy_path, log)) return 0;
    /* read once: a state rebuilt mid-run, and every worker, uses this copy */
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    c->pack = pf_pack_read(rules_dir, &errs);
    for (size_t i = 0; i < errs.count; i++)
        pf_log_error(log, NULL, &errs.items[i]);
    if (!c->pack)
        fprintf(log, "partnerfit: the rule pack has %zu problem%s (listed above)\n", errs.count,
                errs.count == 1 ? "" : "s");
    pf_errlist_delete(&errs);
    if (!c->pack) return 0;
    c->eval.pack = c->pack;
    c->eval.rules_dir = rules_dir;
    c->eval.policy_path = policy_path;
    c->eval.policy = c->policy;
    c->eval.schema = pf_schema_describe(c->schema, &c->policy_doc.arena);
    c->eval.limits = *limits;
    c->eval.timings = timings;
    return 1;
}

pf_eval_t *pf_config_evaluator(const pf_config_t *c, FILE *log)
{
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    pf_eval_t *ev = pf_eval_new(&c->eval, &errs);
    for (size_t i = 0; i < errs.count; i++)
        pf_log_error(log, NULL, &errs.items[i]);
    if (!ev)
        fprintf(log, "partnerfit: the rule pack or policy has %zu problem%s (listed above)\n",
                errs.count, errs.count == 1 ? "" : "s");
    pf_errlist_delete(&errs);
    return ev;
}

int pf_intake_read(const pf_config_t *c, const char *path, const pf_yread_limits_t *lim,
                   size_t max_errors, pf_doc_t *doc, pf_value_t **intake, pf_errlist_t *errs)
{
    pf_err_t err;
    if (!pf_yread_file(path, lim, doc, &err)) {
        pf_errlist_push(errs, &err);
        return 0;
    }
    return pf_intake_check(c, doc->root, &doc->arena, intake, errs, max_errors);
}

int pf_intake_check(const pf_config_t *c, const pf_node_t *root, pf_arena_t *arena,
                    pf_value_t **intake, pf_errlist_t *errs, size_t max_errors)
{
    size_t before = errs->count;
    if (pf_schema_validate(c->schema, root, arena, intake, errs, max_errors)) return 1;
    if (errs->count == before) /* never leave a rejected intake without a reason */
        pf_err_set(pf_errlist_add(errs), "schema", 0, 0, "",
                   "the intake does not match the schema");
    return 0;
}
