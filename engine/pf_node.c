/*
 * pf_node.c - document tree helpers: a document's lifetime, null scalars and
 * mapping lookup.
 */
#include <string.h>

#include "pf_common.h"
#include "pf_node.h"

void pf_doc_init(pf_doc_t *d)
{
    pf_arena_init(&d->arena);
    d->root = NULL;
}

void pf_doc_delete(pf_doc_t *d)
{
    pf_arena_delete(&d->arena);
    d->root = NULL;
}

int pf_node_is_null(const pf_node_t *n)
{
    if (!n || n->kind != PF_NODE_SCALAR || !n->plain) return 0;
    const char *t = n->text;
    /* by length first: the schema asks this of every value */
    if (n->len == 0) return 1;
    if (n->len == 1) return t[0] == '~';
    return n->len == 4 &&
           (memcmp(t, "null", 4) == 0 || memcmp(t, "Null", 4) == 0 || memcmp(t, "NULL", 4) == 0);
}

const pf_node_t *pf_node_get(const pf_node_t *map, const char *key)
{
    if (!map || map->kind != PF_NODE_MAP) return NULL;
    for (size_t i = 0; i < map->count; i++)
        if (strcmp(map->items[2 * i]->text, key) == 0) return map->items[2 * i + 1];
    return NULL;
}
