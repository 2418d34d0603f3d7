/*
 * pf_value.h - typed values: what a document means once a schema (or the
 * generic typing of trusted data files) has read it: booleans, integers,
 * numbers, text, lists and maps with their keys in a fixed order.
 *
 * Values are read by the evaluator (pushed to Lua), written by the YAML
 * emitter and built by hand for tooling and the manifest through the
 * builder below, the one way to make a map or list outside a conversion.
 *
 * Owns: nothing by itself. Every value, key and string lives in the
 * pf_arena_t it was made in and is freed at once by pf_arena_delete();
 * nothing here is freed singly. The builder copies the keys and strings
 * it is given, so they need not outlive the call.
 */
#ifndef PF_VALUE_H
#define PF_VALUE_H

#include <stddef.h>

#include "pf_common.h" /* pf_arena_t */

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
    /* PF_VAL_STR: bytes of s. A list or map made by pf_value_list/map: the
     * room it was made with (collections have no other use for it). */
    size_t len;
    /* PF_VAL_LIST: count items. PF_VAL_MAP: count entries, keys[i] -> items[i],
     * keys in the order the schema declares them (deterministic). */
    size_t count;
    pf_value_t *items;
    const char **keys;
};

/* ---- reading ------------------------------------------------------------ */

/* The entry for key in a map, or NULL (also when map is not a map). */
const pf_value_t *pf_value_get(const pf_value_t *map, const char *key);

/* Generic typing for trusted data files (policies): plain true/false become
 * booleans, plain strict decimal integers and numbers become numbers, every
 * other scalar is text; mappings keep file order. Null scalars become absent
 * map entries / are kept as empty text in lists. Result lives in arena; its
 * strings point into the node tree, which must outlive it. */
struct pf_node;
pf_value_t *pf_value_from_node(pf_arena_t *arena, const struct pf_node *node);

/* ---- building ------------------------------------------------------------ */

/*
 * An empty map or list with room for cap entries. Room is fixed when the
 * collection is made: it never grows, so a slot returned by pf_value_add
 * stays where it is while its parent fills up. Adding past the room is a
 * programming error and aborts with a message naming the key, as running
 * out of memory in the arena does.
 */
pf_value_t *pf_value_map(pf_arena_t *a, size_t cap);
pf_value_t *pf_value_list(pf_arena_t *a, size_t cap);

/*
 * Appends an entry and returns it zeroed, for the caller to fill (a nested
 * collection goes in, once filled, as `*pf_value_add(a, m, "k") = *child;`).
 * key names a map entry and is copied; it must be NULL for a list item.
 */
pf_value_t *pf_value_add(pf_arena_t *a, pf_value_t *parent, const char *key);

/* pf_value_add and fill in one call; s is copied. */
void pf_value_add_str(pf_arena_t *a, pf_value_t *parent, const char *key, const char *s);
void pf_value_add_int(pf_arena_t *a, pf_value_t *parent, const char *key, long long i);
void pf_value_add_num(pf_arena_t *a, pf_value_t *parent, const char *key, double n);
void pf_value_add_bool(pf_arena_t *a, pf_value_t *parent, const char *key, int b);

#endif
