/*
 * pf_sha256.c - SHA-256 through nettle (see pf_sha256.h).
 */
#include "pf_sha256.h"

void pf_sha256_init(pf_sha256_t *c)
{
    sha256_init(&c->ctx);
}

void pf_sha256_update(pf_sha256_t *c, const void *data, size_t len)
{
    sha256_update(&c->ctx, len, data);
}

void pf_sha256_final(pf_sha256_t *c, unsigned char out[32])
{
    sha256_digest(&c->ctx, SHA256_DIGEST_SIZE, out); /* also starts it afresh */
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
