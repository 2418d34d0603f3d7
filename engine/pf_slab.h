/*
 * pf_slab.h - a small-block allocator for one Lua state.
 *
 * An evaluation makes and drops hundreds of small objects per intake
 * (tables, strings, closures); through malloc and free they cost a tenth
 * of the run. Blocks of up to PF_SLAB_MAX bytes come here from per-size
 * free lists carved out of large chunks; larger ones go to realloc. Lua
 * tells the allocator the size of every block it frees, so no header is
 * needed.
 *
 * Thread use: one pf_slab_t per Lua state, used by that state's thread;
 * nothing is shared. Built with AddressSanitizer, each block has a
 * poisoned redzone after it and free blocks are poisoned, so overruns and
 * uses after free are still caught (and the fuzzers run this code too).
 *
 * Owns: its chunks, from the first allocation until pf_slab_delete(),
 * which frees them all at once (the state must be closed by then).
 */
#ifndef PF_SLAB_H
#define PF_SLAB_H

#include <stddef.h>

#define PF_SLAB_GRAIN 16
#define PF_SLAB_MAX 256 /* larger blocks go to realloc */
#define PF_SLAB_CLASSES (PF_SLAB_MAX / PF_SLAB_GRAIN)

typedef struct pf_slab_chunk pf_slab_chunk_t;

typedef struct pf_slab {
    void *free[PF_SLAB_CLASSES]; /* free blocks per size class, linked through their first bytes */
    pf_slab_chunk_t *chunks;
    char *cur; /* unused rest of the newest chunk */
    size_t left;
    size_t chunk_bytes; /* held in chunks, free blocks included (see pf_eval.c's rebuild) */
} pf_slab_t;

void pf_slab_init(pf_slab_t *s);
void pf_slab_delete(pf_slab_t *s);

/* lua_Alloc's contract: osize is the block's size when p is not NULL;
 * nsize 0 frees p and returns NULL; else returns a block of nsize bytes
 * holding the first min(osize, nsize) bytes of p, or NULL (p untouched)
 * when memory runs out. */
void *pf_slab_realloc(pf_slab_t *s, void *p, size_t osize, size_t nsize);

/* 1 when a block of n bytes is served from the chunks (0 < n <=
 * PF_SLAB_MAX); else it is malloc's. */
int pf_slab_is_small(size_t n);

/* The bytes resizing a block from osize to nsize (nsize small) would add
 * to chunk_bytes: a whole chunk when no free block or room is left for
 * its size, else 0. (The memory cap counts live bytes, pf_limits.c; this
 * says what holding them costs the process.) */
size_t pf_slab_grow_cost(const pf_slab_t *s, size_t osize, size_t nsize);

#endif
