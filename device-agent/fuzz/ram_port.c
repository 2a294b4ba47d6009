/*
 * The fuzzer's port. Crypto is a stand-in (a fixed P-256 SPKI, constant
 * signatures) so the fuzzer spends its time in the protocol core. Every
 * reply the agent sends is checked here: one well-formed frame, within
 * the payload limit, or the fuzzer aborts.
 */
#include "ram_port.h"

#include <stdlib.h>
#include <string.h>

#include "custodian/crc32.h"

/* A valid P-256 SubjectPublicKeyInfo header; the point bytes are arbitrary. */
static const uint8_t SPKI_HEAD[27] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06,
                                      0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};

void ram_device_reset(struct ram_device *d)
{
    d->algorithm = CST_ALG_NONE;
    d->locked = 0;
    memset(d->sizes, 0, sizeof d->sizes);
    d->staged = 0;
    d->staging_total = 0;
    d->sent_frames = 0;
    d->sent_bytes = 0;
    d->limit = CST_MAX_PAYLOAD;
    d->last_len = 0;
}

static int ram_send(void *user, const uint8_t *f, size_t len)
{
    struct ram_device *d = user;
    size_t plen;
    uint32_t crc;
    if (len < CST_FRAME_OVERHEAD || f[0] != CST_SOF0 || f[1] != CST_SOF1 || f[2] != CST_FRAME_VERSION) abort();
    plen = ((size_t)f[6] << 8) | f[7];
    if (plen + CST_FRAME_OVERHEAD != len || plen > d->limit) abort();
    crc = ((uint32_t)f[len - 4] << 24) | ((uint32_t)f[len - 3] << 16) | ((uint32_t)f[len - 2] << 8) | f[len - 1];
    if (crc != cst_crc32(f + 2, len - 6)) abort();
    if (!(f[3] & CST_RESPONSE_BIT)) abort();
    d->sent_frames++;
    d->sent_bytes += len;
    d->last_len = len < sizeof d->last ? len : sizeof d->last;
    memcpy(d->last, f, d->last_len);
    return CST_OK;
}

static void ram_identity(void *user, struct cst_identity *out)
{
    static const uint8_t id[] = "fuzz-0001", serial[] = "HWFUZZ01", model[] = "ram", fw[] = "1";
    (void)user;
    out->device_id.bytes = id, out->device_id.len = sizeof id - 1;
    out->hardware_serial.bytes = serial, out->hardware_serial.len = sizeof serial - 1;
    out->model.bytes = model, out->model.len = sizeof model - 1;
    out->firmware.bytes = fw, out->firmware.len = sizeof fw - 1;
}

static uint8_t ram_algorithm(void *user) { return ((struct ram_device *)user)->algorithm; }

static int ram_generate(void *user, uint8_t alg)
{
    struct ram_device *d = user;
    if (alg != CST_ALG_P256) return CST_ERR_UNSUPPORTED_ALGORITHM;
    d->algorithm = alg;
    d->sizes[CST_TARGET_LEAF] = 0;
    return CST_OK;
}

static int ram_public_key(void *user, uint8_t *out, size_t cap, size_t *len)
{
    (void)user;
    if (cap < 91) return CST_ERR_TOO_LARGE;
    memcpy(out, SPKI_HEAD, sizeof SPKI_HEAD);
    memset(out + sizeof SPKI_HEAD, 0x11, 91 - sizeof SPKI_HEAD);
    *len = 91;
    return CST_OK;
}

static int ram_csr(void *user, const uint8_t *cn, size_t cn_len, uint8_t *out, size_t cap, size_t *len)
{
    (void)user;
    if (cn_len + 2 > cap) return CST_ERR_TOO_LARGE;
    out[0] = 0x30;
    out[1] = (uint8_t)cn_len;
    memcpy(out + 2, cn, cn_len);
    *len = cn_len + 2;
    return CST_OK;
}

static int ram_sign(void *user, const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t cap, size_t *sig_len)
{
    (void)user;
    (void)msg;
    (void)msg_len;
    if (cap < 64) return CST_ERR_TOO_LARGE;
    memset(sig, 0x5A, 64);
    *sig_len = 64;
    return CST_OK;
}

static uint32_t ram_size(void *user, uint8_t t) { return t < 3 ? ((struct ram_device *)user)->sizes[t] : 0; }

static int ram_read(void *user, uint8_t t, uint32_t offset, uint8_t *buf, size_t len)
{
    struct ram_device *d = user;
    if (t >= 3 || offset > d->sizes[t] || len > d->sizes[t] - offset) abort(); /* the core never reads past an object */
    memcpy(buf, d->objects[t] + offset, len);
    return CST_OK;
}

static int ram_stage_begin(void *user, uint8_t t, uint32_t total)
{
    struct ram_device *d = user;
    if (t >= 3 || total == 0 || total > CST_MAX_OBJECT) abort();
    d->staged = 0;
    d->staging_total = total;
    return CST_OK;
}

static int ram_stage_write(void *user, uint32_t offset, const uint8_t *data, size_t len)
{
    struct ram_device *d = user;
    if (offset != d->staged || len > d->staging_total - d->staged) abort();
    memcpy(d->staging + offset, data, len);
    d->staged += (uint32_t)len;
    return CST_OK;
}

static int ram_stage_read(void *user, uint32_t offset, uint8_t *buf, size_t len)
{
    struct ram_device *d = user;
    if (offset > d->staged || len > d->staged - offset) abort();
    memcpy(buf, d->staging + offset, len);
    return CST_OK;
}

static int ram_stage_commit(void *user, uint8_t t)
{
    struct ram_device *d = user;
    if (t >= 3 || d->staged != d->staging_total) abort();
    memcpy(d->objects[t], d->staging, d->staged);
    d->sizes[t] = d->staged;
    return CST_OK;
}

static int ram_is_locked(void *user) { return ((struct ram_device *)user)->locked; }

static int ram_lock(void *user)
{
    ((struct ram_device *)user)->locked = 1;
    return CST_OK;
}

const struct cst_port ram_port = {
    .send = ram_send,
    .identity = ram_identity,
    .key_algorithm = ram_algorithm,
    .generate_key = ram_generate,
    .public_key = ram_public_key,
    .build_csr = ram_csr,
    .sign = ram_sign,
    .object_size = ram_size,
    .object_read = ram_read,
    .stage_begin = ram_stage_begin,
    .stage_write = ram_stage_write,
    .stage_read = ram_stage_read,
    .stage_commit = ram_stage_commit,
    .is_locked = ram_is_locked,
    .lock = ram_lock,
    .flush = NULL,
};
