/*
 * The PSA Crypto key port. ECDSA signatures come from psa_sign_hash over a
 * digest computed with psa_hash_compute, as a secure element signs a digest
 * it is handed; PSA returns r||s, the protocol's format, unchanged.
 */
#include "psa_key.h"

#include <string.h>

#include "csr_builder.h"
#include "custodian/protocol.h"

/* SPKI DER up to the EC point: id-ecPublicKey with the named curve, BIT STRING header. */
static const uint8_t P256_SPKI_HEAD[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01,
                                         0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};
static const uint8_t P384_SPKI_HEAD[] = {0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01,
                                         0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00};
static const uint8_t RSA_ALG_ID[] = {0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00};

static int is_ec(uint8_t alg) { return alg == CST_ALG_P256 || alg == CST_ALG_P384; }

static psa_algorithm_t sign_alg(uint8_t alg)
{
    if (alg == CST_ALG_P256) return PSA_ALG_ECDSA(PSA_ALG_SHA_256);
    if (alg == CST_ALG_P384) return PSA_ALG_ECDSA(PSA_ALG_SHA_384);
    return PSA_ALG_RSA_PKCS1V15_SIGN(PSA_ALG_SHA_256);
}

static uint8_t algorithm_of(psa_key_id_t id)
{
    psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
    uint8_t alg = CST_ALG_NONE;
    if (psa_get_key_attributes(id, &a) != PSA_SUCCESS) return CST_ALG_NONE;
    if (psa_get_key_type(&a) == PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1)) {
        alg = psa_get_key_bits(&a) == 256 ? CST_ALG_P256 : psa_get_key_bits(&a) == 384 ? CST_ALG_P384 : CST_ALG_NONE;
    } else if (psa_get_key_type(&a) == PSA_KEY_TYPE_RSA_KEY_PAIR) {
        size_t bits = psa_get_key_bits(&a);
        alg = bits == 2048 ? CST_ALG_RSA2048 : bits == 3072 ? CST_ALG_RSA3072 : bits == 4096 ? CST_ALG_RSA4096 : CST_ALG_NONE;
    }
    psa_reset_key_attributes(&a);
    return alg;
}

void psa_device_key_open(struct psa_device_key *k, psa_key_id_t persistent)
{
    k->persistent = persistent;
    k->id = 0;
    k->algorithm = CST_ALG_NONE;
    if (persistent) {
        k->algorithm = algorithm_of(persistent);
        if (k->algorithm != CST_ALG_NONE) k->id = persistent;
    }
}

uint8_t psa_key_algorithm(void *user)
{
    return ((struct psa_device_key *)user)->algorithm;
}

int psa_key_generate(void *user, uint8_t algorithm)
{
    struct psa_device_key *k = user;
    psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
    psa_key_id_t id = 0;
    psa_status_t st;
    switch (algorithm) {
    case CST_ALG_P256:
    case CST_ALG_P384:
        psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
        psa_set_key_bits(&a, algorithm == CST_ALG_P256 ? 256 : 384);
        break;
    case CST_ALG_RSA2048:
    case CST_ALG_RSA3072:
    case CST_ALG_RSA4096:
        psa_set_key_type(&a, PSA_KEY_TYPE_RSA_KEY_PAIR);
        psa_set_key_bits(&a, algorithm == CST_ALG_RSA2048 ? 2048 : algorithm == CST_ALG_RSA3072 ? 3072 : 4096);
        break;
    default: return CST_ERR_UNSUPPORTED_ALGORITHM;
    }
    /* Sign only; never exportable: the private key does not leave the key store. */
    psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_VERIFY_HASH);
    psa_set_key_algorithm(&a, sign_alg(algorithm));
    if (k->persistent) {
        psa_set_key_id(&a, k->persistent);
        if (k->id) psa_destroy_key(k->id);
        k->id = 0;
    }
    st = psa_generate_key(&a, &id);
    psa_reset_key_attributes(&a);
    if (st == PSA_ERROR_NOT_SUPPORTED) return CST_ERR_UNSUPPORTED_ALGORITHM;
    if (st != PSA_SUCCESS) return CST_ERR_INTERNAL;
    if (!k->persistent && k->id) psa_destroy_key(k->id);
    k->id = id;
    k->algorithm = algorithm;
    return CST_OK;
}

/* DER tag + length; returns its size. */
static size_t der_header(uint8_t *p, uint8_t tag, size_t n)
{
    p[0] = tag;
    if (n < 0x80) return p[1] = (uint8_t)n, 2;
    if (n < 0x100) return p[1] = 0x81, p[2] = (uint8_t)n, 3;
    return p[1] = 0x82, p[2] = (uint8_t)(n >> 8), p[3] = (uint8_t)n, 4;
}

int psa_key_public(void *user, uint8_t *out, size_t cap, size_t *len)
{
    struct psa_device_key *k = user;
    uint8_t raw[PSA_EXPORT_PUBLIC_KEY_MAX_SIZE];
    size_t n = 0;
    if (!k->id) return CST_ERR_NO_KEY;
    if (psa_export_public_key(k->id, raw, sizeof raw, &n) != PSA_SUCCESS) return CST_ERR_INTERNAL;
    if (is_ec(k->algorithm)) {
        /* PSA exports the uncompressed point; the SPKI is a fixed header in front of it. */
        const uint8_t *head = k->algorithm == CST_ALG_P256 ? P256_SPKI_HEAD : P384_SPKI_HEAD;
        size_t h = k->algorithm == CST_ALG_P256 ? sizeof P256_SPKI_HEAD : sizeof P384_SPKI_HEAD;
        if (h + n > cap) return CST_ERR_TOO_LARGE;
        memcpy(out, head, h);
        memcpy(out + h, raw, n);
        *len = h + n;
        return CST_OK;
    }
    {
        /* RSA: PSA exports RSAPublicKey; wrap it as SEQUENCE { AlgorithmIdentifier, BIT STRING }. */
        uint8_t bits_hdr[4], seq_hdr[4];
        size_t bh = der_header(bits_hdr, 0x03, n + 1);
        size_t body = sizeof RSA_ALG_ID + bh + 1 + n;
        size_t sh = der_header(seq_hdr, 0x30, body);
        if (sh + body > cap) return CST_ERR_TOO_LARGE;
        memcpy(out, seq_hdr, sh);
        memcpy(out + sh, RSA_ALG_ID, sizeof RSA_ALG_ID);
        memcpy(out + sh + sizeof RSA_ALG_ID, bits_hdr, bh);
        out[sh + sizeof RSA_ALG_ID + bh] = 0x00;
        memcpy(out + sh + sizeof RSA_ALG_ID + bh + 1, raw, n);
        *len = sh + body;
        return CST_OK;
    }
}

int psa_key_sign(void *user, const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t cap, size_t *sig_len)
{
    struct psa_device_key *k = user;
    uint8_t digest[PSA_HASH_MAX_SIZE];
    size_t dlen = 0;
    psa_algorithm_t hash = k->algorithm == CST_ALG_P384 ? PSA_ALG_SHA_384 : PSA_ALG_SHA_256;
    psa_status_t st;
    if (!k->id) return CST_ERR_NO_KEY;
    if (psa_hash_compute(hash, msg, msg_len, digest, sizeof digest, &dlen) != PSA_SUCCESS) return CST_ERR_INTERNAL;
    st = psa_sign_hash(k->id, sign_alg(k->algorithm), digest, dlen, sig, cap, sig_len);
    if (st == PSA_ERROR_BUFFER_TOO_SMALL) return CST_ERR_TOO_LARGE;
    return st == PSA_SUCCESS ? CST_OK : CST_ERR_INTERNAL;
}

int psa_key_csr(void *user, const uint8_t *cn, size_t cn_len, uint8_t *out, size_t cap, size_t *len)
{
    struct psa_device_key *k = user;
    uint8_t spki[600];
    struct cst_csr_request q;
    int rc = psa_key_public(user, spki, sizeof spki, &q.spki_len);
    if (rc != CST_OK) return rc;
    q.algorithm = k->algorithm;
    q.spki = spki;
    q.cn = cn;
    q.cn_len = cn_len;
    q.sign = psa_key_sign;
    q.sign_ctx = user;
    return cst_csr_build(&q, out, cap, len);
}
