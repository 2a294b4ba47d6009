/* The receiver of §2.1: hunt, header, body, resynchronisation, inter-byte timeout. */
#ifndef CUSTODIAN_FRAME_READER_H
#define CUSTODIAN_FRAME_READER_H

#include "custodian/agent.h"

void cst_reader_init(struct cst_frame_reader *r, uint8_t *buf, uint16_t max_payload, uint32_t inter_byte_ms);
/* Take one byte; 1 when buf now holds one complete, CRC-checked frame. */
int cst_reader_push(struct cst_frame_reader *r, uint8_t byte, uint32_t now_ms, struct cst_agent_stats *stats);
/* The delivered frame has been handled; 1 when the bytes left behind it hold another whole frame. */
int cst_reader_consume(struct cst_frame_reader *r, struct cst_agent_stats *stats);
void cst_reader_tick(struct cst_frame_reader *r, uint32_t now_ms, struct cst_agent_stats *stats);

#endif
