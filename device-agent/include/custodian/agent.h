/*
 * The Custodian device agent: the device side of docs/device-protocol.md.
 *
 * One struct cst_agent per serial link; no global state, no allocation. The
 * caller provides the buffers and the clock:
 *
 *     static uint8_t rx[CST_FRAME_BUFFER_SIZE(1024)], tx[CST_FRAME_BUFFER_SIZE(1024)];
 *     static uint8_t csr[512], spki[128];
 *     struct cst_agent agent;
 *     struct cst_agent_config cfg = { .port = &my_port, .user = &my_dev, ... };
 *     cst_agent_init(&agent, &cfg);
 *     for (;;) {                         // main loop, never the UART interrupt
 *         n = uart_ring_take(buf, sizeof buf);
 *         cst_agent_input(&agent, buf, n, millis());
 *         cst_agent_tick(&agent, millis());
 *     }
 */
#ifndef CUSTODIAN_AGENT_H
#define CUSTODIAN_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "custodian/port.h"
#include "custodian/protocol.h"
#include "custodian/sha256.h"

/* Bytes of a frame buffer for a given max payload (header + payload + CRC). */
#define CST_FRAME_BUFFER_SIZE(max_payload) ((max_payload) + CST_FRAME_OVERHEAD)

struct cst_agent_config {
    const struct cst_port *port;
    void *user;
    /* Receive and reply buffers, each CST_FRAME_BUFFER_SIZE(max_payload) bytes. */
    uint8_t *rx;
    uint8_t *tx;
    uint16_t max_payload; /* 64..4096, announced at HELLO */
    /* The cached CSR (§4.4): sized for the largest CSR the device makes. */
    uint8_t *csr;
    size_t csr_cap;
    /* The device SPKI, for GET_PUBLIC_KEY and the leaf's KEY_MISMATCH check. */
    uint8_t *spki;
    size_t spki_cap;
    uint16_t capabilities; /* CST_CAP_* */
    uint32_t boot_id;      /* random or incrementing, fixed from power-on */
    uint8_t announce_identity; /* HELLO carries the IDENTIFY response (§4.1) */
    uint32_t inter_byte_ms;    /* 0: the protocol default, 200 ms */
};

/* Frame reader (§2.1) state. */
struct cst_frame_reader {
    uint8_t *buf;
    size_t len;
    uint16_t max_payload;
    uint32_t last_byte_ms;
    uint32_t inter_byte_ms;
};

/* Counters for diagnostics and tests. */
struct cst_agent_stats {
    uint32_t frames;
    uint32_t crc_errors;
    uint32_t dropped_headers;
    uint32_t timeouts;
};

struct cst_agent {
    struct cst_agent_config cfg;
    struct cst_frame_reader reader;
    struct cst_agent_stats stats;
    uint16_t station_max;
    /* CSR cache: its length and the SHA-256 of the CN it was made for. */
    size_t csr_len;
    uint8_t csr_cn_hash[32];
    uint8_t csr_valid;
    /* Write session (§4.6), lost on reset like the RAM it lives in. */
    uint8_t write_active;
    uint8_t write_target;
    uint32_t write_total;
    uint32_t write_offset;
    uint8_t write_sha[32];
    struct cst_sha256 write_hash;
    const char *error_message;
};

/* Returns CST_OK, or CST_ERR_BAD_REQUEST for an unusable configuration. */
int cst_agent_init(struct cst_agent *a, const struct cst_agent_config *cfg);

/*
 * Feed received bytes; every complete request is executed and answered
 * (through port->send) before this returns. `now_ms` is a free-running
 * millisecond counter (wrapping is fine).
 */
void cst_agent_input(struct cst_agent *a, const uint8_t *data, size_t len, uint32_t now_ms);

/* Call periodically: drops a partial frame after the inter-byte timeout. */
void cst_agent_tick(struct cst_agent *a, uint32_t now_ms);

/* Volatile state lost, as on a reset (CSR cache, write session). */
void cst_agent_reset(struct cst_agent *a);

#endif
