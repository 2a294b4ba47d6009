/*
 * BATCH (docs/device-protocol.md §4.8): entries run in order, each exactly
 * as if it had come alone, stopping at the first that fails; their replies
 * are built entry by entry into the reply buffer.
 */
#include "agent_internal.h"

#define ENTRY_HEADER 3u

/* A batch that is not whole entries, is empty, or nests HELLO or BATCH is refused before anything runs. */
static int well_formed(const uint8_t *req, size_t len)
{
    size_t pos = 0;
    if (len == 0) return 0;
    while (pos < len) {
        size_t body;
        if (len - pos < ENTRY_HEADER) return 0;
        if (req[pos] == CST_CMD_HELLO || req[pos] == CST_CMD_BATCH) return 0;
        body = be16(req + pos + 1);
        if (body > len - pos - ENTRY_HEADER) return 0;
        pos += ENTRY_HEADER + body;
    }
    return 1;
}

int cst_batch_run(struct cst_agent *a, const uint8_t *req, size_t len, struct cst_writer *w)
{
    size_t pos = 0;
    if (!(a->cfg.capabilities & CST_CAP_BATCH)) return cst_refuse(a, CST_ERR_UNKNOWN_COMMAND, "BATCH not supported");
    if (!well_formed(req, len)) return cst_refuse(a, CST_ERR_BAD_REQUEST, "malformed batch");
    while (pos < len) {
        uint8_t type = req[pos];
        size_t body = be16(req + pos + 1);
        uint8_t *head = wr_reserve(w, ENTRY_HEADER);
        struct cst_writer entry;
        int code;
        if (!head) return cst_refuse(a, CST_ERR_TOO_LARGE, "batch reply full");
        wr_init(&entry, w->p + w->len, w->cap - w->len);
        a->error_message = NULL;
        code = cst_command_run(a, type, req + pos + ENTRY_HEADER, body, &entry);
        if (code == CST_OK && entry.overflow) code = cst_refuse(a, CST_ERR_TOO_LARGE, "reply does not fit the batch");
        if (code != CST_OK) {
            wr_init(&entry, w->p + w->len, w->cap - w->len);
            cst_error_payload(&entry, type, code, a->error_message);
        }
        head[0] = code == CST_OK ? (uint8_t)(type | CST_RESPONSE_BIT) : CST_TYPE_ERROR;
        head[1] = (uint8_t)(entry.len >> 8);
        head[2] = (uint8_t)entry.len;
        w->len += entry.len;
        if (code != CST_OK) break;
        pos += ENTRY_HEADER + body;
    }
    return CST_OK;
}
