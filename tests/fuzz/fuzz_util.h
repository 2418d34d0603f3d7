/*
 * fuzz_util.h - what the harnesses share: reading the project's YAML files
 * (policy, schema, samples) at start-up, where a failure ends the run.
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "pf_schema.h"
#include "pf_value.h"
#include "pf_yread.h"

#ifndef PF_SOURCE_DIR
#define PF_SOURCE_DIR "."
#endif

/* Reads a configuration-sized YAML file into doc, or exits naming it. */
static inline void fuzz_read_yaml(const char *who, const char *path, pf_doc_t *doc)
{
    pf_yread_limits_t lim;
    pf_yread_limits_default(&lim);
    lim.max_file_bytes = 4u << 20;
    lim.max_nodes = 200000;
    pf_err_t err;
    pf_doc_init(doc);
    if (!pf_yread_file(path, &lim, doc, &err)) {
        fprintf(stderr, "%s: %s:%lu:%lu: %s\n", who, path, err.line, err.column, err.msg);
        exit(1);
    }
}

/* The shipped policy and intake schema, loaded once per harness. */
typedef struct fuzz_config {
    const char *src; /* the source tree ($PF_FUZZ_SOURCE_DIR, else the build's) */
    char policy_path[4096];
    pf_doc_t policy_doc, schema_doc;
    pf_value_t *policy;
    pf_schema_t *schema;
} fuzz_config_t;

static inline void fuzz_load_config(const char *who, fuzz_config_t *c)
{
    c->src = getenv("PF_FUZZ_SOURCE_DIR");
    if (!c->src) c->src = PF_SOURCE_DIR;
    snprintf(c->policy_path, sizeof c->policy_path, "%s/policies/default.yaml", c->src);
    fuzz_read_yaml(who, c->policy_path, &c->policy_doc);
    c->policy = pf_value_from_node(&c->policy_doc.arena, c->policy_doc.root);
    char path[4096];
    snprintf(path, sizeof path, "%s/policies/intake-schema.yaml", c->src);
    fuzz_read_yaml(who, path, &c->schema_doc);
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    c->schema = pf_schema_load(c->schema_doc.root, &errs);
    pf_errlist_delete(&errs);
    if (!c->schema) {
        fprintf(stderr, "%s: %s does not load\n", who, path);
        exit(1);
    }
}

/* samples/NAME.yaml, validated against the schema, or exit. */
static inline pf_value_t *fuzz_load_sample(const char *who, const fuzz_config_t *c,
                                           const char *name, pf_doc_t *doc)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/samples/%s.yaml", c->src, name);
    fuzz_read_yaml(who, path, doc);
    pf_errlist_t errs;
    pf_errlist_init(&errs);
    pf_value_t *v = NULL;
    int ok = pf_schema_validate(c->schema, doc->root, &doc->arena, &v, &errs, 0);
    pf_errlist_delete(&errs);
    if (!ok) {
        fprintf(stderr, "%s: %s does not validate\n", who, path);
        exit(1);
    }
    return v;
}

#endif
