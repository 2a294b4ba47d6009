/* SHA-256 (FIPS 180-4), used for WRITE_BEGIN's object hash and offered to ports. */
#ifndef CUSTODIAN_SHA256_H
#define CUSTODIAN_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct cst_sha256 {
    uint32_t state[8];
    uint64_t bytes;
    uint8_t block[64];
};

void cst_sha256_init(struct cst_sha256 *h);
void cst_sha256_update(struct cst_sha256 *h, const uint8_t *data, size_t len);
void cst_sha256_final(struct cst_sha256 *h, uint8_t digest[32]);

#endif
