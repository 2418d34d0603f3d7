/*
 * test_slab.c - pf_slab: contents survive every kind of resize (small to
 * small, small to large and back, same class), freed blocks are reused per
 * size class, blocks keep 16-byte alignment, and a churn of thousands of
 * blocks of every size keeps each block's bytes its own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pf_slab.h"

#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_BUILD 1
#endif
#endif
#ifdef ASAN_BUILD
#include <sanitizer/asan_interface.h>
#endif

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed * 31u + i * 7u);
}

static int holds(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed * 31u + i * 7u)) return 0;
    return 1;
}

static void resizes_keep_contents(void **state)
{
    (void)state;
    pf_slab_t s;
    pf_slab_init(&s);
    /* 1 -> 16 (same class) -> 40 -> 250 -> 4000 (large) -> 100 -> 8 */
    size_t sizes[] = {1, 16, 40, 250, 4000, 100, 8};
    unsigned char *p = pf_slab_realloc(&s, NULL, 0, sizes[0]);
    fill(p, sizes[0], 3);
    for (size_t k = 1; k < sizeof sizes / sizeof *sizes; k++) {
        size_t keep = sizes[k - 1] < sizes[k] ? sizes[k - 1] : sizes[k];
        p = pf_slab_realloc(&s, p, sizes[k - 1], sizes[k]);
        assert_non_null(p);
        assert_true(holds(p, keep, 3));
        assert_int_equal((uintptr_t)p % 16, 0);
        fill(p, sizes[k], 3);
    }
    assert_null(pf_slab_realloc(&s, p, 8, 0));
    pf_slab_delete(&s);
}

static void freed_blocks_are_reused_per_class(void **state)
{
    (void)state;
    pf_slab_t s;
    pf_slab_init(&s);
    void *a = pf_slab_realloc(&s, NULL, 0, 24);
    void *b = pf_slab_realloc(&s, NULL, 0, 200);
    pf_slab_realloc(&s, a, 24, 0);
    pf_slab_realloc(&s, b, 200, 0);
    assert_ptr_equal(pf_slab_realloc(&s, NULL, 0, 32), a);  /* 17..32: a's class */
    assert_ptr_equal(pf_slab_realloc(&s, NULL, 0, 193), b); /* 193..208: b's */
    assert_ptr_not_equal(pf_slab_realloc(&s, NULL, 0, 24), a);
    pf_slab_delete(&s);
}

static void churn_keeps_blocks_apart(void **state)
{
    (void)state;
    enum { N = 5000 };
    pf_slab_t s;
    pf_slab_init(&s);
    unsigned char *blk[N] = {0};
    size_t len[N] = {0};
    unsigned rng = 12345;
    for (int round = 0; round < 20 * N; round++) {
        rng = rng * 1103515245u + 12345u;
        size_t i = (rng >> 8) % N;
        size_t n = (rng >> 20) % 300; /* 0 frees; a few large ones */
        if (blk[i]) assert_true(holds(blk[i], len[i], (unsigned)i));
        blk[i] = pf_slab_realloc(&s, blk[i], len[i], n);
        len[i] = n;
        if (n) {
            assert_non_null(blk[i]);
            fill(blk[i], n, (unsigned)i);
        }
    }
    for (size_t i = 0; i < N; i++) {
        if (blk[i]) assert_true(holds(blk[i], len[i], (unsigned)i));
        pf_slab_realloc(&s, blk[i], len[i], 0);
    }
    pf_slab_delete(&s);
}

/* What a memory cap needs: chunk_bytes grows by whole chunks and never
 * shrinks when blocks are freed (they stay in the chunks), and grow_cost
 * says when the next block of a size would take a new chunk. */
static void chunk_bytes_count_what_is_held(void **state)
{
    (void)state;
    pf_slab_t s;
    pf_slab_init(&s);
    assert_int_equal(s.chunk_bytes, 0);
    assert_int_equal(pf_slab_grow_cost(&s, 0, 32), 64u << 10); /* nothing yet */
    enum { N = 5000 };
    void *blk[N];
    for (int i = 0; i < N;
         i++) /* 5000 x 32 bytes: three 64 KiB chunks (four with ASan's redzones) */
        blk[i] = pf_slab_realloc(&s, NULL, 0, 32);
    size_t held = s.chunk_bytes;
    assert_int_equal(held % (64u << 10), 0);
    assert_true(held >= 3 * (64u << 10) && held <= 4 * (64u << 10));
    for (int i = 0; i < N; i++)
        pf_slab_realloc(&s, blk[i], 32, 0);
    assert_int_equal(s.chunk_bytes, held);               /* freed, still held */
    assert_int_equal(pf_slab_grow_cost(&s, 0, 32), 0);   /* a free block of that size */
    assert_int_equal(pf_slab_grow_cost(&s, 24, 32), 0);  /* same size class: in place */
    assert_int_equal(pf_slab_grow_cost(&s, 0, 1000), 0); /* large: malloc's, not the slab's */
    void *fill = pf_slab_realloc(&s, NULL, 0, 256);
    while (pf_slab_grow_cost(&s, 0, 256) == 0) /* use up the room left */
        fill = pf_slab_realloc(&s, NULL, 0, 256);
    assert_int_equal(pf_slab_grow_cost(&s, 0, 256), 64u << 10);
    (void)fill;
    pf_slab_delete(&s);
    assert_int_equal(s.chunk_bytes, 0);
}

/* With AddressSanitizer the sanitizer sees each block's edge and each free
 * block (the sanitizer build of the suite runs this; elsewhere it skips). */
static void sanitizer_sees_block_edges(void **state)
{
    (void)state;
#ifdef ASAN_BUILD
    pf_slab_t s;
    pf_slab_init(&s);
    char *p = pf_slab_realloc(&s, NULL, 0, 20);
    char *q = pf_slab_realloc(&s, NULL, 0, 20);
    assert_false(__asan_address_is_poisoned(p + 19));
    assert_true(__asan_address_is_poisoned(p + 20)); /* past what was asked for */
    assert_true(__asan_address_is_poisoned(p + 32)); /* the redzone before q */
    assert_false(__asan_address_is_poisoned(q));
    p = pf_slab_realloc(&s, p, 20, 30); /* same size class: in place */
    assert_false(__asan_address_is_poisoned(p + 29));
    assert_true(__asan_address_is_poisoned(p + 30));
    pf_slab_realloc(&s, p, 30, 0);
    assert_true(__asan_address_is_poisoned(p)); /* freed */
    pf_slab_realloc(&s, q, 20, 0);
    pf_slab_delete(&s);
#else
    skip();
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resizes_keep_contents),
        cmocka_unit_test(freed_blocks_are_reused_per_class),
        cmocka_unit_test(churn_keeps_blocks_apart),
        cmocka_unit_test(chunk_bytes_count_what_is_held),
        cmocka_unit_test(sanitizer_sees_block_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
