/*
 * A PKCS#10 CSR built on the MCU, signed by whatever holds the key (a
 * secure element, PSA Crypto, OpenSSL): the builder produces the
 * CertificationRequestInfo, the signer signs it, the builder wraps the
 * signature. Subject is exactly CN=<cn>, one RDN, UTF8String (§4.4).
 */
#ifndef CUSTODIAN_CSR_BUILDER_H
#define CUSTODIAN_CSR_BUILDER_H

#include <stddef.h>
#include <stdint.h>

/* Same contract as cst_port.sign: P1363 r||s for ECDSA, PKCS#1 v1.5 for RSA. */
typedef int (*cst_sign_fn)(void *ctx, const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t cap, size_t *sig_len);

struct cst_csr_request {
    uint8_t algorithm; /* CST_ALG_*: picks the signature algorithm identifier */
    const uint8_t *spki;
    size_t spki_len;
    const uint8_t *cn;
    size_t cn_len;
    cst_sign_fn sign;
    void *sign_ctx;
};

/* CST_OK, CST_ERR_TOO_LARGE (out too small), or the signer's error. */
int cst_csr_build(const struct cst_csr_request *q, uint8_t *out, size_t cap, size_t *len);

/* DER ECDSA-Sig-Value from P1363 r||s (each half n bytes); what X.509 and CSRs carry. */
int cst_ecdsa_p1363_to_der(const uint8_t *rs, size_t n, uint8_t *out, size_t cap, size_t *len);

#endif
