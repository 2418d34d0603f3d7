/*
 * pf_hash.h - the one string hash the batch uses (64-bit FNV-1a): for the
 * unique-id set, the previous run's file table and the --shard split.
 * The split must give every machine the same shards, so the function is
 * fixed here and never seeded.
 *
 * Owns: nothing.
 */
#ifndef PF_HASH_H
#define PF_HASH_H

#include <stddef.h>

static inline size_t pf_hash_str(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

#endif
