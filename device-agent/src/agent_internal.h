/* What the agent's translation units share; not part of the public API. */
#ifndef CUSTODIAN_AGENT_INTERNAL_H
#define CUSTODIAN_AGENT_INTERNAL_H

#include "bytes.h"
#include "custodian/agent.h"

/* Largest reply payload: the device's buffer and what the station said it takes. */
static inline size_t cst_reply_limit(const struct cst_agent *a)
{
    return a->cfg.max_payload < a->station_max ? a->cfg.max_payload : a->station_max;
}

/* Refuse with `code`; the message goes to the station's log. */
static inline int cst_refuse(struct cst_agent *a, int code, const char *message)
{
    a->error_message = message;
    return code;
}

/* One ordinary command (never BATCH): its reply payload into w, or an error code. */
int cst_command_run(struct cst_agent *a, uint8_t type, const uint8_t *req, size_t len, struct cst_writer *w);

/* BATCH (§4.8): the entries' replies into w, or an error code for the batch as a whole. */
int cst_batch_run(struct cst_agent *a, const uint8_t *req, size_t len, struct cst_writer *w);

/* ERROR payload (§5): u8 command, u16 code, message, cut to what w holds. */
void cst_error_payload(struct cst_writer *w, uint8_t command, int code, const char *message);

/* WRITE_END's checks of the staged object (§4.6, §4.9): CST_OK, BAD_CERT or KEY_MISMATCH. */
int cst_check_certificates(struct cst_agent *a, uint8_t target, uint32_t total);

#endif
