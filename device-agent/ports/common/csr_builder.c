/* PKCS#10 CertificationRequest (RFC 2986), DER, written front to back. */
#include "csr_builder.h"

#include <string.h>

#include "custodian/protocol.h"

static const uint8_t ALG_ECDSA_SHA256[] = {0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02};
static const uint8_t ALG_ECDSA_SHA384[] = {0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03};
static const uint8_t ALG_RSA_SHA256[] = {0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00};
static const uint8_t OID_CN[] = {0x06, 0x03, 0x55, 0x04, 0x03};

static size_t len_size(size_t n) { return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 4; }

/* Tag and length; returns bytes written. */
static size_t header(uint8_t *p, uint8_t tag, size_t n)
{
    size_t k = len_size(n), i;
    p[0] = tag;
    if (k == 1) {
        p[1] = (uint8_t)n;
        return 2;
    }
    p[1] = (uint8_t)(0x80u | (k - 1));
    for (i = 0; i < k - 1; i++) p[2 + i] = (uint8_t)(n >> (8u * (k - 2 - i)));
    return 1 + k;
}

static size_t tlv_size(size_t n) { return 1 + len_size(n) + n; }

/* One unsigned INTEGER from a big-endian magnitude: leading zeros off, a 0x00 in front of a set high bit. */
static size_t der_uint(uint8_t *p, const uint8_t *v, size_t n)
{
    size_t o;
    while (n > 1 && v[0] == 0) {
        v++;
        n--;
    }
    o = header(p, 0x02, n + (v[0] & 0x80u ? 1u : 0u));
    if (v[0] & 0x80u) p[o++] = 0;
    memcpy(p + o, v, n);
    return o + n;
}

int cst_ecdsa_p1363_to_der(const uint8_t *rs, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    uint8_t body[2 * (66 + 3)];
    size_t b;
    if (n == 0 || n > 66 || cap < 2 * (n + 3) + 3) return CST_ERR_TOO_LARGE;
    b = der_uint(body, rs, n);
    b += der_uint(body + b, rs + n, n);
    *len = header(out, 0x30, b);
    memcpy(out + *len, body, b);
    *len += b;
    return CST_OK;
}

int cst_csr_build(const struct cst_csr_request *q, uint8_t *out, size_t cap, size_t *len)
{
    const uint8_t *alg;
    size_t alg_len, atv, rdn, name, info, o, sig_len, sig_max, outer;
    uint8_t *p;
    int rc, ec = q->algorithm == CST_ALG_P256 || q->algorithm == CST_ALG_P384;

    if (q->algorithm == CST_ALG_P256) {
        alg = ALG_ECDSA_SHA256;
        alg_len = sizeof ALG_ECDSA_SHA256;
    } else if (q->algorithm == CST_ALG_P384) {
        alg = ALG_ECDSA_SHA384;
        alg_len = sizeof ALG_ECDSA_SHA384;
    } else {
        alg = ALG_RSA_SHA256;
        alg_len = sizeof ALG_RSA_SHA256;
    }
    atv = sizeof OID_CN + tlv_size(q->cn_len); /* AttributeTypeAndValue content */
    rdn = tlv_size(tlv_size(atv));             /* the SET holding it, whole */
    name = tlv_size(rdn);                      /* the Name SEQUENCE, whole */
    info = 3 + name + q->spki_len + 2;
    sig_max = ec ? 2u * (66u + 3u) + 3u : 512u;
    /* Worst case: outer header 4, info, algorithm, BIT STRING header 5, signature. */
    if (4 + tlv_size(info) + alg_len + 5 + sig_max > cap) return CST_ERR_TOO_LARGE;

    /* The CertificationRequestInfo first, 4 bytes in: the outer header's length is known only after signing. */
    p = out + 4;
    o = header(p, 0x30, info);
    p[o++] = 0x02, p[o++] = 0x01, p[o++] = 0x00; /* version 0 */
    o += header(p + o, 0x30, rdn);
    o += header(p + o, 0x31, tlv_size(atv));
    o += header(p + o, 0x30, atv);
    memcpy(p + o, OID_CN, sizeof OID_CN), o += sizeof OID_CN;
    o += header(p + o, 0x0C, q->cn_len);
    memcpy(p + o, q->cn, q->cn_len), o += q->cn_len;
    memcpy(p + o, q->spki, q->spki_len), o += q->spki_len;
    p[o++] = 0xA0, p[o++] = 0x00; /* no attributes */
    info = o;
    memcpy(p + o, alg, alg_len), o += alg_len;

    {
        /* The raw signature lands past the longest BIT STRING header, then is converted in place. */
        uint8_t *bits = p + o;
        uint8_t *raw = bits + 5;
        size_t raw_len = 0, k;
        rc = q->sign(q->sign_ctx, p, info, raw, sig_max, &raw_len);
        if (rc != CST_OK) return rc;
        if (ec) {
            uint8_t der[2 * (66 + 3) + 3];
            rc = cst_ecdsa_p1363_to_der(raw, raw_len / 2, der, sizeof der, &sig_len);
            if (rc != CST_OK) return rc;
            memcpy(raw, der, sig_len);
        } else {
            sig_len = raw_len;
        }
        k = header(bits, 0x03, sig_len + 1);
        bits[k] = 0x00; /* no unused bits */
        memmove(bits + k + 1, raw, sig_len);
        o += k + 1 + sig_len;
    }
    outer = 1 + len_size(o);
    memmove(out + outer, out + 4, o);
    header(out, 0x30, o);
    *len = outer + o;
    return CST_OK;
}
