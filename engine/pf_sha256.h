/*
 * pf_sha256.h - SHA-256, for the digests in the run manifest, the rule
 * pack's digest and --incremental's file digests: a thin layer over
 * nettle's (Debian's nettle-dev), which uses the CPU's SHA extensions
 * where it has them.
 * Owns: nothing; the context is a plain value.
 */
#ifndef PF_SHA256_H
#define PF_SHA256_H

#include <stddef.h>

#include <nettle/sha2.h>

typedef struct pf_sha256 {
    struct sha256_ctx ctx;
} pf_sha256_t;

void pf_sha256_init(pf_sha256_t *c);
void pf_sha256_update(pf_sha256_t *c, const void *data, size_t len);
/* Writes the digest and re-initialises c. */
void pf_sha256_final(pf_sha256_t *c, unsigned char out[32]);
/* Lower-case hex of the digest of data; out must hold 65 bytes. */
void pf_sha256_hex(const void *data, size_t len, char out[65]);
void pf_sha256_tohex(const unsigned char digest[32], char out[65]);

#endif
