/*
 * pf_idset.c - the unique-id set over a pf_spill_set: the id is the key,
 * the value its first owner (4 bytes), line (8 bytes) and name.
 */
#include <string.h>

#include "pf_idset.h"

void pf_idset_init(pf_idset_t *set)
{
    pf_idset_init_in(set, NULL);
}

void pf_idset_init_in(pf_idset_t *set, const char *dir)
{
    pf_spill_set_init(&set->ids, dir, pf_spill_budget());
    set->count = 0;
    pf_buf_init(&set->scratch);
}

void pf_idset_delete(pf_idset_t *set)
{
    pf_spill_set_delete(&set->ids);
    pf_buf_delete(&set->scratch);
    pf_idset_init(set);
}

/* The value stored with an id: who, line, then the name's bytes. */
#define VALUE_HEAD (sizeof(uint32_t) + sizeof(uint64_t))

/* Claims id with the value (who, line, name); on a duplicate the first
 * value is read back from the set's scratch. */
static int claim(pf_idset_t *set, const char *id, uint32_t who, unsigned long line,
                 const char *name, pf_id_owner_t *first, pf_buf_t *first_name)
{
    size_t nlen = name ? strlen(name) : 0;
    char head[VALUE_HEAD];
    uint64_t line64 = line;
    memcpy(head, &who, sizeof who);
    memcpy(head + sizeof who, &line64, sizeof line64);
    pf_buf_reset(&set->scratch);
    pf_buf_add(&set->scratch, head, sizeof head);
    if (nlen) pf_buf_add(&set->scratch, name, nlen);
    size_t vlen = set->scratch.len;
    /* the value to store sits at the front of scratch, the first owner's
     * value is appended behind it on a duplicate */
    int rc = pf_spill_set_claim(&set->ids, id, strlen(id), set->scratch.data, vlen, &set->scratch);
    if (rc == 1) set->count++;
    if (rc != 0) return rc;
    const char *v = set->scratch.data + vlen;
    if (set->scratch.len - vlen < VALUE_HEAD) return -1; /* not a value this set wrote */
    memcpy(&first->who, v, sizeof first->who);
    memcpy(&line64, v + sizeof first->who, sizeof line64);
    first->line = (unsigned long)line64;
    if (first_name) pf_buf_add(first_name, v + VALUE_HEAD, set->scratch.len - vlen - VALUE_HEAD);
    return 0;
}

int pf_idset_claim(pf_idset_t *set, const char *id, uint32_t who, unsigned long line,
                   pf_id_owner_t *first)
{
    return claim(set, id, who, line, NULL, first, NULL);
}

int pf_idset_claim_named(pf_idset_t *set, const char *id, const char *name, unsigned long line,
                         pf_id_owner_t *first, pf_buf_t *first_name)
{
    return claim(set, id, 0, line, name, first, first_name);
}

void pf_idset_duplicate_error(pf_err_t *e, const char *field, const char *id, unsigned long line,
                              unsigned long column, const char *first_path,
                              unsigned long first_line)
{
    pf_err_set(e, "intake.duplicate_id", line, column, field ? field : "",
               "the %s \"%.100s\" is already used by %.300s (line %lu); each intake needs its own",
               field ? field : "id", id, first_path, first_line);
}
