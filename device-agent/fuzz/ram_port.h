/* A port in RAM with stand-in crypto, for the fuzzer: fast, deterministic, no files. */
#ifndef CUSTODIAN_RAM_PORT_H
#define CUSTODIAN_RAM_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "custodian/port.h"
#include "custodian/protocol.h"

struct ram_device {
    uint8_t algorithm;
    uint8_t locked;
    uint8_t objects[3][CST_MAX_OBJECT];
    uint32_t sizes[3];
    uint8_t staging[CST_MAX_OBJECT];
    uint32_t staged;
    uint32_t staging_total;
    size_t sent_frames;
    size_t sent_bytes;
    uint16_t limit; /* replies must not exceed this payload */
    uint8_t last[96]; /* the start of the last reply, for unit tests */
    size_t last_len;
};

extern const struct cst_port ram_port;
void ram_device_reset(struct ram_device *d);

#endif
