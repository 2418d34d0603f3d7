/*
 * pf_sha256.h - SHA-256 (FIPS 180-4), for the digests in the run manifest.
 * Owns: nothing; the context is a plain value.
 */
#ifndef PF_SHA256_H
#define PF_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct pf_sha256 {
    uint32_t h[8];
    uint64_t total; /* bytes hashed so far */
    unsigned char block[64];
    size_t used;  /* bytes waiting in block */
    int portable; /* 1: the portable code; init sets it when the CPU lacks SHA
                   * extensions, and tests may set it to compare both */
} pf_sha256_t;

void pf_sha256_init(pf_sha256_t *c);
/* 1 when this CPU's SHA extensions compress the blocks (x86-64 SHA-NI). */
int pf_sha256_hardware(void);
void pf_sha256_update(pf_sha256_t *c, const void *data, size_t len);
/* Writes the digest and re-initialises c. */
void pf_sha256_final(pf_sha256_t *c, unsigned char out[32]);
/* Lower-case hex of the digest of data; out must hold 65 bytes. */
void pf_sha256_hex(const void *data, size_t len, char out[65]);
void pf_sha256_tohex(const unsigned char digest[32], char out[65]);

#endif
