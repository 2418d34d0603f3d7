/*
 * pf_idset.h - the unique ids a run (or a merge) has accepted so far, for
 * the schema's unique field: the first intake in input order keeps an id,
 * a later one with the same id is rejected with a message that names the
 * first one's file and line.
 *
 * Every id stays until the set is deleted, in a pf_spill_set: in memory
 * up to its budget, then in an unlinked file in the output folder (when
 * the set was given one), so a million ids take the memory of a few
 * thousand. The check stays exact: two ids are the same only when their
 * bytes are.
 *
 * Owns: the ids and their owners (and the set's temporary files), freed
 * by pf_idset_delete.
 */
#ifndef PF_IDSET_H
#define PF_IDSET_H

#include <stdint.h>

#include "pf_common.h"
#include "pf_spill.h"

/* Where an id was first used: who (a number the caller gives: a file's
 * place in a run, a row in an import) and the line. */
typedef struct pf_id_owner {
    uint32_t who;
    unsigned long line;
} pf_id_owner_t;

typedef struct pf_idset {
    pf_spill_set_t ids; /* id -> who, line and the owner's name */
    size_t count;
    pf_buf_t scratch; /* the value of the id met again */
} pf_idset_t;

/* A set in memory only. */
void pf_idset_init(pf_idset_t *set);
/* A set that moves to unlinked files in dir past its memory budget. */
void pf_idset_init_in(pf_idset_t *set, const char *dir);
void pf_idset_delete(pf_idset_t *set);

/* Records id with its owner and returns 1 when it is new; else returns 0
 * and where it was first used in *first; -1 on an I/O error of the set's
 * file (errno in set->ids.err). */
int pf_idset_claim(pf_idset_t *set, const char *id, uint32_t who, unsigned long line,
                   pf_id_owner_t *first);
/* The same with the owner's name kept with the id (a merge names the
 * path): on a duplicate, the first owner's name is appended to
 * first_name. */
int pf_idset_claim_named(pf_idset_t *set, const char *id, const char *name, unsigned long line,
                         pf_id_owner_t *first, pf_buf_t *first_name);

/* The rejection of an intake (id at line:column) whose unique id an earlier
 * one (first_path, first_line) already has; field is the schema's unique
 * field, or NULL. */
void pf_idset_duplicate_error(pf_err_t *e, const char *field, const char *id, unsigned long line,
                              unsigned long column, const char *first_path,
                              unsigned long first_line);

#endif
