/*
 * pf_slab.c - small-block allocator for a Lua state (see pf_slab.h).
 */
#include <stdlib.h>
#include <string.h>

#include "pf_slab.h"

/* Under AddressSanitizer every block gets a poisoned redzone after it, and
 * free blocks and unused chunk space are poisoned, so the sanitizer still
 * catches overruns and uses after free in the state's small blocks. */
#if defined(__SANITIZE_ADDRESS__)
#define SLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLAB_ASAN 1
#endif
#endif
#ifdef SLAB_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#define REDZONE PF_SLAB_GRAIN
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#define REDZONE 0
#endif

#define CHUNK_BYTES (64u << 10)

struct pf_slab_chunk {
    pf_slab_chunk_t *next;
    /* blocks follow, 16-byte aligned */
};

/* Room for the link, rounded up so blocks keep malloc's alignment. */
#define CHUNK_HEAD ((sizeof(pf_slab_chunk_t) + PF_SLAB_GRAIN - 1) / PF_SLAB_GRAIN * PF_SLAB_GRAIN)

void pf_slab_init(pf_slab_t *s)
{
    memset(s, 0, sizeof *s);
}

void pf_slab_delete(pf_slab_t *s)
{
    while (s->chunks) {
        pf_slab_chunk_t *next = s->chunks->next;
        UNPOISON(s->chunks, CHUNK_BYTES);
        free(s->chunks);
        s->chunks = next;
    }
    pf_slab_init(s);
}

int pf_slab_is_small(size_t n)
{
    return n > 0 && n <= PF_SLAB_MAX;
}

static size_t class_of(size_t n)
{
    return (n - 1) / PF_SLAB_GRAIN;
}

/* Bytes a block of class c takes in its chunk. */
static size_t stride_of(size_t c)
{
    return (c + 1) * PF_SLAB_GRAIN + REDZONE;
}

size_t pf_slab_grow_cost(const pf_slab_t *s, size_t osize, size_t nsize)
{
    if (!pf_slab_is_small(nsize)) return 0;
    size_t c = class_of(nsize);
    if (pf_slab_is_small(osize) && class_of(osize) == c) return 0;
    if (s->free[c] || s->left >= stride_of(c)) return 0;
    return CHUNK_BYTES;
}

static void *small_alloc(pf_slab_t *s, size_t n)
{
    size_t c = class_of(n), size = stride_of(c);
    void *p = s->free[c];
    if (p) {
        UNPOISON(p, sizeof(void *));
        memcpy(&s->free[c], p, sizeof(void *)); /* pop */
    } else {
        if (s->left < size) { /* the old chunk's tail (< 272 bytes) is let go */
            pf_slab_chunk_t *chunk = malloc(CHUNK_BYTES);
            if (!chunk) return NULL;
            chunk->next = s->chunks;
            s->chunks = chunk;
            s->chunk_bytes += CHUNK_BYTES;
            s->cur = (char *)chunk + CHUNK_HEAD;
            s->left = CHUNK_BYTES - CHUNK_HEAD;
            POISON(s->cur, s->left);
        }
        p = s->cur;
        s->cur += size;
        s->left -= size;
    }
    POISON(p, size);
    UNPOISON(p, n); /* exactly the n bytes asked for */
    return p;
}

static void small_free(pf_slab_t *s, void *p, size_t n)
{
    size_t c = class_of(n);
    UNPOISON(p, sizeof(void *));
    memcpy(p, &s->free[c], sizeof(void *)); /* push */
    s->free[c] = p;
    POISON(p, stride_of(c));
}

void *pf_slab_realloc(pf_slab_t *s, void *p, size_t osize, size_t nsize)
{
    if (!p) osize = 0;
    int was_small = pf_slab_is_small(osize), now_small = pf_slab_is_small(nsize);
    if (nsize == 0) {
        if (was_small)
            small_free(s, p, osize);
        else
            free(p);
        return NULL;
    }
    if (!was_small && !now_small) return realloc(p, nsize); /* also p == NULL */
    if (was_small && now_small && class_of(osize) == class_of(nsize)) {
        POISON(p, stride_of(class_of(nsize)));
        UNPOISON(p, nsize);
        return p;
    }
    void *q = now_small ? small_alloc(s, nsize) : malloc(nsize);
    if (!q) return NULL;
    if (p) {
        memcpy(q, p, osize < nsize ? osize : nsize);
        if (was_small)
            small_free(s, p, osize);
        else
            free(p);
    }
    return q;
}
