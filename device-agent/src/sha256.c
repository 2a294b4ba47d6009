/* SHA-256, FIPS 180-4. Rolled loops: small on Cortex-M, fast enough for 16 KiB objects. */
#include "custodian/sha256.h"

#include <string.h>

static const uint32_t K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32u - (n))))

static void compress(uint32_t s[8], const uint8_t *p)
{
    uint32_t w[16], v[8], t1, t2;
    unsigned i;
    for (i = 0; i < 8; i++) v[i] = s[i];
    for (i = 0; i < 64; i++) {
        if (i < 16) {
            w[i] = ((uint32_t)p[4 * i] << 24) | ((uint32_t)p[4 * i + 1] << 16) | ((uint32_t)p[4 * i + 2] << 8) | p[4 * i + 3];
        } else {
            /* Message schedule in a 16-word ring: 64 bytes of stack instead of 256. */
            uint32_t a = w[(i + 1) & 15], b = w[(i + 14) & 15];
            w[i & 15] += (ROR(a, 7) ^ ROR(a, 18) ^ (a >> 3)) + w[(i + 9) & 15] + (ROR(b, 17) ^ ROR(b, 19) ^ (b >> 10));
        }
        t1 = v[7] + (ROR(v[4], 6) ^ ROR(v[4], 11) ^ ROR(v[4], 25)) + ((v[4] & v[5]) ^ (~v[4] & v[6])) + K[i] + w[i & 15];
        t2 = (ROR(v[0], 2) ^ ROR(v[0], 13) ^ ROR(v[0], 22)) + ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        v[7] = v[6];
        v[6] = v[5];
        v[5] = v[4];
        v[4] = v[3] + t1;
        v[3] = v[2];
        v[2] = v[1];
        v[1] = v[0];
        v[0] = t1 + t2;
    }
    for (i = 0; i < 8; i++) s[i] += v[i];
}

void cst_sha256_init(struct cst_sha256 *h)
{
    static const uint32_t iv[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                   0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
    memcpy(h->state, iv, sizeof iv);
    h->bytes = 0;
}

void cst_sha256_update(struct cst_sha256 *h, const uint8_t *data, size_t len)
{
    while (len > 0) {
        size_t used = (size_t)(h->bytes & 63u);
        size_t n = 64u - used;
        if (n > len) n = len;
        memcpy(h->block + used, data, n);
        h->bytes += n;
        data += n;
        len -= n;
        if ((h->bytes & 63u) == 0) compress(h->state, h->block);
    }
}

void cst_sha256_final(struct cst_sha256 *h, uint8_t digest[32])
{
    uint64_t bits = h->bytes * 8u;
    uint8_t pad = 0x80;
    unsigned i;
    cst_sha256_update(h, &pad, 1);
    pad = 0;
    while ((h->bytes & 63u) != 56u) cst_sha256_update(h, &pad, 1);
    for (i = 0; i < 8; i++) {
        uint8_t b = (uint8_t)(bits >> (56u - 8u * i));
        cst_sha256_update(h, &b, 1);
    }
    for (i = 0; i < 32; i++) digest[i] = (uint8_t)(h->state[i / 4] >> (24u - 8u * (i % 4)));
}
