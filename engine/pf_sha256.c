/*
 * pf_sha256.c - SHA-256 as FIPS 180-4 describes it (sections 4.1.2, 4.2.2,
 * 5.1.1, 5.3.3 and 6.2), for the digests in the run manifest.
 *
 * Every report byte is hashed, so on x86-64 CPUs with the SHA extensions
 * the blocks go through those instructions (chosen once per context by
 * cpuid, which is slow in a VM); elsewhere through the portable code, whose
 * words are assembled byte by byte, so it depends on neither the host's
 * byte order nor unaligned loads.
 */
#include <string.h>

#include "pf_sha256.h"

/* First 32 bits of the fractional parts of the cube roots of the first 64
 * primes (FIPS 180-4, 4.2.2). */
static const uint32_t round_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static uint32_t load_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void store_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* The message schedule (6.2.2 step 1): 16 words from the block, 48 derived. */
static void expand(uint32_t w[64], const unsigned char block[64])
{
    for (int t = 0; t < 16; t++)
        w[t] = load_be32(block + 4 * t);
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = s1 + w[t - 7] + s0 + w[t - 16];
    }
}

/* One block into the hash value (6.2.2 steps 2-4). */
static void compress_portable(uint32_t h[8], const unsigned char block[64])
{
    uint32_t w[64];
    expand(w, block);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    uint32_t e = h[4], f = h[5], g = h[6], k = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t big_s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = k + big_s1 + ch + round_k[t] + w[t];
        uint32_t big_s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = big_s0 + maj;
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += k;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define PF_SHA_X86 1

/*
 * The same compression with the SHA-NI instructions. They keep the eight
 * working variables as two vectors, ABEF and CDGH (A in the highest lane);
 * SHA256RNDS2 does two rounds, SHA256MSG1/MSG2 the message schedule, four
 * words at a time: W[t..t+3] from W[t-16..t-13], W[t-15..], W[t-7..] and
 * W[t-4..t-1].
 */
__attribute__((target("sha,sse4.1"))) static void compress_sha_ni(uint32_t h[8],
                                                                  const unsigned char block[64])
{
    const __m128i swap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
    __m128i dcba = _mm_loadu_si128((const __m128i *)&h[0]); /* lanes a b c d */
    __m128i hgfe = _mm_loadu_si128((const __m128i *)&h[4]); /* lanes e f g h */
    __m128i badc = _mm_shuffle_epi32(dcba, 0xB1);           /* b a d c */
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);           /* h g f e */
    __m128i abef = _mm_alignr_epi8(badc, efgh, 8);          /* f e b a */
    __m128i cdgh = _mm_blend_epi16(efgh, badc, 0xF0);       /* h g d c */
    const __m128i abef0 = abef, cdgh0 = cdgh;
    __m128i w[4];
    for (int i = 0; i < 4; i++)
        w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 16 * i)), swap);
    for (int i = 0; i < 16; i++) {
        __m128i wk = _mm_add_epi32(w[i & 3], _mm_loadu_si128((const __m128i *)&round_k[4 * i]));
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
        abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
        if (i < 12) { /* the words four groups on, in the slot of this group */
            __m128i t = _mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]);
            t = _mm_add_epi32(t, _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4));
            w[i & 3] = _mm_sha256msg2_epu32(t, w[(i + 3) & 3]);
        }
    }
    abef = _mm_add_epi32(abef, abef0);
    cdgh = _mm_add_epi32(cdgh, cdgh0);
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B); /* a b e f */
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1); /* g h c d */
    dcba = _mm_blend_epi16(feba, dchg, 0xF0);     /* a b c d */
    hgfe = _mm_alignr_epi8(dchg, feba, 8);        /* e f g h */
    _mm_storeu_si128((__m128i *)&h[0], dcba);
    _mm_storeu_si128((__m128i *)&h[4], hgfe);
}
#endif

int pf_sha256_hardware(void)
{
#ifdef PF_SHA_X86
    /* cpuid directly: clang 14 does not know __builtin_cpu_supports("sha") */
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19))) return 0; /* SSE4.1 */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 29) & 1; /* SHA extensions */
#else
    return 0;
#endif
}

static void compress_block(const pf_sha256_t *c, uint32_t h[8], const unsigned char block[64])
{
#ifdef PF_SHA_X86
    if (!c->portable) { /* decided once per context: cpuid traps in a VM */
        compress_sha_ni(h, block);
        return;
    }
#endif
    compress_portable(h, block);
}

void pf_sha256_init(pf_sha256_t *c)
{
    /* First 32 bits of the fractional parts of the square roots of the
     * first 8 primes (5.3.3). */
    static const uint32_t initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, initial, sizeof initial);
    c->total = 0;
    c->used = 0;
    c->portable = !pf_sha256_hardware();
}

void pf_sha256_update(pf_sha256_t *c, const void *data, size_t len)
{
    const unsigned char *p = data;
    c->total += len;
    while (len > 0) {
        /* Whole blocks are compressed straight from the input; only a
         * partial block is copied aside. */
        if (c->used == 0 && len >= 64) {
            compress_block(c, c->h, p);
            p += 64;
            len -= 64;
            continue;
        }
        size_t n = 64 - c->used < len ? 64 - c->used : len;
        memcpy(c->block + c->used, p, n);
        c->used += n;
        p += n;
        len -= n;
        if (c->used == 64) {
            compress_block(c, c->h, c->block);
            c->used = 0;
        }
    }
}

void pf_sha256_final(pf_sha256_t *c, unsigned char out[32])
{
    /* Padding (5.1.1): a 1 bit, zeros up to 56 bytes into a block, then the
     * message length in bits as a 64-bit big-endian number. */
    uint64_t bits = c->total * 8;
    c->block[c->used++] = 0x80;
    if (c->used > 56) {
        memset(c->block + c->used, 0, 64 - c->used);
        compress_block(c, c->h, c->block);
        c->used = 0;
    }
    memset(c->block + c->used, 0, 56 - c->used);
    store_be32(c->block + 56, (uint32_t)(bits >> 32));
    store_be32(c->block + 60, (uint32_t)bits);
    compress_block(c, c->h, c->block);
    for (int i = 0; i < 8; i++)
        store_be32(out + 4 * i, c->h[i]);
    /* Leave a context that hashes afresh if the caller reuses it. */
    pf_sha256_init(c);
}

void pf_sha256_tohex(const unsigned char digest[32], char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[64] = '\0';
}

void pf_sha256_hex(const void *data, size_t len, char out[65])
{
    pf_sha256_t c;
    unsigned char digest[32];
    pf_sha256_init(&c);
    pf_sha256_update(&c, data, len);
    pf_sha256_final(&c, digest);
    pf_sha256_tohex(digest, out);
}
