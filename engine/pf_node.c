/*
 * pf_node.c - document tree helpers and the generic typing of trusted data
 * files.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf_common.h"
#include "pf_node.h"

/* ---- documents -------------------------------------------------------- */

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

/* ---- generic typing ------------------------------------------------------ */

/* Strict decimal grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?  Returns 1 for an
 * integer, 2 for a number with a fraction, 0 otherwise. */
static int number_shape(const char *s)
{
    const char *p = s;
    if (*p == '-') p++;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (*p >= '0' && *p <= '9')
            p++;
    } else {
        return 0;
    }
    if (*p == '\0') return 1;
    if (*p != '.') return 0;
    p++;
    if (!(*p >= '0' && *p <= '9')) return 0;
    while (*p >= '0' && *p <= '9')
        p++;
    return *p == '\0' ? 2 : 0;
}

static pf_value_t *typed_scalar(pf_arena_t *arena, const pf_node_t *node, pf_value_t *v)
{
    v->kind = PF_VAL_STR;
    v->s = node->text;
    v->len = node->len;
    if (!node->plain) return v;
    if (strcmp(node->text, "true") == 0 || strcmp(node->text, "false") == 0) {
        v->kind = PF_VAL_BOOL;
        v->b = node->text[0] == 't';
        return v;
    }
    int shape = number_shape(node->text);
    if (shape == 1) {
        errno = 0;
        long long i = strtoll(node->text, NULL, 10);
        if (errno == 0) {
            v->kind = PF_VAL_INT;
            v->i = i;
        }
    } else if (shape == 2) {
        v->kind = PF_VAL_NUM;
        v->n = strtod(node->text, NULL);
    }
    (void)arena;
    return v;
}

pf_value_t *pf_value_from_node(pf_arena_t *arena, const pf_node_t *node)
{
    pf_value_t *v = pf_arena_alloc(arena, sizeof *v);
    v->line = node->line;
    v->column = node->column;
    if (node->kind == PF_NODE_SCALAR) return typed_scalar(arena, node, v);
    if (node->kind == PF_NODE_SEQ) {
        v->kind = PF_VAL_LIST;
        v->count = node->count;
        v->items = pf_arena_alloc(arena, node->count * sizeof *v->items);
        for (size_t i = 0; i < node->count; i++)
            v->items[i] = *pf_value_from_node(arena, node->items[i]);
        return v;
    }
    v->kind = PF_VAL_MAP;
    v->items = pf_arena_alloc(arena, node->count * sizeof *v->items);
    v->keys = pf_arena_alloc(arena, node->count * sizeof *v->keys);
    for (size_t i = 0; i < node->count; i++) {
        const pf_node_t *val = node->items[2 * i + 1];
        if (pf_node_is_null(val)) continue; /* null means absent */
        v->keys[v->count] = node->items[2 * i]->text;
        v->items[v->count] = *pf_value_from_node(arena, val);
        v->count++;
    }
    return v;
}

const pf_value_t *pf_value_get(const pf_value_t *map, const char *key)
{
    if (!map || map->kind != PF_VAL_MAP) return NULL;
    for (size_t i = 0; i < map->count; i++)
        if (strcmp(map->keys[i], key) == 0) return &map->items[i];
    return NULL;
}
