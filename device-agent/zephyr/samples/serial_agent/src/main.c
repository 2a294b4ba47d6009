/*
 * Custodian device agent on a Zephyr UART (the console UART unless the
 * devicetree chooses zephyr,custodian-uart). Bytes arrive in the UART
 * interrupt and go into a ring buffer; the main thread feeds the agent and
 * the agent answers through uart_poll_out. Keys are PSA Crypto keys
 * (persistent ID 0x00C57001); the credential store here is RAM, which a
 * product replaces with a flash partition (docs/device-agent.md, "Store").
 */
#include <string.h>
#include <zephyr/device.h>
#include <zephyr/drivers/uart.h>
#include <zephyr/drivers/hwinfo.h>
#include <zephyr/kernel.h>
#include <zephyr/random/random.h>
#include <zephyr/sys/ring_buffer.h>

#include "custodian/agent.h"
#include "psa_key.h"

#if DT_HAS_CHOSEN(zephyr_custodian_uart)
#define AGENT_UART DT_CHOSEN(zephyr_custodian_uart)
#else
#define AGENT_UART DT_CHOSEN(zephyr_console)
#endif
#define MAX_PAYLOAD CONFIG_CUSTODIAN_AGENT_MAX_PAYLOAD

static const struct device *const uart = DEVICE_DT_GET(AGENT_UART);
RING_BUF_DECLARE(rx_ring, 512);
static K_SEM_DEFINE(rx_ready, 0, 1);

static uint8_t rx[CST_FRAME_BUFFER_SIZE(MAX_PAYLOAD)], tx[CST_FRAME_BUFFER_SIZE(MAX_PAYLOAD)];
static uint8_t csr[512], spki[128];
static struct psa_device_key key;
static struct cst_agent agent;
static char serial[33];

/* RAM credential store: objects and one staging slot. */
static uint8_t objects[3][4096], staging[4096];
static uint32_t sizes[3], staged;
static bool locked;

static void uart_isr(const struct device *dev, void *user)
{
    uint8_t b[32];
    int n;
    ARG_UNUSED(user);
    while (uart_irq_update(dev) && uart_irq_rx_ready(dev)) {
        n = uart_fifo_read(dev, b, sizeof b);
        if (n > 0) ring_buf_put(&rx_ring, b, (uint32_t)n);
        k_sem_give(&rx_ready);
    }
}

static int z_send(void *user, const uint8_t *f, size_t len)
{
    ARG_UNUSED(user);
    for (size_t i = 0; i < len; i++) uart_poll_out(uart, f[i]);
    return CST_OK;
}

static void z_identity(void *user, struct cst_identity *out)
{
    static const char model[] = "zephyr-sample", fw[] = "1.0.0";
    ARG_UNUSED(user);
    out->device_id.len = 0; /* the station uses the hardware serial */
    out->hardware_serial.bytes = (const uint8_t *)serial, out->hardware_serial.len = (uint8_t)strlen(serial);
    out->model.bytes = (const uint8_t *)model, out->model.len = sizeof model - 1;
    out->firmware.bytes = (const uint8_t *)fw, out->firmware.len = sizeof fw - 1;
}

static uint8_t z_alg(void *u) { ARG_UNUSED(u); return psa_key_algorithm(&key); }
static int z_gen(void *u, uint8_t a) { ARG_UNUSED(u); sizes[CST_TARGET_LEAF] = 0; return psa_key_generate(&key, a); }
static int z_pub(void *u, uint8_t *o, size_t c, size_t *l) { ARG_UNUSED(u); return psa_key_public(&key, o, c, l); }
static int z_csr(void *u, const uint8_t *cn, size_t n, uint8_t *o, size_t c, size_t *l) { ARG_UNUSED(u); return psa_key_csr(&key, cn, n, o, c, l); }
static int z_sign(void *u, const uint8_t *m, size_t n, uint8_t *s, size_t c, size_t *l) { ARG_UNUSED(u); return psa_key_sign(&key, m, n, s, c, l); }
static uint32_t z_size(void *u, uint8_t t) { ARG_UNUSED(u); return t < 3 ? sizes[t] : 0; }
static int z_read(void *u, uint8_t t, uint32_t o, uint8_t *b, size_t n) { ARG_UNUSED(u); memcpy(b, objects[t] + o, n); return CST_OK; }
static int z_sbegin(void *u, uint8_t t, uint32_t total) { ARG_UNUSED(u); ARG_UNUSED(t); staged = 0; return total <= sizeof staging ? CST_OK : CST_ERR_TOO_LARGE; }
static int z_swrite(void *u, uint32_t o, const uint8_t *p, size_t n) { ARG_UNUSED(u); memcpy(staging + o, p, n); staged = o + n; return CST_OK; }
static int z_sread(void *u, uint32_t o, uint8_t *b, size_t n) { ARG_UNUSED(u); memcpy(b, staging + o, n); return CST_OK; }
static int z_scommit(void *u, uint8_t t) { ARG_UNUSED(u); memcpy(objects[t], staging, staged); sizes[t] = staged; return CST_OK; }
static int z_locked(void *u) { ARG_UNUSED(u); return locked; }
static int z_lock(void *u) { ARG_UNUSED(u); locked = true; return CST_OK; }

static const struct cst_port port = {
    .send = z_send, .identity = z_identity, .key_algorithm = z_alg, .generate_key = z_gen, .public_key = z_pub,
    .build_csr = z_csr, .sign = z_sign, .object_size = z_size, .object_read = z_read, .stage_begin = z_sbegin,
    .stage_write = z_swrite, .stage_read = z_sread, .stage_commit = z_scommit, .is_locked = z_locked, .lock = z_lock,
};

int main(void)
{
    uint8_t id[16], chunk[64];
    ssize_t n = hwinfo_get_device_id(id, sizeof id);
    struct cst_agent_config cfg = {
        .port = &port, .rx = rx, .tx = tx, .max_payload = MAX_PAYLOAD, .csr = csr, .csr_cap = sizeof csr,
        .spki = spki, .spki_cap = sizeof spki, .capabilities = 0x7F, .boot_id = sys_rand32_get(), .announce_identity = 1,
    };
    for (ssize_t i = 0; i < n && i < 16; i++) snprintk(serial + 2 * i, 3, "%02X", id[i]);
    psa_crypto_init();
    psa_device_key_open(&key, 0x00C57001);
    cst_agent_init(&agent, &cfg);
    uart_irq_callback_user_data_set(uart, uart_isr, NULL);
    uart_irq_rx_enable(uart);
    for (;;) {
        uint32_t got;
        k_sem_take(&rx_ready, K_MSEC(50));
        while ((got = ring_buf_get(&rx_ring, chunk, sizeof chunk)) > 0) cst_agent_input(&agent, chunk, got, k_uptime_get_32());
        cst_agent_tick(&agent, k_uptime_get_32());
    }
    return 0;
}
