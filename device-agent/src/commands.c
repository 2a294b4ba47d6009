/*
 * Command handlers (docs/device-protocol.md §4): one request payload in, the
 * reply payload out, or a protocol error. The same code runs for a request
 * in a frame of its own and for a BATCH entry.
 */
#include "agent_internal.h"

#define PORT(a) ((a)->cfg.port)
#define USER(a) ((a)->cfg.user)

static int has_key(struct cst_agent *a)
{
    return PORT(a)->key_algorithm(USER(a)) != CST_ALG_NONE;
}

static int valid_target(const struct cst_agent *a, uint8_t t)
{
    return t == CST_TARGET_LEAF || t == CST_TARGET_CHAIN || (t == CST_TARGET_ANCHORS && (a->cfg.capabilities & CST_CAP_TRUST_ANCHORS));
}

static void put_str(struct cst_writer *w, const struct cst_str *s)
{
    wr_u8(w, s->len);
    wr_bytes(w, s->bytes, s->len);
}

static int same(const struct cst_str *s, const uint8_t *p, size_t n)
{
    return s->len == n && (n == 0 || memcmp(s->bytes, p, n) == 0);
}

/* IDENTIFY (§4.2); with a request body it is the guarded IDENTIFY. */
static int identify(struct cst_agent *a, struct cst_reader *r, struct cst_writer *w)
{
    struct cst_identity id;
    const struct cst_str *effective;
    uint8_t store = 0;
    memset(&id, 0, sizeof id);
    PORT(a)->identity(USER(a), &id);
    effective = id.device_id.len ? &id.device_id : &id.hardware_serial;
    if (r && rd_left(r) > 0) {
        uint8_t n = rd_u8(r);
        const uint8_t *want_id = rd_bytes(r, n);
        uint8_t m = rd_u8(r);
        const uint8_t *want_serial = rd_bytes(r, m);
        if (r->bad) return cst_refuse(a, CST_ERR_BAD_REQUEST, "malformed guard");
        if (!same(effective, want_id, n) || !same(&id.hardware_serial, want_serial, m))
            return cst_refuse(a, CST_ERR_IDENTITY_MISMATCH, "not the device named");
    }
    if (has_key(a)) store |= CST_STORE_KEY;
    if (PORT(a)->object_size(USER(a), CST_TARGET_LEAF)) store |= CST_STORE_LEAF;
    if (PORT(a)->object_size(USER(a), CST_TARGET_CHAIN)) store |= CST_STORE_CHAIN;
    if (PORT(a)->is_locked(USER(a))) store |= CST_STORE_LOCKED;
    put_str(w, &id.device_id);
    put_str(w, &id.hardware_serial);
    put_str(w, &id.model);
    put_str(w, &id.firmware);
    wr_u8(w, CST_PROTOCOL_VERSION);
    wr_u16(w, a->cfg.capabilities);
    wr_u16(w, a->cfg.max_payload);
    wr_u8(w, store);
    return CST_OK;
}

static int hello(struct cst_agent *a, struct cst_reader *r, struct cst_writer *w)
{
    uint8_t min = rd_u8(r), max = rd_u8(r);
    uint16_t station = rd_u16(r);
    if (r->bad) return cst_refuse(a, CST_ERR_BAD_REQUEST, "short HELLO");
    a->station_max = station < CST_MIN_PAYLOAD ? CST_MIN_PAYLOAD : station > CST_MAX_PAYLOAD ? CST_MAX_PAYLOAD : station;
    if (CST_PROTOCOL_VERSION < min || CST_PROTOCOL_VERSION > max) return cst_refuse(a, CST_ERR_VERSION, "device speaks version 1");
    wr_u8(w, CST_PROTOCOL_VERSION);
    wr_u16(w, a->cfg.max_payload);
    wr_u32(w, a->cfg.boot_id);
    if (a->cfg.announce_identity) {
        /* Optional (§4.1): left out when it does not fit a small buffer; the station then asks IDENTIFY. */
        size_t without = w->len;
        if (identify(a, NULL, w) != CST_OK || w->overflow) {
            w->len = without;
            w->overflow = 0;
        }
    }
    return CST_OK;
}

/*
 * A chunked read (§4.4): [u32 total][u8 flags][data]. Data comes from `mem`
 * when the object is in RAM, else from the store's `target`.
 */
static int chunk(struct cst_agent *a, struct cst_writer *w, uint32_t offset, uint16_t max_len, uint32_t total, uint8_t flags,
                 const uint8_t *mem, uint8_t target)
{
    uint32_t n = max_len;
    uint8_t *dst;
    size_t limit = cst_reply_limit(a) - 5u;
    if (offset > total) return cst_refuse(a, CST_ERR_BAD_REQUEST, "offset beyond object");
    if (n > limit) n = (uint32_t)limit;
    if (n > total - offset) n = total - offset;
    if (n == 0 && offset < total) return cst_refuse(a, CST_ERR_BAD_REQUEST, "maxLen too small");
    wr_u32(w, total);
    wr_u8(w, flags);
    dst = wr_reserve(w, n);
    if (!dst) return cst_refuse(a, CST_ERR_TOO_LARGE, "reply does not fit");
    if (n == 0) return CST_OK;
    if (mem) {
        memcpy(dst, mem + offset, n);
        return CST_OK;
    }
    return PORT(a)->object_read(USER(a), target, offset, dst, n);
}

static int need(struct cst_agent *a, uint16_t cap)
{
    return (a->cfg.capabilities & cap) ? CST_OK : cst_refuse(a, CST_ERR_UNKNOWN_COMMAND, "not supported");
}

#define TRY(expr)                      \
    do {                               \
        int rc_ = (expr);              \
        if (rc_ != CST_OK) return rc_; \
    } while (0)

static int generate_key(struct cst_agent *a, struct cst_reader *r)
{
    uint8_t alg;
    TRY(need(a, CST_CAP_KEYGEN));
    alg = rd_u8(r);
    if (r->bad) return cst_refuse(a, CST_ERR_BAD_REQUEST, "no algorithm");
    if (alg < CST_ALG_P256 || alg > CST_ALG_RSA4096) return cst_refuse(a, CST_ERR_UNSUPPORTED_ALGORITHM, "unknown algorithm id");
    if (PORT(a)->is_locked(USER(a))) return cst_refuse(a, CST_ERR_LOCKED, "credential store is locked");
    TRY(PORT(a)->generate_key(USER(a), alg));
    a->csr_valid = 0; /* a CSR of the old key */
    return CST_OK;
}

static int load_spki(struct cst_agent *a, size_t *len)
{
    if (!has_key(a)) return cst_refuse(a, CST_ERR_NO_KEY, "no key generated");
    return PORT(a)->public_key(USER(a), a->cfg.spki, a->cfg.spki_cap, len);
}

static int get_public_key(struct cst_agent *a, struct cst_reader *r, struct cst_writer *w)
{
    size_t len = 0;
    uint32_t offset;
    uint16_t max_len;
    TRY(need(a, CST_CAP_RAW_PUBLIC_KEY));
    TRY(load_spki(a, &len));
    offset = rd_u32(r);
    max_len = rd_u16(r);
    if (r->bad) return cst_refuse(a, CST_ERR_BAD_REQUEST, "short read request");
    return chunk(a, w, offset, max_len, (uint32_t)len, 0, a->cfg.spki, 0);
}

static int get_csr(struct cst_agent *a, struct cst_reader *r, struct cst_writer *w)
{
    uint32_t offset;
    uint16_t max_len;
    uint8_t cn_len;
    const uint8_t *cn;
    uint8_t cn_hash[32];
    struct cst_sha256 h;
    TRY(need(a, CST_CAP_CSR));
    if (!has_key(a)) return cst_refuse(a, CST_ERR_NO_KEY, "no key generated");
    offset = rd_u32(r);
    max_len = rd_u16(r);
    cn_len = rd_u8(r);
    cn = rd_bytes(r, cn_len);
    if (r->bad) return cst_refuse(a, CST_ERR_BAD_REQUEST, "short CSR request");
    if (cn_len == 0) return cst_refuse(a, CST_ERR_BAD_REQUEST, "empty CN");
    /* The CN is remembered by its hash: 32 bytes instead of up to 255. */
    cst_sha256_init(&h);
    cst_sha256_update(&h, cn, cn_len);
    cst_sha256_final(&h, cn_hash);
    if (offset == 0) {
        a->csr_valid = 0;
        TRY(PORT(a)->build_csr(USER(a), cn, cn_len, a->cfg.csr, a->cfg.csr_cap, &a->csr_len));
        memcpy(a->csr_cn_hash, cn_hash, 32);
        a->csr_valid = 1;
    } else if (!a->csr_valid || memcmp(a->csr_cn_hash, cn_hash, 32) != 0) {
        return cst_refuse(a, CST_ERR_BAD_STATE, "no CSR in progress for this CN");
    }
    return chunk(a, w, offset, max_len, (uint32_t)a->csr_len, 0, a->cfg.csr, 0);
}

static int sign_challenge(struct cst_agent *a, const uint8_t *req, size_t len, struct cst_writer *w)
{
    size_t sig_len = 0;
    int rc;
    TRY(need(a, CST_CAP_CHALLENGE));
    if (!has_key(a)) return cst_refuse(a, CST_ERR_NO_KEY, "no key generated");
    if (len < CST_MIN_CHALLENGE || len > CST_MAX_CHALLENGE || memcmp(req, CST_POP_LABEL, CST_POP_LABEL_LEN) != 0)
        return cst_refuse(a, CST_ERR_BAD_REQUEST, "challenge must carry the custodian-pop-v1 label");
    rc = PORT(a)->sign(USER(a), req, len, w->p + w->len, w->cap - w->len, &sig_len);
    if (rc == CST_OK) w->len += sig_len;
    return rc;
}

static int write_begin(struct cst_agent *a, struct cst_reader *r)
{
    uint8_t target = rd_u8(r);
    uint32_t total = rd_u32(r);
    const uint8_t *sha = rd_bytes(r, 32);
    if (r->bad) return cst_refuse(a, CST_ERR_BAD_REQUEST, "short WRITE_BEGIN");
    if (!valid_target(a, target)) return cst_refuse(a, CST_ERR_BAD_REQUEST, "unknown target");
    if (PORT(a)->is_locked(USER(a))) return cst_refuse(a, CST_ERR_LOCKED, "credential store is locked");
    if (total == 0 || total > CST_MAX_OBJECT) return cst_refuse(a, CST_ERR_TOO_LARGE, "object size");
    if (target == CST_TARGET_LEAF && !has_key(a)) return cst_refuse(a, CST_ERR_NO_KEY, "no key generated");
    TRY(PORT(a)->stage_begin(USER(a), target, total));
    a->write_active = 1;
    a->write_target = target;
    a->write_total = total;
    a->write_offset = 0;
    memcpy(a->write_sha, sha, 32);
    cst_sha256_init(&a->write_hash);
    return CST_OK;
}

static int write_chunk(struct cst_agent *a, struct cst_reader *r)
{
    uint32_t offset;
    size_t n;
    if (!a->write_active) return cst_refuse(a, CST_ERR_WRITE_SEQUENCE, "no WRITE_BEGIN");
    offset = rd_u32(r);
    if (r->bad) return cst_refuse(a, CST_ERR_BAD_REQUEST, "short WRITE_CHUNK");
    n = rd_left(r);
    if (offset != a->write_offset) return cst_refuse(a, CST_ERR_WRITE_SEQUENCE, "chunk out of order");
    if (n > a->write_total - a->write_offset) return cst_refuse(a, CST_ERR_TOO_LARGE, "chunk beyond declared total");
    if (n == 0) return CST_OK;
    TRY(PORT(a)->stage_write(USER(a), offset, r->p + r->pos, n));
    cst_sha256_update(&a->write_hash, r->p + r->pos, n);
    a->write_offset += (uint32_t)n;
    return CST_OK;
}

static int write_end(struct cst_agent *a)
{
    uint8_t digest[32];
    int was_active = a->write_active;
    a->write_active = 0;
    if (!was_active || a->write_offset != a->write_total) return cst_refuse(a, CST_ERR_WRITE_SEQUENCE, "object incomplete");
    cst_sha256_final(&a->write_hash, digest);
    if (memcmp(digest, a->write_sha, 32) != 0) return cst_refuse(a, CST_ERR_HASH_MISMATCH, "SHA-256 mismatch");
    TRY(cst_check_certificates(a, a->write_target, a->write_total));
    return PORT(a)->stage_commit(USER(a), a->write_target);
}

static int read_certs(struct cst_agent *a, struct cst_reader *r, struct cst_writer *w)
{
    uint8_t target = rd_u8(r);
    uint32_t offset;
    uint16_t max_len;
    if (r->bad || !valid_target(a, target)) return cst_refuse(a, CST_ERR_BAD_REQUEST, "unknown target");
    offset = rd_u32(r);
    max_len = rd_u16(r);
    if (r->bad) return cst_refuse(a, CST_ERR_BAD_REQUEST, "short read request");
    return chunk(a, w, offset, max_len, PORT(a)->object_size(USER(a), target), PORT(a)->is_locked(USER(a)) ? 1u : 0u, NULL, target);
}

static int commit(struct cst_agent *a, struct cst_reader *r)
{
    uint8_t flags = rd_u8(r);
    if (r->bad) return cst_refuse(a, CST_ERR_BAD_REQUEST, "no flags");
    if (!(flags & 1u)) return PORT(a)->flush ? PORT(a)->flush(USER(a)) : CST_OK;
    TRY(need(a, CST_CAP_LOCK));
    if (PORT(a)->object_size(USER(a), CST_TARGET_LEAF) == 0) return cst_refuse(a, CST_ERR_BAD_STATE, "no leaf installed");
    return PORT(a)->lock(USER(a));
}

int cst_command_run(struct cst_agent *a, uint8_t type, const uint8_t *req, size_t len, struct cst_writer *w)
{
    struct cst_reader r;
    rd_init(&r, req, len);
    switch (type) {
    case CST_CMD_HELLO: return hello(a, &r, w);
    case CST_CMD_IDENTIFY: return identify(a, &r, w);
    case CST_CMD_GENERATE_KEY: return generate_key(a, &r);
    case CST_CMD_GET_PUBLIC_KEY: return get_public_key(a, &r, w);
    case CST_CMD_GET_CSR: return get_csr(a, &r, w);
    case CST_CMD_SIGN_CHALLENGE: return sign_challenge(a, req, len, w);
    case CST_CMD_WRITE_BEGIN: return write_begin(a, &r);
    case CST_CMD_WRITE_CHUNK: return write_chunk(a, &r);
    case CST_CMD_WRITE_END: return write_end(a);
    case CST_CMD_READ_CERTS: return read_certs(a, &r, w);
    case CST_CMD_COMMIT: return commit(a, &r);
    default: return cst_refuse(a, CST_ERR_UNKNOWN_COMMAND, "unknown command");
    }
}
