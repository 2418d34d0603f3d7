/*
 * pf_idset.c - the unique-id set: open addressing over packed records.
 */
#include <stdlib.h>
#include <string.h>

#include "pf_hash.h"
#include "pf_idset.h"

void pf_idset_init(pf_idset_t *set)
{
    set->slots = NULL;
    set->count = set->cap = 0;
    pf_arena_init(&set->records);
}

void pf_idset_delete(pf_idset_t *set)
{
    free(set->slots);
    pf_arena_delete(&set->records);
    pf_idset_init(set);
}

static void idset_grow(pf_idset_t *set)
{
    size_t cap = set->cap ? set->cap * 2 : 1024;
    char **slots = pf_xcalloc(cap, sizeof *slots);
    for (size_t i = 0; i < set->cap; i++) {
        if (!set->slots[i]) continue;
        size_t j = pf_hash_str(set->slots[i]) & (cap - 1);
        while (slots[j])
            j = (j + 1) & (cap - 1);
        slots[j] = set->slots[i];
    }
    free(set->slots);
    set->slots = slots;
    set->cap = cap;
}

/* The owner stored behind a record's id. */
static pf_id_owner_t record_owner(const char *record)
{
    pf_id_owner_t o;
    const unsigned char *p = (const unsigned char *)record + strlen(record) + 1;
    memcpy(&o.who, p, sizeof o.who); /* records are packed, so not aligned */
    p += sizeof o.who;
    o.line = 0;
    for (unsigned shift = 0;; shift += 7, p++) {
        o.line |= (unsigned long)(*p & 0x7F) << shift;
        if (!(*p & 0x80)) break;
    }
    return o;
}

int pf_idset_claim(pf_idset_t *set, const char *id, uint32_t who, unsigned long line,
                   pf_id_owner_t *first)
{
    if (4 * (set->count + 1) > 3 * set->cap) idset_grow(set);
    size_t i = pf_hash_str(id) & (set->cap - 1);
    while (set->slots[i]) {
        if (strcmp(set->slots[i], id) == 0) {
            *first = record_owner(set->slots[i]);
            return 0;
        }
        i = (i + 1) & (set->cap - 1);
    }
    unsigned char varint[(sizeof line * 8 + 6) / 7];
    size_t nv = 0;
    do {
        varint[nv] = (unsigned char)(line & 0x7F);
        line >>= 7;
        if (line) varint[nv] |= 0x80;
        nv++;
    } while (line);
    size_t n = strlen(id) + 1;
    char *record = pf_arena_bytes(&set->records, n + sizeof who + nv);
    memcpy(record, id, n);
    memcpy(record + n, &who, sizeof who);
    memcpy(record + n + sizeof who, varint, nv);
    set->slots[i] = record;
    set->count++;
    return 1;
}

void pf_idset_duplicate_error(pf_err_t *e, const char *field, const char *id, unsigned long line,
                              unsigned long column, const char *first_path,
                              unsigned long first_line)
{
    pf_err_set(e, "intake.duplicate_id", line, column, field ? field : "",
               "the %s \"%.100s\" is already used by %.300s (line %lu); each intake needs its own",
               field ? field : "id", id, first_path, first_line);
}
