/*
 * libFuzzer target: arbitrary bytes from the "station" into a fresh agent,
 * through the frame reader and the command dispatcher (BATCH included).
 *
 * Input layout: byte 0 picks the device's max payload and how the rest is
 * split into reads (a UART delivers any split); every split also advances
 * the clock, sometimes past the inter-byte timeout. The rest is the wire,
 * or, with bit 7 set, records [u8 type][u16 length][payload] that the
 * harness wraps into frames with a correct CRC: the mutations then reach
 * the command handlers instead of dying at the CRC check.
 * The seed corpus (fuzz/corpus/) is what the station sent in real
 * provisioning runs against the agent.
 */
#include <stdint.h>
#include <string.h>

#include "custodian/agent.h"
#include "custodian/crc32.h"
#include "ram_port.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ram_device dev;
static uint8_t rx[CST_FRAME_BUFFER_SIZE(CST_MAX_PAYLOAD)];
static uint8_t tx[CST_FRAME_BUFFER_SIZE(CST_MAX_PAYLOAD)];
static uint8_t csr[300];
static uint8_t spki[128];
static uint8_t frame[CST_FRAME_BUFFER_SIZE(CST_MAX_PAYLOAD)];

/* Records into CRC-correct frames, one cst_agent_input() per frame. */
static void framed(struct cst_agent *agent, const uint8_t *p, size_t size)
{
    uint16_t id = 1;
    uint32_t now = 1000;
    while (size >= 3) {
        size_t len = ((size_t)p[1] << 8) | p[2];
        uint32_t crc;
        if (len > size - 3) len = size - 3;
        if (len > CST_MAX_PAYLOAD) len = CST_MAX_PAYLOAD;
        frame[0] = CST_SOF0;
        frame[1] = CST_SOF1;
        frame[2] = CST_FRAME_VERSION;
        frame[3] = p[0];
        frame[4] = (uint8_t)(id >> 8);
        frame[5] = (uint8_t)id;
        frame[6] = (uint8_t)(len >> 8);
        frame[7] = (uint8_t)len;
        memcpy(frame + 8, p + 3, len);
        crc = cst_crc32(frame + 2, 6 + len);
        frame[8 + len] = (uint8_t)(crc >> 24);
        frame[9 + len] = (uint8_t)(crc >> 16);
        frame[10 + len] = (uint8_t)(crc >> 8);
        frame[11 + len] = (uint8_t)crc;
        cst_agent_input(agent, frame, len + CST_FRAME_OVERHEAD, now++);
        id++;
        p += 3 + len;
        size -= 3 + len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint16_t payloads[4] = {4096, 512, 256, 64};
    struct cst_agent agent;
    struct cst_agent_config cfg;
    uint32_t now = 1000;
    size_t pos = 1, step;
    if (size < 1) return 0;
    ram_device_reset(&dev);
    memset(&cfg, 0, sizeof cfg);
    cfg.port = &ram_port;
    cfg.user = &dev;
    cfg.rx = rx;
    cfg.tx = tx;
    cfg.max_payload = payloads[data[0] & 3u];
    cfg.csr = csr;
    cfg.csr_cap = sizeof csr;
    cfg.spki = spki;
    cfg.spki_cap = sizeof spki;
    cfg.capabilities = 0x7F;
    cfg.boot_id = 0x1A2B3C4Du;
    cfg.announce_identity = (uint8_t)((data[0] >> 2) & 1u);
    if (cst_agent_init(&agent, &cfg) != CST_OK) __builtin_trap();
    dev.limit = cfg.max_payload;
    if (data[0] & 0x80u) {
        framed(&agent, data + 1, size - 1);
        return 0;
    }
    /* Bits 3..6: 0 feeds everything at once, else reads of that many bytes. */
    step = (size_t)((data[0] >> 3) & 0x0Fu);
    while (pos < size) {
        size_t n = step == 0 ? size - pos : step;
        if (n > size - pos) n = size - pos;
        cst_agent_input(&agent, data + pos, n, now);
        pos += n;
        now += (data[pos - 1] & 0x0Fu) == 0x0Fu ? 250u : 1u;
        cst_agent_tick(&agent, now);
    }
    return 0;
}
