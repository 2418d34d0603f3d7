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
    return n->len == 0 || strcmp(t, "~") == 0 || strcmp(t, "null") == 0 || strcmp(t, "Null") == 0 ||
           strcmp(t, "NULL") == 0;
}

const pf_node_t *pf_node_get(const pf_node_t *map, const char *key)
{
    if (!map || map->kind != PF_NODE_MAP) return NULL;
    for (size_t i = 0; i < map->count; i++)
        if (strcmp(map->items[2 * i]->text, key) == 0) return map->items[2 * i + 1];
    return NULL;
}
