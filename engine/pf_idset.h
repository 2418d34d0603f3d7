/*
 * pf_idset.h - the unique ids a run (or a merge) has accepted so far, for
 * the schema's unique field: the first intake in input order keeps an id,
 * a later one with the same id is rejected with a message that names the
 * first one's file and line.
 *
 * Every id stays until the set is deleted. An id costs one record packed
 * in an arena (the id and its NUL, the owner in 4 bytes, the line as a
 * varint: 1-3 bytes in any real file) and one 8-byte slot in a table that
 * fills to 3/4 before it doubles.
 *
 * Owns: the ids and their owners, freed by pf_idset_delete.
 */
#ifndef PF_IDSET_H
#define PF_IDSET_H

#include <stdint.h>

#include "pf_common.h"

/* Where an id was first used: who (a number the caller gives: a scan entry
 * in a run, a path's place in a merge) and the line. A run keeps every id
 * until it ends, so the owner is a number, not a path. */
typedef struct pf_id_owner {
    uint32_t who;
    unsigned long line;
} pf_id_owner_t;

typedef struct pf_idset {
    char **slots; /* a record (it starts with the id), or NULL */
    size_t count, cap;
    pf_arena_t records;
} pf_idset_t;

void pf_idset_init(pf_idset_t *set);
void pf_idset_delete(pf_idset_t *set);

/* Records id with its owner and returns 1 when it is new; else returns 0
 * and where it was first used in *first. */
int pf_idset_claim(pf_idset_t *set, const char *id, uint32_t who, unsigned long line,
                   pf_id_owner_t *first);

/* The rejection of an intake (id at line:column) whose unique id an earlier
 * one (first_path, first_line) already has; field is the schema's unique
 * field, or NULL. */
void pf_idset_duplicate_error(pf_err_t *e, const char *field, const char *id, unsigned long line,
                              unsigned long column, const char *first_path,
                              unsigned long first_line);

#endif
