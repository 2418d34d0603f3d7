/*
 * pf_value.c - typed values: lookup, the generic typing of trusted data
 * files, and the builder for values made by hand (see pf_value.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_common.h"
#include "pf_node.h"
#include "pf_value.h"

const pf_value_t *pf_value_get(const pf_value_t *map, const char *key)
{
    if (!map || map->kind != PF_VAL_MAP) return NULL;
    for (size_t i = 0; i < map->count; i++)
        if (strcmp(map->keys[i], key) == 0) return &map->items[i];
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

static pf_value_t *typed_scalar(const pf_node_t *node, pf_value_t *v)
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
    return v;
}

pf_value_t *pf_value_from_node(pf_arena_t *arena, const pf_node_t *node)
{
    pf_value_t *v = pf_arena_alloc(arena, sizeof *v);
    v->line = node->line;
    v->column = node->column;
    if (node->kind == PF_NODE_SCALAR) return typed_scalar(node, v);
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

/* ---- building -------------------------------------------------------------- */

pf_value_t *pf_value_list(pf_arena_t *a, size_t cap)
{
    pf_value_t *v = pf_arena_alloc(a, sizeof *v);
    v->kind = PF_VAL_LIST;
    v->items = pf_arena_alloc(a, cap * sizeof *v->items);
    v->len = cap;
    return v;
}

pf_value_t *pf_value_map(pf_arena_t *a, size_t cap)
{
    pf_value_t *v = pf_value_list(a, cap);
    v->kind = PF_VAL_MAP;
    v->keys = pf_arena_alloc(a, cap * sizeof *v->keys);
    return v;
}

/* A wrong call here is a bug in the caller, never a problem of the input,
 * so it stops the process like an arena that runs out of memory. */
static void misuse(const char *what, const char *key)
{
    fprintf(stderr, "partnerfit: internal error: %s (entry '%s')\n", what, key ? key : "(item)");
    abort();
}

pf_value_t *pf_value_add(pf_arena_t *a, pf_value_t *parent, const char *key)
{
    int is_map = parent->kind == PF_VAL_MAP;
    if (!is_map && parent->kind != PF_VAL_LIST) misuse("value added to a scalar", key);
    if (is_map != (key != NULL)) misuse("map entries need a key, list items none", key);
    if (parent->count >= parent->len) misuse("value added past the room of its parent", key);
    if (is_map) parent->keys[parent->count] = pf_arena_strndup(a, key, strlen(key));
    return &parent->items[parent->count++];
}

void pf_value_add_str(pf_arena_t *a, pf_value_t *parent, const char *key, const char *s)
{
    pf_value_t *v = pf_value_add(a, parent, key);
    v->kind = PF_VAL_STR;
    v->len = strlen(s);
    v->s = pf_arena_strndup(a, s, v->len);
}

void pf_value_add_int(pf_arena_t *a, pf_value_t *parent, const char *key, long long i)
{
    pf_value_t *v = pf_value_add(a, parent, key);
    v->kind = PF_VAL_INT;
    v->i = i;
}

void pf_value_add_num(pf_arena_t *a, pf_value_t *parent, const char *key, double n)
{
    pf_value_t *v = pf_value_add(a, parent, key);
    v->kind = PF_VAL_NUM;
    v->n = n;
}

void pf_value_add_bool(pf_arena_t *a, pf_value_t *parent, const char *key, int b)
{
    pf_value_t *v = pf_value_add(a, parent, key);
    v->kind = PF_VAL_BOOL;
    v->b = b != 0;
}
