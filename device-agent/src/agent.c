/*
 * The agent's entry points: configuration, byte input, the inter-byte timer,
 * and one reply frame per request frame.
 */
#include "agent_internal.h"

#include "custodian/crc32.h"
#include "frame_reader.h"

int cst_agent_init(struct cst_agent *a, const struct cst_agent_config *cfg)
{
    const struct cst_port *p = cfg->port;
    memset(a, 0, sizeof *a);
    if (!p || !cfg->rx || !cfg->tx || cfg->rx == cfg->tx || !cfg->spki || cfg->max_payload < CST_MIN_PAYLOAD ||
        cfg->max_payload > CST_MAX_PAYLOAD)
        return CST_ERR_BAD_REQUEST;
    if (!p->send || !p->identity || !p->key_algorithm || !p->public_key || !p->object_size || !p->object_read ||
        !p->stage_begin || !p->stage_write || !p->stage_read || !p->stage_commit || !p->is_locked)
        return CST_ERR_BAD_REQUEST;
    if (((cfg->capabilities & CST_CAP_KEYGEN) && !p->generate_key) || ((cfg->capabilities & CST_CAP_CSR) && (!p->build_csr || !cfg->csr)) ||
        ((cfg->capabilities & CST_CAP_CHALLENGE) && !p->sign) || ((cfg->capabilities & CST_CAP_LOCK) && !p->lock))
        return CST_ERR_BAD_REQUEST;
    a->cfg = *cfg;
    cst_reader_init(&a->reader, cfg->rx, cfg->max_payload, cfg->inter_byte_ms ? cfg->inter_byte_ms : CST_DEFAULT_INTER_BYTE_MS);
    cst_agent_reset(a);
    return CST_OK;
}

void cst_agent_reset(struct cst_agent *a)
{
    a->station_max = CST_MAX_PAYLOAD;
    a->csr_valid = 0;
    a->csr_len = 0;
    a->write_active = 0;
    a->reader.len = 0;
}

void cst_error_payload(struct cst_writer *w, uint8_t command, int code, const char *message)
{
    size_t n = message ? strlen(message) : 0;
    size_t room;
    wr_u8(w, command);
    wr_u16(w, (uint16_t)code);
    room = w->cap - w->len;
    if (n > room) n = room;
    if (n > 200) n = 200;
    wr_bytes(w, (const uint8_t *)message, n);
}

static void answer(struct cst_agent *a)
{
    const uint8_t *rx = a->cfg.rx;
    uint8_t *tx = a->cfg.tx;
    uint8_t type = rx[3];
    struct cst_writer w;
    int code;
    uint32_t crc;
    size_t end;

    a->stats.frames++;
    a->error_message = NULL;
    wr_init(&w, tx + CST_HEADER_SIZE, cst_reply_limit(a));
    if (type == CST_CMD_BATCH)
        code = cst_batch_run(a, rx + CST_HEADER_SIZE, be16(rx + 6), &w);
    else
        code = cst_command_run(a, type, rx + CST_HEADER_SIZE, be16(rx + 6), &w);
    if (code == CST_OK && w.overflow) code = cst_refuse(a, CST_ERR_TOO_LARGE, "reply too large");
    /* HELLO may have changed the limit; an ERROR always fits the smallest one. */
    if (code != CST_OK) {
        wr_init(&w, tx + CST_HEADER_SIZE, cst_reply_limit(a));
        cst_error_payload(&w, type, code, a->error_message);
    }
    tx[0] = CST_SOF0;
    tx[1] = CST_SOF1;
    tx[2] = CST_FRAME_VERSION;
    tx[3] = code == CST_OK ? (uint8_t)(type | CST_RESPONSE_BIT) : CST_TYPE_ERROR;
    tx[4] = rx[4];
    tx[5] = rx[5];
    tx[6] = (uint8_t)(w.len >> 8);
    tx[7] = (uint8_t)w.len;
    end = CST_HEADER_SIZE + w.len;
    crc = cst_crc32(tx + 2, end - 2);
    tx[end] = (uint8_t)(crc >> 24);
    tx[end + 1] = (uint8_t)(crc >> 16);
    tx[end + 2] = (uint8_t)(crc >> 8);
    tx[end + 3] = (uint8_t)crc;
    (void)a->cfg.port->send(a->cfg.user, tx, end + CST_CRC_SIZE);
}

void cst_agent_input(struct cst_agent *a, const uint8_t *data, size_t len, uint32_t now_ms)
{
    size_t i;
    for (i = 0; i < len; i++) {
        int ready = cst_reader_push(&a->reader, data[i], now_ms, &a->stats);
        while (ready) {
            answer(a);
            ready = cst_reader_consume(&a->reader, &a->stats);
        }
    }
}

void cst_agent_tick(struct cst_agent *a, uint32_t now_ms)
{
    cst_reader_tick(&a->reader, now_ms, &a->stats);
}
