/*
 * pf_hash.h - the string hash of the --shard split (64-bit FNV-1a).
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
