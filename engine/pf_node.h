/*
 * pf_node.h - the in-memory tree of a YAML document: what the file says,
 * as mappings, sequences and scalars, every scalar kept as text, each node
 * with its 1-based line:column. What it means (typed values) is pf_value.h.
 *
 * Owns: every node and string of a document lives in its pf_arena_t and is
 * freed at once by pf_arena_delete(); nothing here is freed singly.
 */
#ifndef PF_NODE_H
#define PF_NODE_H

#include <stddef.h>

#include "pf_common.h" /* pf_arena_t */

typedef enum pf_node_kind { PF_NODE_SCALAR, PF_NODE_MAP, PF_NODE_SEQ } pf_node_kind_t;

typedef struct pf_node pf_node_t;
struct pf_node {
    pf_node_kind_t kind;
    unsigned long line, column; /* 1-based position of the node's start */
    /* scalars */
    const char *text; /* NUL-terminated; the reader rejects embedded NULs */
    size_t len;
    int plain; /* 1 if written unquoted: only plain "", "~", "null" mean null */
    /* collections: a sequence has count items; a mapping has count pairs
     * stored as items[2*i] (key, always a scalar) and items[2*i+1] (value). */
    size_t count;
    pf_node_t **items;
};

/* 1 if the node is a null scalar (plain empty, ~, null, Null, NULL). */
int pf_node_is_null(const pf_node_t *n);
/* The value for key in a mapping, or NULL. Keys are unique (the reader checks). */
const pf_node_t *pf_node_get(const pf_node_t *map, const char *key);

/* A parsed document: the tree and the arena that holds it. */
typedef struct pf_doc {
    pf_arena_t arena;
    pf_node_t *root; /* NULL before a successful read */
} pf_doc_t;

void pf_doc_init(pf_doc_t *d);
void pf_doc_delete(pf_doc_t *d);

#endif
