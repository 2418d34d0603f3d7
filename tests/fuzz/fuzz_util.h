/*
 * fuzz_util.h - what the harnesses share: reading the project's YAML files
 * (policy, schema, samples) at start-up, where a failure ends the run.
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "pf_yread.h"

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

#endif
