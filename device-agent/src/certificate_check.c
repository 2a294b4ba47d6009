/*
 * WRITE_END's certificate checks (§4.6, §4.9), read back from the staging
 * area a few bytes at a time: no object-sized buffer. Enough of X.509 to
 * reject what is not a certificate, compare the leaf's key with the device
 * key, and find basicConstraints cA in a trust anchor. Signatures are the
 * station's business and the TLS stack's, not checked here.
 */
#include "agent_internal.h"

struct tlv {
    uint8_t tag;
    uint32_t at;    /* the tag byte */
    uint32_t start; /* first content byte */
    uint32_t len;
    uint32_t end;   /* one past the last content byte */
};

/* Reads the TLV at *pos inside [*pos, limit); advances *pos past it. */
static int next_tlv(struct cst_agent *a, uint32_t *pos, uint32_t limit, struct tlv *t)
{
    uint8_t h[6];
    uint32_t avail = limit - *pos, hdr = 2, len, i;
    size_t want = avail < sizeof h ? avail : sizeof h;
    if (avail < 2) return CST_ERR_BAD_CERT;
    if (a->cfg.port->stage_read(a->cfg.user, *pos, h, want) != CST_OK) return CST_ERR_FLASH_WRITE;
    if ((h[0] & 0x1Fu) == 0x1Fu) return CST_ERR_BAD_CERT; /* no X.509 field uses high tag numbers */
    len = h[1];
    if (len & 0x80u) {
        uint32_t n = len & 0x7Fu;
        if (n == 0 || n > 4 || 2 + n > want) return CST_ERR_BAD_CERT;
        for (len = 0, i = 0; i < n; i++) len = (len << 8) | h[2 + i];
        hdr += n;
    }
    if (len > avail - hdr) return CST_ERR_BAD_CERT;
    t->tag = h[0];
    t->at = *pos;
    t->start = *pos + hdr;
    t->len = len;
    t->end = t->start + len;
    *pos = t->end;
    return CST_OK;
}

#define EXPECT(a, pos, limit, t, want_tag)                                       \
    do {                                                                          \
        int rc_ = next_tlv((a), (pos), (limit), (t));                             \
        if (rc_ != CST_OK) return rc_;                                            \
        if ((t)->tag != (want_tag)) return CST_ERR_BAD_CERT;                      \
    } while (0)

static int stage_equals(struct cst_agent *a, uint32_t at, const uint8_t *want, uint32_t len)
{
    uint8_t piece[32];
    while (len > 0) {
        uint32_t n = len < sizeof piece ? len : (uint32_t)sizeof piece;
        if (a->cfg.port->stage_read(a->cfg.user, at, piece, n) != CST_OK || memcmp(piece, want, n) != 0) return 0;
        at += n;
        want += n;
        len -= n;
    }
    return 1;
}

/* basicConstraints (2.5.29.19) with cA TRUE among the extensions in [from, to). */
static int is_ca(struct cst_agent *a, uint32_t from, uint32_t to)
{
    static const uint8_t oid[5] = {0x06, 0x03, 0x55, 0x1D, 0x13};
    struct tlv ext, f;
    while (from < to) {
        uint32_t p;
        if (next_tlv(a, &from, to, &ext) != CST_OK || ext.tag != 0x30) return 0;
        p = ext.start;
        if (next_tlv(a, &p, ext.end, &f) != CST_OK || f.tag != 0x06) return 0;
        if (f.end - ext.start == sizeof oid && stage_equals(a, ext.start, oid, sizeof oid)) {
            uint8_t v[3];
            if (next_tlv(a, &p, ext.end, &f) != CST_OK) return 0;
            if (f.tag == 0x01 && next_tlv(a, &p, ext.end, &f) != CST_OK) return 0; /* critical */
            if (f.tag != 0x04) return 0;
            p = f.start;
            if (next_tlv(a, &p, f.end, &f) != CST_OK || f.tag != 0x30 || f.len < 3) return 0;
            if (a->cfg.port->stage_read(a->cfg.user, f.start, v, 3) != CST_OK) return 0;
            return v[0] == 0x01 && v[1] == 0x01 && v[2] != 0;
        }
    }
    return 0;
}

/*
 * One Certificate at *pos: SEQUENCE { tbs SEQUENCE, AlgorithmIdentifier, BIT STRING }.
 * Reports where the SPKI is and whether the certificate is a CA.
 */
static int certificate(struct cst_agent *a, uint32_t *pos, uint32_t total, struct tlv *spki, int *ca)
{
    struct tlv cert, tbs, f;
    uint32_t p, q;
    int i;
    EXPECT(a, pos, total, &cert, 0x30);
    p = cert.start;
    EXPECT(a, &p, cert.end, &tbs, 0x30);
    EXPECT(a, &p, cert.end, &f, 0x30);
    EXPECT(a, &p, cert.end, &f, 0x03);
    if (p != cert.end) return CST_ERR_BAD_CERT;
    q = tbs.start;
    if (next_tlv(a, &q, tbs.end, &f) != CST_OK) return CST_ERR_BAD_CERT;
    if (f.tag == 0xA0 && next_tlv(a, &q, tbs.end, &f) != CST_OK) return CST_ERR_BAD_CERT; /* version */
    if (f.tag != 0x02) return CST_ERR_BAD_CERT;                                          /* serialNumber */
    for (i = 0; i < 5; i++) EXPECT(a, &q, tbs.end, &f, 0x30); /* signature, issuer, validity, subject, SPKI */
    *spki = f;
    *ca = 0;
    while (q < tbs.end) {
        if (next_tlv(a, &q, tbs.end, &f) != CST_OK) return CST_ERR_BAD_CERT;
        if (f.tag == 0xA3) {
            uint32_t e = f.start;
            struct tlv list;
            EXPECT(a, &e, f.end, &list, 0x30);
            *ca = is_ca(a, list.start, list.end);
        } else if (f.tag != 0x81 && f.tag != 0x82 && f.tag != 0xA1 && f.tag != 0xA2) {
            return CST_ERR_BAD_CERT;
        }
    }
    return CST_OK;
}

int cst_check_certificates(struct cst_agent *a, uint8_t target, uint32_t total)
{
    uint32_t pos = 0;
    unsigned count = 0;
    struct tlv spki;
    int ca = 0;
    while (pos < total) {
        int rc = certificate(a, &pos, total, &spki, &ca);
        if (rc != CST_OK) return cst_refuse(a, rc, rc == CST_ERR_BAD_CERT ? "not DER X.509 certificates" : "staging read failed");
        count++;
        if (target == CST_TARGET_ANCHORS && !ca) return cst_refuse(a, CST_ERR_BAD_CERT, "a trust anchor must be a CA certificate");
    }
    if (target == CST_TARGET_LEAF) {
        size_t len = 0;
        if (count != 1) return cst_refuse(a, CST_ERR_BAD_CERT, "leaf must be exactly one certificate");
        if (a->cfg.port->public_key(a->cfg.user, a->cfg.spki, a->cfg.spki_cap, &len) != CST_OK) return cst_refuse(a, CST_ERR_NO_KEY, "no key");
        /* The whole SPKI TLV, header included, as the device encodes its key. */
        if (spki.end - spki.at != len || !stage_equals(a, spki.at, a->cfg.spki, (uint32_t)len))
            return cst_refuse(a, CST_ERR_KEY_MISMATCH, "leaf is not for this device key");
    }
    return CST_OK;
}
