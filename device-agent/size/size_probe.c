/*
 * Size probe: the protocol core as firmware would hold it, for the
 * Cortex-M4 size measurement (make size, scripts/agent-size.ts). One agent,
 * its receive and reply buffers at SIZE_MAX_PAYLOAD, and the CSR and SPKI
 * buffers of an ECDSA (P-256/P-384) device. The port is the firmware's and
 * not counted: its table is left empty here.
 */
#include "custodian/agent.h"

#ifndef SIZE_MAX_PAYLOAD
#define SIZE_MAX_PAYLOAD 4096
#endif

void size_probe_entry(void);

static struct cst_agent agent;
static uint8_t rx[CST_FRAME_BUFFER_SIZE(SIZE_MAX_PAYLOAD)];
static uint8_t tx[CST_FRAME_BUFFER_SIZE(SIZE_MAX_PAYLOAD)];
static uint8_t csr[512];  /* P-384 CSR with a 255-byte CN */
static uint8_t spki[128]; /* P-384 SPKI is 120 bytes */
static struct cst_port port;
static volatile uint8_t wire[16];
static volatile uint32_t clock_ms;

void size_probe_entry(void)
{
    struct cst_agent_config cfg = {0};
    cfg.port = &port;
    cfg.rx = rx;
    cfg.tx = tx;
    cfg.max_payload = SIZE_MAX_PAYLOAD;
    cfg.csr = csr;
    cfg.csr_cap = sizeof csr;
    cfg.spki = spki;
    cfg.spki_cap = sizeof spki;
    cfg.capabilities = 0x7F;
    (void)cst_agent_init(&agent, &cfg);
    for (;;) {
        cst_agent_input(&agent, (const uint8_t *)wire, sizeof wire, clock_ms);
        cst_agent_tick(&agent, clock_ms);
        if (wire[0] == 0) cst_agent_reset(&agent);
    }
}
