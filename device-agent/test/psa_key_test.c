/*
 * Unit test of the PSA Crypto key port on the host's mbedTLS: the agent,
 * driven frame by frame, generates keys in the PSA key store, and what it
 * returns is checked by mbedTLS's own parsers: the SPKI parses, the CSR
 * parses with subject CN=<cn> and its signature verifies, the challenge
 * signature verifies under the SPKI.
 */
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_csr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csr_builder.h"
#include "custodian/agent.h"
#include "custodian/crc32.h"
#include "psa_key.h"

static int failures;
#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                    \
        }                                                                  \
    } while (0)

/* The test device: PSA key, an in-RAM store just big enough, the last reply. */
struct test_device {
    struct psa_device_key key;
    uint8_t reply[CST_FRAME_BUFFER_SIZE(1024)];
    size_t reply_len;
    uint8_t staging[4096];
    uint32_t staged;
};

static int t_send(void *user, const uint8_t *f, size_t len)
{
    struct test_device *d = user;
    if (len > sizeof d->reply) return CST_ERR_INTERNAL;
    memcpy(d->reply, f, len);
    d->reply_len = len;
    return CST_OK;
}

static void t_identity(void *user, struct cst_identity *out)
{
    static const uint8_t id[] = "psa-0001", serial[] = "HWPSA1", model[] = "psa-test", fw[] = "1.0";
    (void)user;
    out->device_id.bytes = id, out->device_id.len = sizeof id - 1;
    out->hardware_serial.bytes = serial, out->hardware_serial.len = sizeof serial - 1;
    out->model.bytes = model, out->model.len = sizeof model - 1;
    out->firmware.bytes = fw, out->firmware.len = sizeof fw - 1;
}

static uint8_t t_alg(void *user) { return psa_key_algorithm(&((struct test_device *)user)->key); }
static int t_gen(void *user, uint8_t alg) { return psa_key_generate(&((struct test_device *)user)->key, alg); }
static int t_pub(void *user, uint8_t *o, size_t c, size_t *l) { return psa_key_public(&((struct test_device *)user)->key, o, c, l); }
static int t_csr(void *user, const uint8_t *cn, size_t n, uint8_t *o, size_t c, size_t *l) { return psa_key_csr(&((struct test_device *)user)->key, cn, n, o, c, l); }
static int t_sign(void *user, const uint8_t *m, size_t n, uint8_t *s, size_t c, size_t *l) { return psa_key_sign(&((struct test_device *)user)->key, m, n, s, c, l); }
static uint32_t t_size(void *user, uint8_t t) { (void)user, (void)t; return 0; }
static int t_read(void *user, uint8_t t, uint32_t o, uint8_t *b, size_t n) { (void)user, (void)t, (void)o, (void)b, (void)n; return CST_ERR_INTERNAL; }
static int t_sbegin(void *user, uint8_t t, uint32_t n) { (void)t, (void)n; ((struct test_device *)user)->staged = 0; return CST_OK; }
static int t_swrite(void *user, uint32_t o, const uint8_t *p, size_t n)
{
    struct test_device *d = user;
    if (o + n > sizeof d->staging) return CST_ERR_TOO_LARGE;
    memcpy(d->staging + o, p, n);
    d->staged = (uint32_t)(o + n);
    return CST_OK;
}
static int t_sread(void *user, uint32_t o, uint8_t *b, size_t n) { memcpy(b, ((struct test_device *)user)->staging + o, n); return CST_OK; }
static int t_scommit(void *user, uint8_t t) { (void)user, (void)t; return CST_OK; }
static int t_locked(void *user) { (void)user; return 0; }
static int t_lock(void *user) { (void)user; return CST_OK; }

static const struct cst_port test_port = {
    .send = t_send, .identity = t_identity, .key_algorithm = t_alg, .generate_key = t_gen, .public_key = t_pub,
    .build_csr = t_csr, .sign = t_sign, .object_size = t_size, .object_read = t_read, .stage_begin = t_sbegin,
    .stage_write = t_swrite, .stage_read = t_sread, .stage_commit = t_scommit, .is_locked = t_locked, .lock = t_lock,
};

static struct test_device dev;
static struct cst_agent agent;
static uint16_t next_id = 1;

/* One request; returns the reply payload (and its type) from the last frame sent. */
static const uint8_t *request(uint8_t type, const uint8_t *payload, size_t len, uint8_t *reply_type, size_t *reply_len)
{
    uint8_t f[CST_FRAME_BUFFER_SIZE(1024)];
    uint32_t crc;
    f[0] = CST_SOF0, f[1] = CST_SOF1, f[2] = CST_FRAME_VERSION, f[3] = type;
    f[4] = (uint8_t)(next_id >> 8), f[5] = (uint8_t)next_id;
    f[6] = (uint8_t)(len >> 8), f[7] = (uint8_t)len;
    memcpy(f + 8, payload, len);
    crc = cst_crc32(f + 2, 6 + len);
    f[8 + len] = (uint8_t)(crc >> 24), f[9 + len] = (uint8_t)(crc >> 16), f[10 + len] = (uint8_t)(crc >> 8), f[11 + len] = (uint8_t)crc;
    next_id++;
    dev.reply_len = 0;
    cst_agent_input(&agent, f, len + 12, 0);
    if (dev.reply_len < 12) {
        *reply_type = 0;
        *reply_len = 0;
        return NULL;
    }
    *reply_type = dev.reply[3];
    *reply_len = ((size_t)dev.reply[6] << 8) | dev.reply[7];
    return dev.reply + 8;
}

/* A whole chunked object into out; returns its size. */
static size_t read_object(uint8_t type, const uint8_t *tail, size_t tail_len, uint8_t *out, size_t cap)
{
    size_t got = 0, total = 1;
    while (got < total) {
        uint8_t req[300], rt;
        size_t rl;
        const uint8_t *p;
        req[0] = (uint8_t)(got >> 24), req[1] = (uint8_t)(got >> 16), req[2] = (uint8_t)(got >> 8), req[3] = (uint8_t)got;
        req[4] = 0x00, req[5] = 200;
        memcpy(req + 6, tail, tail_len);
        p = request(type, req, 6 + tail_len, &rt, &rl);
        if (!p || rt != (type | CST_RESPONSE_BIT) || rl < 5) return 0;
        total = ((size_t)p[0] << 24) | ((size_t)p[1] << 16) | ((size_t)p[2] << 8) | p[3];
        if (got + rl - 5 > cap) return 0;
        memcpy(out + got, p + 5, rl - 5);
        got += rl - 5;
    }
    return got;
}

static void exercise(uint8_t alg, const char *name)
{
    static const uint8_t cn_req[] = {8, 'p', 's', 'a', '-', '0', '0', '0', '1'};
    uint8_t spki[700], csr_der[1500], challenge[49], sig[600], der_sig[160], hash[64], rt;
    const uint8_t *p;
    size_t spki_len, csr_len, rl;
    mbedtls_pk_context pk;
    mbedtls_x509_csr csr;
    char dn[128];
    mbedtls_md_type_t md = alg == CST_ALG_P384 ? MBEDTLS_MD_SHA384 : MBEDTLS_MD_SHA256;
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(md);

    p = request(CST_CMD_GENERATE_KEY, &alg, 1, &rt, &rl);
    CHECK(p && rt == (CST_CMD_GENERATE_KEY | CST_RESPONSE_BIT) && rl == 0);
    spki_len = read_object(CST_CMD_GET_PUBLIC_KEY, NULL, 0, spki, sizeof spki);
    CHECK(spki_len > 0);
    mbedtls_pk_init(&pk);
    CHECK(mbedtls_pk_parse_public_key(&pk, spki, spki_len) == 0);
    CHECK(mbedtls_pk_get_type(&pk) == (alg == CST_ALG_P256 || alg == CST_ALG_P384 ? MBEDTLS_PK_ECKEY : MBEDTLS_PK_RSA));

    csr_len = read_object(CST_CMD_GET_CSR, cn_req, sizeof cn_req, csr_der, sizeof csr_der);
    CHECK(csr_len > 0);
    mbedtls_x509_csr_init(&csr);
    CHECK(mbedtls_x509_csr_parse_der(&csr, csr_der, csr_len) == 0);
    CHECK(mbedtls_x509_dn_gets(dn, sizeof dn, &csr.subject) > 0 && strcmp(dn, "CN=psa-0001") == 0);
    CHECK(csr.sig_md == md);
    CHECK(mbedtls_md(info, csr.cri.p, csr.cri.len, hash) == 0);
    CHECK(mbedtls_pk_verify(&csr.pk, md, hash, mbedtls_md_get_size(info), csr.sig.p, csr.sig.len) == 0);

    memcpy(challenge, CST_POP_LABEL, CST_POP_LABEL_LEN);
    memset(challenge + CST_POP_LABEL_LEN, 0x42, sizeof challenge - CST_POP_LABEL_LEN);
    p = request(CST_CMD_SIGN_CHALLENGE, challenge, sizeof challenge, &rt, &rl);
    CHECK(p && rt == (CST_CMD_SIGN_CHALLENGE | CST_RESPONSE_BIT));
    if (p) {
        size_t sl = rl;
        memcpy(sig, p, rl);
        CHECK(mbedtls_md(info, challenge, sizeof challenge, hash) == 0);
        if (alg == CST_ALG_P256 || alg == CST_ALG_P384) {
            CHECK(rl == (alg == CST_ALG_P256 ? 64u : 96u));
            CHECK(cst_ecdsa_p1363_to_der(sig, rl / 2, der_sig, sizeof der_sig, &sl) == CST_OK);
            CHECK(mbedtls_pk_verify(&pk, md, hash, mbedtls_md_get_size(info), der_sig, sl) == 0);
        } else {
            CHECK(rl == 256);
            CHECK(mbedtls_pk_verify(&pk, md, hash, mbedtls_md_get_size(info), sig, sl) == 0);
        }
    }
    mbedtls_x509_csr_free(&csr);
    mbedtls_pk_free(&pk);
    printf("psa-test: %s: key generated in PSA, SPKI, CSR and challenge signature verified by mbedTLS\n", name);
}

int main(void)
{
    static uint8_t rx[CST_FRAME_BUFFER_SIZE(1024)], tx[CST_FRAME_BUFFER_SIZE(1024)], csr[1536], spki[640];
    struct cst_agent_config cfg;
    uint8_t rt, bad = 0x09;
    size_t rl;
    const uint8_t *p;
    if (psa_crypto_init() != PSA_SUCCESS) {
        fprintf(stderr, "psa_crypto_init failed\n");
        return 1;
    }
    psa_device_key_open(&dev.key, 0);
    memset(&cfg, 0, sizeof cfg);
    cfg.port = &test_port, cfg.user = &dev, cfg.rx = rx, cfg.tx = tx, cfg.max_payload = 1024;
    cfg.csr = csr, cfg.csr_cap = sizeof csr, cfg.spki = spki, cfg.spki_cap = sizeof spki, cfg.capabilities = 0x7F;
    CHECK(cst_agent_init(&agent, &cfg) == CST_OK);

    p = request(CST_CMD_GET_PUBLIC_KEY, (const uint8_t *)"\0\0\0\0\0\x40", 6, &rt, &rl);
    CHECK(p && rt == CST_TYPE_ERROR && p[2] == CST_ERR_NO_KEY);
    p = request(CST_CMD_GENERATE_KEY, &bad, 1, &rt, &rl);
    CHECK(p && rt == CST_TYPE_ERROR && p[2] == CST_ERR_UNSUPPORTED_ALGORITHM);

    exercise(CST_ALG_P256, "P-256");
    exercise(CST_ALG_P384, "P-384");
    exercise(CST_ALG_RSA2048, "RSA-2048");
    if (failures) {
        fprintf(stderr, "psa-test: %d check(s) failed\n", failures);
        return 1;
    }
    printf("psa-test: all checks passed\n");
    return 0;
}
