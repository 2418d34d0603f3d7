/*
 * pf_node.h - the in-memory forms of a YAML document.
 *
 *   pf_node_t   what the file says: mappings, sequences and scalars, every
 *               scalar kept as text, each node with its 1-based line:column.
 *   pf_value_t  what it means: typed values (bool, integer, number, text,
 *               list, map) after a schema or the generic policy typing.
 *
 * Owns: every node, value and string of a document lives in its pf_arena_t
 * and is freed at once by pf_arena_delete(); nothing here is freed singly.
 */
#ifndef PF_NODE_H
#define PF_NODE_H

#include <stddef.h>

#include "pf_common.h" /* pf_arena_t */

/* ---- document tree ---------------------------------------------------- */

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

/* ---- typed values ----------------------------------------------------- */

typedef enum pf_value_kind {
    PF_VAL_BOOL,
    PF_VAL_INT,
    PF_VAL_NUM,
    PF_VAL_STR,
    PF_VAL_LIST,
    PF_VAL_MAP
} pf_value_kind_t;

typedef struct pf_value pf_value_t;
struct pf_value {
    pf_value_kind_t kind;
    unsigned long line, column; /* where it came from, 0 if filled by a default */
    int b;                      /* PF_VAL_BOOL */
    long long i;                /* PF_VAL_INT */
    double n;                   /* PF_VAL_NUM */
    const char *s;              /* PF_VAL_STR, NUL-terminated */
    size_t len;                 /* PF_VAL_STR */
    /* PF_VAL_LIST: count items. PF_VAL_MAP: count entries, keys[i] -> items[i],
     * keys in the order the schema declares them (deterministic). */
    size_t count;
    pf_value_t *items;
    const char **keys;
};

/* Generic typing for trusted data files (policies): plain true/false become
 * booleans, plain strict decimal integers and numbers become numbers, every
 * other scalar is text; mappings keep file order. Null scalars become absent
 * map entries / are kept as empty text in lists. Result lives in arena. */
pf_value_t *pf_value_from_node(pf_arena_t *arena, const pf_node_t *node);
const pf_value_t *pf_value_get(const pf_value_t *map, const char *key);

#endif
