/*
 * Unit tests of the protocol core with the RAM port: the CRC and SHA-256
 * check values, two agents on two links at once (no shared state), and the
 * inter-byte timeout driven only by the caller's clock, across a wrap.
 */
#include <stdio.h>
#include <string.h>

#include "custodian/agent.h"
#include "custodian/crc32.h"
#include "ram_port.h"

static int failures;
#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                              \
        }                                                                            \
    } while (0)

struct link {
    struct ram_device dev;
    struct cst_agent agent;
    uint8_t rx[CST_FRAME_BUFFER_SIZE(256)], tx[CST_FRAME_BUFFER_SIZE(256)], csr[300], spki[128];
};

static struct link links[2];

static void start(struct link *l)
{
    struct cst_agent_config cfg;
    ram_device_reset(&l->dev);
    memset(&cfg, 0, sizeof cfg);
    cfg.port = &ram_port, cfg.user = &l->dev, cfg.rx = l->rx, cfg.tx = l->tx, cfg.max_payload = 256;
    cfg.csr = l->csr, cfg.csr_cap = sizeof l->csr, cfg.spki = l->spki, cfg.spki_cap = sizeof l->spki;
    cfg.capabilities = 0x7F, cfg.boot_id = 7;
    l->dev.limit = 256;
    CHECK(cst_agent_init(&l->agent, &cfg) == CST_OK);
}

static size_t frame(uint8_t *f, uint8_t type, uint16_t id, const uint8_t *p, size_t len)
{
    uint32_t crc;
    f[0] = CST_SOF0, f[1] = CST_SOF1, f[2] = CST_FRAME_VERSION, f[3] = type;
    f[4] = (uint8_t)(id >> 8), f[5] = (uint8_t)id, f[6] = (uint8_t)(len >> 8), f[7] = (uint8_t)len;
    if (len) memcpy(f + 8, p, len);
    crc = cst_crc32(f + 2, 6 + len);
    f[8 + len] = (uint8_t)(crc >> 24), f[9 + len] = (uint8_t)(crc >> 16), f[10 + len] = (uint8_t)(crc >> 8), f[11 + len] = (uint8_t)crc;
    return len + 12;
}

/* The last reply's type and, for an error, its code. */
static uint8_t reply_type(const struct link *l) { return l->dev.last_len >= 12 ? l->dev.last[3] : 0; }
static unsigned reply_error(const struct link *l) { return l->dev.last_len >= 11 ? ((unsigned)l->dev.last[9] << 8) | l->dev.last[10] : 0; }

static void check_values(void)
{
    static const uint8_t abc_digest[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                           0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    struct cst_sha256 h;
    uint8_t d[32];
    CHECK(cst_crc32((const uint8_t *)"123456789", 9) == 0xCBF43926u);
    cst_sha256_init(&h);
    cst_sha256_update(&h, (const uint8_t *)"abc", 3);
    cst_sha256_final(&h, d);
    CHECK(memcmp(d, abc_digest, 32) == 0);
}

/* Two links interleaved byte by byte: each agent sees only its own frames and keeps its own write session. */
static void two_links(void)
{
    static const uint8_t begin[37] = {CST_TARGET_CHAIN, 0, 0, 0, 10};
    static const uint8_t chunk[5] = {0, 0, 0, 0, 0x30};
    uint8_t fa[64], fb[64];
    size_t na, nb, i;
    start(&links[0]);
    start(&links[1]);
    na = frame(fa, CST_CMD_WRITE_BEGIN, 1, begin, sizeof begin);
    nb = frame(fb, CST_CMD_IDENTIFY, 1, NULL, 0);
    for (i = 0; i < na || i < nb; i++) {
        if (i < na) cst_agent_input(&links[0].agent, fa + i, 1, 10);
        if (i < nb) cst_agent_input(&links[1].agent, fb + i, 1, 10);
    }
    CHECK(links[0].dev.sent_frames == 1 && reply_type(&links[0]) == (CST_CMD_WRITE_BEGIN | CST_RESPONSE_BIT));
    CHECK(links[1].dev.sent_frames == 1 && reply_type(&links[1]) == (CST_CMD_IDENTIFY | CST_RESPONSE_BIT));
    /* A's write session is A's: a chunk on B is out of sequence, the same chunk on A is taken. */
    nb = frame(fb, CST_CMD_WRITE_CHUNK, 2, chunk, sizeof chunk);
    cst_agent_input(&links[1].agent, fb, nb, 11);
    CHECK(reply_type(&links[1]) == CST_TYPE_ERROR && reply_error(&links[1]) == CST_ERR_WRITE_SEQUENCE);
    na = frame(fa, CST_CMD_WRITE_CHUNK, 2, chunk, sizeof chunk);
    cst_agent_input(&links[0].agent, fa, na, 11);
    CHECK(reply_type(&links[0]) == (CST_CMD_WRITE_CHUNK | CST_RESPONSE_BIT));
}

/* The 200 ms inter-byte timeout, measured only from the clock the caller passes. */
static void timeouts(uint32_t t0)
{
    struct link *l = &links[0];
    uint8_t f[32];
    size_t n = frame(f, CST_CMD_IDENTIFY, 9, NULL, 0);
    start(l);
    cst_agent_input(&l->agent, f, 6, t0);
    cst_agent_tick(&l->agent, t0 + 199u);
    cst_agent_input(&l->agent, f + 6, n - 6, t0 + 199u);
    CHECK(l->dev.sent_frames == 1);
    cst_agent_input(&l->agent, f, 6, t0 + 1000u);
    cst_agent_tick(&l->agent, t0 + 1200u);
    CHECK(l->agent.stats.timeouts == 1);
    cst_agent_input(&l->agent, f + 6, n - 6, t0 + 1200u);
    CHECK(l->dev.sent_frames == 1);
    /* A gap seen only at the next byte counts the same as one seen by the tick. */
    cst_agent_input(&l->agent, f, 6, t0 + 2000u);
    cst_agent_input(&l->agent, f + 6, n - 6, t0 + 2300u);
    CHECK(l->dev.sent_frames == 1 && l->agent.stats.timeouts == 2);
    cst_agent_input(&l->agent, f, n, t0 + 2400u);
    CHECK(l->dev.sent_frames == 2);
}

int main(void)
{
    check_values();
    two_links();
    timeouts(1000u);
    timeouts(0xFFFFFF00u); /* across the 32-bit wrap */
    if (failures) {
        fprintf(stderr, "core-test: %d check(s) failed\n", failures);
        return 1;
    }
    printf("core-test: all checks passed\n");
    return 0;
}
