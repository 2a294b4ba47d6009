/*
 * Key functions of the host port on OpenSSL libcrypto. The key file plays
 * the secure element: nothing here ever hands the private key to the agent.
 */
#define _POSIX_C_SOURCE 200809L
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "csr_builder.h"
#include "custodian/protocol.h"
#include "host_device.h"

static uint8_t algorithm_of(EVP_PKEY *k)
{
    char group[32];
    size_t n = 0;
    if (EVP_PKEY_is_a(k, "RSA")) {
        int bits = EVP_PKEY_get_bits(k);
        return bits == 2048 ? CST_ALG_RSA2048 : bits == 3072 ? CST_ALG_RSA3072 : bits == 4096 ? CST_ALG_RSA4096 : CST_ALG_NONE;
    }
    if (EVP_PKEY_is_a(k, "EC") && EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof group, &n)) {
        if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0) return CST_ALG_P256;
        if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0) return CST_ALG_P384;
    }
    return CST_ALG_NONE;
}

int host_key_load(struct host_device *d)
{
    char path[HOST_PATH_MAX + 16];
    FILE *f;
    snprintf(path, sizeof path, "%s/key.pem", d->dir);
    f = fopen(path, "r");
    if (!f) return 0;
    d->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    d->algorithm = d->key ? algorithm_of(d->key) : CST_ALG_NONE;
    return d->key ? 0 : -1;
}

uint8_t host_key_algorithm(void *user)
{
    return ((struct host_device *)user)->algorithm;
}

int host_key_generate(void *user, uint8_t algorithm)
{
    struct host_device *d = user;
    EVP_PKEY *k = NULL;
    BIO *mem;
    char *pem;
    long n;
    int rc;
    switch (algorithm) {
    case CST_ALG_P256: k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"); break;
    case CST_ALG_P384: k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"); break;
    case CST_ALG_RSA2048: k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048); break;
    case CST_ALG_RSA3072: k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072); break;
    case CST_ALG_RSA4096: k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096); break;
    default: return CST_ERR_UNSUPPORTED_ALGORITHM;
    }
    if (!k) return CST_ERR_INTERNAL;
    mem = BIO_new(BIO_s_mem());
    if (!mem || !PEM_write_bio_PrivateKey(mem, k, NULL, NULL, 0, NULL, NULL)) {
        BIO_free(mem);
        EVP_PKEY_free(k);
        return CST_ERR_INTERNAL;
    }
    n = BIO_get_mem_data(mem, &pem);
    /* The new key invalidates the leaf: remove it first, so a crash in between leaves no leaf for a key that is gone. */
    rc = host_store_remove(d, "leaf.der");
    if (rc == CST_OK) rc = host_store_replace(d, "key.pem", (const uint8_t *)pem, (size_t)n);
    BIO_free(mem);
    if (rc != CST_OK) {
        EVP_PKEY_free(k);
        return rc;
    }
    EVP_PKEY_free(d->key);
    d->key = k;
    d->algorithm = algorithm;
    return CST_OK;
}

int host_key_public(void *user, uint8_t *out, size_t cap, size_t *len)
{
    struct host_device *d = user;
    int n;
    if (!d->key) return CST_ERR_NO_KEY;
    n = i2d_PUBKEY(d->key, NULL);
    if (n <= 0) return CST_ERR_INTERNAL;
    if ((size_t)n > cap) return CST_ERR_TOO_LARGE;
    i2d_PUBKEY(d->key, &out);
    *len = (size_t)n;
    return CST_OK;
}

int host_key_sign(void *user, const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t cap, size_t *sig_len)
{
    struct host_device *d = user;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char der[600];
    size_t n = sizeof der;
    int ok, ec = d->algorithm == CST_ALG_P256 || d->algorithm == CST_ALG_P384;
    if (!d->key) return CST_ERR_NO_KEY;
    if (!md) return CST_ERR_INTERNAL;
    ok = EVP_DigestSignInit(md, NULL, d->algorithm == CST_ALG_P384 ? EVP_sha384() : EVP_sha256(), NULL, d->key) == 1 &&
         EVP_DigestSign(md, der, &n, msg, msg_len) == 1;
    EVP_MD_CTX_free(md);
    if (!ok) return CST_ERR_INTERNAL;
    if (ec) {
        /* OpenSSL returns DER ECDSA-Sig-Value; the protocol wants r||s (P1363). */
        size_t half = d->algorithm == CST_ALG_P256 ? 32 : 48;
        const unsigned char *p = der;
        ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)n);
        if (!s) return CST_ERR_INTERNAL;
        if (cap < 2 * half) {
            ECDSA_SIG_free(s);
            return CST_ERR_TOO_LARGE;
        }
        ok = BN_bn2binpad(ECDSA_SIG_get0_r(s), sig, (int)half) == (int)half && BN_bn2binpad(ECDSA_SIG_get0_s(s), sig + half, (int)half) == (int)half;
        ECDSA_SIG_free(s);
        if (!ok) return CST_ERR_INTERNAL;
        *sig_len = 2 * half;
        return CST_OK;
    }
    if (n > cap) return CST_ERR_TOO_LARGE;
    memcpy(sig, der, n);
    *sig_len = n;
    return CST_OK;
}

int host_key_csr(void *user, const uint8_t *cn, size_t cn_len, uint8_t *out, size_t cap, size_t *len)
{
    struct host_device *d = user;
    uint8_t spki[600];
    struct cst_csr_request q;
    int rc = host_key_public(user, spki, sizeof spki, &q.spki_len);
    if (rc != CST_OK) return rc;
    q.algorithm = d->algorithm;
    q.spki = spki;
    q.cn = cn;
    q.cn_len = cn_len;
    q.sign = host_key_sign;
    q.sign_ctx = user;
    return cst_csr_build(&q, out, cap, len);
}
