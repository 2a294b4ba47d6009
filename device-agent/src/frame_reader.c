/*
 * Frame receiver (docs/device-protocol.md §2.1) over one buffer of
 * 12 + max_payload bytes. Bytes before a SOF are never stored. A header
 * that fails (version, length) or a body whose CRC fails drops only its
 * first SOF byte, and the bytes already buffered are scanned again: a real
 * frame that began inside a false one is still found.
 */
#include "frame_reader.h"

#include <string.h>

#include "bytes.h"
#include "custodian/crc32.h"

void cst_reader_init(struct cst_frame_reader *r, uint8_t *buf, uint16_t max_payload, uint32_t inter_byte_ms)
{
    r->buf = buf;
    r->len = 0;
    r->max_payload = max_payload;
    r->last_byte_ms = 0;
    r->inter_byte_ms = inter_byte_ms;
}

/* Drop the first SOF byte and move to the next possible SOF already buffered. */
static void resync(struct cst_frame_reader *r)
{
    size_t i;
    for (i = 1; i < r->len; i++) {
        if (r->buf[i] == CST_SOF0 && (i + 1 == r->len || r->buf[i + 1] == CST_SOF1)) {
            memmove(r->buf, r->buf + i, r->len - i);
            r->len -= i;
            return;
        }
    }
    r->len = 0;
}

/* 1: a whole valid frame; 0: need more bytes. Resynchronises as often as needed. */
static int evaluate(struct cst_frame_reader *r, struct cst_agent_stats *stats)
{
    while (r->len >= CST_HEADER_SIZE) {
        uint16_t plen = be16(r->buf + 6);
        size_t whole = (size_t)plen + CST_FRAME_OVERHEAD;
        if (r->buf[2] != CST_FRAME_VERSION || plen > r->max_payload) {
            stats->dropped_headers++;
            resync(r);
            continue;
        }
        if (r->len < whole) return 0;
        if (cst_crc32(r->buf + 2, whole - 2 - CST_CRC_SIZE) == be32(r->buf + whole - CST_CRC_SIZE)) return 1;
        stats->crc_errors++;
        resync(r);
    }
    return 0;
}

int cst_reader_push(struct cst_frame_reader *r, uint8_t byte, uint32_t now_ms, struct cst_agent_stats *stats)
{
    if (r->len > 0 && (uint32_t)(now_ms - r->last_byte_ms) >= r->inter_byte_ms) {
        stats->timeouts++;
        r->len = 0;
    }
    r->last_byte_ms = now_ms;
    if (r->len == 0) {
        if (byte == CST_SOF0) r->buf[r->len++] = byte;
        return 0;
    }
    if (r->len == 1) {
        if (byte == CST_SOF1) r->buf[r->len++] = byte;
        else if (byte != CST_SOF0) r->len = 0; /* a repeated 0xA5 may still start a frame */
        return 0;
    }
    /* The header check at 8 bytes bounds len by 12 + max_payload. */
    r->buf[r->len++] = byte;
    return evaluate(r, stats);
}

int cst_reader_consume(struct cst_frame_reader *r, struct cst_agent_stats *stats)
{
    /* Bytes after the frame (left over from a resynchronisation) are scanned as new input. */
    size_t whole = (size_t)be16(r->buf + 6) + CST_FRAME_OVERHEAD;
    size_t i;
    for (i = whole; i < r->len; i++) {
        if (r->buf[i] == CST_SOF0 && (i + 1 == r->len || r->buf[i + 1] == CST_SOF1)) break;
    }
    memmove(r->buf, r->buf + i, r->len - i);
    r->len -= i;
    return evaluate(r, stats);
}

void cst_reader_tick(struct cst_frame_reader *r, uint32_t now_ms, struct cst_agent_stats *stats)
{
    if (r->len > 0 && (uint32_t)(now_ms - r->last_byte_ms) >= r->inter_byte_ms) {
        stats->timeouts++;
        r->len = 0;
    }
}
